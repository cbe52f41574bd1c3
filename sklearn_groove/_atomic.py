"""Files are written whole or not at all: into a temporary file beside the target, then renamed over it.

A failed or interrupted write (an error, Ctrl-C, a full disk) leaves the
target, and any input of the same name, as they were; two processes writing
one target leave one complete file, the last to finish.
"""

import contextlib
import os
import tempfile

__all__ = ["atomic_path", "write_bytes"]


@contextlib.contextmanager
def atomic_path(target):
    """A temporary path beside ``target`` to write; renamed to ``target`` when the block ends without error.

    The new file gets the permissions a plain ``open(target, "w")`` would
    give (or the old file's, where there was one).

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_groove._atomic import atomic_path
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_path(target) as path:
    ...     with open(path, "w") as f:
    ...         _ = f.write("whole")
    >>> open(target).read()
    'whole'
    """
    target = os.fspath(target)
    folder, name = os.path.split(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, _mode(target))
        os.replace(tmp, target)
    except BaseException:  # Ctrl-C included: the target stays as it was
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode(target):
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_bytes(target, data):
    """Write ``data`` to ``target`` atomically (see :func:`atomic_path`)."""
    with atomic_path(target) as path:
        with open(path, "wb") as f:
            f.write(data)

"""The Groove MIDI Dataset loader."""

import csv
import hashlib
import os
import shutil
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .._hvo import STEPS_PER_BAR, split_hvo
from ..midi._pitchmaps import pitch_table
from ..midi._reading import onsets_to_hvo, parse, read_bytes, step_bpm
from ..midi._windows import window_hvo

__all__ = ["fetch_groove", "get_data_home"]

#: The official MIDI-only archive: URL, size in bytes and SHA-256.
ARCHIVE = (
    "https://storage.googleapis.com/magentadata/datasets/groove/groove-v1.0.0-midionly.zip",
    3260318,
    "651cbc524ffb891be1a3e46d89dc82a1cecb09a57c748c7b45b844c4841dcc1e",
)
#: Bump when parsing or windowing changes what the loader returns: it keys the cache.
PARSER_VERSION = 1
_SUBSETS = ("train", "validation", "test", "all")
_META = ("drummer", "session", "style", "beat_type", "midi_filename")

DESCR = """\
Groove MIDI Dataset (GMD) v1.0.0
--------------------------------
1,150 MIDI files (about 13.6 hours) of 10 drummers playing a Roland TD-11
electronic kit to a click, with drummer, style, tempo, beat/fill and the
official train / validation / test split.

This loader keeps the 4/4 files, maps the TD-11 pitches to 9 voices, puts
every hit on its nearest 16th note (the loudest wins where one voice has
several hits on one step), and slides windows of ``bars`` bars with a hop of
``hop_bars`` bars over each file; windows without a hit are dropped.

License: Creative Commons Attribution 4.0 International (CC BY 4.0).
Credit: Jon Gillick, Adam Roberts, Jesse Engel, Douglas Eck and David Bamman,
"Learning to Groove with Inverse Sequence Transformations", ICML 2019.
https://magenta.tensorflow.org/datasets/groove
"""


def get_data_home(data_home=None):
    """Return the folder where the Groove MIDI Dataset lives.

    By order of priority: ``data_home``, the environment variable
    ``SKLEARN_GROOVE_DATA``, then ``~/sklearn_groove_data``. A folder that
    holds ``info.csv`` is the dataset itself; otherwise the dataset is its
    subfolder ``groove``, where a download unpacks it.

    Examples
    --------
    >>> from sklearn_groove.datasets import get_data_home
    >>> str(get_data_home("/tmp/somewhere"))
    '/tmp/somewhere/groove'
    """
    home = data_home or os.environ.get("SKLEARN_GROOVE_DATA") or "~/sklearn_groove_data"
    home = Path(home).expanduser()
    return home if (home / "info.csv").is_file() else home / "groove"


def _cache_home():
    home = os.environ.get("SKLEARN_GROOVE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or "~/.cache", "sklearn_groove"
    )
    return Path(home).expanduser()


def _read_info(folder):
    with open(folder / "info.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    needed = {"split", "time_signature", "midi_filename", "bpm", *_META}
    if not rows or not needed <= set(rows[0]):
        raise ValueError(f"{folder / 'info.csv'}: not the GMD metadata (needs columns {sorted(needed)})")
    return [r for r in rows if r["time_signature"] == "4-4"]


def _fingerprint(folder, rows):
    """Changes when info.csv or any MIDI file changes (size or time)."""
    digest = hashlib.sha256((folder / "info.csv").read_bytes())
    for r in rows:
        st = os.stat(folder / r["midi_filename"])
        digest.update(f"{r['midi_filename']}:{st.st_size}:{st.st_mtime_ns};".encode())
    return digest.hexdigest()


def _parse_all(folder, filenames, bars, hop_bars, fingerprint, version):
    """Windows of every file: ``hvo, file index, start bar, bpm``.

    ``fingerprint`` and ``version`` are unused here: they key the joblib cache.
    """
    table, _ = pitch_table("gmd")
    windows, file_index, start_bars, bpm = [], [], [], []
    for i, filename in enumerate(filenames):
        data, name = read_bytes(folder / filename)
        onsets = parse(data, name)
        hvo, _ = onsets_to_hvo(onsets, table, name)
        w, start = window_hvo(hvo, bars=bars, hop_bars=hop_bars, pad_end=False)
        keep = split_hvo(w)[0].any(axis=(1, 2))
        windows.append(w[keep])
        start_bars.append(start[keep])
        file_index.append(np.full(int(keep.sum()), i))
        bpm.append(step_bpm(onsets, start[keep] * STEPS_PER_BAR))
    return (
        np.concatenate(windows),
        np.concatenate(file_index),
        np.concatenate(start_bars),
        np.concatenate(bpm).astype(np.float32),
    )


def _download(folder, archive=ARCHIVE, retries=3, backoff=1.0):
    """Download and unpack the official zip into ``folder``'s parent."""
    url, size, sha256 = archive
    target = folder.parent
    target.mkdir(parents=True, exist_ok=True)
    print(f"Downloading the Groove MIDI Dataset from {url} to {target}", file=sys.stderr)
    tmp = target / ".groove-download.zip.part"
    error = None
    for attempt in range(1, retries + 1):
        try:
            with urllib.request.urlopen(url, timeout=60) as response, open(tmp, "wb") as out:
                shutil.copyfileobj(response, out)
            data = tmp.read_bytes()
            if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
                raise OSError(f"checksum mismatch ({len(data)} bytes, expected {size})")
            with zipfile.ZipFile(tmp) as z:
                z.extractall(target)
            return
        except (OSError, zipfile.BadZipFile) as exc:
            error = exc
            if attempt < retries:
                time.sleep(backoff * 2 ** (attempt - 1))
        finally:
            tmp.unlink(missing_ok=True)
    raise OSError(f"could not download the Groove MIDI Dataset from {url} after {retries} tries: {error}")


def fetch_groove(
    *,
    subset="train",
    data_home=None,
    bars=2,
    hop_bars=1,
    download_if_missing=True,
    return_X_y=False,
):
    """Load the Groove MIDI Dataset as windows of hvo arrays.

    Parsed windows are cached with joblib (folder ``SKLEARN_GROOVE_CACHE``,
    default ``~/.cache/sklearn_groove``); the cache key holds the parameters,
    :data:`PARSER_VERSION` and a fingerprint of the files, so a second call
    is fast and a change to any of them parses again.

    Parameters
    ----------
    subset : {"train", "validation", "test", "all"}, default="train"
        The official split (column ``split`` of ``info.csv``).
    data_home : str or path-like, default=None
        Where the dataset lives, see :func:`get_data_home`.
    bars : int, default=2
        Window length in bars of 4/4 (16 steps a bar).
    hop_bars : int, default=1
        Bars between the starts of two windows.
    download_if_missing : bool, default=True
        Download the official MIDI-only archive (3.3 MB, checked against its
        SHA-256) if ``info.csv`` is missing.
    return_X_y : bool, default=False
        Return ``(hits, hvo)`` instead of a Bunch: the scores
        ``(n, bars * 16, 9)`` and the performances ``(n, bars * 16, 27)``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``hvo`` (n, bars * 16, 27) float32; ``bpm`` (n,) tempo at each
        window's start; ``drummer``, ``session``, ``style`` (as the GMD
        gives it: ``"funk/groove1"``), ``genre`` (its top level: ``"funk"``,
        the unit of the estimators' ``style``), ``beat_type`` ("beat" or "fill"), ``filename`` (the MIDI file, relative to the
        dataset folder), ``start_bar`` and ``split``, one per window;
        ``DESCR``, the description and credit of the dataset.
    (hits, hvo) : tuple of ndarrays
        With ``return_X_y=True``.

    Examples
    --------
    >>> from sklearn_groove.datasets import fetch_groove
    >>> test = fetch_groove(subset="test")             # doctest: +SKIP
    >>> test.hvo.shape                                  # doctest: +SKIP
    (2084, 32, 27)
    >>> X, y = fetch_groove(subset="validation", return_X_y=True)  # doctest: +SKIP
    """
    from joblib import Memory

    if subset not in _SUBSETS:
        raise ValueError(f"subset must be one of {_SUBSETS}, got {subset!r}")
    for label, value in (("bars", bars), ("hop_bars", hop_bars)):
        if not (isinstance(value, (int, np.integer)) and value >= 1):
            raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
    folder = get_data_home(data_home)
    if not (folder / "info.csv").is_file():
        if not download_if_missing:
            raise OSError(f"the Groove MIDI Dataset is not in {folder} and download_if_missing=False")
        _download(folder)
    rows = _read_info(folder)
    missing = [r["midi_filename"] for r in rows if not (folder / r["midi_filename"]).is_file()]
    if missing:
        raise OSError(f"{len(missing)} MIDI files listed in {folder / 'info.csv'} are missing, e.g. {missing[0]}")
    filenames = [r["midi_filename"] for r in rows]
    memory = Memory(_cache_home(), mmap_mode="r", verbose=0)
    hvo, file_index, start_bar, bpm = memory.cache(_parse_all)(
        folder, filenames, bars, hop_bars, _fingerprint(folder, rows), PARSER_VERSION
    )
    split = np.array([r["split"] for r in rows])[file_index]
    keep = np.ones(len(split), bool) if subset == "all" else split == subset
    hvo = np.array(hvo[keep])
    if return_X_y:
        return np.array(split_hvo(hvo)[0]), hvo
    meta = {key: np.array([r[key] for r in rows])[file_index[keep]] for key in _META}
    return Bunch(
        hvo=hvo,
        bpm=np.array(bpm[keep]),
        drummer=meta["drummer"],
        session=meta["session"],
        style=meta["style"],
        genre=np.array([s.split("/")[0] for s in meta["style"]]),
        beat_type=meta["beat_type"],
        filename=meta["midi_filename"],
        start_bar=np.array(start_bar[keep]),
        split=split[keep],
        DESCR=DESCR,
    )

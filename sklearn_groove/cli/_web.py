"""``sklearn-groove web``: the browser page (``web/``) served on this machine, or written out as static files.

The page plays the shipped models' ONNX files with ONNX Runtime Web, in the
browser: nothing is sent anywhere. Python only serves files: the built page
(``web/dist``, made by ``npm ci && npm run build`` in ``web/``), the shipped
ONNX files, and ``models/manifest.json``, which says what the page needs of
each task (the task registry's settings and the labels each file learned).
"""

import json
import os
import shutil
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .._hvo import VOICES
from ..tasks import TASKS

#: Where the page is built in a checkout of the repository (``npm run build`` in ``web/``).
BUILT = Path(__file__).resolve().parents[2] / "web" / "dist"


def manifest():
    """What the page needs of each task that has a shipped ONNX file: its file, labels and settings.

    Examples
    --------
    >>> from sklearn_groove.cli._web import manifest
    >>> tasks = manifest()["tasks"]
    >>> tasks["humanize"]["file"], tasks["tap2drum"]["writesHits"], tasks["humanize"]["takeTemperature"]
    ('models/humanize.onnx', True, 0.9)
    """
    from .. import pretrained
    from ..neural._export import onnx_labels
    from ..neural._runtime import onnx_session

    tasks = {}
    for task in TASKS.values():
        path = pretrained.WEIGHTS / f"{task.pretrained}.onnx"
        if not path.is_file():
            continue
        params = pretrained.info(task.pretrained)["params"]
        styles, drummers = onnx_labels(onnx_session(path))  # in the order of the file's label columns
        tasks[task.name] = {
            "file": f"models/{task.pretrained}.onnx", "model": task.pretrained, "help": task.help,
            "transformer": task.transformer, "writesHits": task.writes_hits, "keepsFeel": task.keeps_feel,
            "readsGroove": task.reads_groove, "takeTemperature": task.take_temperature,
            "voices": list(task.voices) if task.transformer == "VoiceRemover" else list(VOICES),
            "styles": styles, "drummers": drummers,
            "temperature": params.get("temperature", 0.0), "randomState": params.get("random_state", 0),
        }
    return {"voices": list(VOICES), "tasks": tasks}


def _page(root):
    """The built page: ``root``, else web/dist of this checkout, else web/dist of the current folder (a clone where
    the package was installed without -e)."""
    if root is None:
        root = next((p for p in (BUILT, Path.cwd() / "web" / "dist") if (p / "index.html").is_file()), BUILT)
    root = Path(root)
    if not (root / "index.html").is_file():
        raise ValueError(f"{root}: the page is not built there: run `npm ci && npm run build` in web/ (Node.js 20), "
                         "or give --root the folder of a built page")
    return root


def export(folder, root=None):
    """Write the page, the shipped ONNX files and their manifest into ``folder``: static files any web server can
    host (it must send ``.wasm`` as ``application/wasm``)."""
    from .. import pretrained

    page, folder = _page(root), Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder}: not empty; give a new or empty folder")
    shutil.copytree(page, folder, dirs_exist_ok=True)
    (folder / "models").mkdir(exist_ok=True)
    found = manifest()
    for task in found["tasks"].values():
        shutil.copy2(pretrained.WEIGHTS / Path(task["file"]).name, folder / task["file"])
    (folder / "models" / "manifest.json").write_text(json.dumps(found, indent=1))
    return folder


class _Handler(SimpleHTTPRequestHandler):
    """The page's files, the shipped ONNX files under /models/ and the manifest; cross-origin isolated, so that
    ONNX Runtime Web may use threads."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm", ".mjs": "text/javascript",
                      ".js": "text/javascript"}

    def __init__(self, *args, manifest_bytes, **kwargs):
        self.manifest_bytes = manifest_bytes
        super().__init__(*args, **kwargs)

    def end_headers(self):
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def translate_path(self, path):
        from .. import pretrained

        clean = path.split("?", 1)[0].split("#", 1)[0]
        if clean.startswith("/models/") and clean.endswith(".onnx"):
            name = os.path.basename(clean)
            return str(pretrained.WEIGHTS / name) if (pretrained.WEIGHTS / name).is_file() else "/nonexistent"
        return super().translate_path(path)

    def do_GET(self):
        if self.path.split("?", 1)[0] == "/models/manifest.json":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(self.manifest_bytes)))
            self.end_headers()
            self.wfile.write(self.manifest_bytes)
            return
        super().do_GET()

    def log_message(self, format, *args):  # quiet: one line a file would drown the address
        pass


def make_server(port=8765, root=None):
    """A server of the page on 127.0.0.1 (never another interface); ``port`` 0 picks a free one."""
    handler = partial(_Handler, directory=str(_page(root)), manifest_bytes=json.dumps(manifest()).encode())
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def _web(args):
    from ._players import _print

    if args.export:
        _print(f"wrote {export(args.export, args.root)}: host it as static files")
        return
    server = make_server(args.port, args.root)
    _print(f"sklearn-groove web: http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops it; nothing leaves "
           "this machine)")
    try:
        server.serve_forever()
    finally:
        server.server_close()

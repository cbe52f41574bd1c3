"""Speed of the browser page: humanizing the 225 s test song in headless Chromium, beside the command line.

    python benchmarks/web_speed.py [--data-home ../shared/data/groove] [--repeat 5]

The page (``sklearn-groove web``, built by ``npm ci && npm run build`` in web/) is driven by
``web/test/browser.mjs`` in Debian's Chromium: the song is uploaded and humanized ``--repeat``
times with the page's defaults (a take at 0.9, seed 0); the time is the page's own, from the
file's bytes to the performed file's bytes (reading, playing every window, writing), with the
model already loaded, as a musician who drops a second file waits. The first run pays
WebAssembly's warm-up and is reported apart. In the same run, the command line humanizes the same
song: ``sklearn-groove humanize SONG -o OUT``, each a new process, from its start to the written
file. Writes benchmarks/results/web_speed.json and .md.
"""

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _harness import add_data_home, write_results
from speed import SONG  # the command line's test song: 225 s, 108 bars

WEB = Path(__file__).resolve().parents[1] / "web"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_times(song, repeat, folder):
    """The page's times (ms) for ``repeat`` runs on ``song``, in one page, in Chromium."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "sklearn_groove.cli", "web", "--port", str(port)],
                              stderr=subprocess.PIPE, text=True)
    try:
        server.stderr.readline()  # its address: it is listening
        jobs = Path(folder) / "jobs.json"
        jobs.write_text(json.dumps([{"name": "song", "file": str(song), "task": "humanize", "seed": 0,
                                     "runs": repeat}]))
        done = subprocess.run(["node", "test/browser.mjs", f"http://127.0.0.1:{port}/", str(folder), str(jobs)],
                              cwd=WEB, check=True, capture_output=True, text=True)
        return json.loads(done.stdout.strip().splitlines()[-1])["results"]["song"]["ms"]
    finally:
        server.terminate()
        server.wait()


def cli_times(song, repeat, folder):
    """Seconds of ``repeat`` runs of the command line on ``song``, each a new process."""
    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sklearn_groove.cli", "humanize", str(song), "-o",
                        os.path.join(folder, "out.mid"), "-q"], check=True)
        seconds.append(time.perf_counter() - t0)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_home(parser)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    song = Path(args.data_home) / SONG
    with tempfile.TemporaryDirectory() as folder:
        page = page_times(song, args.repeat + 1, folder)
        cli = cli_times(song, args.repeat + 1, folder)
    chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True).stdout.strip()
    result = {
        "command": "python benchmarks/web_speed.py", "song": SONG, "repeat": args.repeat,
        "page_first_s": page[0] / 1000, "page_s_median": float(np.median(page[1:])) / 1000, "page_ms": page,
        "cli_first_s": cli[0], "cli_s_median": float(np.median(cli[1:])), "cli_s": cli,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores", "browser": chromium,
    }
    write_results("web_speed", result, [
        "# The browser page's speed: the 225 s test song humanized",
        "",
        f"`{result['command']}` on {SONG} (108 bars), {result['machine']}, {chromium}, headless.",
        "",
        "| | first run | median of the next " + str(args.repeat) + " |",
        "|---|---|---|",
        f"| page (the file's bytes to the performed file's, model loaded) | {page[0] / 1000:.2f} s | "
        f"{result['page_s_median']:.2f} s |",
        f"| command line (process start to written file) | {cli[0]:.2f} s | {result['cli_s_median']:.2f} s |",
    ])
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

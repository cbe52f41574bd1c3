"""Time and peak memory against the number of notes: reading a file, and humanizing it through the command line.

    python benchmarks/scale.py                       # 1k to 10M notes, this checkout
    python benchmarks/scale.py --baseline REPO_DIR   # also another checkout (such as landed main), same files

Each file is a type-0 MIDI file of drum note-ons under running status (3
bytes a note, as a dense sequencer export writes them), four or more notes a
16th note, up to the longest song accepted (``MAX_STEPS``). Each run is a
fresh process, timed by ``/usr/bin/time``-like accounting of its peak
resident memory (``resource.getrusage`` of the child). The humanizing runs
use the default humanize, which plays from its ONNX file (no torch).
A last file holds two notes nine hours apart (silence is not played). Writes
``benchmarks/results/scale.json``, ``scale.md`` and ``scale.png``.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import RESULTS, write_results

SIZES = (1_000, 10_000, 100_000, 1_000_000, 10_000_000)
PITCHES = (42, 36, 38, 51, 46, 45, 48, 50, 49)  # hi-hat, kick, snare, ride, then the rest


def write_notes_file(path, n_notes, max_steps=2**18 - 64, ticks_per_beat=480):
    """A type-0 drum file of ``n_notes`` note-ons (running status), at least four a step, within ``max_steps``."""
    import numpy as np

    per_step = max(4, -(-n_notes // max_steps))
    k = np.arange(n_notes)
    step = k // per_step
    delta = np.where(k % per_step == 0, ticks_per_beat // 4, 0)
    delta[0] = 0
    if (delta >= 128).any():
        raise ValueError("ticks_per_beat must keep a 16th note under 128 ticks")
    pitch = np.array(PITCHES)[k % per_step % len(PITCHES)]
    velocity = 40 + (k * 37 + step * 11) % 80
    events = np.stack([delta, pitch, velocity], axis=1).astype(np.uint8).ravel().tobytes()
    body = b"\x00\xff\x51\x03\x07\xa1\x20" + b"\x00\x99" + events[1:] + b"\x00\xff\x2f\x00"
    header = b"MThd" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big") + (1).to_bytes(2, "big")
    header += ticks_per_beat.to_bytes(2, "big")
    Path(path).write_bytes(header + b"MTrk" + len(body).to_bytes(4, "big") + body)


def write_far_apart(path, ticks_per_beat=480):
    """Two drum notes about nine hours apart at 120 bpm (the last step the reader accepts, less a bar)."""
    far = (2**18 - 40) * ticks_per_beat // 4
    delta = b"".join(bytes([((far >> s) & 0x7F) | (0x80 if s else 0)]) for s in (21, 14, 7, 0))
    body = b"\x00\x99\x24\x64" + delta + b"\x99\x26\x64\x00\xff\x2f\x00"
    header = b"MThd" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big") + (1).to_bytes(2, "big")
    Path(path).write_bytes(header + ticks_per_beat.to_bytes(2, "big") + b"MTrk" + len(body).to_bytes(4, "big")
                           + body)


def _in_child(write, *args):
    """Write a file in a child process: a child's peak memory counts its parent's at the time it was forked, so
    the big arrays that make a file must never live in this process."""
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import scale; scale.{write.__name__}(*sys.argv[1:2], *map(int, sys.argv[2:]))"
    subprocess.run([sys.executable, "-c", code, *map(str, args)], check=True)


def measure(command, cwd=None):
    """(seconds, peak resident MiB, exit status) of a command run as a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, process.returncode


def run(checkout, path, out):
    env_python = sys.executable
    read = [env_python, "-c", "import sys; from sklearn_groove.midi import midi_to_hvo; midi_to_hvo(sys.argv[1])",
            str(path)]
    humanize = [env_python, "-m", "sklearn_groove.cli", "humanize", str(path), "-o", str(out), "-q",
                "--force"]
    row = {}
    for name, command in (("read", read), ("humanize", humanize)):
        seconds, mib, code = measure(command, cwd=checkout)
        row[name] = {"seconds": round(seconds, 2), "peak_mib": round(mib, 1), "exit": code}
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--baseline", help="another checkout to run on the same files (its own code, this Python)")
    parser.add_argument("--baseline-up-to", type=int, default=1_000_000, help="largest file given to the baseline")
    parser.add_argument("--read-only", type=int, nargs="*", default=[21_000_000],
                        help="notes of files only read (21M: 60 MiB, near the 64 MB accepted)")
    args = parser.parse_args()
    here = Path(__file__).resolve().parent.parent
    result = {"command": "python benchmarks/scale.py " + " ".join(sys.argv[1:]), "machine": f"{os.cpu_count()} cores",
              "rows": []}
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            path = Path(folder) / f"notes_{n}.mid"
            _in_child(write_notes_file, path, n)
            row = {"notes": n, "file_mib": round(path.stat().st_size / 2**20, 2),
                   "this": run(here, path, Path(folder) / "out.mid")}
            if args.baseline and n <= args.baseline_up_to:
                row["baseline"] = run(args.baseline, path, Path(folder) / "out_baseline.mid")
            result["rows"].append(row)
            print(json.dumps(row), flush=True)
        for n in args.read_only:  # the largest files accepted (64 MB): read only
            path = Path(folder) / f"notes_{n}.mid"
            _in_child(write_notes_file, path, n)
            seconds, mib, code = measure([sys.executable, "-c", "import sys; from sklearn_groove.midi import "
                                          "midi_to_hvo; midi_to_hvo(sys.argv[1])", str(path)], cwd=here)
            row = {"notes": n, "file_mib": round(path.stat().st_size / 2**20, 2),
                   "this": {"read": {"seconds": round(seconds, 2), "peak_mib": round(mib, 1), "exit": code}}}
            result.setdefault("read_only", []).append(row)
            print(json.dumps(row), flush=True)
            path.unlink()
        path = Path(folder) / "far_apart.mid"
        _in_child(write_far_apart, path)
        result["far_apart"] = {"notes": 2, "this": run(here, path, Path(folder) / "out.mid")}
        if args.baseline:
            result["far_apart"]["baseline"] = run(args.baseline, path, Path(folder) / "out_baseline.mid")
        print(json.dumps(result["far_apart"]), flush=True)
    RESULTS.mkdir(exist_ok=True)
    write_results("scale", result, markdown(result))
    figure(result, RESULTS / "scale.png")


def markdown(result):
    lines = [f"# Scale: time and peak memory against notes\n\n`{result['command']}` ({result['machine']}; each "
             "figure one fresh process)\n",
             "| notes | file MiB | read s | read MiB | humanize s | humanize MiB | baseline read s / MiB | "
             "baseline humanize s / MiB |", "|---|---|---|---|---|---|---|---|"]
    for row in result["rows"]:
        this, base = row["this"], row.get("baseline")
        cells = [f"{row['notes']:,}", f"{row['file_mib']}", *(f"{this[k][m]}" for k in ("read", "humanize")
                                                            for m in ("seconds", "peak_mib"))]
        cells += [f"{base[k]['seconds']} / {base[k]['peak_mib']}" if base else "not run" for k in ("read", "humanize")]
        lines.append("| " + " | ".join(cells) + " |")
    for row in result.get("read_only", []):
        lines += ["", f"Reading only, {row['notes']:,} notes ({row['file_mib']} MiB): {row['this']['read']['seconds']} s, "
                  f"{row['this']['read']['peak_mib']} MiB"]
    far = result.get("far_apart")
    if far:
        base = far.get("baseline")
        lines += ["", "Two notes nine hours apart (`humanize`): "
                  f"{far['this']['humanize']['seconds']} s, {far['this']['humanize']['peak_mib']} MiB"
                  + (f"; baseline {base['humanize']['seconds']} s, {base['humanize']['peak_mib']} MiB" if base else "")]
    return "\n".join(lines) + "\n"


def figure(result, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for who, style in (("this", "-o"), ("baseline", "--s")):
        rows = [r for r in result["rows"] if who in r]
        if not rows:
            continue
        notes = [r["notes"] for r in rows]
        for task in ("read", "humanize"):
            axes[0].loglog(notes, [r[who][task]["seconds"] for r in rows], style, label=f"{task} ({who})")
            axes[1].loglog(notes, [r[who][task]["peak_mib"] for r in rows], style, label=f"{task} ({who})")
    axes[0].set(xlabel="notes", ylabel="seconds", title="time")
    axes[1].set(xlabel="notes", ylabel="peak resident MiB", title="memory")
    for ax in axes:
        ax.legend(fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    main()

"""Validation timing MAE against training wall time, for models trained by train_pretrained.py.

    python benchmarks/time_to_quality.py LABEL=trained/humanize.json [LABEL=...] [--target 18.9] [--budget 1200]

Each JSON written by ``benchmarks/train_pretrained.py --monitor mae`` holds the
validation MAE after every epoch and the epochs' durations (older files: their
mean). Writes benchmarks/results/time_to_quality.{md,png}: the learning curves,
and for each run the time it took to reach --target ms, and its best MAE within
--budget seconds of training.
"""

import argparse
import json
import shlex
from pathlib import Path

import numpy as np

from _harness import RESULTS



def curve(meta):
    """(cumulative seconds, validation MAE) after each epoch; a distilled model's start is its teacher's playing."""
    mae = np.asarray(meta["valid_mae"], dtype=float)
    seconds = np.asarray(meta.get("epoch_seconds") or [meta["seconds_per_epoch"]] * len(mae), dtype=float)
    return meta.get("distilled_from", {}).get("teacher_seconds", 0.0) + np.cumsum(seconds), mae


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="LABEL=PATH")
    parser.add_argument("--target", type=float, default=18.9)
    parser.add_argument("--budget", type=float, default=1200.0)
    parser.add_argument("--note", default="", help="a sentence on how the runs were measured")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = ["# Time to quality", "", f"`python benchmarks/time_to_quality.py {shlex.join(args.runs)}`: validation "
             f"timing MAE after each epoch against training wall time on this machine (2 cores); target "
             f"{args.target} ms within {args.budget / 60:g} minutes.", "",
             "| run | trained by | epochs | minutes to the target | best MAE within the budget (ms) | best MAE (ms) |",
             "|---|---|---|---|---|---|"]
    fig, ax = plt.subplots(figsize=(7, 4))
    for run in args.runs:
        label, path = run.split("=", 1)
        meta = json.loads(Path(path).read_text())
        seconds, mae = curve(meta)
        reached = seconds[mae <= args.target]
        within = mae[seconds <= args.budget]
        lines.append(f"| {label} | `{meta['command']}` | {len(mae)} | "
                     f"{f'{reached[0] / 60:.1f}' if len(reached) else 'not reached'} | "
                     f"{f'{within.min():.2f}' if len(within) else '-'} | {mae.min():.2f} |")
        ax.plot(seconds / 60, mae, marker="o", label=label)
    ax.axhline(args.target, color="grey", linestyle="--", linewidth=1)
    ax.axvline(args.budget / 60, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("training wall time (minutes, 2 cores)")
    ax.set_ylabel("validation timing MAE (ms)")
    ax.legend()
    RESULTS.mkdir(exist_ok=True)
    fig.savefig(RESULTS / "time_to_quality.png", dpi=110, bbox_inches="tight")
    notes = ["", args.note] if args.note else []
    (RESULTS / "time_to_quality.md").write_text("\n".join(lines + notes + ["", "![curves](time_to_quality.png)"]) + "\n")


if __name__ == "__main__":
    main()

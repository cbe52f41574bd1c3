"""The GMD's takes in meters other than 4/4, humanized in windows of their own bars against 2-bar windows of 4/4.

    python benchmarks/meters.py [--data-home ../shared/data/groove]

Each of the 12 files of the Groove MIDI Dataset that are not in 4/4 (3/4,
5/4, 5/8, 6/8; all splits, since the dataset's windows leave them out and no
model saw them) is read with its own timing; its hits are humanized by the
shipped ``humanize`` model at temperature 0, once in 2-bar windows of 4/4
(32 steps across the file's bar lines, what ``--any-meter`` did before) and
once in windows of 2 of its own bars (what the command line does now). Both
are scored against the drummer's take: timing MAE (ms, at the file's tempo)
and velocity MAE, on every hit. Results: benchmarks/results/meters.{json,md}.
"""

import argparse
import csv
from pathlib import Path

import numpy as np

from _harness import RESULTS, add_data_home, write_results



def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_home(parser)
    args = parser.parse_args()

    from sklearn_groove import pretrained, split_hvo
    from sklearn_groove.metrics import timing_mae_ms
    from sklearn_groove.midi import midi_to_hvo
    from sklearn_groove.songs import predict_song

    model = pretrained.load("humanize")
    with open(Path(args.data_home) / "info.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["time_signature"] != "4-4"]
    results, pooled = [], {"4/4 windows": [], "own bars": []}
    for row in rows:
        hvo, info = midi_to_hvo(Path(args.data_home) / row["midi_filename"], check_meter=False, return_info=True)
        num, den = (int(x) for x in row["time_signature"].split("-"))
        h, v, _ = split_hvo(hvo)
        entry = {"file": row["midi_filename"], "meter": f"{num}/{den}", "split": row["split"], "hits": int(h.sum())}
        for label, bar in (("4/4 windows", 16), ("own bars", 16 * num // den)):
            out = predict_song(model.predict, h, hits=h, steps_per_bar=bar)
            mae = float(timing_mae_ms(hvo[None], out[None], bpm=[info.bpm]))
            vel = float(np.abs(split_hvo(out)[1] - v)[h > 0].mean())
            entry[label] = {"timing_mae_ms": round(mae, 2), "velocity_mae": round(vel, 4)}
            pooled[label].append((mae, vel, entry["hits"]))
        results.append(entry)
        print(entry, flush=True)
    summary = {}
    for label, values in pooled.items():
        mae, vel, hits = (np.array(x) for x in zip(*values))
        summary[label] = {"timing_mae_ms": round(float((mae * hits).sum() / hits.sum()), 2),
                          "velocity_mae": round(float((vel * hits).sum() / hits.sum()), 4)}
    result = {"command": "python benchmarks/meters.py", "model": "humanize (shipped), temperature 0",
              "files": results, "hit_weighted_mean": summary}
    RESULTS.mkdir(exist_ok=True)
    lines = ["# Meters other than 4/4", "", f"`{result['command']}`: the GMD's {len(results)} files not in 4/4, "
             "humanized by the shipped model at temperature 0, against the drummers' takes (every hit).", "",
             "| file | meter | hits | timing MAE, 4/4 windows (ms) | timing MAE, own bars (ms) | velocity MAE, 4/4 | "
             "velocity MAE, own bars |", "|---|---|---|---|---|---|---|"]
    for e in results:
        a, b = e["4/4 windows"], e["own bars"]
        lines.append(f"| {e['file']} | {e['meter']} | {e['hits']} | {a['timing_mae_ms']} | {b['timing_mae_ms']} | "
                     f"{a['velocity_mae']} | {b['velocity_mae']} |")
    a, b = summary["4/4 windows"], summary["own bars"]
    lines.append(f"| **all, weighted by hits** | | | **{a['timing_mae_ms']}** | **{b['timing_mae_ms']}** | "
                 f"**{a['velocity_mae']}** | **{b['velocity_mae']}** |")
    write_results("meters", result, lines)


if __name__ == "__main__":
    main()

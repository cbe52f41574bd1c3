"""Tap2Drum with and without ``sound_taps``: taps left silent, hit F1 and realism of the beats.

    python benchmarks/every_tap.py [--subset test]   # writes benchmarks/results/every_tap.json and .md

The shipped ``tap2drum`` plays the GMD windows' taps (``Tapper``) at
temperature 0 and sampled (temperature 1, seed 0), with ``predict(..., sound_taps=False)`` (as it played
before) and ``True``, the default (every tapped step plays at least its most
likely voice). Realism: the two-sample test of the beats against the
drummers' takes (boosted trees, all windows of a take in one fold).
"""

import argparse
import json
import sys

from sklearn_groove import pretrained
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import bootstrap_ci, hit_f1, two_sample_test

from _harness import RESULTS, add_data_home, write_results



def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_home(parser)
    parser.add_argument("--subset", default="test", choices=["validation", "test"])
    args = parser.parse_args()
    data = fetch_groove(subset=args.subset, data_home=args.data_home)
    taps = data.hvo[..., :9].max(axis=-1) > 0
    model = pretrained.load("tap2drum")
    step = model.steps[-1][0]
    rows = []
    for temperature in (0.0, 1.0):
        for sound in (False, True):
            model.set_params(**{f"{step}__temperature": temperature, f"{step}__random_state": 0})
            beats = model.predict(data.hvo, sound_taps=sound)
            f1 = bootstrap_ci(hit_f1, data.hvo, beats, n_resamples=500, random_state=0)
            real = two_sample_test(data.hvo, beats, groups=data.filename, random_state=0, n_resamples=300)
            rows.append({"temperature": temperature, "sound_taps": sound,
                         "silent_taps": int((taps & (beats[..., :9].max(axis=-1) == 0)).sum()), "taps": int(taps.sum()),
                         "hit_f1": [round(f1.estimate, 4), round(f1.low, 4), round(f1.high, 4)],
                         "two_sample_accuracy": [round(real[0], 3), round(real[1], 3), round(real[2], 3)]})
            print(json.dumps(rows[-1]), flush=True)
    result = {"command": "python benchmarks/every_tap.py " + " ".join(sys.argv[1:]), "subset": args.subset,
              "rows": rows}
    RESULTS.mkdir(exist_ok=True)
    lines = [f"# Every tap sounds ({args.subset} split)\n", f"`{result['command']}`\n",
             "| temperature | sound_taps | taps left silent | hit F1 [95%] | two-sample accuracy, boosted trees [95%] |",
             "|---|---|---|---|---|"]
    for r in rows:
        f1, acc = r["hit_f1"], r["two_sample_accuracy"]
        lines.append(f"| {r['temperature']:g} | {r['sound_taps']} | {r['silent_taps']:,} of {r['taps']:,} | "
                     f"{f1[0]:.3f} [{f1[1]:.3f}-{f1[2]:.3f}] | {acc[0]:.3f} [{acc[1]:.3f}-{acc[2]:.3f}] |")
    write_results(f"every_tap_{args.subset}", result, lines)


if __name__ == "__main__":
    main()

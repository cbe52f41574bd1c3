"""Infilling (closed hi-hat) and Tap2Drum: the shipped models against simple baselines.

    python benchmarks/tasks.py [--weights DIR] [--subset test] [--data-home ../shared/data/groove]

Metrics on the voices each task writes (the closed hi-hat for Infilling, all 9
for Tap2Drum): hit precision / recall / F1 (F1 with a 95% bootstrap interval
over windows), timing KL and velocity KL. Baselines, fitted on GMD train:

- most frequent: Infilling plays the train split's most frequent non-empty
  closed hi-hat pattern (mean velocity and offset of the windows that have it);
  Tap2Drum plays, on each tapped step, the voice combination most often heard
  on that step of a window when it is tapped, at its mean velocities, with the
  tap's offset.
- nearest neighbour: copies, from the training window with most hits in common
  with the input (Hadamard similarity), its hi-hat (Infilling) or its drums on
  the tapped steps with the taps' offsets (Tap2Drum).

Writes benchmarks/results/tasks_SUBSET.{json,md}.
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from sklearn_groove import VOICES, join_hvo, pretrained, split_hvo
from sklearn_groove._hvo import keep_voices
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import bootstrap_ci, hit_f1, score_report
from sklearn_groove.neighbors import top_k_similar
from sklearn_groove.preprocessing import Tapper, VoiceRemover

RESULTS = Path(__file__).parent / "results"
HIHAT = VOICES.index("closed_hihat")


def infill_most_frequent(train, X):
    h, v, o = split_hvo(train)
    patterns = h[..., HIHAT] > 0
    nonempty = patterns[patterns.any(axis=1)]
    unique, counts = np.unique(nonempty, axis=0, return_counts=True)
    best = unique[np.argmax(counts)]
    same = (patterns == best).all(axis=1)
    out_h, out_v, out_o = (a.copy() for a in split_hvo(X))
    out_h[..., HIHAT] = best
    out_v[..., HIHAT] = v[same, :, HIHAT].mean(axis=0)
    out_o[..., HIHAT] = o[same, :, HIHAT].mean(axis=0)
    return join_hvo(out_h, out_v, out_o)


def infill_nearest(train, X):
    train_input = VoiceRemover(voices=("closed_hihat",)).fit_transform(train)
    nearest = top_k_similar(split_hvo(X)[0], split_hvo(train_input)[0], 1)[:, 0]
    out = X.copy()
    columns = [HIHAT, HIHAT + 9, HIHAT + 18]
    out[..., columns] = train[nearest][..., columns]
    return out


def tap2drum_most_frequent(train, taps):
    h, v, _ = split_hvo(train)
    code = (h > 0).astype(np.int64) @ (1 << np.arange(9))  # voice combination per step
    n_steps = h.shape[1]
    best = np.zeros(n_steps, dtype=np.int64)
    velocity = np.zeros((n_steps, 9), dtype=np.float32)
    for t in range(n_steps):
        tapped = code[:, t] > 0
        combos, counts = np.unique(code[tapped, t], return_counts=True)
        best[t] = combos[np.argmax(counts)]
        velocity[t] = v[tapped, t][code[tapped, t] == best[t]].mean(axis=0)
    hits = ((best[:, None] >> np.arange(9)) & 1).astype(np.float32)
    tap, _, offset = split_hvo(taps)
    return join_hvo(tap * hits, np.broadcast_to(velocity, tap.shape[:2] + (9,)), np.repeat(offset, 9, axis=-1))


def tap2drum_nearest(train, taps):
    tap, _, offset = split_hvo(taps)
    train_taps = split_hvo(Tapper().fit_transform(train))[0]
    nearest = top_k_similar(tap, train_taps, 1)[:, 0]
    h, v, _ = split_hvo(train[nearest])
    return join_hvo(h * tap, v, np.repeat(offset, 9, axis=-1))


def scores(y_true, y_pred, voices):
    report = score_report(y_true, y_pred, voices=voices)
    f1 = bootstrap_ci(hit_f1, keep_voices(y_true, voices), keep_voices(y_pred, voices), n_resamples=500, random_state=0)
    return {**report, "hit_f1_ci": [f1.low, f1.high]}


TASKS = {
    "infill_closed_hihat": (["closed_hihat"], VoiceRemover(voices=("closed_hihat",)), infill_most_frequent, infill_nearest),
    "tap2drum": (VOICES, Tapper(), tap2drum_most_frequent, tap2drum_nearest),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-home", default=os.environ.get("SKLEARN_GROOVE_DATA", "../shared/data/groove"))
    parser.add_argument("--weights", default=str(pretrained.WEIGHTS))
    parser.add_argument("--subset", default="test", choices=["validation", "test"])
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    train = fetch_groove(subset="train", data_home=args.data_home).hvo
    truth = fetch_groove(subset=args.subset, data_home=args.data_home).hvo
    results = {}
    for name, (voices, transformer, most_frequent, nearest) in TASKS.items():
        X = transformer.fit_transform(truth)
        rows = {
            "most frequent": most_frequent(train, X),
            "nearest neighbour": nearest(train, X),
        }
        if name in pretrained.available(args.weights):
            model = pretrained.load(name, folder=args.weights)
            for temperature in (0.0, 1.0):
                model[-1].set_params(temperature=temperature, random_state=0)
                t0 = time.perf_counter()
                rows[f"Seq2Seq, temperature {temperature:g}"] = model.predict(truth)
                print(f"{name}: predicted in {time.perf_counter() - t0:.1f} s", flush=True)
        results[name] = {label: scores(truth, y_pred, voices) for label, y_pred in rows.items()}
        print(name, json.dumps(results[name], indent=1), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"tasks_{args.subset}.json").write_text(json.dumps({"subset": args.subset, "results": results}, indent=2) + "\n")
    lines = [f"GMD {args.subset} split; `python benchmarks/tasks.py --subset {args.subset}`.", ""]
    for name, rows in results.items():
        lines += [f"## {name}", "", "| model | hit P | hit R | hit F1 [95% CI] | timing KL | velocity KL |",
                  "|---|---|---|---|---|---|"]
        for label, r in rows.items():
            lines.append(
                f"| {label} | {r['hit_precision']:.3f} | {r['hit_recall']:.3f} | {r['hit_f1']:.3f} "
                f"[{r['hit_f1_ci'][0]:.3f}–{r['hit_f1_ci'][1]:.3f}] | {r['timing_kl']:.3f} | {r['velocity_kl']:.3f} |"
            )
        lines.append("")
    (out / f"tasks_{args.subset}.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()

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

The baselines are the estimators ``GrooveMostFrequent`` and ``GrooveNearestWindow``; the tasks
come from the task registry (``sklearn_groove.tasks``). Writes benchmarks/results/tasks_SUBSET.{json,md}.
"""

import argparse
import json
import time
from pathlib import Path

from sklearn_groove import GrooveMostFrequent, GrooveNearestWindow, keep_voices, pretrained
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import bootstrap_ci, hit_f1, score_report
from sklearn_groove.tasks import TASKS

from _harness import RESULTS, add_data_home

BASELINES = {"most frequent": GrooveMostFrequent, "nearest neighbour": GrooveNearestWindow}


def scores(y_true, y_pred, voices):
    report = score_report(y_true, y_pred, voices=voices)
    f1 = bootstrap_ci(hit_f1, keep_voices(y_true, voices), keep_voices(y_pred, voices), n_resamples=500, random_state=0)
    return {**report, "hit_f1_ci": [f1.low, f1.high]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_home(parser)
    parser.add_argument("--weights", default=str(pretrained.WEIGHTS))
    parser.add_argument("--subset", default="test", choices=["validation", "test"])
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    train = fetch_groove(subset="train", data_home=args.data_home).hvo
    truth = fetch_groove(subset=args.subset, data_home=args.data_home).hvo
    results = {}
    for task in (task for task in TASKS.values() if task.writes_hits):
        name, voices = task.pretrained, list(task.voices)
        X, X_train = task.inputs(truth), task.inputs(train)
        voice = {"voice": task.voices[0]} if len(task.voices) == 1 else {}
        rows = {label: cls(**voice).fit(X_train, train).predict(X) for label, cls in BASELINES.items()}
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

"""Choose the hit threshold of the shipped Infilling and Tap2Drum models on GMD validation.

    python benchmarks/tune_threshold.py [NAME ...] [--write] [--folder DIR] [--data-home ../shared/data/groove]

For each model, the hit F1 (on the voices it writes) at temperature 0 for
thresholds 0.20 to 0.60; ``--write`` stores the best threshold as the model's
``hit_threshold`` parameter, and the F1 of every threshold, in its JSON.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from sklearn_groove import keep_voices, pretrained
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import hit_f1
from sklearn_groove.pretrained import WEIGHTS
from sklearn_groove.tasks import TASKS

from _harness import add_data_home

MODELS = {task.pretrained: list(task.voices) for task in TASKS.values() if task.writes_hits}
THRESHOLDS = np.round(np.arange(0.20, 0.601, 0.05), 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_home(parser)
    parser.add_argument("names", nargs="*", choices=sorted(MODELS), help="default: both")
    parser.add_argument("--write", action="store_true", help="store the best threshold in the model's JSON (in --folder)")
    parser.add_argument("--folder", default=str(WEIGHTS), help="where the models are (default: the shipped ones)")
    args = parser.parse_args()
    if args.write and Path(args.folder).resolve() == WEIGHTS.resolve():
        parser.error("--write changes the models' JSON: give --folder a copy (or a training run's --out), not the shipped weights")
    validation = fetch_groove(subset="validation", data_home=args.data_home).hvo
    for name in args.names or MODELS:
        voices = MODELS[name]
        model = pretrained.load(name, args.folder)
        f1 = {}
        for threshold in THRESHOLDS:
            model[-1].set_params(hit_threshold=float(threshold))
            f1[float(threshold)] = hit_f1(keep_voices(validation, voices), keep_voices(model.predict(validation), voices))
            print(f"{name}: threshold {threshold:.2f}, validation hit F1 {f1[float(threshold)]:.4f}", flush=True)
        best = max(f1, key=f1.get)
        print(f"{name}: best threshold {best:.2f}", flush=True)
        if args.write:
            path = Path(args.folder) / f"{name}.json"
            meta = json.loads(path.read_text())
            meta["params"]["hit_threshold"] = best
            command = "python benchmarks/tune_threshold.py " + " ".join(sys.argv[1:])
            meta["hit_threshold_tuning"] = {"validation_hit_f1": f1, "command": command}
            path.write_text(json.dumps(meta, indent=2) + "\n")


if __name__ == "__main__":
    main()

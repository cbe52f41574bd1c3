"""Speed of predict: one 2-bar clip (the latency a producer feels) and the whole test split.

    python benchmarks/speed.py [--data-home ../shared/data/groove] [--repeat 20]

For each shipped model and for the baselines fitted on the train split. One clip:
median of --repeat calls. Whole test split: best of 3. Writes
benchmarks/results/speed.json.
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from sklearn_groove import GrooveKNN, GrooveLinear, GrooveMLP, GrooveQuantized, pretrained, split_hvo
from sklearn_groove.datasets import fetch_groove

RESULTS = Path(__file__).parent / "results"


def _time(f, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-home", default=os.environ.get("SKLEARN_GROOVE_DATA", "../shared/data/groove"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    import torch

    train = fetch_groove(subset="train", data_home=args.data_home)
    test = fetch_groove(subset="test", data_home=args.data_home)
    models = {
        "GrooveQuantized": GrooveQuantized().fit(split_hvo(train.hvo)[0], train.hvo),
        "GrooveLinear": GrooveLinear().fit(split_hvo(train.hvo)[0], train.hvo),
        "GrooveKNN(K=20)": GrooveKNN().fit(split_hvo(train.hvo)[0], train.hvo),
        "GrooveMLP": GrooveMLP(early_stopping=True, random_state=0).fit(split_hvo(train.hvo)[0], train.hvo),
    }
    for name in pretrained.available():
        models[f"pretrained {name}"] = pretrained.load(name)
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}",
        "command": "python benchmarks/speed.py",
        "n_test": len(test.hvo),
        "models": {},
    }
    for name, model in models.items():
        X = test.hvo if hasattr(model, "steps") else split_hvo(test.hvo)[0]
        model.predict(X[:1])  # warm-up
        clip = _time(lambda: model.predict(X[:1]), args.repeat)
        whole = _time(lambda: model.predict(X), 3)
        result["models"][name] = {
            "one_clip_ms_median": 1000 * float(np.median(clip)),
            "test_split_s_best": float(min(whole)),
            "windows_per_s": len(X) / float(min(whole)),
        }
        print(name, result["models"][name], flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "speed.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

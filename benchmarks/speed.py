"""Speed of predict: one 2-bar clip (the latency a producer feels) and the whole test split; and the command line.

    python benchmarks/speed.py [--data-home ../shared/data/groove] [--repeat 20] [--only models|cli]

For each shipped model and for the baselines fitted on the train split. One clip:
median and 95th percentile of --repeat calls. Whole test split: best of 3.

The command line, each call a new process: ``sklearn-groove --help``, and ``sklearn-groove humanize``
(the default, and ``--model humanize_paper``, the default of earlier versions, in the same run)
on the longest 4/4 beat of the GMD test split (3 min 45 s): the first call (files not yet in the
operating system's cache) and the median of the next five, with the peak memory; beside them, in the
same run, the time a process takes to import torch and scikit-learn alone, which every call that
loads a network pays. Writes benchmarks/results/speed.json (each part keeps the other's last figures).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

from sklearn_groove import GrooveKNN, GrooveLinear, GrooveMLP, GrooveQuantized, pretrained, split_hvo
from sklearn_groove.datasets import fetch_groove

from _harness import RESULTS, add_data_home



def _time(f, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_home(parser)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", choices=["models", "cli"], help="measure only the models or only the command line")
    args = parser.parse_args()
    path = RESULTS / "speed.json"
    result = json.loads(path.read_text()) if path.exists() else {}
    if args.only != "cli":
        result.update(models(args))
    if args.only != "models":
        result["command_line"] = command_line(args.data_home)
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")


#: The longest 4/4 beat of the GMD test split: 225 s, 108 bars, 2,919 drum notes.
SONG = "drummer1/session1/28_latin-samba_116_beat_4-4.mid"


#: The models the command line is timed with, in one run: the old default (the paper's four networks, played by torch)
#: and the default (one network, played from its ONNX file by ONNX Runtime).
LIVE_MODELS = ("humanize_paper", "humanize")


def _run(args, repeat):
    """Wall seconds of each of ``repeat`` runs of ``args`` as a new process."""
    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds.append(time.perf_counter() - t0)
    return seconds


def _peak_mb(args):
    """The peak memory (MB) of one run of ``args``, measured in a process of its own."""
    script = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
              "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    return float(subprocess.run([sys.executable, "-c", script, *args], check=True, capture_output=True,
                                text=True).stdout)


def command_line(data_home):
    """The command line's times, each call a new process (see the module's docstring)."""
    cli = [sys.executable, "-m", "sklearn_groove.cli"]
    song = os.path.join(data_home, SONG)
    out = {"command": "python benchmarks/speed.py --only cli", "song": SONG}
    with tempfile.TemporaryDirectory() as folder:
        for model in LIVE_MODELS:
            humanize = cli + ["humanize", song, "-o", os.path.join(folder, "out.mid"), "--model", model]
            first = _run(humanize, 1)
            again = _run(humanize, 5)
            out[model] = {
                "humanize_first_s": first[0],
                "humanize_again_s_median": float(np.median(again)),
                "humanize_peak_mb": _peak_mb(humanize),
            }
    out.update({
        "help_s_median": float(np.median(_run(cli + ["--help"], 5))),
        "import_torch_s_median": float(np.median(_run([sys.executable, "-c", "import torch"], 5))),
        "import_sklearn_s_median": float(np.median(_run([sys.executable, "-c", "import sklearn.base"], 5))),
        "python_s_median": float(np.median(_run([sys.executable, "-c", "pass"], 5))),
    })
    print(out, flush=True)
    return out


def _times(model, X, repeat):
    """One clip (median and 95th percentile of ``repeat`` calls, after one) and the whole of ``X`` (best of 3)."""
    model.predict(X[:1])  # warm-up
    clip = _time(lambda: model.predict(X[:1]), repeat)
    whole = _time(lambda: model.predict(X), 3)
    return {
        "one_clip_ms_median": 1000 * float(np.median(clip)),
        "one_clip_ms_p95": 1000 * float(np.percentile(clip, 95)),
        "test_split_s_best": float(min(whole)),
        "windows_per_s": len(X) / float(min(whole)),
    }


def models(args):
    """Times of each model's predict: one clip and the whole test split (see the module's docstring)."""
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
        result["models"][name] = _times(model, X, args.repeat)
        key = next((k for k in model.get_params() if k.endswith("temperature")), None)
        if key is not None:  # sampled too
            model.set_params(**{key: 1.0, key[: -len("temperature")] + "random_state": 0})
            result["models"][name]["sampled"] = _times(model, X, args.repeat)
        print(name, result["models"][name], flush=True)
    return result


if __name__ == "__main__":
    main()

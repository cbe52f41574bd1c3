"""Latency and throughput of the shipped models through ONNX Runtime, beside torch measured in the same run.

    python benchmarks/export_speed.py [--data-home ../shared/data/groove] [--repeat 50] [--rounds 3]

Each shipped model is exported with ``sklearn_groove.neural.export_onnx(..., int8=True)``
(humanize, which learned styles, also asked for funk: it then also decodes each window without its label);
windows of the GMD test split are played one at a time (batch 1: the latency
of a clip in a plugin host; p50 and p95 of --repeat calls) and 256 at a time
(clips per second), by ``model.predict`` (torch) and by an ONNX Runtime
session (2 intra-op threads), at temperature 0 and sampled (temperature 1). Every case is measured in
--rounds rounds, one after another, and the median of the rounds reported: on a shared machine a burst of
another program's load then falls on one round of each case, not on all of one case.
Results: benchmarks/results/export_speed.{json,md}.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _harness import RESULTS, add_data_home, write_results



def percentiles(call, repeat):
    call()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return {"p50_ms": round(1e3 * float(np.median(times)), 2), "p95_ms": round(1e3 * float(np.percentile(times, 95)), 2)}


def throughput(call, n):
    call()
    start = time.perf_counter()
    call()
    return round(n / (time.perf_counter() - start), 1)


def cases(args, ort, options, folder):
    """One case a shipped model, label and temperature: (row, prepare, x, {runtime: play}); ``prepare`` sets the
    model's temperature and seed before it is played (the cases share a model); ``x``: 256 test windows of its
    input."""
    from sklearn_groove import pretrained
    from sklearn_groove.datasets import fetch_groove
    from sklearn_groove.neural import export_onnx, onnx_feed

    test = fetch_groove(subset="test", data_home=args.data_home).hvo
    for name in pretrained.available():
        model = pretrained.load(name)
        path = export_onnx(model, Path(folder) / f"{name}.onnx", int8=True)
        session = ort.InferenceSession(path, options)
        size = round(os.path.getsize(path) / 2**20, 1)
        key = next(k for k in model.get_params() if k == "temperature" or k.endswith("__temperature"))
        x = test[:256] if hasattr(model, "steps") else test[:256, :, :9].copy()
        # what a file reads besides the windows, the temperature and the seed
        more = {"groove": test[-4:]} if name == "groove_transfer" else {
            "n_members": len(getattr(model, "estimators_", [0]))}
        asked = [{}, {"style": "funk"}] if pretrained.info(name).get("styles") else [{}]
        for labels in asked:
            for temperature in (0.0, 1.0):
                row = {"model": name + (" (style funk)" if labels else ""), "temperature": temperature,
                       "onnx_mib": size}
                settings = {key: temperature, key.replace("temperature", "random_state"): 0}
                if name == "groove_transfer":
                    torch_call = lambda w, m=model: m.transfer(test[-4:], w, average=True)
                else:
                    torch_call = lambda w, m=model, a=labels: m.predict(w, **a)
                onnx_call = lambda w, s=session, t=temperature, a={**more, **labels}: s.run(
                    None, onnx_feed(s, w, t, seed=0, **a))
                yield row, (lambda m=model, p=settings: m.set_params(**p)), x, {"torch": torch_call,
                                                                               "onnxruntime": onnx_call}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_home(parser)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds over every case, one after another; the median of the rounds is reported")
    args = parser.parse_args()

    import onnxruntime as ort
    import torch

    torch.set_num_threads(2)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.add_session_config_entry("session.disable_quant_qdq", "1")  # as neural._runtime.onnx_session
    with tempfile.TemporaryDirectory() as folder:
        every = list(cases(args, ort, options, folder))
        measured = [{runtime: [] for runtime in plays} for _, _, _, plays in every]
        for _ in range(args.rounds):  # a burst of another program's load falls on one round of every case alike
            for (row, prepare, x, plays), times in zip(every, measured):
                prepare()
                for runtime, play in plays.items():
                    times[runtime].append({**percentiles(lambda: play(x[:1]), args.repeat),
                                           "clips_per_s": throughput(lambda: play(x), len(x))})
    rows = []
    for (row, _, _, _), times in zip(every, measured):
        for runtime, rounds in times.items():
            row[runtime] = {k: round(float(np.median([r[k] for r in rounds])), 2 if k.endswith("ms") else 1)
                            for k in rounds[0]}
        rows.append(row)
        print(row, flush=True)
    result = {"command": " ".join(["python benchmarks/export_speed.py"] + sys.argv[1:]), "cpus": os.cpu_count(), "threads": 2,
              "rounds": args.rounds, "onnxruntime": ort.__version__, "torch": torch.__version__, "rows": rows}
    RESULTS.mkdir(exist_ok=True)
    lines = ["# The shipped models in ONNX Runtime and in torch", "",
             f"`{result['command']}` on this machine ({result['cpus']} cores, 2 threads each; onnxruntime "
             f"{result['onnxruntime']}, torch {result['torch']}): one 2-bar window at a time (p50 and p95 of "
             f"{args.repeat} calls), and 256 at a time; each the median of {args.rounds} rounds over every case.", "",
             "| model | temperature | ONNX file (MiB) | torch p50 / p95 (ms) | ONNX Runtime p50 / p95 (ms) | "
             "torch clips/s | ONNX Runtime clips/s |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        t, o = r["torch"], r["onnxruntime"]
        lines.append(f"| {r['model']} | {r['temperature']:g} | {r['onnx_mib']} | {t['p50_ms']} / {t['p95_ms']} | "
                     f"{o['p50_ms']} / {o['p95_ms']} | {t['clips_per_s']} | {o['clips_per_s']} |")
    write_results("export_speed", result, lines)


if __name__ == "__main__":
    main()

"""Table 1 of the paper, baseline rows: Humanization on the GMD test split.

    python benchmarks/table1.py --data-home ../shared/data/groove [--n-resamples 1000] [--quick]

Every model is fitted on the train split; its settings are chosen on the
validation split (the grids below, by timing MAE); the test split is used once,
for the reported figures. Each figure comes with a 95% percentile bootstrap
interval over test windows. Fit and predict times are wall-clock on this machine.
Writes benchmarks/results/table1.json and table1.md.
"""

import argparse
import json
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from sklearn_groove import GrooveKNN, GrooveLinear, GrooveMLP, GrooveQuantized, split_hvo
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import bootstrap_ci, timing_kl, timing_mae_ms, timing_mse, velocity_kl

from _harness import RESULTS, add_data_home


PAPER = {  # Table 1 of Gillick et al. (2019): estimate, low, high; None = N/A
    "Baseline": {"mae_ms": (22.6, 22.45, 22.8), "mse": (0.041, 0.041, 0.042), "timing_kl": None, "velocity_kl": None},
    "Linear": {"mae_ms": (20.3, 20.1, 20.4), "mse": (0.035, 0.034, 0.036), "timing_kl": (6.03, 5.89, 6.17),
               "velocity_kl": (1.92, 1.86, 1.98)},
    "KNN": {"mae_ms": (20.9, 20.7, 21.1), "mse": (0.037, 0.037, 0.038), "timing_kl": (2.43, 2.36, 2.51),
            "velocity_kl": (0.233, 0.216, 0.249)},
    "MLP": {"mae_ms": (19.6, 19.5, 19.8), "mse": (0.033, 0.033, 0.034), "timing_kl": (7.91, 7.64, 8.14),
            "velocity_kl": (1.83, 1.75, 1.90)},
    "Seq2Seq": {"mae_ms": (18.7, 18.6, 18.9), "mse": (0.030, 0.029, 0.030), "timing_kl": (1.64, 1.59, 1.71),
                "velocity_kl": (0.519, 0.489, 0.550)},
    "Groove Transfer": {"mae_ms": (22.05, 20.5, 23.6), "mse": (0.038, 0.032, 0.042), "timing_kl": (1.70, 1.64, 1.76),
                        "velocity_kl": (0.138, 0.133, 0.144)},
}
# Shipped humanizers become rows (at temperature 0; a Gaussian head also at temperature 1).
HUMANIZERS = {"humanize_paper": "Seq2Seq", "humanize": "Seq2Seq", "groove_transfer": "Groove Transfer"}


# What is tuned on validation, per row.
GRIDS = {
    "Baseline": (GrooveQuantized, [{}]),
    "Linear": (GrooveLinear, [{"alpha": a} for a in (0.0, 1.0, 10.0, 100.0)]),
    "KNN": (GrooveKNN, [{"n_neighbors": k} for k in (5, 10, 20, 30, 50)]),
    "KNN (average over hits)": (GrooveKNN, [{"n_neighbors": k, "average": "hits"} for k in (5, 10, 20, 30, 50)]),
    "MLP": (GrooveMLP, [{"alpha": a, "early_stopping": True, "random_state": 0} for a in (1e-4, 1e-2)]),
}
QUICK_GRIDS = {
    "Baseline": GRIDS["Baseline"],
    "Linear": (GrooveLinear, [{"alpha": 0.0}]),
    "KNN": (GrooveKNN, [{"n_neighbors": 20}]),
    "MLP": (GrooveMLP, [{"early_stopping": True, "random_state": 0, "max_iter": 5}]),
}

METRICS = {
    "mae_ms": timing_mae_ms,
    "mse": timing_mse,
    "timing_kl": timing_kl,
    "velocity_kl": velocity_kl,
}


def _timed(f, *args):
    t0 = time.perf_counter()
    out = f(*args)
    return out, time.perf_counter() - t0


def tune(cls, grid, train, validation):
    """Choose the setting of lowest validation timing MAE with GridSearchCV, then fit it on train.

    The search fits each setting on train and scores it on validation (a ``PredefinedSplit``), with the
    library's ``SCORERS["neg_timing_mae_ms"]``, which reads each window's tempo through metadata routing.
    """
    import sklearn
    from sklearn.model_selection import GridSearchCV, PredefinedSplit

    from sklearn_groove.metrics import SCORERS

    hvo = np.concatenate([train.hvo, validation.hvo])
    bpm = np.concatenate([train.bpm, validation.bpm])
    fold = np.r_[np.full(len(train.hvo), -1), np.zeros(len(validation.hvo), int)]  # -1: train only
    grid = [{k: [v] for k, v in params.items()} for params in grid]
    search = GridSearchCV(cls(), grid, scoring=SCORERS["neg_timing_mae_ms"], cv=PredefinedSplit(fold), refit=False)
    with sklearn.config_context(enable_metadata_routing=True):
        search.fit(split_hvo(hvo)[0], hvo, bpm=bpm)
    results = search.cv_results_
    tried = [
        {"params": params, "validation_mae_ms": -score, "fit_s": fit_s}
        for params, score, fit_s in zip(results["params"], results["mean_test_score"], results["mean_fit_time"])
    ]
    for row in tried:
        print(f"  {cls.__name__}({row['params']}): validation MAE {row['validation_mae_ms']:.3f} ms, "
              f"fit {row['fit_s']:.1f} s", flush=True)
    model, fit_s = _timed(cls(**search.best_params_).fit, split_hvo(train.hvo)[0], train.hvo)
    return (model, -search.best_score_, search.best_params_, fit_s), tried


def evaluate(model, test, n_resamples, seed):
    """Test-split metrics with bootstrap intervals; infinite KL (no spread) is reported as such."""
    y_pred, predict_s = _timed(model.predict, split_hvo(test.hvo)[0])
    out = {"predict_s": predict_s}
    for name, metric in METRICS.items():
        kwargs = {"bpm": test.bpm} if name == "mae_ms" else {}
        ci = bootstrap_ci(metric, test.hvo, y_pred, n_resamples=n_resamples, random_state=seed, **kwargs)
        out[name] = [ci.estimate, ci.low, ci.high]
    return out


def _fmt(triple, digits):
    if triple is None:
        return "N/A"
    est, lo, hi = triple
    if not np.isfinite(est):
        return "inf (no spread)"
    return f"{est:.{digits}f} [{lo:.{digits}f}-{hi:.{digits}f}]"


def _agreement(ours, paper):
    if paper is None or ours is None or not np.isfinite(ours[0]):
        return ""
    overlap = ours[1] <= paper[2] and paper[1] <= ours[2]
    return "overlap" if overlap else ("lower" if ours[0] < paper[0] else "higher")


def write_markdown(result, path):
    digits = {"mae_ms": 2, "mse": 4, "timing_kl": 3, "velocity_kl": 3}
    lines = [
        "# Table 1, baseline rows: Humanization on the GMD test split",
        "",
        f"Measured with `{result['command']}` on {result['machine']}; "
        f"{result['n_test']} test windows, {result['n_train']} train, {result['n_validation']} validation; "
        f"95% bootstrap intervals over test windows ({result['n_resamples']} resamples).",
        "",
        "| Model | settings (chosen on validation) | MAE (ms) | MSE (16th²) | Timing KL | Velocity KL | fit (s) | predict test (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in result["rows"].items():
        cells = [_fmt(row[m], digits[m]) for m in METRICS]
        lines.append(f"| {name} | `{row['params']}` | " + " | ".join(cells) + f" | {row['fit_s']:.1f} | {row['predict_s']:.2f} |")
        key = name.split(" (")[0].split(",")[0]  # the paper's row: "Seq2Seq (mean of 3, bars rotated), ..." -> "Seq2Seq"
        paper = PAPER.get(key)
        if paper:
            cells = [_fmt(paper[m], digits[m]) + (f" ({_agreement(row[m], paper[m])})" if _agreement(row[m], paper[m]) else "")
                     for m in METRICS]
            lines.append(f"| *paper: {key}* | | " + " | ".join(cells) + " | | |")
    lines += ["", "In brackets after a paper figure: whether our interval overlaps the paper's, or our estimate "
              "is lower / higher with no overlap. See `table1_notes.md` for why rows differ."]
    path.write_text("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_home(parser)
    parser.add_argument("--n-resamples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="one setting per model, short MLP (a smoke run)")
    parser.add_argument("--out", default=str(RESULTS), help="folder for table1.json and table1.md")
    parser.add_argument("--skip-baselines", action="store_true", help="keep the baseline rows of the last run")
    parser.add_argument("--extra-weights", nargs="*", default=[], help="folders of other trained models to compare")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=".*Maximum iterations.*")

    train = fetch_groove(subset="train", data_home=args.data_home)
    validation = fetch_groove(subset="validation", data_home=args.data_home)
    test = fetch_groove(subset="test", data_home=args.data_home)
    rows = {}
    tuning = {}
    previous = Path(args.out) / "table1.json"
    if args.skip_baselines and previous.is_file():
        old = json.loads(previous.read_text())
        rows = {k: v for k, v in old["rows"].items() if "pretrained" not in v["params"]}
        tuning = old["validation_tuning"]
    else:
        for name, (cls, grid) in (QUICK_GRIDS if args.quick else GRIDS).items():
            print(name, flush=True)
            (model, _, params, fit_s), tried = tune(cls, grid, train, validation)
            tuning[name] = tried
            rows[name] = {"params": params, "fit_s": fit_s, **evaluate(model, test, args.n_resamples, args.seed)}
            print(f"  test: {rows[name]}", flush=True)
    from sklearn_groove import pretrained

    folders = [(pretrained.WEIGHTS, "")] + [(Path(f), f" [{f}]") for f in args.extra_weights]
    for folder, suffix in folders:
        for shipped, row in HUMANIZERS.items():
            if shipped not in pretrained.available(folder):
                continue
            meta = pretrained.info(shipped, folder)
            members = meta.get("members", [meta])  # an ensemble's networks, or the one network
            heads = "/".join(sorted({m["params"].get("output", "mse") for m in members}))
            has_spread = "mse" not in heads  # heads that temperature 1 samples from
            rotated = meta["params"].get("rotate_bars", False)  # GrooveEnsemble(rotate_bars=True), temperature 0 only
            for temperature in (0.0, 1.0) if has_spread else (0.0,):
                model = pretrained.load(shipped, folder).set_params(temperature=temperature, random_state=args.seed)
                how = [f"mean of {len(members)}"] if "members" in meta else []
                how += ["bars rotated"] if rotated and temperature == 0 else []
                kind = f"{row} ({', '.join(how)})" if how else row
                name = f"{kind}, {heads} head, temperature {temperature:g}{suffix}"
                params = {"pretrained": shipped, "temperature": temperature,
                          "epochs": [m["epochs"] for m in members], "best_epoch": [m["best_epoch"] for m in members]}
                rows[name] = {"params": params, "fit_s": meta["training_wall_s"],
                              **evaluate(model, test, args.n_resamples, args.seed)}
                print(f"{name} test: {rows[name]}", flush=True)

    result = {
        "command": "python benchmarks/table1.py" + (" --quick" if args.quick else "")
        + (" --skip-baselines" if args.skip_baselines else "")
        + "".join(f" --extra-weights {f}" for f in args.extra_weights)
        + (f" --n-resamples {args.n_resamples}" if args.n_resamples != 1000 else ""),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "n_train": len(train.hvo),
        "n_validation": len(validation.hvo),
        "n_test": len(test.hvo),
        "n_resamples": args.n_resamples,
        "rows": rows,
        "paper": PAPER,
        "validation_tuning": tuning,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "table1.json").write_text(json.dumps(result, indent=2, default=float) + "\n")
    write_markdown(result, out / "table1.md")
    print((out / "table1.md").read_text())


if __name__ == "__main__":
    main()

"""Realism on the GMD test split: can a classifier tell each model's performances from the drummers'?

    python benchmarks/realism.py [--data-home ../shared/data/groove] [--seed 0] [--out benchmarks/results]
    python benchmarks/realism.py --subset validation      # where choices are made: realism_validation.*

For every model and mode (Quantized, KNN, the shipped humanize at temperature 0 and sampled at
temperature 1 and at the command line's take temperature, the paper's four networks,
humanize_paper, at temperature 0 and 1, the shipped groove transfer) it plays the scores of the
test windows and measures
- the classifier two-sample test (``sklearn_groove.metrics.two_sample_test``) against the
  drummers' performances of the same scores, with two kinds of classifier (gradient-boosted
  trees, the default, and a logistic regression), all windows of a take in one fold, 95% intervals
  over takes;
- the groove statistics, compared two-sided (``compare_grooves``): per-voice spreads of offsets
  and velocities (the five most played voices), swing, laid-back-ness, autocorrelation, take-level
  push/drag, voice correlation.
Writes realism.json, realism.md and realism.png (offset and velocity distributions per voice).
"""

import argparse
import time
from pathlib import Path

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_groove import GrooveKNN, GrooveQuantized, pretrained, split_hvo
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import compare_grooves, timing_kl, timing_mae_ms, two_sample_test, velocity_kl
from sklearn_groove.tasks import TASKS

from _harness import RESULTS, add_data_home, write_results

TAKE_TEMPERATURE = TASKS["humanize"].take_temperature  # what the command line samples at
TOP_VOICES = ("kick", "snare", "closed_hihat", "open_hihat", "ride")  # the five most played in GMD train
SHOWN = [f"{part}_std/{voice}" for part in ("offset", "velocity") for voice in TOP_VOICES] + [
    "swing_16th", "laid_back", "autocorrelation_step", "autocorrelation_beat", "clip_offset_std", "voice_correlation"]


def performances(train, test, seed):
    """label -> the test scores as each model plays them."""
    X, y = split_hvo(train.hvo)[0], train.hvo
    score = split_hvo(test.hvo)[0]
    out = {
        "Quantized": GrooveQuantized().fit(X, y).predict(score),
        "KNN (K=30)": GrooveKNN(n_neighbors=30).fit(X, y).predict(score),
    }
    for name, temperatures in (("humanize", sorted({1.0, TAKE_TEMPERATURE})), ("humanize_paper", [1.0])):
        model = pretrained.load(name)
        out[f"{name}, temperature 0"] = model.predict(score)
        for t in temperatures:
            out[f"{name}, temperature {t:g} (sampled)"] = model.sample_y(score, random_state=seed, temperature=t)[..., 0]
    out["groove transfer, temperature 0"] = pretrained.load("groove_transfer").predict(score)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_home(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subset", default="test", choices=["validation", "test"])
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    train = fetch_groove(subset="train", data_home=args.data_home)
    test = fetch_groove(subset=args.subset, data_home=args.data_home)
    classifiers = {"boosted trees": None,
                   "logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))}
    rows = {}
    played = performances(train, test, args.seed)
    for label, generated in played.items():
        t0 = time.perf_counter()
        tests = {name: two_sample_test(test.hvo, generated, groups=test.filename, classifier=clf,
                                       random_state=args.seed)._asdict()
                 for name, clf in classifiers.items()}
        rows[label] = {
            "two_sample": tests,
            "timing_mae_ms": timing_mae_ms(test.hvo, generated, bpm=test.bpm),
            "timing_kl": timing_kl(test.hvo, generated),
            "velocity_kl": velocity_kl(test.hvo, generated),
            "statistics": compare_grooves(test.hvo, generated),
        }
        print(f"{label}: {tests} ({time.perf_counter() - t0:.0f} s)", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/realism.py" + (f" --seed {args.seed}" if args.seed else "")
    command += "" if args.subset == "test" else f" --subset {args.subset}"
    stem = "realism" + ("" if args.subset == "test" else f"_{args.subset}")
    result = {"command": command, "subset": args.subset, "windows": len(test.hvo), "takes": len(set(test.filename)),
              "rows": rows}
    write_results(stem, result, markdown(result, stem), folder=out)
    from sklearn_groove.plotting import plot_voice_distributions

    shown = {f"GMD {args.subset} (drummers)": test.hvo,
             **{k: v for k, v in played.items() if k.startswith("humanize,")}}
    plot_voice_distributions(shown, voices=TOP_VOICES).savefig(out / f"{stem}.png", dpi=110, bbox_inches="tight")


def _ci(test):
    return f"{test['accuracy']:.3f} [{test['low']:.3f}-{test['high']:.3f}]"


def markdown(result, stem):
    lines = [
        f"# Realism on the GMD {result['subset']} split",
        "",
        f"`{result['command']}`; {result['windows']} {result['subset']} windows of {result['takes']} takes, each "
        "model playing their scores. Two-sample accuracy: how often a cross-validated classifier tells the model's "
        "performance of a score from the drummer's (0.5 = indistinguishable), all windows of a take in one fold "
        "(they overlap and share its feel); 95% bootstrap interval over takes.",
        "",
        "| model | two-sample accuracy, boosted trees | logistic regression | MAE (ms) | timing KL | velocity KL |",
        "|---|---|---|---|---|---|",
    ]
    for label, row in result["rows"].items():
        tests = row["two_sample"]
        lines.append(f"| {label} | {_ci(tests['boosted trees'])} | {_ci(tests['logistic regression'])} | "
                     f"{row['timing_mae_ms']:.2f} | {row['timing_kl']:.3f} | {row['velocity_kl']:.3f} |")
    labels = list(result["rows"])
    lines += ["", "## Groove statistics, drummers against each model", "",
              "Offsets in 16th notes, velocities 0..1; the verdict is two-sided (spreads within 15%, "
              "correlations within 0.15, means within 0.02 of a 16th or 0.05 of velocity).", "",
              "| statistic | drummers | " + " | ".join(labels) + " |", "|---|---|" + "---|" * len(labels)]
    by_label = {label: {r["statistic"]: r for r in row["statistics"]} for label, row in result["rows"].items()}
    for name in SHOWN:
        real = by_label[labels[0]][name]["real"]
        cells = [f"{by_label[l][name]['generated']:.3f} ({by_label[l][name]['verdict']})" for l in labels]
        lines.append(f"| {name} | {real:.3f} | " + " | ".join(cells) + " |")
    lines += ["", f"![Offsets and velocities per voice: drummers and the humanize model]({stem}.png)", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

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

    python benchmarks/realism.py --part beats [--subset validation] [--model tap2drum=DIR]

measures the models that write hits (the shipped tap2drum and infill_closed_hihat; ``--model
NAME=DIR``: only NAME, as saved in DIR), at temperature 0 and sampled (at 1 and at the command
line's take temperature), against the drummers' takes of the same windows: the two-sample test on the whole hvo with three critics (boosted trees
on the velocities and offsets, "raw"; boosted trees and a logistic regression that also read the
hits, each voice's and each bar's count of them, "beat"), hit F1 against the drummer's beat, the
beat statistics (``compare_beats``: hits a bar per voice, density, syncopation, repetition of
consecutive bars; also of the training split's drummers, how far what the models learned from lies
from the split measured), the groove statistics of the voices written, and for Tap2Drum how many taps
sound and how the tapped velocity leads the loudest note played there.
Writes realism_beats.json and .md (realism_beats_validation.* for the validation split).
"""

import argparse
import time
from pathlib import Path

import numpy as np

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_groove import STEPS_PER_BAR, GrooveKNN, GrooveQuantized, keep_voices, pretrained, split_hvo
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import (beat_statistics, compare_beats, compare_grooves, hit_f1, timing_kl, timing_mae_ms, two_sample_test,
                                    velocity_kl)
from sklearn_groove.songs import one_take, predict_song
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


def _logistic():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_home(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subset", default="test", choices=["validation", "test"])
    parser.add_argument("--part", default="humanize", choices=["humanize", "beats"],
                        help="the humanizers (realism.*) or the models that write hits (realism_beats.*)")
    parser.add_argument("--model", action="append", default=[], metavar="NAME=DIR",
                        help="with --part beats: measure only the models given so, NAME as saved in DIR")
    parser.add_argument("--before", metavar="DIR", help="with --part beats: also measure the models of these names "
                        "saved in DIR (such as an earlier commit's shipped files), labelled 'NAME (before)', at the same "
                        "temperatures")
    parser.add_argument("--temperatures", help="with --part beats: the sampled takes' temperatures (comma-separated; "
                        "default: 1 and the command line's take temperature of each task)")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    if args.part == "beats":
        return beats(args)
    train = fetch_groove(subset="train", data_home=args.data_home)
    test = fetch_groove(subset=args.subset, data_home=args.data_home)
    classifiers = {"boosted trees": None, "logistic regression": _logistic()}
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


BEAT_TASKS = [task for task in TASKS.values() if task.writes_hits]
CRITICS = {"boosted trees, raw": (None, "performance"), "boosted trees, beat": (None, "beat"),
           "logistic regression, beat": (_logistic, "beat")}


def _take(model, X, temperature, seed, **labels):
    """One take of a shipped pipeline (its transformers, then its network) at ``temperature``."""
    X, network = model[:-1].transform(X), model.steps[-1][1]
    if temperature == 0:
        return network.predict(X, **labels)
    return network.sample_y(X, 1, seed, temperature=temperature, **labels)[..., 0]


def _taps(real, generated):
    """Of the steps the drummer played (the taps): how many play nothing, and the correlation of the loudest
    velocity the drummer played there (the tap's) with the loudest the model plays."""
    h, v = real[..., :9] > 0, real[..., 9:18]
    tapped = h.any(axis=-1)
    played = generated[..., :9] > 0
    loud_real, loud_generated = v.max(axis=-1)[tapped], generated[..., 9:18].max(axis=-1)[tapped]
    return {"taps": int(tapped.sum()), "silent_taps": int((~played.any(axis=-1) & tapped).sum()),
            "tap_velocity_correlation": float(np.corrcoef(loud_real, loud_generated)[0, 1])}


def whole_takes(data):
    """The drummers' whole takes, put back together from their windows (2 bars, hop 1 bar): a list of
    (n_steps, 27) arrays."""
    from sklearn_groove.midi import stitch_hvo

    takes = []
    for name in dict.fromkeys(data.filename):
        rows = np.flatnonzero(data.filename == name)
        start = data.start_bar[rows]
        takes.append(stitch_hvo(data.hvo[rows], start, int(start.max() + 2) * STEPS_PER_BAR, blend="select"))
    return takes


def song_repetition(songs):
    """Over the consecutive bars of whole songs: the mean Jaccard similarity of their hits, and the share of
    identical ones (``beat_statistics`` of each song, weighted by its pairs of bars)."""
    stats = [(len(song) // STEPS_PER_BAR - 1, beat_statistics(song[None])) for song in songs
             if len(song) >= 2 * STEPS_PER_BAR]
    pairs = sum(n for n, _ in stats)
    return {key: sum(n * s[key] for n, s in stats) / pairs for key in ("bar_repetition", "bars_identical")}


def _song(model, take, temperature, seed):
    """A whole take as the command line plays it: the likeliest, or a sampled take, each window going on from the
    bars before it where the network samples step by step (else stitched window by window)."""
    if temperature == 0:
        return predict_song(model.predict, take)
    blend = "continue" if model.steps[-1][1].module_.reads_previous else "select"
    return predict_song(one_take(model, temperature=temperature, seed=seed), take, blend=blend)


def beats(args):
    """The models that write hits, against the drummers: realism_beats[_SUBSET].{json,md}."""
    test = fetch_groove(subset=args.subset, data_home=args.data_home)
    given = dict(spec.split("=", 1) for spec in args.model)
    takes = whole_takes(test)
    train = fetch_groove(subset="train", data_home=args.data_home)
    # a yardstick: how far the training split's drummers lie from this split's (what a model learns from)
    rows = {"drummers": {"songs": song_repetition(takes), "training_split": compare_beats(test.hvo, train.hvo)}}
    played = []  # (task, label, model, temperatures)
    for task in [t for t in BEAT_TASKS if not given or t.pretrained in given]:
        name = task.pretrained
        sampled = [float(t) for t in args.temperatures.split(",")] if args.temperatures else \
            sorted({1.0, task.take_temperature} - {0.0})
        played.append((task, name, pretrained.load(name, given[name]) if name in given else pretrained.load(name),
                       sampled))
        if args.before:
            played.append((task, f"{name} (before)", pretrained.load(name, args.before), sampled))
    for task, name, model, sampled in played:
        written = list(task.voices)
        for temperature in [0.0] + sampled:
            label = f"{name}, temperature {temperature:g}" + (" (sampled)" if temperature else "")
            t0 = time.perf_counter()
            generated = _take(model, test.hvo, temperature, args.seed)
            tests = {critic: two_sample_test(test.hvo, generated, groups=test.filename, features=features,
                                             classifier=None if make is None else make(), random_state=args.seed
                                             )._asdict()
                     for critic, (make, features) in CRITICS.items()}
            grooves = [r for r in compare_grooves(test.hvo, generated)
                       if r["statistic"].split("/")[-1] in written and "_std/" in r["statistic"]]
            rows[label] = {"task": task.name, "two_sample": tests,
                           "hit_f1": hit_f1(keep_voices(test.hvo, written), keep_voices(generated, written)),
                           "beat_statistics": compare_beats(test.hvo, generated), "grooves": grooves,
                           **(_taps(test.hvo, generated) if task.transformer == "Tapper" else {})}
            rows[label]["songs"] = song_repetition([_song(model, take, temperature, args.seed) for take in takes])
            print(f"{label}: {tests}, {rows[label]['songs']} ({time.perf_counter() - t0:.0f} s)", flush=True)
    command = "python benchmarks/realism.py --part beats" + (f" --subset {args.subset}" if args.subset != "test" else "")
    command += "".join(f" --model {spec}" for spec in args.model) + (f" --seed {args.seed}" if args.seed else "")
    command += f" --temperatures {args.temperatures}" if args.temperatures else ""
    command += f" --before {args.before}" if args.before else ""
    stem = "realism_beats" + ("" if args.subset == "test" else f"_{args.subset}")
    result = {"command": command, "subset": args.subset, "windows": len(test.hvo), "takes": len(set(test.filename)),
              "rows": rows}
    write_results(stem, result, folder=args.out)  # the figures first, then their page
    write_results(stem, result, beats_markdown(result), folder=args.out)


def beats_markdown(result):
    lines = [
        f"# Beats the models write, against the drummers' (GMD {result['subset']} split)",
        "",
        f"`{result['command']}`; {result['windows']} windows of {result['takes']} takes. Two-sample accuracy "
        "(0.5 = indistinguishable), all windows of a take in one fold, 95% bootstrap interval over takes. Critics: "
        "\"raw\" reads velocities and offsets (and their per-voice summaries); \"beat\" also the hits, each "
        "voice's count and each bar's.",
        "",
        "| model | " + " | ".join(CRITICS) + " | hit F1 | silent taps | tap velocity correlation |",
        "|---|" + "---|" * (len(CRITICS) + 3),
    ]
    songs = {label: row["songs"] for label, row in result["rows"].items()}
    rows = {label: row for label, row in result["rows"].items() if label != "drummers"}
    for label, row in rows.items():
        taps = (f"{row['silent_taps']} of {row['taps']}", f"{row['tap_velocity_correlation']:.3f}") if "taps" in row \
            else ("", "")
        lines.append(f"| {label} | " + " | ".join(_ci(row["two_sample"][c]) for c in CRITICS)
                     + f" | {row['hit_f1']:.3f} | {taps[0]} | {taps[1]} |")
    labels = list(rows)
    lines += ["", "## Beat statistics, drummers against each model", "",
              "Hits a bar per voice, density (hits a bar) and its spread, the share of hits on the 16ths between 8ths "
              "(syncopation) and on the off-beat 8ths, and how much a bar repeats the one before it (Jaccard "
              "similarity of their hits; the share of identical bars). Each as generated / drummers' "
              "(ok within 10%). The training split's drummers, against this split's, show how far what the models "
              "learned from lies from it.", "",
              "| statistic | drummers | training split's drummers | " + " | ".join(labels) + " |",
              "|---|---|---|" + "---|" * len(labels)]
    by_label = {label: {r["statistic"]: r for r in row["beat_statistics"]} for label, row in rows.items()}
    training = {r["statistic"]: r for r in result["rows"]["drummers"]["training_split"]}
    for name in by_label[labels[0]]:
        cells = [f"{by[name]['generated']:.3f} ({by[name]['verdict']})" for by in [training, *by_label.values()]]
        lines.append(f"| {name} | {by_label[labels[0]][name]['real']:.3f} | " + " | ".join(cells) + " |")
    lines += ["", "## Whole songs: how a bar repeats the one before it", "",
              "Each take of the split, put back together from its windows, played as the command line plays a song "
              "(windows of 2 bars, hop 1 bar; a sampled take played window after window, each going on from the bar before, where the network decodes step by step, else stitched window by window); over all consecutive bars.",
              "", "| | Jaccard similarity of consecutive bars' hits | share of identical consecutive bars |",
              "|---|---|---|"]
    lines += [f"| {label} | {s['bar_repetition']:.3f} | {s['bars_identical']:.3f} |" for label, s in songs.items()]
    lines += ["", "## Spreads of the voices written (groove statistics, ok within 15%)", ""]
    for label, row in rows.items():
        cells = ", ".join(f"{r['statistic']} {r['generated']:.3f} against {r['real']:.3f} ({r['verdict']})"
                          for r in row["grooves"])
        lines.append(f"- {label}: {cells}")
    return "\n".join(lines) + "\n"


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

"""Whole GMD test songs performed through the command line: do their windows pass for the drummers' takes?

    python benchmarks/song_realism.py [--data-home ../shared/data/groove] [--seed 0]
    python benchmarks/song_realism.py --subset validation --temperatures 0.7 0.8 0.9 1.0 --takes-only
    python benchmarks/song_realism.py --model humanize_paper

The score of each 4/4 file of the GMD test split (its hits, on the grid, at
velocity 100, written as a MIDI file at the take's tempo) is humanized by
``sklearn-groove humanize`` (in this process, through
``sklearn_groove.cli.main``: its MIDI file written and read back) in three
ways:

- ``--temperature 0``: the most likely performance (the ensemble's mean);
- the default: one sampled take (one network for the whole song, each step
  from one window, seed 0);
- for comparison, the model's own sampled ``predict`` on the song's windows
  (one seed a song), each window drawn on its own and overlapping windows
  averaged (``predict_song(model.predict, ..., blend="mean")`` at
  temperature 1).

From every song, 2-bar windows are cut starting half a bar after each bar
line, so that each straddles the border of the model's own windows, and the
classifier two-sample test compares them with the same windows of the
drummer's take (boosted trees and logistic regression, all windows of a song
in one fold, 95% intervals over songs). The
offset spread of each whole song (std of offsets at its hits) is compared
with the drummer's. Results: benchmarks/results/song_realism.{json,md}, or
song_realism_validation.{json,md} for the validation split, where the
temperature of the command's default take is chosen (``--takes-only``: the
sampled takes alone, at each of ``--temperatures``). ``--model NAME``: the
command's ``--model`` (results in song_realism[_validation]_NAME.{json,md}).
"""

import argparse
import csv
import tempfile
from pathlib import Path

import numpy as np

from _harness import RESULTS, add_data_home, write_results



def straddling_windows(hvo, length=32, start=8, hop=16):
    """2-bar windows beginning ``start`` steps into the song, every bar: across the model's window borders."""
    starts = range(start, len(hvo) - length + 1, hop)
    return np.stack([hvo[s : s + length] for s in starts]) if len(starts) else np.zeros((0, length, hvo.shape[1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_home(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subset", default="test", choices=["validation", "test"])
    parser.add_argument("--temperatures", type=float, nargs="+", default=[None],
                        help="temperatures of the sampled take (default: the command's own)")
    parser.add_argument("--takes-only", action="store_true")
    parser.add_argument("--model", help="the command's --model (default: its own default)")
    args = parser.parse_args()

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_groove import join_hvo, pretrained, split_hvo
    from sklearn_groove.cli import main as cli
    from sklearn_groove.metrics import two_sample_test
    from sklearn_groove.midi import hvo_to_midi, midi_to_hvo
    from sklearn_groove.songs import predict_song

    with open(Path(args.data_home) / "info.csv") as f:
        files = [r["midi_filename"] for r in csv.DictReader(f)
                 if r["split"] == args.subset and r["time_signature"] == "4-4"]
    shipped = args.model is None or args.model in pretrained.available()  # else a model file (NAME.json)
    model = pretrained.load(args.model or "humanize") if shipped else pretrained.load_model(args.model)
    chosen = [] if args.model is None else ["--model", args.model]
    modes = {} if args.takes_only else {"temperature 0 (mean)": ["--temperature", "0"]}
    for t in args.temperatures:
        label = "one take (default)" if t is None else f"one take, temperature {t:g}"
        modes[label] = ["--seed", str(args.seed)] + ([] if t is None else ["--temperature", str(t)])
    averaged = [] if args.takes_only else ["windows sampled on their own, averaged"]
    real_windows, windows, spreads = [], {m: [] for m in list(modes) + averaged}, []
    with tempfile.TemporaryDirectory() as folder:
        for k, name in enumerate(files):
            path = Path(args.data_home) / name
            real, info = midi_to_hvo(path, return_info=True)
            h = split_hvo(real)[0]
            if h.sum() < 8 or len(real) < 48:
                continue
            score = Path(folder) / "score.mid"
            hvo_to_midi(join_hvo(h, h * 100 / 127), bpm=info.bpm).write(str(score))
            played = {}
            for mode, extra in modes.items():
                out = Path(folder) / "out.mid"
                if cli(["humanize", str(score), "-o", str(out), "-q"] + chosen + extra) != 0:
                    raise RuntimeError(f"{name}: the command failed")
                performed = midi_to_hvo(out)
                played[mode] = np.zeros_like(real)
                played[mode][: min(len(real), len(performed))] = performed[: len(real)]
            if averaged:
                model.set_params(temperature=1.0, random_state=args.seed + k)
                played["windows sampled on their own, averaged"] = predict_song(model.predict, h, hits=h)
                model.set_params(temperature=0.0, random_state=None)
            real_windows.append(straddling_windows(real))
            for mode, hvo in played.items():
                windows[mode].append(straddling_windows(hvo))
            spread = {mode: float(split_hvo(hvo)[2][h > 0].std()) for mode, hvo in played.items()}
            spreads.append({"file": name, "drummer": float(split_hvo(real)[2][h > 0].std()), **spread})
            print(k, name, {m: round(v, 3) for m, v in spreads[-1].items() if m != "file"}, flush=True)
    song = np.concatenate([np.full(len(w), k) for k, w in enumerate(real_windows)])
    real_windows = np.concatenate(real_windows)
    classifiers = {"boosted trees": None,
                   "logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))}
    rows = []
    for mode, parts in windows.items():
        generated = np.concatenate(parts)
        tests = {c: two_sample_test(real_windows, generated, groups=song, classifier=clf,
                                     random_state=args.seed)._asdict()
                 for c, clf in classifiers.items()}
        ratio = np.array([s[mode] / s["drummer"] for s in spreads if s["drummer"] > 0])
        rows.append({"mode": mode, "two_sample": tests, "song_offset_std_ratio_median": float(np.median(ratio)),
                     "song_offset_std_ratio_q25_q75": [float(np.percentile(ratio, 25)), float(np.percentile(ratio, 75))]})
        print(rows[-1], flush=True)
    import sys

    result = {"command": " ".join(["python benchmarks/song_realism.py"] + sys.argv[1:]), "subset": args.subset,
              "songs": len(spreads), "windows": len(real_windows),
              "rows": rows, "songs_detail": spreads}
    RESULTS.mkdir(exist_ok=True)
    stem = "song_realism" + ("" if args.subset == "test" else f"_{args.subset}") + (f"_{Path(args.model).stem}" if args.model else "")
    lines = ["# Whole songs through the command line: realism across window borders", "",
             f"`{result['command']}`: {result['songs']} GMD {args.subset} songs (4/4), {result['windows']} 2-bar windows "
             "straddling the model's window borders, each against the same window of the drummer's take. "
             "Accuracy of a cross-validated classifier telling them apart (0.5: it cannot), all windows of a song in "
             "one fold, 95% interval over songs; the "
             "offset spread of each whole song over the drummer's (median, and quartiles).", "",
             "| mode | boosted trees | logistic regression | song offset std / drummer's |", "|---|---|---|---|"]
    for r in rows:
        t = {c: f"{v['accuracy']:.3f} [{v['low']:.3f}, {v['high']:.3f}]" for c, v in r["two_sample"].items()}
        q = r["song_offset_std_ratio_q25_q75"]
        lines.append(f"| {r['mode']} | {t['boosted trees']} | {t['logistic regression']} | "
                     f"{r['song_offset_std_ratio_median']:.2f} ({q[0]:.2f}-{q[1]:.2f}) |")
    write_results(stem, result, lines)


if __name__ == "__main__":
    main()

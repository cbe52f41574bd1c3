"""Style and drummer control: are renderings in a style recognised as that style?

    python benchmarks/control.py [--model humanize] [--subset validation] [--data-home ../shared/data/groove]

A style classifier (and a drummer classifier) is trained on the GMD's real
training performances, reading velocities and offsets only through
position-free summaries (per voice: mean and spread of velocity and offset at
its hits; per 16th of the beat: mean offset and velocity), so that the
score's pattern cannot give the style away. On the test windows of each of
the eight most played styles (the drummers with enough test windows), it
classifies: (a) the drummers' real performances, (b) the model's renderings of
their scores with no label, (c) the renderings asked for that style
(drummer). Reported: each label's recall and the macro average, with the
renderings sampled as the command line plays them (at its take temperature); and at
temperature 0 the timing MAE of each style's test takes played with and
without their style; and per style the groove statistics of the real takes
and of both renderings (swing, laid-back-ness, spread), with a figure.
Results: benchmarks/results/control.{json,md,png} (the validation split:
control_validation.*, where choices are made).

    python benchmarks/control.py --model tap2drum [--temperature 1]

does the same for a model that writes the hits (Tap2Drum: its renderings of the windows'
taps): the classifiers then also read where each voice plays (hits a bar, and their shares
on each 16th of the beat), and each take at temperature 0 is scored by its hit F1 against
the drummer's beat. Results: control_tap2drum[_validation].*
"""

import argparse
import json
from pathlib import Path

import numpy as np

from _harness import RESULTS, add_data_home, write_results



def features(hvo):
    """Position-free summaries of a window's velocities and offsets (the hits' pattern left out)."""
    from sklearn_groove import split_hvo

    h, v, o = split_hvo(hvo)
    count = np.maximum(h.sum(axis=1), 1)
    mean_v, mean_o = v.sum(axis=1) / count, o.sum(axis=1) / count
    std_v = np.sqrt(np.maximum((v**2).sum(axis=1) / count - mean_v**2, 0))
    std_o = np.sqrt(np.maximum((o**2).sum(axis=1) / count - mean_o**2, 0))
    beat = h.reshape(len(h), -1, 4, 9).sum(axis=(1, 3))
    per_position = [(a.reshape(len(h), -1, 4, 9).sum(axis=(1, 3)) / np.maximum(beat, 1)) for a in (v, o)]
    return np.concatenate([mean_v, std_v, mean_o, std_o, *per_position], axis=1)


def beat_features(hvo):
    """:func:`features`, and for models that write the hits, where each voice plays: its hits a bar and their
    shares on each 16th of the beat (a style is also which drums play where)."""
    from sklearn_groove import split_hvo

    h = split_hvo(hvo)[0]
    bars = h.shape[1] / 16
    per_voice = h.sum(axis=1)
    positions = h.reshape(len(h), -1, 4, 9).sum(axis=1) / np.maximum(per_voice[:, None, :], 1)
    return np.concatenate([features(hvo), per_voice / bars, positions.reshape(len(h), -1)], axis=1)


def renderer(model):
    """(network, inputs): the model's network (a pipeline's last step) and a function making its input from a
    performance (the pipeline's transformers, else the score)."""
    from sklearn_groove import split_hvo

    if not hasattr(model, "steps"):
        return model, lambda hvo: split_hvo(hvo)[0]
    return model.steps[-1][1], model[:-1].transform


def take_temperature(model):
    """The command line's take temperature for the task of ``model`` (a shipped name, or a model file NAME.json of a
    shipped name's task; else humanize's)."""
    from sklearn_groove.tasks import TASKS

    name = Path(model).stem
    return next((task.take_temperature for task in TASKS.values() if task.pretrained == name),
                TASKS["humanize"].take_temperature)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_home(parser)
    parser.add_argument("--model", default="humanize",
                        help="a humanizer trained with --labels: a shipped name or a model file")
    parser.add_argument("--subset", default="test", choices=["validation", "test"])
    parser.add_argument("--temperature", type=float,
                        help="of the renderings (default: the command line's take temperature for the model's task)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from sklearn.ensemble import HistGradientBoostingClassifier

    from sklearn_groove import pretrained
    from sklearn_groove.datasets import fetch_groove
    from sklearn_groove.metrics import groove_statistics, hit_f1, timing_mae_ms

    shipped = args.model in pretrained.available()
    if args.temperature is None:
        args.temperature = take_temperature(args.model)
    model, inputs = renderer(pretrained.load(args.model) if shipped else pretrained.load_model(args.model))
    writes_hits = not model._keeps_hits()
    described = beat_features if writes_hits else features
    # what a take at temperature 0 is scored by: the drummer's timing, or (a model that writes hits) the drummer's hits
    scored = (lambda real, played, bpm: hit_f1(real, played)) if writes_hits else \
        (lambda real, played, bpm: timing_mae_ms(real, played, bpm=bpm))
    meta = pretrained.info(args.model) if shipped else json.loads(Path(args.model).read_text())
    train = fetch_groove(subset="train", data_home=args.data_home)
    test = fetch_groove(subset=args.subset, data_home=args.data_home)
    trained_by = meta.get("command", "unknown")
    name = args.model if shipped else Path(args.model).name
    result = {"command": f"python benchmarks/control.py --model {name} --subset {args.subset}",
              "model_trained_by": trained_by, "temperature": args.temperature}
    for kind, train_labels, test_labels, known in (("style", train.genre, test.genre, model.styles_),
                                                    ("drummer", train.drummer, test.drummer, model.drummers_)):
        names, counts = np.unique(train_labels, return_counts=True)
        top = [str(n) for n in names[np.argsort(-counts)] if n in set(known) and (test_labels == n).sum() >= 40][:8]
        keep = np.isin(train_labels, top)
        classifier = HistGradientBoostingClassifier(max_iter=300, random_state=args.seed)
        classifier.fit(described(train.hvo[keep]), train_labels[keep])
        rows = []
        for label in top:
            windows = test.hvo[test_labels == label]
            score = inputs(windows)
            model.set_params(temperature=args.temperature, random_state=args.seed)
            plain = model.predict(score)
            asked = model.predict(score, **{kind: label})
            model.set_params(temperature=0.0, random_state=None)
            recall = {name: float((classifier.predict(described(x)) == label).mean())
                      for name, x in (("real", windows), ("unlabelled", plain), ("asked", asked))}
            bpm = test.bpm[test_labels == label]
            mae = {"unlabelled": float(scored(windows, model.predict(score), bpm)),
                   "asked": float(scored(windows, model.predict(score, **{kind: label}), bpm))}
            grooves = {name: {k: float(v) for k, v in groove_statistics(x).items() if k in GROOVE}
                       for name, x in (("real", windows), ("unlabelled", plain), ("asked", asked))}
            rows.append({kind: label, "windows": len(windows), "recall": recall, "timing_mae_ms_t0": mae,
                         "groove": grooves})
            print(rows[-1], flush=True)
        macro = {name: float(np.mean([r["recall"][name] for r in rows])) for name in ("real", "unlabelled", "asked")}
        result[kind] = {"labels": top, "rows": rows, "macro_recall": macro}
    RESULTS.mkdir(exist_ok=True)
    stem = "control" + ("" if args.model == "humanize" else f"_{name.removesuffix('.json')}")
    stem += "" if args.subset == "test" else f"_{args.subset}"
    unit = "hit F1" if writes_hits else "timing MAE (ms)"
    lines = ["# Style and drummer control", "", f"`{result['command']}`: a classifier trained on the drummers' real "
             "training performances (velocities and offsets, in position-free summaries"
             + ("; and where each voice plays: hits a bar and their shares on each 16th of the beat" if writes_hits
                else "") + ") names the style (drummer) "
             f"of GMD {args.subset} windows: the drummers' own, the model's renderings at temperature {args.temperature:g} "
             "with no label, and asked for the window's own label (at the model's label_strength, "
             f"{model.get_params()['label_strength']:g}). {unit} at temperature 0 (which plays a label as learned: "
             f"at most strength 1), each take scored with and without its label. The model: `{trained_by}`."]
    for kind in ("style", "drummer"):
        part = result[kind]
        lines += ["", f"| {kind} | windows | recall, real | recall, unlabelled | recall, asked | "
                  f"{unit} unlabelled | {unit} asked |", "|---|---|---|---|---|---|---|"]
        for r in part["rows"]:
            rc, m = r["recall"], r["timing_mae_ms_t0"]
            lines.append(f"| {r[kind]} | {r['windows']} | {rc['real']:.3f} | {rc['unlabelled']:.3f} | "
                         f"{rc['asked']:.3f} | {m['unlabelled']:.3f} | {m['asked']:.3f} |")
        mr = part["macro_recall"]
        lines.append(f"| **macro** | | **{mr['real']:.3f}** | **{mr['unlabelled']:.3f}** | **{mr['asked']:.3f}** | | |")
    lines += ["", "Groove statistics per style (`sklearn_groove.metrics.groove_statistics`; offsets in 16th notes): "
              "the drummers' takes / the renderings with no label / asked for the style.", "",
              "| style | " + " | ".join(GROOVE) + " |", "|---|" + "---|" * len(GROOVE)]
    for r in result["style"]["rows"]:
        g = r["groove"]
        lines.append(f"| {r['style']} | " + " | ".join(
            " / ".join(f"{g[name][k]:.3f}" for name in ("real", "unlabelled", "asked")) for k in GROOVE) + " |")
    lines += ["", f"![groove statistics per style]({stem}.png)"]
    write_results(stem, result, lines)
    plot_grooves(result["style"]["rows"], RESULTS / f"{stem}.png")


#: The groove statistics compared per style: swing, laid-back-ness, and the spread of three voices' offsets.
GROOVE = ("swing_8th", "swing_16th", "laid_back", "offset_std/kick", "offset_std/snare", "offset_std/closed_hihat")


def plot_grooves(rows, path):
    """Bars per style of each GROOVE statistic: the drummers', the renderings with no label, asked for the style."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(12, 6), sharex=True)
    x = np.arange(len(rows))
    for ax, key in zip(axes.flat, GROOVE):
        for k, (name, colour) in enumerate((("real", "black"), ("unlabelled", "tab:grey"), ("asked", "tab:orange"))):
            ax.bar(x + (k - 1) * 0.27, [r["groove"][name][key] for r in rows], width=0.27, color=colour,
                   label={"real": "drummers", "unlabelled": "no style asked", "asked": "style asked"}[name])
        ax.set_title(key)
        ax.set_xticks(x, [r["style"] for r in rows], rotation=45)
    axes.flat[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    main()

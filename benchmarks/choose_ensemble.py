"""Choose the members of the humanize ensemble on GMD validation.

    python benchmarks/choose_ensemble.py DIR [DIR ...] [--shipped] [--max-members 4] [--max-mb 15.5] [--rotate-bars]

Each DIR is the --out folder of a ``train_pretrained.py humanize`` run; --shipped adds the
members of the shipped ``humanize`` ensemble (labelled DIR#K, as ``train_pretrained.py --from``
reads them). Every network decodes the validation split once (temperature 0); every combination
of up to --max-members of them whose int8 weights fit in --max-mb is scored by the timing MSE of
the mean of their performances (the GrooveEnsemble at temperature 0), and the best --top are
printed with their MAE; the best is written to --out (a JSON file that ``train_pretrained.py humanize
--choice FILE`` packages). With --rotate-bars each network's performance is the mean of the windows
as given and rotated by a bar (``GrooveEnsemble(rotate_bars=True)``). The test split is not read.
"""

import argparse
import itertools
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from sklearn_groove import GrooveEnsemble, pretrained, split_hvo
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import timing_mae_ms, timing_mse

from _harness import add_data_home


def int8_megabytes(model):
    """Size of a network as ``pretrained.save`` stores it (int8 matrices, float16 scales and vectors), in MB."""
    with tempfile.TemporaryDirectory() as folder:
        pretrained.save(model, "network", {}, folder=folder)
        return (Path(folder) / "network.pt").stat().st_size / 1e6


def networks(dirs, shipped):
    """(label, fitted network) for each DIR's humanize model, and the shipped ensemble's members.

    A member K of an ensemble saved in DIR is labelled ``DIR#K``, as ``train_pretrained.py --from`` reads it.
    """
    for folder in list(dirs) + ([os.path.relpath(pretrained.WEIGHTS)] if shipped else []):
        model = pretrained.load("humanize", folder)
        members = getattr(model, "estimators_", None)
        if members is None:
            yield folder, model
        else:
            yield from ((f"{folder}#{k}", member) for k, member in enumerate(members))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", nargs="*", metavar="DIR")
    parser.add_argument("--shipped", action="store_true", help="add the shipped humanize ensemble's members")
    parser.add_argument("--max-members", type=int, default=4)
    parser.add_argument("--max-mb", type=float, default=15.5, help="int8 weights of all members, in MB")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument(
        "--rotate-bars", action="store_true", help="each network also plays the windows with their bars rotated"
    )
    add_data_home(parser)
    parser.add_argument("--out", default="trained/humanize_choice.json", help="where the best choice is written")
    args = parser.parse_args()
    if not args.dirs and not args.shipped:
        parser.error("give at least one DIR or --shipped")

    validation = fetch_groove(subset="validation", data_home=args.data_home)
    X, y, bpm = split_hvo(validation.hvo)[0], validation.hvo, validation.bpm
    labels, outputs, sizes = [], [], []
    for label, model in networks(args.dirs, args.shipped):
        out = GrooveEnsemble.from_fitted([model], rotate_bars=args.rotate_bars).predict(X)
        labels.append(label)
        outputs.append(out)
        sizes.append(int8_megabytes(model))
        print(f"{label}: MSE {timing_mse(y, out):.5f}, MAE {timing_mae_ms(y, out, bpm=bpm):.3f} ms, "
              f"{sizes[-1]:.2f} MB", flush=True)
    outputs = np.stack(outputs)
    scored = []
    for n in range(1, min(args.max_members, len(labels)) + 1):
        for combo in itertools.combinations(range(len(labels)), n):
            if sum(sizes[k] for k in combo) <= args.max_mb:
                mean = outputs[list(combo)].mean(axis=0)
                scored.append((timing_mse(y, mean), timing_mae_ms(y, mean, bpm=bpm), combo))
    scored.sort(key=lambda s: s[0])
    print(f"\nbest of {len(scored)} combinations of up to {args.max_members} within {args.max_mb} MB (validation):")
    for mse, mae, combo in scored[: args.top]:
        print(f"MSE {mse:.5f}  MAE {mae:.3f} ms  {sum(sizes[k] for k in combo):5.2f} MB  "
              + " + ".join(labels[k] for k in combo))
    mse, mae, combo = scored[0]
    choice = {
        "sources": [labels[k] for k in combo],
        "rotate_bars": args.rotate_bars,
        "validation": {"timing_mse": mse, "timing_mae_ms": mae, "int8_mb": sum(sizes[k] for k in combo)},
        "command": "python " + " ".join(sys.argv),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(choice, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

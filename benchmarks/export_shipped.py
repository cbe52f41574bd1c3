"""Write the ONNX files of saved models as the package ships them: the command line plays them, torch not imported.

    python benchmarks/export_shipped.py [--weights FOLDER] [--model NAME ...]

For each model of FOLDER (default: the shipped ones, ``sklearn_groove/pretrained/weights``) that has an ONNX file
there: ``NAME.onnx`` (int8 weights, windows of 2 bars of 4/4) and, where that file plays one window length only (a
network that samples step by step unrolls its steps), ``NAME-STEPS.onnx`` for 2 bars of each meter of
:data:`METERS`, each reading its weights from ``NAME.onnx`` (``export_onnx(..., weights_from=)``): a tenth of the
size of a file with its own (where ``NAME.onnx`` draws its sampled takes from examples, from the shortest of them).
A song in another meter is played in windows of 2 of its bars by the file of that length, else by the estimator
(torch).
"""

import argparse
import os
import sys
import time
from pathlib import Path

from sklearn_groove import pretrained
from sklearn_groove._base import last_step
from sklearn_groove.cli._players import bar_steps
from sklearn_groove.neural import export_onnx

#: The meters other than 4/4 (and 2/2, which the 4/4 file plays) whose windows of 2 bars get a file each.
METERS = ((2, 4), (3, 8), (3, 4), (6, 8), (5, 8), (7, 8), (9, 8), (5, 4), (11, 8), (12, 8), (13, 8), (6, 4), (7, 4),
          (15, 8), (5, 16), (7, 16), (9, 16), (11, 16), (13, 16), (15, 16))


def window_lengths():
    """The steps of the windows of 2 bars of :data:`METERS`, each once, shortest first."""
    return sorted({2 * bar_steps([meter]) for meter in METERS})


def plays_one_length(path):
    """Whether the ONNX file at ``path`` plays windows of one number of steps only: its first input's steps are a
    number, not a name (as the command line's ``OnnxPlayer.plays_windows_of`` reads them)."""
    import onnx

    steps = onnx.load(path, load_external_data=False).graph.input[0].type.tensor_type.shape.dim[1]
    return steps.HasField("dim_value")


def export(name, folder):
    """Write ``NAME.onnx`` and its files of other window lengths in ``folder``; return the paths written.

    Those read their weights from ``NAME.onnx``; where its sampled takes are drawn from its calibration's examples
    (windows of 2 bars of 4/4 only), it holds no sampler, and they read them from the shortest of them, written whole.
    """
    model = pretrained.load(name, folder)
    main = Path(folder) / f"{name}.onnx"
    written = [export_onnx(model, main, int8=True)]
    draws_examples = bool(getattr(getattr(last_step(model), "calibration_", None), "neighbors_", 0))
    if plays_one_length(main):
        source = None if draws_examples else main  # None: the first (shortest) file is written whole
        for steps in window_lengths():
            path = Path(folder) / f"{name}-{steps}.onnx"
            written.append(export_onnx(model, path, n_steps=steps, int8=True, weights_from=source))
            source = source or path
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", type=Path, default=pretrained.WEIGHTS, help="the folder of the saved models")
    parser.add_argument("--model", action="append", help="a model of the folder (default: each with an ONNX file)")
    args = parser.parse_args(argv)
    names = args.model or [n for n in pretrained.available(args.weights) if (args.weights / f"{n}.onnx").is_file()]
    for name in names:
        start = time.perf_counter()
        paths = export(name, args.weights)
        sizes = ", ".join(f"{os.path.basename(p)} {os.path.getsize(p) / 2**20:.2f} MiB" for p in paths)
        print(f"{name}: {sizes} ({time.perf_counter() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

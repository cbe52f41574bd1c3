"""The benchmark pipeline: each stage one command, with the files it reads and writes declared.

    python benchmarks/pipeline.py list
    python benchmarks/pipeline.py STAGE [--task humanize] [--seed 1] [--dry-run]

Stages, in order (the shipped weights are never written: copying a packaged model into
``sklearn_groove/pretrained/weights`` is a reviewed commit of its own):

- ``train``: one network of a task with its registry recipe, seeded, into ``trained/TASK_sSEED``.
  humanize's learns from the drummers' takes (with their styles and drummers) and from its teacher,
  the shipped ``humanize_paper``, playing the training windows and their bar rotations.
  tap2drum's and infill's learn from the drummers' takes with their styles and drummers.
- ``package``: the network of ``--seed`` saved as the task's model in ``trained/package``, learning its
  calibration (``calibrate``: its sampled takes mapped onto the drummers'). humanize's first decoder
  (temperature 0) first learns again from ``humanize_paper``'s temperature-0 performances of the training
  windows and their bar rotations, beside the drummers' (``fit_likeliest``; its takes are kept), then its
  sampler from the drummers' takes alone (``fit_sampler``; temperature 0 is kept).
- ``export``: the packaged model's ONNX files (``benchmarks/export_shipped.py``): ``NAME.onnx``, which the command
  line plays without torch, and the files of windows of 2 bars of other meters, which read its weights.
- ``evaluate``: the packaged model scored on the test split beside the shipped ones
  (``benchmarks/results`` is not written: the tables go to ``trained/results``).

So ``python benchmarks/pipeline.py train && python benchmarks/pipeline.py package && python benchmarks/pipeline.py
export`` rebuilds the shipped ``humanize`` (about 80 minutes on 2 cores: 43 minutes of training, about 36 of the
package stage, whose 20 epochs of ``fit_likeliest`` took 24 and 64 of ``fit_sampler`` 10; the export half a minute).
The paper's four networks, ``humanize_paper``, are rebuilt by the commands its JSON records
(``benchmarks/choose_ensemble.py`` combines them).

A stage checks that its inputs exist before it runs and that its outputs exist after.
"""

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

from sklearn_groove.tasks import TASKS

TRAINED = Path("trained")
#: Options of the train stage beyond the registry's recipe, per task: humanize learns from a teacher and the labels.
TRAIN_OPTIONS = {"humanize": "--distill humanize_paper --labels --monitor mae --max-epochs 14 --patience 3",
                 "tap2drum": "--labels --max-epochs 30 --patience 3", "infill": "--labels --max-epochs 20 --patience 3"}
#: Options of the package stage, per task: the sampled takes are calibrated onto the drummers'.
PACKAGE_OPTIONS = {"humanize": "--likeliest-from humanize_paper --likeliest-epochs 20 --sampler-epochs 64 --calibrate",
                   "tap2drum": "--calibrate", "infill": "--calibrate"}


def _command(*parts):
    """A benchmark script's command line of the parts given (empty ones left out)."""
    return " ".join(["python benchmarks/" + parts[0], *filter(None, parts[1:])])


def stages(task, seed, train_args=""):
    """name -> (command, inputs, outputs) for one task; ``train_args`` are added to the train command."""
    name = TASKS[task].pretrained
    run = TRAINED / f"{task}_s{seed}"
    package = TRAINED / "package"
    evaluate = (
        f"python benchmarks/table1.py --skip-baselines --extra-weights {package} --out {TRAINED / 'results'}"
        if task in ("humanize", "transfer")
        else f"python benchmarks/tasks.py --weights {package} --out {TRAINED / 'results'}"
    )
    return {
        "train": (_command(f"train_pretrained.py {task} --seed {seed}", TRAIN_OPTIONS.get(task),
                           f"--out {run} --checkpoints {run}/checkpoints", train_args),
                  [], [run / f"{name}.json", run / f"{name}.pt"]),
        "package": (_command(f"train_pretrained.py {task} --from {run}", PACKAGE_OPTIONS.get(task), f"--out {package}"),
                    [run / f"{name}.json"], [package / f"{name}.json", package / f"{name}.pt"]),
        "export": (_command("export_shipped.py", f"--weights {package} --model {name}"), [package / f"{name}.json"],
                   [package / f"{name}.onnx"]),
        "evaluate": (evaluate, [package / f"{name}.json"], [TRAINED / "results"]),
    }


def _missing(paths):
    return [str(p) for p in paths if not Path(p).exists()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=["list", "train", "package", "export", "evaluate"])
    parser.add_argument("--task", default="humanize", choices=sorted(TASKS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-args", default="", help="more options of train_pretrained.py for the train stage, "
                        "such as '--max-epochs 1 --set module__encoder_size=16' for a smoke run")
    parser.add_argument("--dry-run", action="store_true", help="print the command, run nothing")
    args = parser.parse_args(argv)
    declared = stages(args.task, args.seed, args.train_args)
    if args.stage == "list":
        for stage, (command, inputs, outputs) in declared.items():
            print(f"{stage}: {command}\n  reads: {', '.join(map(str, inputs)) or '-'}\n  writes: {', '.join(map(str, outputs))}")
        return 0
    command, inputs, outputs = declared[args.stage]
    print(command, flush=True)
    if args.dry_run:
        return 0
    if _missing(inputs):
        parser.error(f"{args.stage} needs {', '.join(_missing(inputs))}: run the stage before it first")
    subprocess.run(shlex.split(command), check=True)
    if _missing(outputs):
        print(f"{args.stage} did not write {', '.join(_missing(outputs))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

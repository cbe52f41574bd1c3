"""Train the shipped models on GMD train, early-stopped on GMD validation, scored on test.

    python benchmarks/train_pretrained.py humanize [tap2drum infill transfer] [--max-epochs 40]
        [--monitor mse] [--seed 0] [--set decoder=autoregressive --set module__dropout=0.5]
        [--data-home ../shared/data/groove] [--out trained]

Each task's network and settings come from the task registry (``sklearn_groove.tasks``);
``--set NAME=VALUE`` overrides one estimator parameter (VALUE read as JSON, else as a string).
Seeded (random_state=--seed, 0 by default). Checkpoints go to --checkpoints/NAME (skorch's
Checkpoint); a run that is stopped and started again resumes from them. The model is saved
as its shipped name (``humanize``, ``infill_closed_hihat``...) in --out, never over the package's
shipped weights unless --out names them; its JSON records its parameters, training data, time
per epoch, library version and validation and test metrics.

    python benchmarks/train_pretrained.py humanize --from DIR [DIR ...] [--out ...]

trains nothing: it saves the model that earlier runs wrote to each DIR (their --out; DIR#K:
member K of an ensemble saved there), one DIR as it is and several as a GrooveEnsemble of them,
with the commands that trained them (--rotate-bars: a GrooveEnsemble(rotate_bars=True), which
also plays each window with its bars rotated; --sampler K: member K plays every window when
sampling; --calibrate: the sampling member, or each, learns to map its sampled velocities and
offsets onto the drummers' of the training split, ``model.calibrate``; a model that writes hits
also learns each voice's hit bias, from takes at its task's temperature), and measures it
again on validation and test.
``--choice FILE`` does the same with the sources and bar rotation that ``choose_ensemble.py`` wrote
to FILE. Weights are stored as int8 matrices with a float16 scale per row (--float16 for float16).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from skorch.callbacks import Callback, Checkpoint, EarlyStopping, LoadInitState

from sklearn_groove import GrooveEnsemble, pretrained
from sklearn_groove._base import last_step
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import score_report, timing_mae_ms, timing_mse
from sklearn_groove.pretrained import save
from sklearn_groove.tasks import TASKS

from _harness import add_data_home


class ValidationScores(Callback):
    """Timing MAE (ms) and MSE of the model's own decoding of the validation split, after each epoch.

    Recorded as ``valid_mae`` and ``valid_mse`` (with ``valid_mae_best`` and ``valid_mse_best``), for
    early stopping on the figures a humanizer is judged by instead of the validation loss.
    """

    def __init__(self, model, X, hvo, bpm):
        self.model, self.X, self.hvo, self.bpm = model, X, hvo, bpm

    def on_epoch_end(self, net, **kwargs):
        net.module_.eval()  # the model's net_ is ``net`` while it trains
        try:
            y_pred = self.model.predict(self.X)
        finally:
            net.module_.train()
        scores = {
            "valid_mae": timing_mae_ms(self.hvo, y_pred, bpm=self.bpm),
            "valid_mse": timing_mse(self.hvo, y_pred),
        }
        for key, score in scores.items():
            previous = net.history[:-1, key] if len(net.history) > 1 else []
            net.history.record(key, score)
            net.history.record(key + "_best", bool(not previous or score < min(previous)))


def _setting(text):
    """``NAME=VALUE`` of --set: VALUE read as JSON (numbers, true, null), else kept as a string."""
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"--set takes NAME=VALUE, got {text!r}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def split_metrics(model, task, test, temperatures=(0.0, 1.0)):
    X = task.inputs(test.hvo)
    out = {}
    for temperature in temperatures:
        model.set_params(temperature=temperature)
        t0 = time.perf_counter()
        y_pred = model.predict(X)
        seconds = time.perf_counter() - t0
        out[f"temperature_{temperature:g}"] = {
            **score_report(test.hvo, y_pred, bpm=test.bpm),
            "predict_test_s": seconds,
        }
    model.set_params(temperature=0.0)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tasks", nargs="+", choices=sorted(TASKS))
    add_data_home(parser)
    parser.add_argument("--max-epochs", type=int, default=40)
    parser.add_argument("--patience", type=int, default=4)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument(
        "--monitor",
        choices=["loss", "mae", "mse"],
        default="loss",
        help="what early stopping and checkpoints follow on the validation split: the loss, or the "
        "timing MAE or MSE of the decoded performances (humanize only; both measured for humanize either way)",
    )
    parser.add_argument("--set", dest="settings", type=_setting, action="append", default=[], metavar="NAME=VALUE",
                        help="an estimator parameter over the task's recipe, e.g. decoder=autoregressive, "
                        "module__dropout=0.5, hits_ahead=4 (repeatable); with --from, set on the model read before "
                        "what follows (module__sampler_steps=2 with --sampler-epochs: a new sampler of 2 steps a state)")
    parser.add_argument("--seed", type=int, default=0, help="random_state of the model")
    parser.add_argument("--labels", action="store_true",
                        help="learn each window's style and drummer (the model then takes --style and --drummer)")
    parser.add_argument("--min-windows", type=int, default=150,
                        help="with --labels: a style or drummer with fewer training windows is not learned (its "
                        "windows are learned as unlabelled)")
    parser.add_argument(
        "--distill",
        metavar="MODEL",
        help="learn from a model instead of the drummers: the training windows, and each with its bars rotated, "
        "as MODEL (a shipped name or a saved folder) plays them sampled at temperature 1, --samples times each; "
        "with --labels, from both: the drummers' windows with their labels and the model's with none",
    )
    parser.add_argument("--samples", type=int, default=2, help="with --distill: performances of each window")
    parser.add_argument("--name", help="the name the model is saved as (default: the task's shipped model's)")
    parser.add_argument("--out", default="trained", help="folder the models are saved in (default: trained)")
    parser.add_argument("--checkpoints", default="checkpoints")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all cores)")
    parser.add_argument(
        "--from",
        dest="sources",
        nargs="+",
        metavar="DIR",
        help="train nothing: save the task's model from these earlier --out folders (DIR#K: member K of an "
        "ensemble there; several: their GrooveEnsemble)",
    )
    parser.add_argument("--choice", help="train nothing: package the choice that choose_ensemble.py wrote to this file")
    parser.add_argument("--float16", action="store_true", help="store weights as float16 instead of int8")
    parser.add_argument(
        "--rotate-bars",
        action="store_true",
        help="with --from: a GrooveEnsemble(rotate_bars=True), which also plays each window with its bars rotated",
    )
    parser.add_argument("--sampler", type=int,
                        help="with several --from: the member that plays every window above temperature 0 "
                             "(GrooveEnsemble's sampler; default: one drawn per window)")
    parser.add_argument("--likeliest-from", metavar="MODEL",
                        help="with one --from of two decoders: its first decoder (temperature 0) learns again from "
                             "MODEL's temperature-0 performances of the training windows and their bar rotations, "
                             "beside the drummers' windows with their labels (fit_likeliest; the sampler is kept)")
    parser.add_argument("--likeliest-epochs", type=int, default=4, help="with --likeliest-from: passes over them")
    parser.add_argument("--sampler-epochs", type=int,
                        help="with one --from of two decoders: its sampler learns again from the drummers' training "
                             "windows with their labels, for this many passes (fit_sampler; temperature 0 is kept), "
                             "before --calibrate")
    parser.add_argument("--calibrate", action="store_true",
                        help="with --from: the member that samples (--sampler), or each, learns to map its sampled "
                             "velocities and offsets onto the training split's (model.calibrate)")
    args = parser.parse_args()
    if args.choice:
        choice = json.loads(Path(args.choice).read_text())
        args.sources, args.rotate_bars = choice["sources"], choice["rotate_bars"]

    import torch

    torch.set_num_threads(args.threads)
    train = fetch_groove(subset="train", data_home=args.data_home)
    validation = fetch_groove(subset="validation", data_home=args.data_home)
    test = fetch_groove(subset="test", data_home=args.data_home)
    for task in (TASKS[name] for name in args.tasks):
        if args.sources:
            combine(task, args, train, validation, test)
            continue
        name = args.name or task.pretrained
        monitor = "valid_" + args.monitor
        checkpoint = Checkpoint(dirname=str(Path(args.checkpoints) / name), monitor=monitor + "_best")
        model = task.make_estimator(
            **dict(args.settings), lr=args.lr, max_epochs=args.max_epochs, random_state=args.seed, verbose=1
        )
        X_val = task.inputs(validation.hvo)
        # the validation scores are measured first, then checkpoints and stopping follow them; the weights'
        # average (a callback of the recipe) comes before all of them, so that they see the averaged weights
        measured = args.monitor != "loss" or task.name == "humanize"
        scoring = [ValidationScores(model, X_val, validation.hvo, validation.bpm)] if measured else []
        stopping = EarlyStopping(monitor=monitor, patience=args.patience, load_best=True)
        recipe_callbacks = list(model.callbacks or [])
        callbacks = recipe_callbacks + scoring + [checkpoint, LoadInitState(checkpoint), stopping]
        model.set_params(callbacks=callbacks)
        t0 = time.perf_counter()
        labels = {}
        if args.labels:  # the model learns each window's style (top level) and drummer
            labels = {"style": frequent(train.genre, args.min_windows), "style_val": validation.genre,
                      "drummer": frequent(train.drummer, args.min_windows), "drummer_val": validation.drummer}
        X_train, y_train = task.inputs(train.hvo), train.hvo
        if args.distill:
            X_taught, y_taught = teacher_windows(args.distill, task, X_train, args.samples, args.seed)
            if labels:  # the drummers' windows with their labels, beside the teacher's with none
                X_train, y_train = np.concatenate([X_train, X_taught]), np.concatenate([y_train, y_taught])
                labels.update({kind: np.concatenate([labels[kind], np.full(len(X_taught), None)])
                               for kind in ("style", "drummer")})
            else:
                X_train, y_train = X_taught, y_taught
        teacher_seconds = time.perf_counter() - t0
        model.fit(X_train, y_train, task.inputs(validation.hvo), validation.hvo, **labels)
        wall = time.perf_counter() - t0
        history = model.net_.history
        metadata = {
            **({"distilled_from": {"model": args.distill, "samples": args.samples,
                                   "windows": "train windows and the same with their bars rotated"
                                              + (", beside the drummers' train windows" if labels else ""),
                                   "teacher_seconds": teacher_seconds}}
               if args.distill else {}),
            "training_data": {
                "dataset": "Groove MIDI Dataset v1.0.0 (CC BY 4.0)",
                "train_windows": len(train.hvo),
                "validation_windows": len(validation.hvo),
                "windows": "2 bars, hop 1 bar, 4/4 files",
                "early_stopping": "GMD validation split",
            },
            "epochs": len(history),
            "best_epoch": int(np.argmin(history[:, monitor])) + 1,
            "monitor": monitor,
            "callbacks": [repr(c) for c in recipe_callbacks],  # beside the scoring, checkpoints and stopping
            "seconds_per_epoch": float(np.mean(history[:, "dur"])),
            "epoch_seconds": [float(x) for x in history[:, "dur"]],
            "training_wall_s": wall,
            "train_loss": [float(x) for x in history[:, "train_loss"]],
            "valid_loss": [float(x) for x in history[:, "valid_loss"]],
            **({key: [float(x) for x in history[:, key]] for key in ("valid_mae", "valid_mse")} if measured else {}),
            "machine": f"{os.cpu_count()} CPUs, torch {torch.__version__}",
            "command": "python " + " ".join(sys.argv),
            "validation_metrics": split_metrics(model, task, validation, temperatures=(0.0,)),
            "test_metrics": split_metrics(model, task, test),
        }
        transformer = task.make_transformer()
        save(model, name, metadata, pipeline=[] if transformer is None else [transformer], folder=args.out,
             int8=not args.float16)
        print(name, "validation:", metadata["validation_metrics"], flush=True)


def frequent(labels, min_windows):
    """``labels`` with those of fewer than ``min_windows`` windows as None (learned as unlabelled)."""
    names, counts = np.unique(labels, return_counts=True)
    rare = names[counts < min_windows]
    return np.where(np.isin(labels, rare), None, np.asarray(labels, dtype=object))


def teacher_windows(source, task, X, samples, seed):
    """(X, y) to learn a model from: ``X`` and ``X`` with its bars rotated, as ``source`` plays them sampled.

    Each window is played ``samples`` times at temperature 1 (its own seeds), so that a student learns
    the teacher's spread as well as its mean. ``source``: a shipped model's name or a saved folder.
    """
    teacher = _teacher(source, task)
    X = _and_rotated(X)
    played = [teacher.set_params(temperature=1.0, random_state=seed * 1000 + k).predict(X) for k in range(samples)]
    return np.concatenate([X] * samples), np.concatenate(played)


def _teacher(source, task):
    """The model that teaches: ``source``, a shipped model's name or a folder holding the task's saved model."""
    return pretrained.load(source) if source in pretrained.available() else pretrained.load(task.pretrained, source)


def _and_rotated(X):
    """Windows ``X``, then the same with their bars rotated (by half a window)."""
    return np.concatenate([X, np.roll(X, X.shape[1] // 2, axis=1)])


def likeliest_from_teacher(model, source, task, train, epochs):
    """``model``'s first decoder learns again (``fit_likeliest``) from the drummers' training windows, with their
    labels the model knows, and from ``source`` (as for ``--distill``) playing them and their bar rotations at
    temperature 0."""
    X = task.inputs(train.hvo)
    taught = _and_rotated(X)
    played = _teacher(source, task).set_params(temperature=0.0).predict(taught)
    # the drummers' windows with the labels the model learned, the teacher's with none
    labels = {kind: np.concatenate([np.full(len(taught), None), given])
              for kind, given in known_labels(model, train).items()}
    model.fit_likeliest(np.concatenate([taught, X]), np.concatenate([played, train.hvo]), n_epochs=epochs, **labels)


def known_labels(model, train):
    """kind -> each training window's style (drummer) where ``model`` learned it, else None; of the kinds it learned."""
    return {kind: np.where(np.isin(given, known), given, None)
            for kind, given in (("style", train.genre), ("drummer", train.drummer))
            if (known := getattr(model, kind + "s_", None)) is not None}


# what a member's JSON says of its training, kept in an ensemble's JSON
TRAINING_KEYS = ("command", "epochs", "best_epoch", "monitor", "seconds_per_epoch", "training_wall_s", "machine")


def _source(name, source):
    """What ``--from`` reads of NAME in ``source``: its metadata and its model (a pipeline's last step).

    ``DIR#K`` is member K of the ensemble saved in DIR (such as the shipped one), with the training
    data of the ensemble and what its JSON says of that member.
    """
    folder, _, member = source.partition("#")
    meta, model = pretrained.info(name, folder), last_step(pretrained.load(name, folder))
    if member:
        k = int(member)
        meta = {"training_data": meta["training_data"], **meta["members"][k]}
        model = model.estimators_[k]
    return meta, model


def combine(task, args, train, validation, test):
    """Save the task's model from each of ``args.sources``: one as it is, several as their GrooveEnsemble."""
    name, transformer = task.pretrained, task.make_transformer()
    metas, models = zip(*(_source(name, source) for source in args.sources))
    for model in models:
        model.set_params(**dict(args.settings))
    if args.likeliest_from:
        t0 = time.perf_counter()
        for model in models:
            likeliest_from_teacher(model, args.likeliest_from, task, train, args.likeliest_epochs)
        metas = [{**meta, "likeliest_from": {"model": args.likeliest_from, "epochs": args.likeliest_epochs,
                                             "seconds": time.perf_counter() - t0}} for meta in metas]
    if args.sampler_epochs:
        t0 = time.perf_counter()
        for model in models:
            model.fit_sampler(task.inputs(train.hvo), train.hvo, n_epochs=args.sampler_epochs,
                              **known_labels(model, train))
        metas = [{**meta, "sampler_from": {"windows": "the drummers' train windows", "epochs": args.sampler_epochs,
                                           "seconds": time.perf_counter() - t0}} for meta in metas]
    if args.calibrate:
        for model in models if args.sampler is None else [models[args.sampler]]:
            # a model that writes hits learns its hit biases from takes at the temperature it plays them at
            model.calibrate(task.inputs(train.hvo), train.hvo, temperature=task.take_temperature if task.writes_hits
                            else 1.0, velocity_sharing=task.velocity_sharing, hit_repetition=task.hit_repetition,
                            repeat_bars=task.repeat_bars, neighbors=task.neighbors, **(known_labels(model, train) if task.neighbors else {}))
    if len(models) == 1 and not args.rotate_bars and args.sampler is None:
        model = models[0]
        metadata = dict(metas[0])  # how it was trained and tuned; save() rewrites what it reads from the model
        metadata["saved_by"] = "python " + " ".join(sys.argv)
        members = None
    else:
        model = GrooveEnsemble.from_fitted(models, rotate_bars=args.rotate_bars, sampler=args.sampler)
        members = [{k: meta[k] for k in TRAINING_KEYS if k in meta} for meta in metas]
        for member, meta in zip(members, metas):
            member["validation_metrics"] = meta["validation_metrics"]
        metadata = {
            "training_data": metas[0]["training_data"],
            "command": "python " + " ".join(sys.argv),
            "training_wall_s": sum(meta["training_wall_s"] for meta in metas),
        }
    metadata["validation_metrics"] = split_metrics(model, task, validation, temperatures=(0.0,))
    metadata["test_metrics"] = split_metrics(model, task, test)
    save(model, name, metadata, pipeline=[] if transformer is None else [transformer], folder=args.out,
         int8=not args.float16, members=members)
    print(name, "validation:", metadata["validation_metrics"], flush=True)


if __name__ == "__main__":
    main()

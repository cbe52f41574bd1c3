"""Train the shipped models on GMD train, early-stopped on GMD validation, scored on test.

    python benchmarks/train_pretrained.py humanize [tap2drum ...] [--max-epochs 40]
        [--monitor mae] [--seed 0] [--data-home ../shared/data/groove]
        [--out sklearn_groove/pretrained/weights]

Seeded (random_state=--seed, 0 by default). Checkpoints go to --checkpoints/NAME (skorch's
Checkpoint); a run that is stopped and started again resumes from them. Each
model's JSON records its parameters, training data, time per epoch, library
version and test metrics.

    python benchmarks/train_pretrained.py humanize --from DIR [DIR ...] [--out ...]

trains nothing: it saves the model NAME that earlier runs wrote to each DIR (their --out; DIR#K:
member K of an ensemble saved there), one DIR as it is and several as a GrooveEnsemble of them,
with the commands that trained them (--rotate-bars: a GrooveEnsemble(rotate_bars=True), which
also plays each window with its bars rotated), and measures it again on validation and test.
Weights are stored as int8 matrices with a float16 scale per row (--float16 for float16).
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from skorch.callbacks import Callback, Checkpoint, EarlyStopping, LoadInitState, LRScheduler

from sklearn_groove import GrooveEnsemble, GrooveSeq2Seq, GrooveTransfer, pretrained
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import score_report, timing_mae_ms, timing_mse
from sklearn_groove.pretrained import WEIGHTS, save
from sklearn_groove.preprocessing import Tapper, VoiceRemover

SIZES = dict(encoder_size=512, latent_size=256, decoder_size=256, decoder_layers=2)
# Infilling and Tap2Drum: smaller networks, chosen so that all four models fit in 25 MB of float16
# (weights are now int8, which leaves room for the several networks of the humanize ensemble).
SMALL = dict(encoder_size=256, latent_size=128, decoder_size=256)
# Boolean estimator parameters that --NAME yes|no overrides.
SWITCHES = ("condition_on_hits", "condition_on_input", "autoregressive", "bidirectional_decoder")
# name: (estimator class, extra parameters, input transformer or None)
MODELS = {
    "humanize": (
        GrooveSeq2Seq,
        {
            "condition_on_hits": True,
            "autoregressive": False,
            "weight_average": 0.998,
            "output": "gaussian",
            "dropout": 0.3,
        },
        None,
    ),
    "infill_closed_hihat": (
        GrooveSeq2Seq,
        {
            "condition_on_input": True,
            "generate_voices": ("closed_hihat",),
            "output": "gaussian",
            "dropout": 0.3,
            "sizes": SMALL,
        },
        VoiceRemover(voices=("closed_hihat",)),
    ),
    "tap2drum": (
        GrooveSeq2Seq,
        {"condition_on_input": True, "output": "gaussian", "dropout": 0.3, "sizes": SMALL},
        Tapper(),
    ),
    "groove_transfer": (GrooveTransfer, {"beta": 0.2, "output": "gaussian"}, None),
}


class ValidationScores(Callback):
    """Timing MAE (ms) and MSE of the model's own decoding of the validation split, after each epoch.

    Recorded as ``valid_mae`` and ``valid_mse`` (with ``valid_mae_best`` and ``valid_mse_best``), for
    early stopping on the figures a humanizer is judged by instead of the validation loss.
    """

    def __init__(self, model, X, hvo, bpm):
        self.model, self.X, self.hvo, self.bpm = model, X, hvo, bpm

    def on_epoch_end(self, net, **kwargs):
        module = net.module_
        self.model.module_ = module.eval()
        try:
            y_pred = self.model.predict(self.X)
        finally:
            module.train()
            del self.model.module_
        scores = {
            "valid_mae": timing_mae_ms(self.hvo, y_pred, bpm=self.bpm),
            "valid_mse": timing_mse(self.hvo, y_pred),
        }
        for key, score in scores.items():
            previous = net.history[:-1, key] if len(net.history) > 1 else []
            net.history.record(key, score)
            net.history.record(key + "_best", bool(not previous or score < min(previous)))


def _inputs(transformer, hvo):
    return hvo[..., :9] if transformer is None else transformer.transform(hvo)


def split_metrics(model, transformer, test, temperatures=(0.0, 1.0)):
    X = _inputs(transformer, test.hvo)
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
    parser.add_argument("names", nargs="+", choices=sorted(MODELS))
    parser.add_argument("--data-home", default=os.environ.get("SKLEARN_GROOVE_DATA", "../shared/data/groove"))
    parser.add_argument("--max-epochs", type=int, default=40)
    parser.add_argument("--patience", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument(
        "--lr-decay",
        type=float,
        default=1.0,
        help="multiply the learning rate by this after each epoch whose monitored figure does not improve "
        "(torch's ReduceLROnPlateau, patience 0); 1: a constant learning rate",
    )
    parser.add_argument(
        "--monitor",
        choices=["loss", "mae", "mse"],
        default="loss",
        help="what early stopping, checkpoints and --lr-decay follow on the validation split: the loss, or the "
        "timing MAE or MSE of the decoded performances (humanize only; both measured for humanize either way)",
    )
    parser.add_argument(
        "--weight-average", type=float, help="decay of the weights' moving average; 0: none (default: the model's)"
    )
    parser.add_argument("--dropout", type=float, help="default: the model's (MODELS)")
    parser.add_argument(
        "--output", choices=["mse", "gaussian", "laplace"], help="velocity/offset head (default: the model's)"
    )
    for size in SIZES:
        parser.add_argument("--" + size.replace("_", "-"), type=int, help=f"default: {SIZES[size]}")
    parser.add_argument("--hits-ahead", type=int, help="hits of the next steps the decoder reads (default: the model's)")
    for switch in SWITCHES:
        parser.add_argument("--" + switch.replace("_", "-"), choices=["yes", "no"], help="default: the model's")
    parser.add_argument("--seed", type=int, default=0, help="random_state of the model")
    parser.add_argument("--out", default=str(WEIGHTS))
    parser.add_argument("--checkpoints", default="checkpoints")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all cores)")
    parser.add_argument(
        "--from",
        dest="sources",
        nargs="+",
        metavar="DIR",
        help="train nothing: save NAME from these earlier --out folders (DIR#K: member K of an ensemble there; "
        "several: their GrooveEnsemble)",
    )
    parser.add_argument("--float16", action="store_true", help="store weights as float16 instead of int8")
    parser.add_argument(
        "--rotate-bars",
        action="store_true",
        help="with --from: a GrooveEnsemble(rotate_bars=True), which also plays each window with its bars rotated",
    )
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    train = fetch_groove(subset="train", data_home=args.data_home)
    validation = fetch_groove(subset="validation", data_home=args.data_home)
    test = fetch_groove(subset="test", data_home=args.data_home)
    for name in args.names:
        if args.sources:
            combine(name, args, validation, test)
            continue
        cls, extra, transformer = MODELS[name]
        extra = dict(extra)
        monitor = "valid_" + args.monitor
        checkpoint = Checkpoint(dirname=str(Path(args.checkpoints) / name), monitor=monitor + "_best")
        callbacks = []
        if args.lr_decay != 1.0:
            callbacks.append(
                LRScheduler(policy="ReduceLROnPlateau", monitor=monitor, factor=args.lr_decay, patience=0)
            )
        callbacks += [EarlyStopping(monitor=monitor, patience=args.patience, load_best=True)]
        if args.output:
            extra["output"] = args.output
        if args.dropout is not None:
            extra["dropout"] = args.dropout
        extra.update({k: getattr(args, k) == "yes" for k in SWITCHES if getattr(args, k)})
        if args.hits_ahead is not None:
            extra["hits_ahead"] = args.hits_ahead
        if args.weight_average is not None:
            extra["weight_average"] = args.weight_average or None
        sizes = {**SIZES, **extra.pop("sizes", {})}
        sizes.update({k: getattr(args, k) for k in SIZES if getattr(args, k) is not None})
        model = cls(
            **sizes,
            **extra,
            lr=args.lr,
            batch_size=args.batch_size,
            max_epochs=args.max_epochs,
            random_state=args.seed,
            verbose=1,
        )
        X_val = _inputs(transformer, validation.hvo)
        # the validation scores are measured first, then checkpoints, learning rate and stopping follow them
        measured = args.monitor != "loss" or name == "humanize"
        scoring = [ValidationScores(model, X_val, validation.hvo, validation.bpm)] if measured else []
        model.set_params(callbacks=scoring + [checkpoint, LoadInitState(checkpoint)] + callbacks)
        t0 = time.perf_counter()
        model.fit(_inputs(transformer, train.hvo), train.hvo, X_val, validation.hvo)
        wall = time.perf_counter() - t0
        history = model.net_.history
        metadata = {
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
            "seconds_per_epoch": float(np.mean(history[:, "dur"])),
            "training_wall_s": wall,
            "train_loss": [float(x) for x in history[:, "train_loss"]],
            "valid_loss": [float(x) for x in history[:, "valid_loss"]],
            **({key: [float(x) for x in history[:, key]] for key in ("valid_mae", "valid_mse")} if measured else {}),
            "machine": f"{os.cpu_count()} CPUs, torch {torch.__version__}",
            "command": "python " + " ".join(sys.argv),
            "validation_metrics": split_metrics(model, transformer, validation, temperatures=(0.0,)),
            "test_metrics": split_metrics(model, transformer, test),
        }
        save(model, name, metadata, pipeline=[] if transformer is None else [transformer], folder=args.out,
             int8=not args.float16)
        print(name, "validation:", metadata["validation_metrics"], flush=True)


# what a member's JSON says of its training, kept in an ensemble's JSON
TRAINING_KEYS = ("command", "epochs", "best_epoch", "monitor", "seconds_per_epoch", "training_wall_s", "machine")


def _source(name, source):
    """What ``--from`` reads of NAME in ``source``: its metadata and its model (a pipeline's last step).

    ``DIR#K`` is member K of the ensemble saved in DIR (such as the shipped one), with the training
    data of the ensemble and what its JSON says of that member.
    """
    folder, _, member = source.partition("#")
    meta, model = pretrained.info(name, folder), pretrained.load(name, folder)
    model = model.steps[-1][1] if hasattr(model, "steps") else model
    if member:
        k = int(member)
        meta = {"training_data": meta["training_data"], **meta["members"][k]}
        model = model.estimators_[k]
    return meta, model


def combine(name, args, validation, test):
    """Save NAME from each of ``args.sources``: one as it is, several as their GrooveEnsemble."""
    transformer = MODELS[name][2]
    metas, models = zip(*(_source(name, source) for source in args.sources))
    if len(models) == 1 and not args.rotate_bars:
        model = models[0]
        metadata = dict(metas[0])  # how it was trained and tuned; save() rewrites what it reads from the model
        metadata["saved_by"] = "python " + " ".join(sys.argv)
        members = None
    else:
        model = GrooveEnsemble.from_fitted(models, rotate_bars=args.rotate_bars)
        members = [{k: meta[k] for k in TRAINING_KEYS if k in meta} for meta in metas]
        for member, meta in zip(members, metas):
            member["validation_metrics"] = meta["validation_metrics"]
        metadata = {
            "training_data": metas[0]["training_data"],
            "command": "python " + " ".join(sys.argv),
            "training_wall_s": sum(meta["training_wall_s"] for meta in metas),
        }
    metadata["validation_metrics"] = split_metrics(model, transformer, validation, temperatures=(0.0,))
    metadata["test_metrics"] = split_metrics(model, transformer, test)
    save(model, name, metadata, pipeline=[] if transformer is None else [transformer], folder=args.out,
         int8=not args.float16, members=members)
    print(name, "validation:", metadata["validation_metrics"], flush=True)


if __name__ == "__main__":
    main()

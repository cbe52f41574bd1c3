"""The command line's commands: each reads its files, plays its model and writes the result."""

import json
import os
import sys

from .._hvo import VOICES, split_hvo
from ._files import _check_folder
from ..tasks import get_task
from ._players import EstimatorPlayer, _labels, _load_model, _player, _print, _progress, bar_steps

def _read(path, args):
    from ..midi._reading import MeterError
    from ..midi import midi_to_hvo

    try:
        hvo, info = midi_to_hvo(path, pitch_map=args.pitch_map, check_meter=not args.any_meter, return_info=True)
    except MeterError as exc:  # the command line's own flag, not the function's parameter
        raise MeterError(exc.name, exc.meter, remedy="give --any-meter") from None
    return hvo, info

def _meters(info):
    """The time signatures of a file as read: sorted (numerator, denominator) pairs."""
    return sorted({(int(num), int(den)) for _, num, den in info.time_signatures})

def _steps_per_bar(args, path, info, player):
    """16th notes a bar of the windows a file is played in: its own meter's where the player plays such windows."""
    meters = _meters(info)
    if not meters or meters == [(4, 4)]:
        return 16
    names = ", ".join(f"{num}/{den}" for num, den in meters)
    steps = bar_steps(meters)
    if steps is not None and player.plays_windows_of(2 * steps):
        if not args.quiet:
            _print(f"note: {path} is in {names}; it is played in windows of 2 of its bars ({2 * steps} 16th notes)")
        return steps
    why = "it changes meter" if len(meters) > 1 else "this model plays windows of 32 steps only"
    if not args.quiet:
        _print(f"note: {path} is in {names}; {why}, so it is read on a plain 16th-note grid and played in windows "
               "of 2 bars of 4/4 (32 16th notes), across its own bar lines")
    return 16

def _write(args, source, hvo, info, *, voices=VOICES, replace=False):
    from ..midi import rewrite_drums

    midi, counts = rewrite_drums(
        source, hvo, voices=voices, amount=args.amount, replace=replace, pitch_map=args.pitch_map,
        other=args.other_percussion, return_info=True,
    )
    try:
        midi.save(args.output)
    except OSError as exc:
        raise ValueError(f"{args.output}: cannot write ({exc.strerror})") from None
    if not info.n_unmapped:
        untouched = "no drum note of other pitches"
    elif args.other_percussion == "follow":
        untouched = (f"{counts.followed} of {info.n_unmapped} drum notes of other pitches moved with their voices, "
                     f"{info.n_unmapped - counts.followed} as they were")
    else:
        untouched = f"{info.n_unmapped} drum notes of other pitches as they were"
    if not args.quiet:
        finer = (f" (its {info.ticks_per_beat} ticks a beat written as {counts.ticks_per_beat}, every event at the "
                 "same time, so that the timing played is not rounded to a coarse grid)"
                 if counts.ticks_per_beat != info.ticks_per_beat else "")
        _print(
            f"wrote {args.output}: {counts.moved} notes performed, {counts.added} added, {counts.removed} removed, "
            f"{counts.kept} left as they were; {untouched}; other instruments, tempo and meter unchanged{finer}"
        )
    if args.preview:
        from ..audio import render_audio

        starts = render_audio([source, args.output], args.preview, soundfont=args.soundfont)
        _print(f"wrote {args.preview}: {source} from 0 s, then {args.output} from {starts[1]:.1f} s")

def _perform(args):
    """A performing command (``sklearn-groove TASK``), the same for every task of the registry: the file is read,
    played through the task's player, kept as the task says, and written back with every note."""
    from ..midi import window_hvo
    from ..songs import feel, floor_velocities, is_performed, keep_feel, keep_rhythm, predict_song

    task = get_task(args.command)
    voice = getattr(args, "voice", None)
    if voice is not None and args.model is None and voice not in task.voices:
        raise ValueError(f"the shipped {task.name} model writes {', '.join(task.voices)}; give --model for {voice}")
    hvo, info = _read(args.input, args)
    player = _player(args.model, task.name, _meters(info))
    labels = _labels(player, args, args.model)
    if task.reads_groove:
        groove, groove_info = _read(args.groove, args)
        groove_windows, _ = window_hvo(groove, steps_per_bar=_steps_per_bar(args, args.groove, groove_info, player))
        predict, blend = player.transfer_player(groove_windows, args.temperature, args.seed, labels)
    else:
        predict, blend = player.song_player(args.temperature, args.seed, labels, task.take_temperature,
                                            sound_taps=not getattr(args, "taps_may_rest", False))
    score = split_hvo(hvo)[0]
    played = hvo if task.transformer is not None else score  # a pipeline makes its own input of the performance
    out = predict_song(predict, played, hits=None if task.writes_hits else score, blend=blend,
                       steps_per_bar=_steps_per_bar(args, args.input, info, player),
                       progress=_progress(f"{task.name}: playing", args))
    if task.keeps_feel:
        if is_performed(hvo):  # a file with a feel of its own (swing, a laid-back snare) keeps it
            out = keep_feel(hvo, out)
            if not args.quiet:
                swing = float(feel(hvo)[1:].max())
                _print(f"note: {args.input} is already performed (its notes sit off the grid; late off-beats up to "
                       f"{swing:.2f} of a 16th): its own feel is kept and the model plays each note around it "
                       "(--amount 0 leaves it untouched)")
        out = keep_rhythm(hvo, out)  # notes written off the grid keep their place; a step's notes their order
    # no softer than drummers play, unless the file asked for it (taps are no voice's notes)
    out = floor_velocities(out, None if task.transformer == "Tapper" else hvo)
    voices = (voice,) if voice is not None else getattr(args, "voices", VOICES)
    del hvo, score, played, player, predict  # the file is written next: its parse needs the memory more
    _write(args, args.input, out, info, voices=voices, replace=task.writes_hits)

def _plot(args):
    from .. import plotting

    _check_folder(args.output)
    songs = {os.path.basename(p): _read(p, args)[0] for p in args.inputs}
    if args.offsets:
        fig = plotting.plot_offsets(songs)
    else:
        fig = plotting.plot_rolls(songs, bars=args.bars)
    from .._atomic import atomic_path

    with atomic_path(args.output) as part:  # the format is the name's, not the temporary file's
        fig.savefig(part, dpi=120, bbox_inches="tight", format=os.path.splitext(args.output)[1][1:] or None)
    _print(f"wrote {args.output}")

def _styles(args):
    from .. import pretrained

    names = [args.model] if args.model else pretrained.available()
    for name in names:
        if name in pretrained.available() or name.endswith(".json"):  # the description says: no model to load
            styles, drummers = pretrained.offered_labels(name)
        else:
            styles, drummers = EstimatorPlayer(_load_model(name, "humanize")).offered()
        print(f"{name}: styles: {', '.join(styles) or 'none (not trained with styles)'}; "
              f"drummers: {', '.join(drummers) or 'none'}")

def _export(args):
    from .. import pretrained
    from ..neural import export_onnx
    from ..neural._export import require_onnx

    if not args.output.lower().endswith(".onnx"):
        raise ValueError(f"{args.output}: give the ONNX file a .onnx name")
    require_onnx()  # before a model is loaded
    _check_folder(args.output)
    if args.model in pretrained.available():
        model = pretrained.load(args.model)
    elif os.path.isfile(args.model):
        model = pretrained.load_model(args.model)
    else:
        raise ValueError(f"{args.model}: no such model file, nor a shipped model ({', '.join(pretrained.available())})")
    export_onnx(model, args.output, n_steps=args.steps, int8=args.int8, weights_from=args.weights_from)
    _print(f"wrote {args.output} ({os.path.getsize(args.output) / 2**20:.1f} MiB); its inputs and output: "
           "docs/export.md")

def _estimator(args):
    """The model ``train`` fits: the task's shipped recipe for the neural ones, else a baseline."""
    from .. import GrooveKNN, GrooveLinear, GrooveMLP, GrooveQuantized
    from ..tasks import get_task

    if args.estimator in ("seq2seq", "transfer"):
        task = get_task("transfer" if args.estimator == "transfer" else args.task)
        return task.make_estimator(
            (args.voice,), max_epochs=args.max_epochs, callbacks=task.callbacks(patience=5), random_state=args.seed or 0,
            verbose=1,
        )
    return {"knn": GrooveKNN, "linear": GrooveLinear, "mlp": GrooveMLP, "quantized": GrooveQuantized}[args.estimator]()

def _train(args):
    from sklearn.pipeline import make_pipeline

    from ..datasets import fetch_groove
    from ..pretrained import save_model
    from ..tasks import get_task

    task = get_task(args.task)
    if task.writes_hits and args.estimator != "seq2seq":
        raise ValueError(f"--estimator {args.estimator} keeps its input's hits, so it only humanizes; {args.task} "
                         "needs --estimator seq2seq")
    estimator = _estimator(args)
    suffix = ".json" if args.estimator in ("seq2seq", "transfer") else ".skops"
    if not args.output.endswith(suffix):
        raise ValueError(f"{args.output}: --estimator {args.estimator} is saved as NAME{suffix}")
    train = fetch_groove(subset="train", data_home=args.data_home)
    y = train.hvo[: args.limit] if args.limit else train.hvo
    voices = (args.voice,)
    _print(f"training {type(estimator).__name__} for {args.task} on {len(y)} GMD train windows")
    if args.estimator in ("seq2seq", "transfer"):
        validation = fetch_groove(subset="validation", data_home=args.data_home).hvo
        estimator.fit(task.inputs(y, voices), y, X_val=task.inputs(validation, voices), y_val=validation)
    else:
        estimator.fit(task.inputs(y, voices), y)
    transformer = task.make_transformer(voices)
    model = estimator if transformer is None else make_pipeline(transformer, estimator)
    save_model(model, args.output, {"command": "sklearn-groove " + " ".join(sys.argv[1:])})
    _print(f"wrote {args.output}")

def _evaluate(args):
    import numpy as np

    from ..datasets import fetch_groove
    from ..metrics import score_report
    from ..tasks import get_task

    task = get_task(args.task)
    data = fetch_groove(subset=args.subset, data_home=args.data_home)
    model = _load_model(args.model, args.task)
    predict = EstimatorPlayer(model).predictor(args.temperature, args.seed)
    X = data.hvo if hasattr(model, "steps") else task.inputs(data.hvo)  # a pipeline makes its own input
    progress, parts = _progress(f"evaluating on {args.subset}", args), []
    for i in range(0, len(X), 128):  # in parts, with a progress line: the shipped ensemble takes ~30 s on test
        parts.append(predict(X[i : i + 128]))
        progress(min(i + 128, len(X)), len(X))
    y_pred = np.concatenate(parts) if parts else predict(X)
    voices = (args.voice,) if task.transformer == "VoiceRemover" else VOICES
    report = score_report(data.hvo, y_pred, bpm=data.bpm, voices=voices)
    print(json.dumps({"task": args.task, "subset": args.subset, "windows": len(X), **report}, indent=2))

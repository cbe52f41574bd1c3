"""The ``sklearn-groove`` command: drum MIDI files in, performed MIDI files out.

    sklearn-groove humanize IN.mid -o OUT.mid [--amount A] [--voices kick,snare] [--temperature T] [--seed N]
    sklearn-groove infill IN.mid [--voice closed_hihat] -o OUT.mid
    sklearn-groove tap2drum TAPS.mid -o OUT.mid
    sklearn-groove transfer --groove A.mid SCORE.mid -o OUT.mid
    sklearn-groove plot IN.mid [OTHER.mid] -o roll.png [--offsets]
    sklearn-groove train {humanize,infill,tap2drum,transfer} -o MODEL.json [--estimator seq2seq]
    sklearn-groove evaluate {humanize,infill,tap2drum,transfer} [--model NAME_OR_PATH] [--subset validation]
    sklearn-groove export MODEL -o MODEL.onnx

The output file is the input file with its drum notes performed: every note
comes back, other tracks and events unchanged (see
:func:`sklearn_groove.midi.rewrite_drums`). Exit status 0 on success; 1 with
one line on stderr for bad input.
"""

import argparse
import copy
import json
import math
import os
import sys
import warnings

from ._hvo import VOICES, check_voices, split_hvo
from .midi._writing import MAX_AMOUNT
from .tasks import TASKS

EXAMPLES = """
examples:
  sklearn-groove humanize beat.mid -o beat_humanized.mid
  sklearn-groove humanize beat.mid -o take2.mid --temperature 0.8 --seed 7 --amount 1.2
  sklearn-groove humanize beat.mid -o out.mid --voices closed_hihat,snare
  sklearn-groove humanize beat.mid -o live.mid --model humanize_live
  sklearn-groove humanize beat.mid -o funky.mid --style funk --drummer drummer3
  sklearn-groove styles
  sklearn-groove humanize songs/ more.mid -o performed/ --jobs 2
  sklearn-groove humanize beat.mid -o out.mid --preview before_after.wav
  sklearn-groove infill beat_without_hihat.mid -o with_hihat.mid
  sklearn-groove tap2drum taps.mid -o drums.mid
  sklearn-groove transfer --groove funky.mid straight.mid -o straight_funky.mid
  sklearn-groove plot beat.mid beat_humanized.mid -o before_after.png
  sklearn-groove export humanize -o humanize.onnx
  sklearn-groove train humanize --estimator knn -o knn.skops
  sklearn-groove evaluate humanize --model knn.skops --subset validation
"""

TRAINABLE = tuple(TASKS)  # the tasks `train` and `evaluate` take: every task of the registry

# humanize's default: a sampled take at this temperature, chosen on the validation split by the two-sample test on
# whole songs, takes grouped (benchmarks/results/song_realism_validation.md: 0.9 and 1.0 tie for the boosted trees,
# 0.742 and 0.745; the logistic regression tells 0.9 apart less often, 0.604 against 0.637)
TAKE_TEMPERATURE = 0.9

#: The model ``humanize`` plays without --model.
DEFAULT_HUMANIZER = "humanize"
#: The model ``humanize`` plays without --model where --style or --drummer is asked for: it learned them.
STYLED_HUMANIZER = "humanize_styles"


def _print(*args, end="\n"):
    print(*args, file=sys.stderr, end=end, flush=True)


_LOADED = {}  # (spec, task) -> model: a batch of files loads its model once a process


def _load_model(spec, task):
    """A shipped model by name (the task's by default), or a model file of :func:`pretrained.save_model`."""
    if (spec, task) not in _LOADED:
        _LOADED[(spec, task)] = _load_model_once(spec, task)
    return _LOADED[(spec, task)]


def _load_model_once(spec, task):
    from . import pretrained

    if spec is None:
        return pretrained.load(task)  # the task's shipped model
    if spec in pretrained.available():
        model = pretrained.load(spec)
        _check_task(model, task, spec)
        return model
    if not os.path.isfile(spec):
        raise ValueError(f"{spec}: no such model file, nor a shipped model ({', '.join(pretrained.available())})")
    model = pretrained.load_model(spec)
    _check_task(model, task, spec)
    return model


def _onnx_player(spec, args):
    """An ONNX Runtime session of the humanizer ``spec`` (the shipped default where None), or None.

    None where the model has no ONNX file beside its weights, or where ONNX
    Runtime is not installed: the estimator plays instead.
    """
    from . import pretrained

    name = DEFAULT_HUMANIZER if spec is None else spec
    if name not in pretrained.available():  # a model file of the user's: it is read by load_model, never as PATH.onnx
        return None
    path = pretrained.WEIGHTS / f"{name}.onnx"
    if not path.is_file():
        return None
    try:
        from .neural._runtime import onnx_session

        return onnx_session(path)
    except ImportError:
        return None


def _predictor(model, args, labels=None):
    """windows -> performances at --temperature, drawn from --seed (else the model's own); the model, which a batch
    of files shares, is never changed."""
    labels = labels or {}
    if args.temperature is None and args.seed is None:
        return (lambda windows: model.predict(windows, **labels)) if labels else model.predict
    if _temperature_key(model) is None:
        raise ValueError("this model has no temperature or seed to set")
    from ._base import sample_at

    *transformers, last = [step for _, step in model.steps] if hasattr(model, "steps") else [model]
    temperature = last.temperature if args.temperature is None else args.temperature
    seed = last.random_state if args.seed is None else args.seed

    def predict(windows):
        for transformer in transformers:
            windows = transformer.transform(windows)
        return sample_at(last, windows, temperature, seed, labels)

    return predict


def _temperature_key(model):
    """The parameter that sets a model's temperature ("step__temperature" in a pipeline), or None."""
    return next((k for k in model.get_params() if k == "temperature" or k.endswith("__temperature")), None)


def _offered(model):
    """The styles and drummers a model (its last step, or its members, or an ONNX file) learned: two sorted lists."""
    if hasattr(model, "get_inputs"):  # an ONNX Runtime session: its file names them
        from .neural._export import onnx_labels

        return [sorted(known) for known in onnx_labels(model)]
    model = model.steps[-1][1] if hasattr(model, "steps") else model
    parts = getattr(model, "estimators_", [model])
    found = []
    for key in ("styles_", "drummers_"):
        known = [getattr(p, key, None) for p in parts]
        found.append(sorted(set.intersection(*(set(k) for k in known))) if all(k is not None for k in known) else [])
    return found


def _labels(model, args, spec):
    """The --style and --drummer asked for, checked against what the model offers."""
    labels = {"style": getattr(args, "style", None), "drummer": getattr(args, "drummer", None)}
    for (name, value), offered in zip(labels.items(), _offered(model)):
        if value is not None and value not in offered:
            what = f"offers these {name}s: {', '.join(offered)}" if offered else f"was trained without {name}s"
            raise ValueError(f"--{name} {value}: {spec or 'the shipped model'} {what} (sklearn-groove styles lists "
                             "what each model offers)")
    return {k: v for k, v in labels.items() if v is not None}


def _song_player(model, args, default_temperature=0.0):
    """(predict, blend) for predict_song: a sampled take played by one network, or the model's predict.

    ``model``: an estimator, or an ONNX Runtime session of :func:`_onnx_player`.
    """
    temperature = default_temperature if args.temperature is None else args.temperature
    seed = 0 if args.seed is None else args.seed
    labels = _labels(model, args, args.model)
    if hasattr(model, "get_inputs"):  # an ONNX Runtime session
        from .neural._runtime import onnx_take

        return onnx_take(model, temperature=temperature, seed=seed, **labels), "select" if temperature > 0 else "mean"
    from .songs import one_take

    if temperature > 0 and _temperature_key(model) is not None:
        return one_take(model, temperature=temperature, seed=seed, **labels), "select"
    return _predictor(model, args, labels), "mean"  # says so where a temperature was asked of a model that has none


def _read(path, args):
    from .midi._reading import MeterError
    from .midi import midi_to_hvo

    try:
        hvo, info = midi_to_hvo(path, pitch_map=args.pitch_map, check_meter=not args.any_meter, return_info=True)
    except MeterError as exc:  # the command line's own flag, not the function's parameter
        raise MeterError(exc.name, exc.meter, remedy="give --any-meter") from None
    return hvo, info


def _steps_per_bar(args, path, info, model):
    """16th notes a bar of the windows a file is played in: its own meter's where the model reads any length.

    ``model``: an estimator, or an ONNX Runtime session of :func:`_onnx_player`.
    """
    meters = sorted({(int(num), int(den)) for _, num, den in info.time_signatures})
    if not meters or meters == [(4, 4)]:
        return 16
    names = ", ".join(f"{num}/{den}" for num, den in meters)
    if len(meters) == 1 and (16 * meters[0][0]) % meters[0][1] == 0 and _reads_any_length(model):
        steps = 16 * meters[0][0] // meters[0][1]
        if not args.quiet:
            _print(f"note: {path} is in {names}; it is played in windows of 2 of its bars ({2 * steps} 16th notes)")
        return steps
    why = "it changes meter" if len(meters) > 1 else "this model plays windows of 32 steps only"
    if not args.quiet:
        _print(f"note: {path} is in {names}; {why}, so it is read on a plain 16th-note grid and played in windows "
               "of 2 bars of 4/4 (32 16th notes), across its own bar lines")
    return 16


def _reads_any_length(model):
    if hasattr(model, "get_inputs"):  # an ONNX Runtime session: its windows' steps are named where they are free
        return isinstance(model.get_inputs()[0].shape[1], str)
    from ._base import reads_any_length

    return reads_any_length(model)


_MIDI_SUFFIXES = (".mid", ".midi", ".smf", ".kar")


def _check_folder(output):
    """A ValueError, before any work, where the folder an output goes into does not exist."""
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise ValueError(f"{output}: the folder {folder} does not exist; create it first")


def _check_output(args):
    """The output of a performing command: a MIDI file name in a folder that exists, and never one of its inputs
    unless --force."""
    if not args.output.lower().endswith(_MIDI_SUFFIXES):
        raise ValueError(f"{args.output}: the output is a MIDI file; give it a .mid name "
                         "(--preview NAME.wav renders the file before and after to audio)")
    _check_folder(args.output)
    if args.preview:
        _check_folder(args.preview)
    inputs = [args.input] + ([args.groove] if getattr(args, "groove", None) else [])
    same = [p for p in inputs if os.path.exists(args.output) and os.path.samefile(p, args.output)]
    if same and not args.force:
        raise ValueError(f"{args.output} is the input file: it would be overwritten; give another -o, or --force")


def _expand(inputs):
    """(file, output name relative to the output folder) for files and the MIDI files inside folders."""
    found = []
    for item in inputs:
        if os.path.isdir(item):
            for root, _, names in sorted(os.walk(item)):
                for name in sorted(names):
                    if name.lower().endswith(_MIDI_SUFFIXES):
                        path = os.path.join(root, name)
                        found.append((path, os.path.relpath(path, item)))
        else:
            found.append((item, os.path.basename(item)))
    names = [name for _, name in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"several inputs would be written to the same output name: {', '.join(twice)}")
    if not found:
        raise ValueError(f"no MIDI file (.mid, .midi) in {', '.join(inputs)}")
    return found


def _one_file(args, path, output):
    """Perform one file of a batch: None, or why it failed."""
    args = argparse.Namespace(**{**vars(args), "input": path, "output": output, "quiet": True})
    try:
        _check_output(args)
        args.run(args)
    except (ValueError, OSError) as exc:
        return str(exc)
    return None


def _run_batch(args):
    """Several files or folders into the folder -o, ``--jobs`` at a time, one progress line, then what failed."""
    from joblib import Parallel, delayed

    if args.output.lower().endswith(_MIDI_SUFFIXES):
        raise ValueError(f"{args.output}: several inputs are written into a folder; give -o a folder name")
    if args.preview:
        raise ValueError("--preview renders one file; give one input")
    files = _expand(args.input)
    outputs = [os.path.join(args.output, name) for _, name in files]
    for folder in sorted({os.path.dirname(o) for o in outputs}):
        os.makedirs(folder, exist_ok=True)
    jobs = Parallel(n_jobs=args.jobs, return_as="generator")
    failed = []
    with warnings.catch_warnings():
        # loky restarts a worker whose memory grew by 300 MB since its first file (a model loaded, a long song):
        # the worker finishes its file first and the others wait for the next worker, so nothing is lost
        warnings.filterwarnings("ignore", message="A worker stopped while some jobs were given", category=UserWarning)
        for done, ((path, _), error) in enumerate(
            zip(files, jobs(delayed(_one_file)(args, path, out) for (path, _), out in zip(files, outputs))), start=1
        ):
            if error:
                failed.append(error if error.startswith(path) else f"{path}: {error}")
            _print(f"\r{args.command}: {done}/{len(files)} files, {len(failed)} failed",
                   end="" if done < len(files) else "\n")
    _print(f"wrote {len(files) - len(failed)} of {len(files)} files into {args.output}")
    for error in failed:
        _print(f"  failed: {error}")
    if failed:
        raise _BatchFailed()


class _BatchFailed(Exception):
    """Some files of a batch failed; each was reported already."""


def _task_of(model):
    """The task a model is for, from the registry: its input transformer decides (none: it reads scores)."""
    from .tasks import TASKS

    if not hasattr(model, "steps"):
        return "humanize"
    first = type(model.steps[0][1]).__name__
    return next((t.name for t in TASKS.values() if t.transformer == first), "humanize")


def _check_task(model, task, spec):
    """A ValueError where a user's --model is for another task than the command's."""
    wanted = "humanize" if task == "transfer" else task  # a transfer model humanizes scores too
    found = _task_of(model)
    if found != wanted:
        raise ValueError(f"{spec}: this model is for {found} (sklearn-groove {found}), not for {task}")


def _progress(label, args):
    def progress(done, total):
        if total > 8 and not args.quiet:
            _print(f"\r{label}: {done}/{total} windows", end="" if done < total else "\n")

    return progress


def _write(args, source, hvo, info, *, voices=VOICES, replace=False):
    from .midi import rewrite_drums

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
        _print(
            f"wrote {args.output}: {counts.moved} notes performed, {counts.added} added, {counts.removed} removed, "
            f"{counts.kept} left as they were; {untouched}; other instruments, tempo and meter unchanged"
        )
    if args.preview:
        from .audio import render_audio

        starts = render_audio([source, args.output], args.preview, soundfont=args.soundfont)
        _print(f"wrote {args.preview}: {source} from 0 s, then {args.output} from {starts[1]:.1f} s")


def _checked(kind, ok, needed):
    """An argparse type: ``kind(text)`` where ``ok`` holds of it, else argparse's error (exit 2, before any model
    is loaded) saying what is ``needed``."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"{needed} is needed, got {text!r}")
        return value

    return parse


_temperature = _checked(float, lambda t: math.isfinite(t) and t >= 0, "a finite number, 0 or more")
_amount = _checked(float, lambda a: 0 <= a <= MAX_AMOUNT, f"a number from 0 to {MAX_AMOUNT}")
_positive = _checked(int, lambda n: n >= 1, "a whole number, 1 or more")
_jobs = _checked(int, lambda n: n >= 1 or n == -1, "a number of files at once (1 or more, or -1 for all cores)")


def _voices(text):
    voices = tuple(v.strip() for v in text.split(",") if v.strip())
    try:
        check_voices(voices, name="--voices")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return voices


def _humanize(args):
    from .songs import feel, floor_velocities, is_performed, keep_feel, keep_rhythm, predict_song

    hvo, info = _read(args.input, args)
    spec = STYLED_HUMANIZER if args.model is None and (args.style or args.drummer) else args.model
    model = _onnx_player(spec, args)  # a shipped model's ONNX file where there is one: no torch to import
    if model is None:
        model = _load_model(spec, "humanize")
    predict, blend = _song_player(model, args, default_temperature=TAKE_TEMPERATURE)  # a take, not an average
    score = split_hvo(hvo)[0]
    bar = _steps_per_bar(args, args.input, info, model)
    out = predict_song(predict, score, hits=score, steps_per_bar=bar, blend=blend, progress=_progress("humanizing", args))
    if is_performed(hvo):  # a file with a feel of its own (swing, a laid-back snare) keeps it
        out = keep_feel(hvo, out)
        if not args.quiet:
            swing = float(feel(hvo)[1:].max())
            _print(f"note: {args.input} is already performed (its notes sit off the grid; late off-beats up to "
                   f"{swing:.2f} of a 16th): its own feel is kept and the model plays each note around it "
                   "(--amount 0 leaves it untouched)")
    out = keep_rhythm(hvo, out)  # notes written off the grid keep their place; a step's notes their order
    out = floor_velocities(out, hvo)  # no softer than drummers play, unless the file asked for it
    del hvo, score, model, predict  # the file is written next: its parse needs the memory more
    _write(args, args.input, out, info, voices=args.voices)


def _infill(args):
    from .songs import floor_velocities, predict_song

    if args.model is None and args.voice != "closed_hihat":
        raise ValueError(f"the shipped infilling model writes closed_hihat; give --model for {args.voice}")
    hvo, info = _read(args.input, args)
    model = _load_model(args.model, "infill")
    predict, blend = _song_player(model, args)
    bar = _steps_per_bar(args, args.input, info, model)
    out = predict_song(predict, hvo, steps_per_bar=bar, blend=blend, progress=_progress("infilling", args))
    _write(args, args.input, floor_velocities(out, hvo), info, voices=(args.voice,), replace=True)


def _tap2drum(args):
    from .songs import floor_velocities, predict_song

    hvo, info = _read(args.input, args)
    model = _load_model(args.model, "tap2drum")
    predict, blend = _song_player(model, args)
    bar = _steps_per_bar(args, args.input, info, model)
    out = predict_song(predict, hvo, steps_per_bar=bar, blend=blend, progress=_progress("drumming", args))
    _write(args, args.input, floor_velocities(out), info, replace=True)  # taps are no voice's notes


def _transfer(args):
    from .midi import window_hvo
    from .songs import floor_velocities, predict_song

    groove, groove_info = _read(args.groove, args)
    hvo, info = _read(args.input, args)
    model = _load_model(args.model, "transfer")
    if not hasattr(model, "transfer"):
        raise ValueError("this model cannot transfer a groove (use a GrooveTransfer)")
    asked = {k: v for k, v in (("temperature", args.temperature), ("random_state", args.seed)) if v is not None}
    if asked:  # on a copy: the loaded model is shared by the files of a batch
        model = copy.deepcopy(model).set_params(**asked)
    groove_windows, _ = window_hvo(groove, steps_per_bar=_steps_per_bar(args, args.groove, groove_info, model))
    score = split_hvo(hvo)[0]
    out = predict_song(
        lambda w: model.transfer(groove_windows, w, average=True), score, hits=score,
        steps_per_bar=_steps_per_bar(args, args.input, info, model), progress=_progress("transferring", args),
    )
    _write(args, args.input, floor_velocities(out, hvo), info)


def _plot(args):
    from . import plotting

    _check_folder(args.output)
    songs = {os.path.basename(p): _read(p, args)[0] for p in args.inputs}
    if args.offsets:
        fig = plotting.plot_offsets(songs)
    else:
        fig = plotting.plot_rolls(songs, bars=args.bars)
    from ._atomic import atomic_path

    with atomic_path(args.output) as part:  # the format is the name's, not the temporary file's
        fig.savefig(part, dpi=120, bbox_inches="tight", format=os.path.splitext(args.output)[1][1:] or None)
    _print(f"wrote {args.output}")


def _styles(args):
    from . import pretrained

    names = [args.model] if args.model else pretrained.available()
    for name in names:
        if name in pretrained.available() or name.endswith(".json"):  # the description says: no model to load
            styles, drummers = pretrained.offered_labels(name)
        else:
            styles, drummers = _offered(_load_model(name, "humanize"))
        print(f"{name}: styles: {', '.join(styles) or 'none (not trained with styles)'}; "
              f"drummers: {', '.join(drummers) or 'none'}")


def _export(args):
    from . import pretrained
    from .neural import export_onnx
    from .neural._export import require_onnx

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
    export_onnx(model, args.output, int8=args.int8)
    _print(f"wrote {args.output} ({os.path.getsize(args.output) / 2**20:.1f} MiB); its inputs and output: "
           "docs/export.md")


def _estimator(args):
    """The model ``train`` fits: the task's shipped recipe for the neural ones, else a baseline."""
    from . import GrooveKNN, GrooveLinear, GrooveMLP, GrooveQuantized
    from .tasks import get_task

    if args.estimator in ("seq2seq", "transfer"):
        task = get_task("transfer" if args.estimator == "transfer" else args.task)
        return task.make_estimator(
            (args.voice,), max_epochs=args.max_epochs, patience=5, random_state=args.seed or 0, verbose=1
        )
    return {"knn": GrooveKNN, "linear": GrooveLinear, "mlp": GrooveMLP, "quantized": GrooveQuantized}[args.estimator]()


def _train(args):
    from sklearn.pipeline import make_pipeline

    from .datasets import fetch_groove
    from .pretrained import save_model
    from .tasks import get_task

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

    from .datasets import fetch_groove
    from .metrics import score_report
    from .tasks import get_task

    task = get_task(args.task)
    data = fetch_groove(subset=args.subset, data_home=args.data_home)
    model = _load_model(args.model, args.task)
    predict = _predictor(model, args)
    X = data.hvo if hasattr(model, "steps") else task.inputs(data.hvo)  # a pipeline makes its own input
    progress, parts = _progress(f"evaluating on {args.subset}", args), []
    for i in range(0, len(X), 128):  # in parts, with a progress line: the shipped ensemble takes ~30 s on test
        parts.append(predict(X[i : i + 128]))
        progress(min(i + 128, len(X)), len(X))
    y_pred = np.concatenate(parts) if parts else predict(X)
    voices = (args.voice,) if task.transformer == "VoiceRemover" else VOICES
    report = score_report(data.hvo, y_pred, bpm=data.bpm, voices=voices)
    print(json.dumps({"task": args.task, "subset": args.subset, "windows": len(X), **report}, indent=2))


def _add_performing(parser, model_help):
    parser.add_argument("-o", "--output", required=True, help="MIDI file to write (a folder for several inputs)")
    parser.add_argument("--jobs", type=_jobs, default=1, help="files performed at once, for several inputs (-1: all cores)")
    parser.add_argument("--model", help=model_help + "; or a model file of `sklearn-groove train` (NAME.skops or NAME.json)")
    parser.add_argument("--temperature", type=_temperature,
                        help="0 = the most likely performance; above 0 = a sampled take, one network playing the "
                        "whole song (humanize's default: 0.9; the other commands': 0)")
    parser.add_argument("--seed", type=int, help="which take, when sampling (default 0): same seed, same output")
    parser.add_argument("--force", action="store_true", help="allow -o to overwrite the input file")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument(
        "--preview", metavar="NAME.wav",
        help="also render the input, then the output, into one WAV file (needs FluidSynth and a GM soundfont)",
    )
    parser.add_argument("--soundfont", help="the .sf2 file of --preview (default: $SKLEARN_GROOVE_SOUNDFONT or the system's)")
    parser.add_argument(
        "--amount", type=_amount, default=1.0,
        help="0 = the file as it was, 1 = as the model plays (default), up to 1.3 exaggerated",
    )
    parser.add_argument(
        "--other-percussion", default="keep", choices=["keep", "follow"],
        help="drum notes of no voice (tambourine, cowbell, clap, side stick...): keep them as they were (default), "
        "or move them with the voice they follow (tambourine with the hi-hat, clap with the snare...)",
    )
    _add_reading(parser)


def _add_reading(parser):
    parser.add_argument("--pitch-map", default="gm", choices=["gm", "gmd"], help="drum pitches to voices (default gm)")
    parser.add_argument(
        "--any-meter",
        action="store_true",
        help="read files that are not in 4/4 on a plain 16th-note grid (the models know 2 bars of 4/4)",
    )


def _subparser(sub, name, help, description):
    return sub.add_parser(
        name, help=help, description=description, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def build_parser():
    parser = argparse.ArgumentParser(
        prog="sklearn-groove",
        description="Expressive drum performances from scores, partial beats and taps (models of 'Learning to "
        "Groove'). The output is the input MIDI file with its drums performed: every note kept, other tracks, "
        "tempo and controllers unchanged.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"sklearn-groove {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = _subparser(sub, "humanize", "give a drum part human velocities and microtiming",
                   "Move each drum note (channel 10) off the grid and give it a velocity, as a drummer would play "
                   "the same hits.")
    p.add_argument("input", nargs="+", help="MIDI file to humanize (several files or folders: -o is a folder)")
    _add_performing(p, "default: the shipped 'humanize' model")
    p.add_argument("--voices", type=_voices, default=VOICES, help="comma-separated voices to change (default: all)")
    p.add_argument("--style", help=f"play in this style (without --model: the shipped {STYLED_HUMANIZER}, which "
                   "learned them; sklearn-groove styles lists what each model offers)")
    p.add_argument("--drummer", help=f"play like this drummer (without --model: the shipped {STYLED_HUMANIZER})")
    p.set_defaults(run=_humanize)

    p = _subparser(sub, "styles", "list the styles and drummers each model can play",
                   "List, for each shipped model (or --model), the styles and drummers it was trained with.")
    p.add_argument("--model", help="a shipped model's name or a model file (default: every shipped model)")
    p.set_defaults(run=_styles)

    p = _subparser(sub, "infill", "write a missing voice (the closed hi-hat) for a beat",
                   "Replace one voice of the drum part with a part the model writes for the rest of the beat.")
    p.add_argument("input", nargs="+", help="MIDI file of the beat (several files or folders: -o is a folder)")
    p.add_argument("--voice", default="closed_hihat", choices=VOICES, help="the voice to write (default closed_hihat)")
    _add_performing(p, "default: the shipped 'infill_closed_hihat' model")
    p.set_defaults(run=_infill)

    p = _subparser(sub, "tap2drum", "turn a tapped rhythm into a drum beat",
                   "Read the drum notes of a file (channel 10, pitches of the pitch map) as taps, their voice ignored, and replace them with a drum beat that "
                   "follows their rhythm and timing.")
    p.add_argument("input", nargs="+", help="MIDI file of taps on the drum channel (10) (several: -o is a folder)")
    _add_performing(p, "default: the shipped 'tap2drum' model")
    p.set_defaults(run=_tap2drum)

    p = _subparser(sub, "transfer", "play one beat's score with another beat's groove",
                   "Perform the drum part of INPUT with the groove (velocities and microtiming) of the --groove "
                   "file: the mean groove embedding of its 2-bar windows.")
    p.add_argument("input", nargs="+", help="MIDI file whose hits are played (several: -o is a folder)")
    p.add_argument("--groove", required=True, help="MIDI file whose groove is taken")
    _add_performing(p, "default: the shipped 'groove_transfer' model")
    p.set_defaults(run=_transfer)

    p = _subparser(sub, "plot", "draw piano rolls, or offset distributions, of drum files",
                   "Piano roll of each file side by side (voices by time, velocity as colour, microtiming as "
                   "shifts off the grid), or with --offsets the distribution of offsets per position in the beat.")
    p.add_argument("inputs", nargs="+", help="MIDI files")
    p.add_argument("-o", "--output", required=True, help="image to write (.png, .pdf, .svg)")
    p.add_argument("--bars", type=_positive, help="bars of the piano roll (default: the whole file)")
    p.add_argument("--offsets", action="store_true", help="draw offset distributions instead of piano rolls")
    _add_reading(p)
    p.set_defaults(run=_plot)

    p = _subparser(sub, "export", "write a model as an ONNX file for plugin hosts",
                   "Write a shipped model (or a model file of `sklearn-groove train`) as ONNX: windows in, a "
                   "performance out, temperature and noise as inputs (see docs/export.md).")
    p.add_argument("model", help="a shipped model's name (humanize, humanize_live, infill_closed_hihat, tap2drum, groove_transfer) "
                   "or a model file")
    p.add_argument("-o", "--output", required=True, help="the .onnx file to write")
    p.add_argument("--int8", action="store_true", help="store the weights that are int8 in the model (the shipped "
                   "models') as int8: a quarter of the size, the same performances")
    p.set_defaults(run=_export)

    data_home = os.environ.get("SKLEARN_GROOVE_DATA")
    for name, help in (("train", "fit a model on the GMD train split"), ("evaluate", "score a model on the GMD")):
        p = _subparser(sub, name, help, help[0].upper() + help[1:] + " (SKLEARN_GROOVE_DATA or --data-home).")
        p.add_argument("task", choices=TRAINABLE)
        p.add_argument("--voice", default="closed_hihat", choices=VOICES, help="the voice infilled (default closed_hihat)")
        p.add_argument("--data-home", default=data_home, help="the GMD folder (default: $SKLEARN_GROOVE_DATA)")
        p.add_argument("--seed", type=int, help="random_state")
        p.set_defaults(run=_train if name == "train" else _evaluate, temperature=None)
    train, evaluate = sub.choices["train"], sub.choices["evaluate"]
    train.add_argument("-o", "--output", required=True, help="model file to write: NAME.json for seq2seq and transfer (weights beside it), else NAME.skops")
    train.add_argument("--estimator", default="seq2seq", choices=["seq2seq", "transfer", "knn", "linear", "mlp", "quantized"])
    train.add_argument("--max-epochs", type=int, default=20, help="neural models, early-stopped on validation")
    train.add_argument("--limit", type=int, help="train on the first LIMIT windows only (quick tries)")
    evaluate.add_argument("--model", help="a shipped model's name or a model file (default: the task's shipped model)")
    evaluate.add_argument("--subset", default="validation", choices=["train", "validation", "test"])
    evaluate.add_argument("--temperature", type=_temperature, help="0 = the most likely performance; above 0 samples")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    args.quiet = getattr(args, "quiet", False)
    try:
        if getattr(args, "force", None) is None:  # a command that writes no performed MIDI file
            args.run(args)
        elif len(args.input) == 1 and not os.path.isdir(args.input[0]):
            args.input = args.input[0]
            _check_output(args)
            args.run(args)
        else:
            _run_batch(args)
    except _BatchFailed:
        return 1
    except (ValueError, OSError, ImportError) as exc:
        _print(f"sklearn-groove: error: {exc}")
        return 1
    except KeyboardInterrupt:
        _print("sklearn-groove: interrupted")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

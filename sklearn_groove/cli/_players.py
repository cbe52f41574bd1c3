"""The command line's models: loaded once a process, played as a take or as the most likely performance.

A model is an estimator or pipeline, or an ONNX Runtime session of a shipped
model's file (no torch to import); the commands play it through the functions
here and never change it, so the files of a batch share it.
"""

import os
import sys

# humanize's default: a sampled take at this temperature, chosen on the validation split by the two-sample test on
# whole songs, takes grouped (benchmarks/results/song_realism_validation.md: 0.9 and 1.0 tie for the boosted trees,
# 0.742 and 0.745; the logistic regression tells 0.9 apart less often, 0.604 against 0.637)
TAKE_TEMPERATURE = 0.9

#: The model ``humanize`` plays without --model.

#: The model ``humanize`` plays without --model.
DEFAULT_HUMANIZER = "humanize"
#: The model ``humanize`` plays without --model where --style or --drummer is asked for: it learned them.

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
    from .. import pretrained

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
    from .. import pretrained

    name = DEFAULT_HUMANIZER if spec is None else spec
    if name not in pretrained.available():  # a model file of the user's: it is read by load_model, never as PATH.onnx
        return None
    path = pretrained.WEIGHTS / f"{name}.onnx"
    if not path.is_file():
        return None
    try:
        from ..neural._runtime import onnx_session

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
    from .._base import sample_at

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
        from ..neural._export import onnx_labels

        return [sorted(known) for known in onnx_labels(model)]
    from .._labels import learned_by_all

    model = model.steps[-1][1] if hasattr(model, "steps") else model
    parts = getattr(model, "estimators_", [model])
    return [learned_by_all([getattr(p, key, None) for p in parts]) for key in ("styles_", "drummers_")]

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
        from ..neural._runtime import onnx_take

        return onnx_take(model, temperature=temperature, seed=seed, **labels), "select" if temperature > 0 else "mean"
    from ..songs import one_take

    if temperature > 0 and _temperature_key(model) is not None:
        return one_take(model, temperature=temperature, seed=seed, **labels), "select"
    return _predictor(model, args, labels), "mean"  # says so where a temperature was asked of a model that has none

def _reads_any_length(model):
    if hasattr(model, "get_inputs"):  # an ONNX Runtime session: its windows' steps are named where they are free
        return isinstance(model.get_inputs()[0].shape[1], str)
    from .._base import reads_any_length

    return reads_any_length(model)

def _task_of(model):
    """The task a model is for, from the registry: its input transformer decides (none: it reads scores)."""
    from ..tasks import TASKS

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

"""The command line's models: loaded once a process, played as a take or as the most likely performance.

A model is an estimator or pipeline, or an ONNX Runtime session of a shipped
model's file (no torch to import); the commands play it through the functions
here and never change it, so the files of a batch share it.
"""

import os
import sys

from .._labels import KINDS
from ..tasks import get_task

#: The temperature ``humanize`` plays its take at by default (the task registry's).
TAKE_TEMPERATURE = get_task("humanize").take_temperature
#: The model ``humanize`` plays without --model.
DEFAULT_HUMANIZER = get_task("humanize").pretrained

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

class Player:
    """A model the commands play, an estimator or an ONNX Runtime session, behind one interface.

    The model is shared by the files of a batch and never changed.
    """

    def offered(self):
        """(styles, drummers) the model learned: two sorted lists."""
        raise NotImplementedError

    def plays_windows_of(self, steps):
        """Whether it plays windows of ``steps`` 16th notes (32: 2 bars of 4/4; 24: 2 bars of 3/4 or 6/8)."""
        raise NotImplementedError

    def song_player(self, temperature, seed, labels, default_temperature=0.0, sound_taps=True):
        """(predict, blend) for :func:`~sklearn_groove.songs.predict_song`: a sampled take (blend "continue" where the
        model can: each window goes on from the bars played before, so that a beat keeps its identity and a
        performance its dynamics; else "select"), or the most likely performance (blend "mean"). ``temperature``
        and ``seed`` as asked (None: not asked); ``sound_taps=False``: a tap may rest (a model that reads taps)."""
        raise NotImplementedError

    def continues(self):
        """Whether its takes can go on from steps already played (a network that samples step by step)."""
        raise NotImplementedError

    def _take_blend(self):
        return "continue" if self.continues() else "select"


class EstimatorPlayer(Player):
    """A fitted estimator or pipeline."""

    def __init__(self, model):
        self.model = model

    def offered(self):
        from .._base import last_step
        from .._labels import learned_by_all

        last = last_step(self.model)
        parts = getattr(last, "estimators_", [last])
        return [learned_by_all([getattr(p, kind + "s_", None) for p in parts]) for kind in KINDS]

    def plays_windows_of(self, steps):
        from .._base import reads_any_length

        return steps == 32 or reads_any_length(self.model)

    def samples(self):
        return _temperature_key(self.model) is not None

    def continues(self):
        from .._base import last_step

        last = last_step(self.model)
        module = getattr(last, "module_", None) if hasattr(last, "net_") else None
        return module is not None and module.reads_previous

    def song_player(self, temperature, seed, labels, default_temperature=0.0, sound_taps=True):
        take = default_temperature if temperature is None else temperature
        if take > 0 and self.samples():
            from ..songs import one_take

            predict = one_take(self.model, temperature=take, seed=0 if seed is None else seed, sound_taps=sound_taps,
                               **labels)
            return predict, self._take_blend()
        # the model's predict where nothing is asked; a ValueError where a model without one is asked a temperature
        return self.predictor(temperature, seed, labels, sound_taps), "mean"

    def predictor(self, temperature=None, seed=None, labels=None, sound_taps=True):
        """windows -> performances at ``temperature`` drawn from ``seed`` (None: the model's own)."""
        model, labels = self.model, labels or {}
        if temperature is None and seed is None:
            asked = {**labels, **({} if sound_taps else {"sound_taps": False})}
            return (lambda windows: model.predict(windows, **asked)) if asked else model.predict
        if not self.samples():
            raise ValueError("this model has no temperature or seed to set")
        from .._base import sample_at

        *transformers, last = [step for _, step in model.steps] if hasattr(model, "steps") else [model]
        temperature = last.temperature if temperature is None else temperature
        seed = last.random_state if seed is None else seed

        def predict(windows):
            for transformer in transformers:
                windows = transformer.transform(windows)
            return sample_at(last, windows, temperature, seed, labels, sound_taps=sound_taps)

        return predict

    def transfer_player(self, groove_windows, temperature, seed, labels):
        """(predict, blend): scores played with the mean groove of ``groove_windows`` (a GrooveTransfer)."""
        if not hasattr(self.model, "transfer"):
            raise ValueError("this model cannot transfer a groove (use a GrooveTransfer)")
        model = self.model
        if temperature is not None or seed is not None:  # on a copy: the loaded model is shared by a batch's files
            import copy

            asked = {"temperature": temperature, "random_state": seed}
            model = copy.deepcopy(model).set_params(**{k: v for k, v in asked.items() if v is not None})
        return (lambda windows: model.transfer(groove_windows, windows, average=True, **labels)), "mean"


class OnnxPlayer(Player):
    """An ONNX Runtime session of a shipped model's file (``params``: the model's, from its description): no torch, no
    scikit-learn to import."""

    def __init__(self, session, params):
        self.session = session
        self.params = params

    def offered(self):
        from ..neural._export import onnx_labels

        return [sorted(known) for known in onnx_labels(self.session)]

    def plays_windows_of(self, steps):  # its windows' steps are named where they are free
        length = self.session.get_inputs()[0].shape[1]
        return isinstance(length, str) or length == steps

    def transfer_player(self, groove_windows, temperature, seed, labels):
        """(predict, blend): scores played with the mean groove of ``groove_windows`` (a GrooveTransfer's file),
        as the estimator's ``transfer(groove_windows, windows, average=True)`` plays them."""
        from ..neural._export import onnx_feed

        if "groove" not in [i.name for i in self.session.get_inputs()]:
            raise ValueError("this model cannot transfer a groove (use a GrooveTransfer)")
        take = self.params["temperature"] if temperature is None else temperature  # not asked: the model's own
        seed = self.params["random_state"] if seed is None else seed
        feed = lambda windows: onnx_feed(self.session, windows, take, seed=seed, groove=groove_windows, **labels)
        return (lambda windows: self.session.run(None, feed(windows))[0]), "mean"

    def continues(self):
        return "given" in [i.name for i in self.session.get_inputs()]

    def song_player(self, temperature, seed, labels, default_temperature=0.0, sound_taps=True):
        from ..neural._runtime import onnx_take

        take = default_temperature if temperature is None else temperature
        predict = onnx_take(self.session, temperature=take, seed=0 if seed is None else seed, sound_taps=sound_taps,
                            **labels)
        return predict, self._take_blend() if take > 0 else "mean"


def onnx_file(name, steps=32):
    """The ONNX file of the shipped model ``name`` that plays windows of ``steps`` 16th notes: ``NAME.onnx``, or for
    windows of another length (a file that unrolls its sampler plays one length) ``NAME-STEPS.onnx``."""
    from .. import pretrained

    return pretrained.WEIGHTS / (f"{name}.onnx" if steps == 32 else f"{name}-{steps}.onnx")


def _onnx_player(name, task, length=32):
    """An :class:`OnnxPlayer` of the shipped model ``name``'s file for windows of ``length`` steps
    (:func:`onnx_file`) where its description says it is for ``task`` (it reads what the task's model reads; no model
    is loaded to tell), or None: no such file, another task's, or no ONNX Runtime installed (the estimator plays
    instead). A model file of the user's is never read as PATH.onnx."""
    from .. import pretrained

    if name not in pretrained.available() or not onnx_file(name, length).is_file():
        return None
    meta = pretrained.info(name)
    steps = meta.get("pipeline") or []
    reads = (steps[0].get("class") if steps else None, meta.get("estimator") == "GrooveTransfer")
    if reads != (task.transformer, task.reads_groove):
        return None
    try:
        from ..neural._runtime import onnx_session

        return OnnxPlayer(onnx_session(onnx_file(name, length)), meta["params"])
    except ImportError:
        return None


def bar_steps(meters):
    """16th notes a bar of a song whose time signatures are ``meters``, where it is played in windows of 2 of its own
    bars: its one meter's, where that is a whole number of 16th notes; else None (4/4, or several meters: it is
    read on a plain 16th-note grid, in windows of 2 bars of 4/4)."""
    meters = sorted(set(meters))
    if len(meters) != 1 or meters == [(4, 4)] or (16 * meters[0][0]) % meters[0][1]:
        return None
    return 16 * meters[0][0] // meters[0][1]


def _player(spec, task, meters=((4, 4),)):
    """The player of a performing command: --model (else the task's shipped model), from the shipped model's ONNX
    file where it has one for this task (no torch to import).

    ``meters``: the file's time signatures. A song in another meter than 4/4 is played in windows of 2 of its own
    bars: by the model's file that reads any length, or that plays windows of that length (:func:`onnx_file`),
    else by the estimator.
    """
    task = get_task(task)
    name = task.pretrained if spec is None else spec
    own = bar_steps(meters)
    steps = 32 if own is None else 2 * own
    for length in dict.fromkeys([steps, 32]):  # the file of its own windows first
        onnx = _onnx_player(name, task, length)
        if onnx is not None and onnx.plays_windows_of(steps):
            return onnx
    return EstimatorPlayer(_load_model(spec, task.name))


def _temperature_key(model):
    """The parameter that sets a model's temperature ("step__temperature" in a pipeline), or None."""
    return next((k for k in model.get_params() if k == "temperature" or k.endswith("__temperature")), None)


def _labels(player, args, spec):
    """The --style and --drummer asked for, checked against what the model offers."""
    labels = {kind: getattr(args, kind, None) for kind in KINDS}
    for (name, value), offered in zip(labels.items(), player.offered()):
        if value is not None and value not in offered:
            what = f"offers these {name}s: {', '.join(offered)}" if offered else f"was trained without {name}s"
            raise ValueError(f"--{name} {value}: {spec or 'the shipped model'} {what} (sklearn-groove styles lists "
                             "what each model offers)")
    return {k: v for k, v in labels.items() if v is not None}


def _reads(model):
    """The input transformer a model's pipeline starts with (its class name), or None for a model of scores."""
    return type(model.steps[0][1]).__name__ if hasattr(model, "steps") else None


def _check_task(model, task, spec):
    """A ValueError where a user's --model reads another input than the command's task makes (the registry says
    what each task's model reads: the score, or a transformer's output of the performance)."""
    from ..tasks import TASKS

    wanted = get_task(task)
    if _reads(model) != wanted.transformer:
        found = next((t.name for t in TASKS.values() if t.transformer == _reads(model)), "another task")
        raise ValueError(f"{spec}: this model is for {found} (sklearn-groove {found}), not for {task}")


def _progress(label, args):
    def progress(done, total):
        if total > 8 and not args.quiet:
            _print(f"\r{label}: {done}/{total} windows", end="" if done < total else "\n")

    return progress

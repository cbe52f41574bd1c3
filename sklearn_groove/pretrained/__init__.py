"""Pretrained models: ``load(name)`` returns a fitted estimator or pipeline.

Weights are stored as torch tensors (matrices as int8 with a float16 scale
per row, the rest float16) and read with ``torch.load(weights_only=True)``,
never with pickle; a JSON file beside each records the estimator, its
parameters, the training data, the library version and the test metrics.
``benchmarks/train_pretrained.py`` makes them.
"""

import json
import os
from pathlib import Path

import numpy as np

from ._format import from_state, to_state

__all__ = ["load", "available", "info", "offered_labels", "save", "upgrade", "save_model", "load_model", "FORMAT"]

WEIGHTS = Path(__file__).parent / "weights"
FORMAT = 9  # version of the JSON description; older files are read through upgrade()
_RECURRENT = ("GrooveSeq2Seq", "GrooveTransfer")


def available(folder=WEIGHTS):
    """Names of the shipped models (or of the models saved in ``folder``).

    Examples
    --------
    >>> from sklearn_groove import pretrained
    >>> "humanize" in pretrained.available()
    True
    """
    return sorted(p.stem for p in Path(folder).glob("*.json"))


#: Shipped models of earlier versions merged into another: their name loads it, with a FutureWarning.
MERGED = {"humanize_live": "humanize", "humanize_styles": "humanize"}


def _resolve(name, folder):
    """The file stem of model ``name`` in ``folder``: its own name, or the shipped model of a task of the registry."""
    from ..tasks import TASKS

    if (Path(folder) / f"{name}.json").is_file():
        return name
    if name in MERGED and (Path(folder) / f"{MERGED[name]}.json").is_file():
        import warnings

        warnings.warn(f"the shipped model {name!r} is merged into {MERGED[name]!r}, which plays as fast and takes "
                      f"style= and drummer=: load {MERGED[name]!r} (the old name goes in a later version)",
                      FutureWarning, stacklevel=3)
        return MERGED[name]
    if name in TASKS and (Path(folder) / f"{TASKS[name].pretrained}.json").is_file():
        return TASKS[name].pretrained
    known = ", ".join(available(folder)) or "none"
    raise ValueError(f"unknown pretrained model {name!r}; known models: {known} (or a task: {', '.join(TASKS)})")


def info(name, folder=WEIGHTS):
    """The metadata of a shipped model (or of a task's model): parameters, training data, version, test metrics."""
    return json.loads((Path(folder) / f"{_resolve(name, folder)}.json").read_text())


def offered_labels(name, folder=WEIGHTS):
    """The styles and drummers a saved model learned, as two sorted lists, read from its description alone.

    ``name``: a shipped model (or one in ``folder``), or the path of a
    ``NAME.json`` model file. An ensemble offers what all its members learned.
    Nothing is loaded: no torch import, no weights.

    Examples
    --------
    >>> from sklearn_groove import pretrained
    >>> styles, drummers = pretrained.offered_labels("humanize")
    >>> "funk" in styles, pretrained.offered_labels("groove_transfer")
    (True, [[], []])
    """
    from .._labels import KINDS, learned_by_all

    meta = _read_description(Path(name)) if str(name).endswith(".json") else info(name, folder)
    models = meta.get("members") or [meta]
    return [learned_by_all([m.get(kind + "s") for m in models]) for kind in KINDS]


def load(name, folder=WEIGHTS):
    """Load a shipped model, fitted and ready to ``predict``.

    Parameters
    ----------
    name : str
        One of :func:`available`: ``"humanize"`` (score -> performance; it
        also plays a style or a drummer: ``predict(X, style="funk",
        drummer="drummer3")``, and samples takes: ``sample_y``),
        ``"humanize_paper"`` (the paper's humanizer: four networks, slower;
        for its Table 1), ``"infill_closed_hihat"`` and ``"tap2drum"`` (pipelines that take any
        hvo and apply their own input transform), ``"groove_transfer"``; or
        a task of :mod:`sklearn_groove.tasks` (``"infill"``, ``"transfer"``),
        for that task's shipped model.
    folder : path, default: the package's shipped weights
        Where to look instead, such as the output of
        ``benchmarks/train_pretrained.py --out``.

    Returns
    -------
    estimator or sklearn.pipeline.Pipeline

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import pretrained
    >>> model = pretrained.load("humanize")
    >>> score = np.zeros((1, 32, 9), dtype=np.float32)
    >>> score[0, ::4, 0] = score[0, 4::8, 1] = score[0, ::2, 2] = 1   # a rock beat
    >>> model.predict(score).shape
    (1, 32, 27)
    """
    from sklearn.pipeline import make_pipeline

    name = _resolve(name, folder)
    path = Path(folder) / f"{name}.json"
    meta = _read_description(path)
    state = _read_weights(Path(folder) / f"{name}.pt")
    try:
        meta = upgrade(meta, path)
        if "members" in meta:
            from ..ensemble import GrooveEnsemble

            members = [_restore(m, s, path) for m, s in zip(meta["members"], state["members"], strict=True)]
            estimator = GrooveEnsemble.from_fitted(members, **meta["params"])
        else:
            estimator = _restore(meta, state, path)
        steps = [_pipeline_step(step, path) for step in meta.get("pipeline", [])]
    except (KeyError, TypeError, IndexError, AttributeError, RuntimeError) as exc:
        raise ValueError(f"{path}: not a model this version reads ({type(exc).__name__}: {exc})") from None
    except ValueError as exc:  # the file's name goes first, once
        if str(exc).startswith(str(path)):
            raise
        raise ValueError(f"{path}: {exc}") from None
    return make_pipeline(*steps, estimator) if steps else estimator


#: Largest model description read (the shipped ones are a few kB; the weights are stored beside it).
MAX_DESCRIPTION_BYTES = 2**20


def _read_description(path):
    """The JSON description of a saved model, as a dict; a ValueError naming the file otherwise."""
    _check_regular(path)
    if path.stat().st_size > MAX_DESCRIPTION_BYTES:
        raise ValueError(f"{path}: {path.stat().st_size} bytes is larger than a model description "
                         f"({MAX_DESCRIPTION_BYTES})")
    try:
        meta = json.loads(path.read_bytes())
    except (ValueError, RecursionError):
        raise ValueError(f"{path}: not a model description (not readable JSON)") from None
    def described(model):
        return isinstance(model, dict) and isinstance(model.get("estimator"), str) and isinstance(model.get("params"), dict)

    members = meta.get("members", []) if isinstance(meta, dict) else []
    if not (described(meta) and isinstance(members, list) and all(map(described, members))):
        raise ValueError(f"{path}: not a model description of this library (no estimator and params)")
    return meta


def _read_weights(path):
    """The tensors of a saved model, read without unpickling code; a ValueError naming the file otherwise."""
    import pickle
    import warnings

    import torch

    _check_regular(path)
    try:
        with warnings.catch_warnings():  # torch warns of pickle protocols before it refuses what is not tensors
            warnings.simplefilter("ignore", UserWarning)
            state = torch.load(path, weights_only=True, map_location="cpu")
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"{path}: not a weights file this library reads: it holds more than tensors, or is "
                         f"damaged; it is never unpickled ({why[:120]})") from None
    if not isinstance(state, dict):
        raise ValueError(f"{path}: not a weights file this library reads (it holds a {type(state).__name__})")
    return state


def _pipeline_step(step, path):
    """The input transformer a description names: one of :mod:`sklearn_groove.preprocessing`'s, nothing else."""
    from .. import preprocessing

    if step.get("class") not in preprocessing.__all__ or not isinstance(step.get("params"), dict):
        raise ValueError(f"{path}: unknown pipeline step {step.get('class')!r}; this version reads "
                         f"{', '.join(preprocessing.__all__)}")
    return getattr(preprocessing, step["class"])(**step["params"])


def _restore(meta, state, path):
    """The fitted recurrent estimator that ``meta`` and ``state`` describe."""
    from .. import neural

    if meta["estimator"] not in _RECURRENT:
        raise ValueError(f"{path}: unknown estimator {meta['estimator']!r}; this version reads {', '.join(_RECURRENT)}")
    return from_state(getattr(neural, meta["estimator"]), meta, state)


# Format 1 (before sklearn_groove 0.2) named the settings of the recurrent models differently.
_FORMAT_1_FIXED = {"bidirectional_decoder": False, "keep_hits": "auto", "free_bits": 0.0, "validation_fraction": 0.1}
_FORMAT_1_MODULE = ("encoder_size", "latent_size", "decoder_size", "decoder_layers", "dropout")
_FORMAT_1_ADDED = {"GrooveSeq2Seq": {"hits_ahead": 0}}  # parameters added while format 1 was written, at their value before
# parameters of the recurrent models added while format 2 was written, at the value files saved before them played with
_FORMAT_2_ADDED = {"label_strength": 1.0}
# parameters of format 2 that format 3 has not: early stopping is a training callback (the saved weights are those it
# kept), and a calibration is the maps the file stores (calibrate(), not a parameter)
_FORMAT_2_REMOVED = ("patience", "calibration")
# parameters added while format 3 was written, at the value files saved before them played with
_FORMAT_3_ADDED = {"module__sampler_size": 128}
# parameters added with format 9 (a sampler that draws several steps from a state), at the value files before played with
_FORMAT_8_ADDED = {"module__sampler_steps": 1}
# parameters of the input transformers added while format 4 was written, at the value files saved before them read with
_FORMAT_4_STEP_ADDED = {"Tapper": {"velocity": "none"}}


def _upgrade_params(estimator, params, path):
    """The parameters of a format-1 recurrent model, in today's names (a ValueError for a setting since removed)."""
    params = {**_FORMAT_1_ADDED.get(estimator, {}), **params}
    for key, value in _FORMAT_1_FIXED.items():
        if params.pop(key, value) != value:
            raise ValueError(f"{path}: {key} other than {value!r} is no longer supported")
    if params.get("output", "mse") not in ("mse", "gaussian"):
        raise ValueError(f"{path}: output={params['output']!r} is no longer supported (only 'mse' and 'gaussian' are)")
    on_hits, on_input = params.pop("condition_on_hits", False), params.pop("condition_on_input", False)
    if on_hits and on_input:
        raise ValueError(f"{path}: a decoder conditioned on both the hits and the input is no longer supported")
    if on_hits or on_input:
        params["condition"] = "hits" if on_hits else "input"
    params["decoder"] = "autoregressive" if params.pop("autoregressive", True) else "parallel"
    early, patience = params.pop("early_stopping", False), params.pop("patience", 5)
    params["patience"] = patience if early else None
    params.pop("weight_average", None)  # a training callback now; the saved weights are already averaged
    params.update({"module__" + key: params.pop(key) for key in _FORMAT_1_MODULE if key in params})
    return params


def upgrade(meta, path="<metadata>"):
    """Metadata of any saved format, in today's format (:data:`FORMAT`).

    Format 1 files (no ``"format"`` key) had the recurrent models' former
    parameter names; their settings are translated one to one, and a
    setting that no longer exists is refused with a ``ValueError`` rather
    than silently changed. Parameters added since a file was written
    (``label_strength``, ``module__sampler_size``, ``module__sampler_steps``,
    a ``Tapper``'s ``velocity``) get the value it played with (1.0; 128,
    unused by a network with one decoder; 1; "none"); those removed
    since (``patience``, ``calibration``: a training callback, and maps the
    file stores) are dropped; any other missing parameter is refused when
    the model is loaded.
    Format 6 files may store hit biases with their calibration (a model
    that writes hits), format 7 files the velocity sharing of takes with
    it, and format 8 files their hit repetition, which earlier versions
    would not play: they refuse the file.
    """
    version = meta.get("format", 1)
    if version > FORMAT:
        raise ValueError(f"{path}: model format {version} is newer than this version of sklearn_groove reads ({FORMAT})")

    def upgraded(model):
        params = model["params"] if version > 1 else _upgrade_params(model["estimator"], model["params"], path)
        if model["estimator"] in _RECURRENT and version < 3:
            params = {key: value for key, value in {**_FORMAT_2_ADDED, **params}.items() if key not in _FORMAT_2_REMOVED}
        if model["estimator"] in _RECURRENT and version < 4:
            params = {**_FORMAT_3_ADDED, **params}
        if model["estimator"] in _RECURRENT and version < 9:
            params = {**_FORMAT_8_ADDED, **params}
        return {**model, "params": params}

    if version < 5 and "pipeline" in meta:
        meta = {**meta, "pipeline": [{**step, "params": {**_FORMAT_4_STEP_ADDED.get(step.get("class"), {}),
                                                         **step.get("params", {})}} for step in meta["pipeline"]]}
    meta = {**meta, "format": FORMAT}
    if "members" in meta:
        return {**meta, "members": [upgraded(m) for m in meta["members"]]}
    return upgraded(meta)


def save(estimator, name, metadata, pipeline=(), folder=WEIGHTS, groove_variance=0.999, int8=True, members=None):
    """Save a fitted GrooveSeq2Seq, GrooveTransfer or GrooveEnsemble of them as ``name.pt`` and ``name.json``.

    Parameters
    ----------
    estimator : GrooveSeq2Seq, GrooveTransfer or GrooveEnsemble of them, fitted
    name : str
    metadata : dict
        Written into the JSON file (training data, command, metrics...). Its
        keys that ``save`` writes itself from the model (``estimator``,
        ``params``, ``members``, ``pipeline``, ``format``...) are left out, so
        that the metadata of an earlier :func:`info` can be passed again.
    pipeline : sequence of transformers, default=()
        Input transformers that :func:`load` puts in front of the model.
    folder : path, default: the package's shipped weights
    groove_variance : float, default=0.999
        A GrooveTransfer's training grooves are stored as their leading
        principal components, the fewest that keep this share of their
        variance.
    int8 : bool, default=True
        Store weight matrices as int8 with a float16 scale per row (half the
        size of float16); False: everything as float16.
    members : list of dict, default=None
        For a GrooveEnsemble: metadata of each member (such as the command
        that trained it), written beside the member's parameters.
    """
    import torch

    from .. import __version__
    from ..ensemble import GrooveEnsemble

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(estimator, GrooveEnsemble):
        saved = [to_state(m, int8, groove_variance) for m in estimator.estimators_]
        params = {k: v for k, v in estimator.get_params(deep=False).items() if k != "estimators"}
        meta = {"estimator": "GrooveEnsemble", "params": params, "n_steps": saved[0][0]["n_steps"]}
        extra = members or [{}] * len(saved)
        meta["members"] = [{**m, **more} for (m, _), more in zip(saved, extra)]
        state = {"members": [s for _, s in saved]}
    else:
        meta, state = to_state(estimator, int8, groove_variance)
    from .._atomic import atomic_path, write_bytes

    with atomic_path(folder / f"{name}.pt") as part:  # each file whole or not at all; the weights first
        torch.save(state, part)
    meta = {"format": FORMAT, **meta}
    meta.update(
        pipeline=[{"class": type(t).__name__, "params": t.get_params()} for t in pipeline],
        library_version=__version__,
    )
    meta.update({k: v for k, v in metadata.items() if k not in meta and k != "members"})
    write_bytes(folder / f"{name}.json", (json.dumps(meta, indent=2, default=_jsonable) + "\n").encode())


def _jsonable(value):
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _is_recurrent(model):
    from .._base import last_step

    last = last_step(model)
    members = getattr(last, "estimators", None) or [last]
    return any(type(m).__name__ in _RECURRENT for m in members)


def save_model(model, path, metadata=None):
    """Save a fitted model of one's own, in a format that loads without running code.

    Parameters
    ----------
    model : fitted estimator or Pipeline
    path : path
        ``NAME.json`` for the recurrent models (GrooveSeq2Seq, GrooveTransfer,
        a GrooveEnsemble of them, or a pipeline ending in one): written by
        :func:`save`, weights read back with ``torch.load(weights_only=True)``.
        ``NAME.skops`` for the others (KNN, linear, MLP, quantized and
        pipelines of them), written with skops, scikit-learn's safe persistence.
    metadata : dict, default=None
        For a ``.json``: written into the JSON file.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sklearn_groove import GrooveKNN, join_hvo
    >>> from sklearn_groove.pretrained import load_model, save_model
    >>> h = (np.random.default_rng(0).random((16, 32, 9)) < 0.2).astype(np.float32)
    >>> knn = GrooveKNN(n_neighbors=3).fit(h, join_hvo(h, h * 0.7, h * 0.1))
    >>> path = os.path.join(tempfile.mkdtemp(), "knn.skops")
    >>> save_model(knn, path)
    >>> bool((load_model(path).predict(h) == knn.predict(h)).all())
    True
    """
    path = Path(path)
    suffix = ".json" if _is_recurrent(model) else ".skops"
    if path.suffix != suffix:
        kind = "a recurrent model (its weights go beside a JSON file)" if suffix == ".json" else "this model"
        raise ValueError(f"{path}: save {kind} as NAME{suffix}")
    if suffix == ".json":
        steps = list(model.steps) if hasattr(model, "steps") else [("model", model)]
        save(steps[-1][1], path.stem, metadata or {}, pipeline=[t for _, t in steps[:-1]], folder=path.parent)
        return
    import skops.io

    from .._atomic import atomic_path

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as part:
        skops.io.dump(model, part)


def load_model(path):
    """A model saved by :func:`save_model`; a ValueError for a file that could run code or is not a model.

    A ``.skops`` file may hold only the exact types that this library's
    models are made of (``sklearn_groove.pretrained._trusted.TRUSTED``),
    checked before anything in it is built; any other type or function is
    refused, named in the error. Pickle and joblib files are refused:
    unpickling runs code from the file.
    """
    path = Path(path)
    if path.suffix == ".json":
        _check_regular(path)
        return load(path.stem, path.parent)
    if path.suffix != ".skops":
        raise ValueError(
            f"{path}: not a model file this library reads (NAME.skops, or NAME.json beside NAME.pt); pickle and "
            "joblib files are refused, since loading them runs code from the file"
        )
    import skops.io

    from ._trusted import check_skops_file

    _check_regular(path)
    trusted = check_skops_file(path)  # before skops builds anything
    try:
        model = skops.io.load(path, trusted=trusted)
    except Exception as exc:  # noqa: BLE001 - skops raises many kinds for a damaged file; one line says which file
        raise ValueError(f"{path}: a damaged skops model file ({type(exc).__name__}: {exc})") from None
    if not hasattr(model, "predict"):
        raise ValueError(f"{path}: holds a {type(model).__name__}, not a fitted model")
    return model


def _check_regular(path):
    """A ValueError unless ``path`` is a regular file (a device or a FIFO would never end, or never start)."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise ValueError(f"{path}: no such model file ({exc.strerror})") from None
    if not stat.S_ISREG(mode):
        raise ValueError(f"{path}: not a regular file (a folder, device or pipe); give a model file")

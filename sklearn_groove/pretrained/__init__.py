"""Pretrained models: ``load(name)`` returns a fitted estimator or pipeline.

Weights are stored as torch tensors (matrices as int8 with a float16 scale
per row, the rest float16) and read with ``torch.load(weights_only=True)``,
never with pickle; a JSON file beside each records the estimator, its
parameters, the training data, the library version and the test metrics.
``benchmarks/train_pretrained.py`` makes them.
"""

import json
from pathlib import Path

import numpy as np

from .._hvo import N_VOICES

__all__ = ["load", "available", "info"]

WEIGHTS = Path(__file__).parent / "weights"


def available(folder=WEIGHTS):
    """Names of the shipped models (or of the models saved in ``folder``).

    Examples
    --------
    >>> from sklearn_groove import pretrained
    >>> "humanize" in pretrained.available()
    True
    """
    return sorted(p.stem for p in Path(folder).glob("*.json"))


def info(name, folder=WEIGHTS):
    """The metadata of a shipped model: parameters, training data, version, test metrics."""
    path = Path(folder) / f"{name}.json"
    if not path.is_file():
        known = ", ".join(available(folder)) or "none"
        raise ValueError(f"unknown pretrained model {name!r}; known models: {known}")
    return json.loads(path.read_text())


def load(name, folder=WEIGHTS):
    """Load a shipped model, fitted and ready to ``predict``.

    Parameters
    ----------
    name : str
        One of :func:`available`: ``"humanize"`` (score -> performance),
        ``"infill_closed_hihat"`` and ``"tap2drum"`` (pipelines that take any
        hvo and apply their own input transform), ``"groove_transfer"``.
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
    import torch
    from sklearn.pipeline import make_pipeline

    from .. import preprocessing

    meta = info(name, folder)
    state = torch.load(Path(folder) / f"{name}.pt", weights_only=True, map_location="cpu")
    if "members" in meta:
        from ..ensemble import GrooveEnsemble

        members = [_restore(m, s) for m, s in zip(meta["members"], state["members"])]
        estimator = GrooveEnsemble.from_fitted(members, **meta["params"])
    else:
        estimator = _restore(meta, state)
    steps = [getattr(preprocessing, step["class"])(**step["params"]) for step in meta.get("pipeline", [])]
    return make_pipeline(*steps, estimator) if steps else estimator


def _restore(meta, state):
    """The fitted recurrent estimator that :func:`_member` saved as ``meta`` and ``state``."""
    from .. import neural

    estimator = getattr(neural, meta["estimator"])(**meta["params"])
    estimator.n_features_in_ = meta["n_steps"]
    estimator.n_input_features_ = meta["n_input_features"]
    module = estimator._build_module(meta["n_encoder_features"], meta["n_condition_features"])
    scales = state.get("scales", {})
    module.load_state_dict({k: v.float() * scales[k].float() if k in scales else v.float() for k, v in state["module"].items()})
    estimator.module_ = module.eval()
    if "train_hits" in state:
        n = meta["n_steps"] * N_VOICES
        estimator.train_hits_ = np.unpackbits(state["train_hits"].numpy(), axis=1)[:, :n].astype(np.float32)
        coords, basis = state["groove_coords"].float().numpy(), state["groove_basis"].float().numpy()
        estimator.train_grooves_ = coords @ basis + state["groove_mean"].float().numpy()
    return estimator


def _principal_components(z, explained):
    """Mean, basis (k, d) and coordinates (n, k) of the fewest components keeping ``explained`` of z's variance."""
    mean = z.mean(axis=0)
    _, s, basis = np.linalg.svd(z - mean, full_matrices=False)
    share = np.cumsum(s**2) / max(np.sum(s**2), 1e-30)
    k = int(np.searchsorted(share, explained)) + 1
    basis = basis[:k]
    return mean.astype(np.float32), basis.astype(np.float32), ((z - mean) @ basis.T).astype(np.float32)


def _weights(module, int8):
    """A module's tensors to store: float16, or its matrices as int8 with a float16 scale per row."""
    import torch

    weights, scales = {}, {}
    for key, value in module.state_dict().items():
        value = value.detach().cpu().float()
        if int8 and value.ndim == 2:
            scale = (value.abs().amax(dim=1, keepdim=True) / 127).clamp(min=1e-12).half()
            weights[key] = (value / scale.float()).round().clamp(-127, 127).to(torch.int8)
            scales[key] = scale
        else:
            weights[key] = value.half()
    return weights, scales


def _member(estimator, int8, groove_variance):
    """The metadata and tensors that :func:`_restore` rebuilds a fitted recurrent estimator from."""
    import torch

    weights, scales = _weights(estimator.module_, int8)
    state = {"module": weights, **({"scales": scales} if scales else {})}
    if hasattr(estimator, "train_hits_"):
        state["train_hits"] = torch.from_numpy(np.packbits(estimator.train_hits_.astype(bool), axis=1))
        mean, basis, coords = _principal_components(estimator.train_grooves_, explained=groove_variance)
        state.update(groove_mean=torch.from_numpy(mean), groove_basis=torch.from_numpy(basis).half())
        state["groove_coords"] = torch.from_numpy(coords).half()
    meta = {
        "estimator": type(estimator).__name__,
        "params": _params(estimator),
        "n_steps": int(estimator.n_features_in_),
        "n_input_features": int(estimator.n_input_features_),
        "n_encoder_features": int(estimator.module_.encoder.input_size),
        "n_condition_features": int(estimator.module_.n_condition),
    }
    return meta, state


def _params(estimator):
    skip = ("callbacks", "verbose", "device", "estimators")
    return {k: v for k, v in estimator.get_params(deep=False).items() if k not in skip}


def save(estimator, name, metadata, pipeline=(), folder=WEIGHTS, groove_variance=0.999, int8=True, members=None):
    """Save a fitted GrooveSeq2Seq, GrooveTransfer or GrooveEnsemble of them as ``name.pt`` and ``name.json``.

    Parameters
    ----------
    estimator : GrooveSeq2Seq, GrooveTransfer or GrooveEnsemble of them, fitted
    name : str
    metadata : dict
        Written into the JSON file (training data, command, metrics...). Its
        keys that ``save`` writes itself from the model (``estimator``,
        ``params``, ``members``, ``pipeline``, ``library_version``...) are
        left out, so that the metadata of an earlier :func:`info` can be
        passed again.
    pipeline : sequence of transformers, default=()
        Input transformers that :func:`load` puts in front of the model.
    folder : path, default: the package's shipped weights
    groove_variance : float, default=0.999
        A GrooveTransfer's training grooves are stored as their leading
        principal components, the fewest that keep this share of their
        variance (the KL term leaves z in a low-dimensional subspace).
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
        saved = [_member(m, int8, groove_variance) for m in estimator.estimators_]
        meta = {"estimator": "GrooveEnsemble", "params": _params(estimator), "n_steps": saved[0][0]["n_steps"]}
        extra = members or [{}] * len(saved)
        meta["members"] = [{**m, **more} for (m, _), more in zip(saved, extra)]
        state = {"members": [s for _, s in saved]}
    else:
        meta, state = _member(estimator, int8, groove_variance)
    torch.save(state, folder / f"{name}.pt")
    meta.update(
        pipeline=[{"class": type(t).__name__, "params": t.get_params()} for t in pipeline],
        library_version=__version__,
    )
    meta.update({k: v for k, v in metadata.items() if k not in meta and k != "members"})
    (folder / f"{name}.json").write_text(json.dumps(meta, indent=2, default=_jsonable) + "\n")


def _jsonable(value):
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")

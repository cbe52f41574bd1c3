"""Pretrained models: ``load(name)`` returns a fitted estimator or pipeline.

Weights are stored as torch tensors (float16) and read with
``torch.load(weights_only=True)``, never with pickle; a JSON file beside each
records the estimator, its parameters, the training data, the library version
and the test metrics. ``benchmarks/train_pretrained.py`` makes them.
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

    from .. import neural, preprocessing

    meta = info(name, folder)
    estimator = getattr(neural, meta["estimator"])(**meta["params"])
    state = torch.load(Path(folder) / f"{name}.pt", weights_only=True, map_location="cpu")
    _restore(estimator, meta, state)
    steps = [getattr(preprocessing, step["class"])(**step["params"]) for step in meta.get("pipeline", [])]
    return make_pipeline(*steps, estimator) if steps else estimator


def _restore(estimator, meta, state):
    """Give an unfitted recurrent estimator the fitted state saved by :func:`save`."""
    estimator.n_features_in_ = meta["n_steps"]
    estimator.n_input_features_ = meta["n_input_features"]
    module = estimator._build_module(meta["n_encoder_features"], meta["n_condition_features"])
    module.load_state_dict({k: v.float() for k, v in state["module"].items()})
    estimator.module_ = module.eval()
    if "train_hits" in state:
        n = meta["n_steps"] * N_VOICES
        estimator.train_hits_ = np.unpackbits(state["train_hits"].numpy(), axis=1)[:, :n].astype(np.float32)
        coords, basis = state["groove_coords"].float().numpy(), state["groove_basis"].float().numpy()
        estimator.train_grooves_ = coords @ basis + state["groove_mean"].float().numpy()


def _principal_components(z, explained):
    """Mean, basis (k, d) and coordinates (n, k) of the fewest components keeping ``explained`` of z's variance."""
    mean = z.mean(axis=0)
    _, s, basis = np.linalg.svd(z - mean, full_matrices=False)
    share = np.cumsum(s**2) / max(np.sum(s**2), 1e-30)
    k = int(np.searchsorted(share, explained)) + 1
    basis = basis[:k]
    return mean.astype(np.float32), basis.astype(np.float32), ((z - mean) @ basis.T).astype(np.float32)


def save(estimator, name, metadata, pipeline=(), folder=WEIGHTS, groove_variance=0.999):
    """Save a fitted GrooveSeq2Seq or GrooveTransfer as ``name.pt`` and ``name.json``.

    A GrooveTransfer's training grooves are stored as their leading principal
    components, the fewest that keep ``groove_variance`` of their variance
    (the KL term leaves z in a low-dimensional subspace).
    """
    import torch

    from .. import __version__

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {"module": {k: v.detach().cpu().half() for k, v in estimator.module_.state_dict().items()}}
    if hasattr(estimator, "train_hits_"):
        state["train_hits"] = torch.from_numpy(np.packbits(estimator.train_hits_.astype(bool), axis=1))
        mean, basis, coords = _principal_components(estimator.train_grooves_, explained=groove_variance)
        state.update(groove_mean=torch.from_numpy(mean), groove_basis=torch.from_numpy(basis).half())
        state["groove_coords"] = torch.from_numpy(coords).half()
    torch.save(state, folder / f"{name}.pt")
    params = {k: v for k, v in estimator.get_params().items() if k not in ("callbacks", "verbose", "device")}
    meta = {
        "estimator": type(estimator).__name__,
        "params": params,
        "n_steps": int(estimator.n_features_in_),
        "n_input_features": int(estimator.n_input_features_),
        "n_encoder_features": int(estimator.module_.encoder.input_size),
        "n_condition_features": int(estimator.module_.n_condition),
        "pipeline": [{"class": type(t).__name__, "params": t.get_params()} for t in pipeline],
        "library_version": __version__,
        **metadata,
    }
    (folder / f"{name}.json").write_text(json.dumps(meta, indent=2, default=_jsonable) + "\n")


def _jsonable(value):
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")

"""The saved format of the recurrent models: a JSON-able description and tensors, written and read back.

:func:`to_state` and :func:`from_state` are the one place that knows how a fitted
GrooveSeq2Seq or GrooveTransfer is stored (``NAME.json`` and ``NAME.pt``).
"""

import numpy as np

from .._hvo import N_VOICES
from .._labels import KINDS

__all__ = ["to_state", "from_state"]

_UNSAVED = ("callbacks", "verbose", "device")  # settings of a training run, not of the fitted model
#: What a calibration learned besides its maps and hit biases, one number each (its attribute: the name and "_")
_TAKE_SETTINGS = ("velocity_sharing", "hit_repetition", "bar_repeat", "neighbors", "continuity")
#: The arrays of a calibration's examples (``calibrate(..., neighbors=)``), each stored as ``example_KEY``
_EXAMPLES = ("hits", "velocities", "offsets", "labels")


def to_state(estimator, int8=True, groove_variance=0.999):
    """What :func:`from_state` rebuilds a fitted recurrent model from: (JSON-able description, tensors).

    A GrooveTransfer also stores its training grooves, as the fewest
    principal components that keep ``groove_variance`` of their variance
    (the KL term leaves z in a low-dimensional subspace), and its training
    hits as bits.
    """
    import torch
    from sklearn.utils.validation import check_is_fitted

    from ..neural._persist import principal_components, quantize

    check_is_fitted(estimator)
    module = estimator.module_
    weights, scales = quantize(module, int8)
    params = {k: v for k, v in estimator.get_params(deep=False).items()
              if k not in _UNSAVED and not k.startswith("module__")}
    params.update({"module__" + k: v for k, v in module.settings.items()})
    meta = {
        "estimator": type(estimator).__name__,
        "params": params,
        "n_steps": int(estimator.n_features_in_),
        "n_input_features": int(estimator.n_input_features_),
        "n_encoder_features": int(module.encoder.input_size),
        "n_condition_features": int(module.n_condition),
        **{key: None if getattr(estimator, key + "_", None) is None else list(getattr(estimator, key + "_"))
           for key in (kind + "s" for kind in KINDS)},
    }
    state = {"module": weights, **({"scales": scales} if scales else {})}
    if getattr(estimator, "calibration_", None) is not None:
        state["calibration"] = torch.from_numpy(estimator.calibration_.maps_)
        if estimator.calibration_.hit_bias_ is not None:
            state["hit_bias"] = torch.from_numpy(estimator.calibration_.hit_bias_)
        for key in _TAKE_SETTINGS:  # stored where not 0
            if getattr(estimator.calibration_, key + "_", 0.0):
                state[key] = torch.tensor(getattr(estimator.calibration_, key + "_"), dtype=torch.float64)
        if estimator.calibration_.examples_ is not None:
            state.update({"example_" + key: torch.from_numpy(estimator.calibration_.examples_[key])
                          for key in _EXAMPLES})
    if hasattr(estimator, "train_grooves_"):  # a GrooveTransfer
        state["train_hits"] = torch.from_numpy(np.packbits(estimator.train_hits_.astype(bool), axis=1))
        mean, basis, coords = principal_components(estimator.train_grooves_, explained=groove_variance)
        state.update(groove_mean=torch.from_numpy(mean), groove_basis=torch.from_numpy(basis).half())
        state["groove_coords"] = torch.from_numpy(coords).half()
    return meta, state


def from_state(cls, meta, state):
    """The fitted model of class ``cls`` that :func:`to_state` described, its network in ``net_``."""
    from ..neural import MODULE_PARAMS
    from ..neural._calibration import QuantileCalibration
    from ..neural._persist import dequantize

    sizes = ("n_steps", "n_input_features", "n_encoder_features", "n_condition_features")
    bad = [k for k in sizes if not (type(meta.get(k)) is int and meta[k] >= (k != "n_condition_features"))]
    if bad:
        raise ValueError(f"{bad[0]} must be a whole number (above 0), got {meta.get(bad[0])!r}")
    expected = {*cls._get_param_names(), *("module__" + name for name in MODULE_PARAMS)} - set(_UNSAVED)
    missing = sorted(expected - set(meta["params"]))
    if missing:  # a default would fill them in, and could change the model without a word
        raise ValueError(
            f"the saved {meta['estimator']} does not say {', '.join(missing)}: every parameter must be saved "
            "(sklearn_groove.pretrained.upgrade fills in those of older formats)"
        )
    estimator = cls(**meta["params"])
    for kind in KINDS:  # the labels it learned (None: none of that kind)
        setattr(estimator, kind + "s_", None if meta.get(kind + "s") is None else np.array(meta[kind + "s"]))
    estimator.calibration_ = None
    if "calibration" in state:
        estimator.calibration_ = QuantileCalibration(state["calibration"].shape[-1])
        estimator.calibration_.maps_ = state["calibration"].numpy()
        if "hit_bias" in state:
            estimator.calibration_.hit_bias_ = state["hit_bias"].numpy()
        for key in _TAKE_SETTINGS:
            if key in state:
                setattr(estimator.calibration_, key + "_", float(state[key]))
        estimator.calibration_.neighbors_ = int(estimator.calibration_.neighbors_)
    estimator.n_features_in_ = meta["n_steps"]
    estimator.n_input_features_ = meta["n_input_features"]
    estimator._check_settings(estimator.n_input_features_)
    if estimator.calibration_ is not None and ("example_hits" in state or estimator.calibration_.neighbors_):
        estimator.calibration_.examples_ = _checked_examples(estimator, meta, state)
    sizes = (meta["n_encoder_features"], meta["n_condition_features"])
    _check_stored_shapes(estimator, sizes, state)  # before anything of the described size is allocated
    net = estimator._initialize_net(*sizes, playing=True)
    net.module_.load_state_dict(dequantize(state["module"], state.get("scales", {})))
    net.module_.eval()
    if "train_hits" in state:  # a GrooveTransfer
        n = meta["n_steps"] * N_VOICES
        estimator.train_hits_ = np.unpackbits(state["train_hits"].numpy(), axis=1)[:, :n].astype(np.float32)
        coords, basis = state["groove_coords"].float().numpy(), state["groove_basis"].float().numpy()
        estimator.train_grooves_ = coords @ basis + state["groove_mean"].float().numpy()
    return estimator


def _check_stored_shapes(estimator, sizes, state):
    """A ValueError unless the network a saved file describes has exactly the shapes of the tensors it stores.

    The network is built on PyTorch's meta device (shapes, no memory), so a
    description that asks for a huge network is refused without allocating it.
    """
    import torch

    with torch.device("meta"):
        expected = {k: tuple(v.shape) for k, v in
                    estimator._initialize_net(*sizes, playing=True, device="meta").module_.state_dict().items()}
    stored = {k: tuple(v.shape) for k, v in state["module"].items()}
    scales = state.get("scales", {})
    wrong = sorted(k for k in expected.keys() | stored.keys() if expected.get(k) != stored.get(k))
    wrong += sorted(k for k, v in scales.items() if k not in stored or tuple(v.shape) != (stored[k][0], 1))
    if wrong:
        first = wrong[0]
        raise ValueError(f"the described network does not match the stored weights ({len(wrong)} tensors differ; "
                         f"{first}: described {expected.get(first)}, stored {stored.get(first)})")


def _checked_examples(estimator, meta, state):
    """A calibration's stored examples (``calibrate(..., neighbors=)``), or a ValueError where their types or shapes
    do not fit each other, the model, or the number of neighbours drawn from."""
    import torch

    examples = {key: state.get("example_" + key) for key in _EXAMPLES}
    dtypes = {"hits": torch.uint8, "velocities": torch.uint8, "offsets": torch.int8, "labels": torch.int16}
    n = len(examples["hits"]) if isinstance(examples["hits"], torch.Tensor) else 0
    bits = -(-meta["n_steps"] * (meta["n_input_features"] // 3) // 8)
    written = int(estimator._written_voices().sum())
    shapes = {"hits": (n, bits), "velocities": (n, meta["n_steps"], written),
              "offsets": (n, meta["n_steps"], written), "labels": (n, len(KINDS))}
    for key, value in examples.items():
        if not isinstance(value, torch.Tensor) or value.dtype != dtypes[key] or tuple(value.shape) != shapes[key]:
            raise ValueError(f"the stored examples' {key} must be {dtypes[key]} of shape {shapes[key]}, got "
                             f"{getattr(value, 'dtype', type(value).__name__)} {tuple(getattr(value, 'shape', ()))}")
    if not 1 <= estimator.calibration_.neighbors_ <= n:
        raise ValueError(f"neighbors must be from 1 to the {n} stored examples, got {estimator.calibration_.neighbors_}")
    return {key: value.numpy() for key, value in examples.items()}

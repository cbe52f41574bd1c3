"""Play an exported model with ONNX Runtime alone: what the command line does with a shipped ONNX file.

NumPy and ONNX Runtime only (no torch, no scikit-learn: a process that imports them starts seconds
later).
"""

import numpy as np

from ._export import onnx_feed

__all__ = ["onnx_session", "onnx_take"]


def onnx_session(path):
    """An ONNX Runtime session of the file at ``path``, its int8 weights turned into float32 once, at load.

    A file that reads its weights from another (``export_onnx(...,
    weights_from=)``) is checked against it: a ValueError where that file
    has changed since.

    Only ONNX Runtime's basic graph optimizations run (constant folding and
    the removal of redundant nodes): on the shipped humanize (an
    autoregressive decoder unrolled over 32 steps) the further ones took
    longer to open the file (0.16 s against 0.14 s) and played a song
    from the command line no faster (0.45 s either way).
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # let the int8 weights of export_onnx(int8=True) be folded into constants, not dequantized at each run
    options.add_session_config_entry("session.disable_quant_qdq", "1")
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    _check_weights(session, path)
    return session


def _check_weights(session, path):
    """A ValueError where the file at ``path`` reads its weights from another file (``export_onnx(...,
    weights_from=)``) that is no longer the one it was written with: other bytes there would play other weights."""
    import hashlib
    import os

    meta = session.get_modelmeta().custom_metadata_map
    if "weights_sha256" not in meta:
        return
    source = os.path.join(os.path.dirname(os.path.abspath(path)), meta["weights_from"])
    with open(source, "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != meta["weights_sha256"]:
            raise ValueError(f"{path}: it reads its weights from {source}, which has changed since it was written: "
                             "export it again (export_onnx(..., weights_from=))")


def onnx_take(session, *, temperature=1.0, seed=0, sound_taps=True, **labels):
    """A ``predict`` for :func:`sklearn_groove.songs.predict_song`: a session of a one-network file plays a take.

    As :func:`sklearn_groove.songs.one_take` does with an estimator: each
    batch of windows is drawn with its own seed drawn from ``seed`` (same
    seed, same take, and the same as ``one_take`` plays with the model's
    estimator: both draw through ``_hvo.take_draws``). Temperature 0: the most likely
    performance. ``labels``: ``style`` and ``drummer``, for a file that
    takes them. ``predict(windows, prefix)`` goes on from the steps of
    ``prefix``, for a file that takes them (``blend="continue"``).
    ``sound_taps=False``: a tap may rest (a file that reads taps).
    """
    rng = np.random.default_rng(seed)

    def predict(windows, prefix=None):
        feed = onnx_feed(session, windows, temperature, seed=int(rng.integers(2**31 - 1)), prefix=prefix,
                         sound_taps=sound_taps, **labels)
        return session.run(None, feed)[0]

    return predict

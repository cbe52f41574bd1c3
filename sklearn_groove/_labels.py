"""Style and drummer labels of windows, with NumPy alone (the ONNX Runtime path imports no scikit-learn)."""

import numpy as np

__all__ = ["KINDS", "window_labels", "one_hot", "learned_by_all"]

#: The kinds of label a model can learn, in the order of their one-hot columns. Each kind is a keyword of
#: ``fit``, ``predict`` and ``sample_y`` and an option of the command line (``style``), a fitted attribute and a key
#: of the saved description and of an ONNX file's metadata (``styles_``, ``styles``); every place that reads labels
#: goes through this tuple.
KINDS = ("style", "drummer")


def learned_by_all(known):
    """The labels every part of a model learned, sorted: ``known`` holds each part's (None: it learned none)."""
    return sorted(set.intersection(*(set(k) for k in known))) if all(k is not None for k in known) else []


def window_labels(given, n, known, name):
    """``given`` (one label for all ``n`` windows, or one a window; None: that window has none) as an object array.

    A label outside ``known`` is refused with the known ones.
    """
    labels = np.asarray([given] * n if np.ndim(given) == 0 else given, dtype=object)
    if len(labels) != n:
        raise ValueError(f"{name} has {len(labels)} labels for {n} windows: give one, or one a window")
    unknown = sorted({str(x) for x in labels if x is not None} - {str(x) for x in known})
    if unknown:
        raise ValueError(f"{name} {unknown[0]!r} is not one this model learned; known: {', '.join(map(str, known))}")
    return labels


def one_hot(given, n, known, name):
    """(n, len(known)) float32: each window's label of :func:`window_labels` as one-hot (no label: zeros)."""
    out = np.zeros((n, len(known)), np.float32)
    if given is None:
        return out
    column = {str(k): i for i, k in enumerate(known)}
    for i, label in enumerate(window_labels(given, n, known, name)):
        if label is not None:
            out[i, column[str(label)]] = 1.0
    return out

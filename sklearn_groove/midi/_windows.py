"""Songs into windows of whole bars, and windows back into a song."""


import numpy as np

from .._hvo import STEPS_PER_BAR

__all__ = ["stitch_hvo", "window_hvo"]

def window_hvo(hvo, *, bars=2, hop_bars=1, pad_end=True, steps_per_bar=STEPS_PER_BAR):
    """Slice one song ``(n_steps, F)`` into windows of ``bars`` bars (of 4/4 by default).

    Windows start every ``hop_bars`` bars.

    Parameters
    ----------
    hvo : array-like of shape (n_steps, n_features)
    bars : int, default=2
    hop_bars : int, default=1
    pad_end : bool, default=True
        True: pad the end with silence so that the windows cover every step
        and no hit is lost. False: only windows that lie within the song's
        bars (the last bar counts once it has a step), as the dataset does;
        a song shorter than ``bars`` then gives no window.
    steps_per_bar : int, default=16
        16th notes a bar: 16 in 4/4, 12 in 3/4 and 6/8, 20 in 5/4.

    Returns
    -------
    windows : ndarray of shape (n_windows, bars * 16, n_features)
    start_bars : ndarray of shape (n_windows,)
        The bar (from 0) at which each window starts.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.midi import window_hvo
    >>> windows, start = window_hvo(np.zeros((70, 27)), bars=2, hop_bars=1)
    >>> windows.shape, start.tolist()   # 70 steps = 4 bars and 6 steps -> 5 bars
    ((4, 32, 27), [0, 1, 2, 3])
    """
    hvo = np.asarray(hvo, dtype=np.float32)
    if hvo.ndim != 2:
        raise ValueError(f"hvo must be one song (n_steps, n_features), got shape {hvo.shape}")
    for label, value in (("bars", bars), ("hop_bars", hop_bars), ("steps_per_bar", steps_per_bar)):
        if not (isinstance(value, (int, np.integer)) and value >= 1):
            raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
    n_bars = -(-len(hvo) // steps_per_bar)
    if pad_end:  # at least one window, and the last hop reaches the end
        n_bars = bars + -(-max(n_bars - bars, 0) // hop_bars) * hop_bars
    start_bars = np.arange(0, n_bars - bars + 1, hop_bars)
    padded = np.zeros((n_bars * steps_per_bar, hvo.shape[1]), dtype=np.float32)
    padded[: len(hvo)] = hvo
    index = (start_bars * steps_per_bar)[:, None] + np.arange(bars * steps_per_bar)
    return padded[index], start_bars


def stitch_hvo(windows, start_bars, n_steps, *, steps_per_bar=STEPS_PER_BAR, blend="mean"):
    """Put overlapping windows back into one song ``(n_steps, F)``.

    Where windows overlap (a hop shorter than a window), their values are
    blended with weights that rise from the edges of each window to its
    middle, so no window's edge, where a model sees least context, wins.

    Parameters
    ----------
    windows : array-like of shape (n_windows, window_steps, F)
    start_bars : array-like of shape (n_windows,)
        As returned by :func:`window_hvo`.
    n_steps : int
        Length of the song; windows are cut there.
    steps_per_bar : int, default=16
        As given to :func:`window_hvo`.
    blend : {"mean", "select"}, default="mean"
        "mean": the weighted mean of the windows that hold a step. "select":
        each step as the one window where it is furthest from the edge plays
        it (sampled takes: a mean of two draws would be too even).

    Returns
    -------
    ndarray of shape (n_steps, F), float32

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.midi import stitch_hvo, window_hvo
    >>> song = np.random.default_rng(0).random((70, 27)).astype(np.float32)
    >>> windows, start = window_hvo(song, bars=2, hop_bars=1)
    >>> bool(np.allclose(stitch_hvo(windows, start, 70), song))
    True
    """
    if blend not in ("mean", "select"):
        raise ValueError(f"blend must be 'mean' or 'select', got {blend!r}")
    windows = np.asarray(windows, dtype=np.float32)
    length = windows.shape[1]
    weight = np.minimum(np.arange(length) + 0.5, length - np.arange(length) - 0.5)[:, None]
    total = np.zeros((max(n_steps, int(np.max(start_bars, initial=0)) * steps_per_bar + length), windows.shape[2]))
    norm = np.zeros((len(total), 1))
    for window, start in zip(windows, np.asarray(start_bars) * steps_per_bar):
        if blend == "select":  # the window where the step is more central wins (ties: the earlier window)
            better = weight > norm[start : start + length]
            total[start : start + length] = np.where(better, window, total[start : start + length])
            norm[start : start + length] = np.where(better, weight, norm[start : start + length])
            continue
        total[start : start + length] += weight * window
        norm[start : start + length] += weight
    if blend == "select":
        return total[:n_steps].astype(np.float32)
    return (total / np.maximum(norm, 1e-12))[:n_steps].astype(np.float32)

"""Whole songs through 2-bar models: windows in, one blended performance out."""

import numpy as np

from ._hvo import check_hits, join_hvo, split_hvo
from .midi import stitch_hvo, window_hvo

__all__ = ["predict_song"]

_BATCH = 256


def predict_song(predict, song, *, hits=None, bars=2, progress=None):
    """Perform a song of any length with a model of fixed-length windows.

    The song is cut into windows of ``bars`` bars every bar (the end padded
    with silence), each window is performed by ``predict``, and the windows
    are blended back (:func:`~sklearn_groove.midi.stitch_hvo`): every step is
    played by the two windows that hold it, weighted towards the one where it
    is further from the edge. A hit is kept where that weighted vote is above
    one half, with the mean velocity and offset of the windows that play it.

    Parameters
    ----------
    predict : callable
        Maps windows ``(n, bars * 16, n_features)`` to performances
        ``(n, bars * 16, 27)``, such as a fitted model's ``predict``.
    song : array-like of shape (n_steps, n_features)
        The model's input for the whole song: a score, an hvo...
    hits : array-like of shape (n_steps, 9), default=None
        The hits to play (Humanization): they are the output's hits, whatever
        the windows voted.
    bars : int, default=2
        The window length the model was trained on.
    progress : callable ``progress(done, total)``, default=None
        Called after each batch of windows.

    Returns
    -------
    hvo : ndarray of shape (n_steps, 27)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import GrooveKNN, split_hvo
    >>> from sklearn_groove.songs import predict_song
    >>> rng = np.random.default_rng(0)
    >>> train_hits = (rng.random((40, 32, 9)) < 0.2).astype(np.float32)
    >>> train = np.concatenate([train_hits, train_hits * 0.8, train_hits * 0.1], axis=-1)
    >>> model = GrooveKNN(n_neighbors=3).fit(train_hits, train)
    >>> score = (rng.random((150, 9)) < 0.2).astype(np.float32)    # 9 bars and a bit
    >>> song = predict_song(model.predict, score, hits=score)
    >>> song.shape, bool((split_hvo(song)[0] == score).all())
    ((150, 27), True)
    """
    song = np.asarray(song, dtype=np.float32)
    if song.ndim != 2 or len(song) == 0:
        raise ValueError(f"song must be one song (n_steps, n_features) with at least one step, got {song.shape}")
    windows, start = window_hvo(song, bars=bars, hop_bars=1)
    out = []
    for i in range(0, len(windows), _BATCH):
        out.append(np.asarray(predict(windows[i : i + _BATCH]), dtype=np.float32))
        if progress is not None:
            progress(min(i + _BATCH, len(windows)), len(windows))
    h, v, o = split_hvo(np.concatenate(out))
    vote = stitch_hvo(h, start, len(song))
    # v and o are 0 where a window plays no hit: dividing by the vote averages them over the windows that do.
    played = np.maximum(vote, 1e-6)
    velocity = stitch_hvo(v, start, len(song)) / played
    offset = stitch_hvo(o, start, len(song)) / played
    if hits is None:
        hits = (vote > 0.5).astype(np.float32)
    else:
        hits = check_hits(hits)
        if hits.shape != vote.shape:
            raise ValueError(f"hits must have shape {vote.shape}, got {hits.shape}")
    return join_hvo(hits, np.clip(velocity, 0, 1), np.clip(offset, -0.5, 0.4999))

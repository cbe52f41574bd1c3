"""Quantile calibration of sampled performances: a small fitted object that a network's takes pass through."""

import numpy as np

from .._hvo import N_VOICES, split_hvo

__all__ = ["QuantileCalibration", "bar_repeat", "examples_of", "input_hits", "updated_hit_bias"]

#: The stored examples' velocities are whole 127ths (MIDI velocities) and their offsets whole 240ths of a 16th note
#: (a tick at 960 ticks a beat: the GMD's offsets are whole 120ths, exactly kept)
VELOCITY_UNITS, OFFSET_UNITS = 127, 240


def _tied_to_mean(source, target):
    """``(source, target)`` with the targets of equal source quantiles (such as many draws clipped at 1) averaged.

    A value the model plays often (a point mass) then maps to the middle of
    the drummers' values over the same quantiles, not to one end of them.
    """
    target = target.copy()
    _, run, counts = np.unique(source, return_inverse=True, return_counts=True)
    target[:] = (np.bincount(run, target) / counts)[run]
    return source, target


class QuantileCalibration:
    """Per voice, monotone maps that take a model's sampled velocities and offsets onto the drummers'.

    A Gaussian per note, clipped at 1, places accents unlike drummers, who
    play many notes at full velocity; mapped, sampled takes are told from
    the drummers' less often. The player applies :attr:`maps_` to sampled
    performances (``_modules.calibrate``), never at temperature 0.

    Parameters
    ----------
    n_quantiles : int, default=101

    Attributes
    ----------
    maps_ : ndarray of shape (2, 2, 9, n_quantiles), float32
        For the velocities and the offsets, per voice, quantiles of the
        sampled values and the same quantiles of the drummers'. A voice with
        fewer than two hits, sampled or played, keeps its values (an
        identity map).
    hit_bias_ : ndarray of shape (9,), float32, or None
        For a model that writes hits, added to each voice's hit logit (after
        the temperature) when hits are drawn, so that a take plays each voice
        as often as the drummers do (:func:`updated_hit_bias`); None: none.
    velocity_sharing_ : float
        The share of the variance of each voice's drawn velocities that a
        window's steps have in common (``calibrate(..., velocity_sharing=)``;
        0: each step drawn on its own).
    hit_repetition_ : float
        Added to a drawn hit's logit (after the temperature) where the
        window's bar before played that voice on that step, taken off where it
        did not (``calibrate(..., hit_repetition=)``; 0: none): a beat
        repeats itself from bar to bar as much as a drummer's.
    bar_repeat_ : float
        For a model that writes hits, the probability that a sampled window
        whose two bars have the same input hits (the same taps) plays its
        second bar's hits as its first's (``calibrate(...,
        repeat_bars=True)``; 0: none): a drummer plays a bar again exactly
        as often.
    neighbors_ : int
        Sampled takes of windows as long as the examples draw the voices the
        model writes from one of this many examples most like each window
        (``calibrate(..., neighbors=)``; 0: the network samples them).
    continuity_ : float
        The weight, in that choice, of how well an example's written hits
        agree with the steps already played (a song played window after
        window); its inputs' likeness weighs 1.
    examples_ : dict of ndarray, or None
        The examples (:func:`examples_of`): ``"hits"``, each one's input
        hits as bits (n, ceil(steps * hit columns / 8)) uint8;
        ``"velocities"`` (n, steps, written voices) uint8, in 127ths (0: no
        hit); ``"offsets"`` the same, int8, in 240ths of a 16th note (at most 119);
        ``"labels"`` (n, 2) int16, each one's style and drummer (-1: none).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import join_hvo
    >>> from sklearn_groove.neural._calibration import QuantileCalibration
    >>> h = (np.random.default_rng(0).random((8, 32, 9)) < 0.3).astype(np.float32)
    >>> QuantileCalibration().fit(join_hvo(h, h * 0.5, h * 0.0), join_hvo(h, h * 0.8, h * 0.1)).maps_.shape
    (2, 2, 9, 101)
    """

    def __init__(self, n_quantiles=101):
        self.n_quantiles = n_quantiles
        self.hit_bias_ = None
        self.velocity_sharing_ = 0.0
        self.hit_repetition_ = 0.0
        self.bar_repeat_ = 0.0
        self.neighbors_ = 0
        self.continuity_ = 0.0
        self.examples_ = None

    def fit(self, sampled, performed):
        """Learn the maps from a model's sampled performances onto the drummers' ``performed`` (hvo arrays)."""
        sampled, performed = split_hvo(sampled), split_hvo(performed)
        q = np.linspace(0, 1, self.n_quantiles)
        maps = np.zeros((2, 2, N_VOICES, self.n_quantiles))
        for part, (low, high) in ((1, (0.0, 1.0)), (2, (-0.5, 0.5))):  # velocities, offsets
            for k in range(N_VOICES):
                values = [hvo[part][..., k][hvo[0][..., k] > 0] for hvo in (sampled, performed)]
                identity = np.linspace(low, high, self.n_quantiles)
                maps[part - 1, :, k] = (identity, identity) if min(map(len, values)) < 2 else _tied_to_mean(
                    *(np.quantile(v, q) for v in values))
        self.maps_ = maps.astype(np.float32)
        return self


def updated_hit_bias(bias, sampled, performed, written):
    """Hit biases (9,) moved so that each ``written`` voice of the ``sampled`` take plays as often as ``performed``.

    Each voice's bias moves by the difference of the logits of its two hit
    rates (the share of steps it plays). A sampler's hits feed its next
    steps, so the rates follow the biases only roughly: a few such steps,
    each from a take played with the biases so far, match them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import join_hvo
    >>> from sklearn_groove.neural._calibration import updated_hit_bias
    >>> h = np.zeros((1, 4, 9), np.float32); h[0, :2, 0] = 1            # the kick on half the steps ...
    >>> drummers = np.zeros((1, 4, 9), np.float32); drummers[0, :1, 0] = 1    # ... where drummers play a quarter
    >>> bias = updated_hit_bias(np.zeros(9), join_hvo(h), join_hvo(drummers), np.ones(9, bool))
    >>> round(float(bias[0]), 3), float(bias[1])                           # log(1/3): the odds of 1/4 to 1/2
    (-1.099, 0.0)
    """
    rates = [np.clip(split_hvo(np.asarray(a, np.float32))[0].reshape(-1, N_VOICES).mean(axis=0), 1e-4, 1 - 1e-4)
             for a in (sampled, performed)]
    logit = [np.log(r / (1 - r)) for r in rates]
    return (np.asarray(bias, np.float32) + np.where(written, logit[1] - logit[0], 0.0)).astype(np.float32)


def input_hits(x):
    """(n, steps, features / 3) bool: where the inputs ``x`` (n, steps, features) play, their hits being their first
    third of features (an hvo's, or a tap track's); of a NumPy array or a torch tensor alike."""
    return x[..., : x.shape[-1] // 3] > 0


def _repeats(hits):
    """(n,) bool: the windows (n, steps, k) of 0/1 ``hits`` whose second bar is their first again."""
    bar = hits.shape[1] // 2
    return (hits[:, :bar] == hits[:, bar : 2 * bar]).all(axis=(1, 2))


def bar_repeat(X, sampled, performed, written):
    """The probability that makes as many ``sampled`` windows as ``performed`` ones play their second bar's
    ``written`` hits as their first's, among the windows whose input ``X`` has the same hits in both bars.

    A window of the take plays its bar again with that probability, or
    draws its second bar as before (so that it may repeat anyway): the
    probability ``(d - s) / (1 - s)`` where ``d`` and ``s`` are the shares of
    repeated bars of ``performed`` and ``sampled``; 0 where the take
    repeats as often already, or where no window's input repeats.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import join_hvo
    >>> from sklearn_groove.neural._calibration import bar_repeat
    >>> X = np.zeros((4, 4, 3), np.float32); X[:, ::2, 0] = 1    # the same taps in both bars of each window
    >>> h = np.zeros((4, 4, 9), np.float32); h[:, ::2, 0] = 1
    >>> drummers, take = h.copy(), h.copy()
    >>> drummers[:2, 3, 2] = 1                  # half the drummers' windows play a bar again ...
    >>> take[:, 3, 2] = 1                       # ... and none of the take's
    >>> bar_repeat(X, join_hvo(take), join_hvo(drummers), np.ones(9, bool))
    0.5
    """
    same = _repeats(input_hits(np.asarray(X)))
    if not same.any():
        return 0.0
    drummers, take = (_repeats(split_hvo(np.asarray(a, np.float32))[0][same][..., written] > 0).mean()
                      for a in (performed, sampled))
    return float(max(0.0, (drummers - take) / (1.0 - take))) if take < 1 else 0.0


def examples_of(X, y, written, labels=None):
    """The examples a calibration stores (:attr:`QuantileCalibration.examples_`) of inputs ``X`` and performances ``y``.

    ``X`` (n, steps, features): its hits are its first third of features
    (an hvo's, or a tap track's); ``written`` (9,) bool: the voices the
    model writes, of which ``y``'s velocities and offsets are kept in whole
    127ths and 240ths of a 16th; ``labels``: (n, 2) int, each window's style
    and drummer (-1: none), or None.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import join_hvo
    >>> h = np.zeros((1, 4, 9), np.float32); h[0, ::2, 2] = 1
    >>> y = join_hvo(h, h * 0.5, h * 0.1)
    >>> examples = examples_of(y, y, np.arange(9) == 2)
    >>> examples["velocities"][0, :, 0].tolist(), examples["offsets"][0, :, 0].tolist()
    ([64, 0, 64, 0], [24, 0, 24, 0])
    """
    X, y = np.asarray(X, np.float32), np.asarray(y, np.float32)
    hits = input_hits(X).reshape(len(X), -1)
    h, v, o = split_hvo(y)
    played = h[..., written] > 0
    return {
        "hits": np.packbits(hits, axis=1),
        "velocities": np.where(played, np.clip(np.rint(v[..., written] * VELOCITY_UNITS), 1, VELOCITY_UNITS), 0
                               ).astype(np.uint8),
        "offsets": np.where(played, np.clip(np.rint(o[..., written] * OFFSET_UNITS), -(OFFSET_UNITS // 2),
                                            OFFSET_UNITS // 2 - 1), 0).astype(np.int8),
        "labels": np.full((len(X), 2), -1, np.int16) if labels is None else np.asarray(labels, np.int16),
    }

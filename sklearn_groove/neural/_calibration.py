"""Quantile calibration of sampled performances: a small fitted object that a network's takes pass through."""

import numpy as np

from .._hvo import N_VOICES, split_hvo

__all__ = ["QuantileCalibration"]


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

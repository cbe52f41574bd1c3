"""The simplest Humanization baselines: quantized and linear (section 5.1)."""

from numbers import Real

import numpy as np
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.utils._param_validation import Interval

from .._base import GrooveHumanizer, flatten, unflatten
from .._hvo import split_hvo

__all__ = ["GrooveQuantized", "GrooveLinear"]


class GrooveQuantized(GrooveHumanizer):
    """Play the score on the grid at the training set's mean velocity.

    Offsets are 0; every hit gets the mean velocity of the training hits.

    Attributes
    ----------
    velocity_ : float
        Mean velocity of the hits of ``y``.
    n_features_in_ : int
        Steps per window seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import GrooveQuantized, join_hvo
    >>> h = np.zeros((2, 32, 9)); h[:, ::4, 0] = 1
    >>> y = join_hvo(h, h * np.array([0.4, 0.8])[:, None, None], h * 0.1)
    >>> model = GrooveQuantized().fit(h, y)
    >>> round(model.velocity_, 2), float(model.predict(h)[0, 0, 18])
    (0.6, 0.0)
    """

    _parameter_constraints = {}

    def _fit(self, hits, y):
        h, v, _ = split_hvo(y)
        self.velocity_ = float(v[h > 0].mean()) if h.any() else 0.0

    def _predict_vo(self, hits):
        return np.full_like(hits, self.velocity_), np.zeros_like(hits)


class GrooveLinear(GrooveHumanizer):
    """Linear regression of velocities and offsets on the hits (flattened).

    Each of the ``2 * n_steps * 9`` outputs is a linear function of the
    ``n_steps * 9`` hits of the window.

    Parameters
    ----------
    alpha : float, default=0.0
        L2 penalty; 0 is ordinary least squares (the paper's model), above 0
        is ridge regression.

    Attributes
    ----------
    regressor_ : LinearRegression or Ridge
    n_features_in_ : int
        Steps per window seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import GrooveLinear, join_hvo
    >>> rng = np.random.default_rng(0)
    >>> h = (rng.random((50, 32, 9)) < 0.3).astype(np.float32)
    >>> y = join_hvo(h, h * 0.5, h * 0.1)          # every note 0.1 late
    >>> out = GrooveLinear().fit(h, y).predict(h)
    >>> bool(np.allclose(out[..., 18:][h > 0], 0.1, atol=1e-4))
    True
    """

    _parameter_constraints = {"alpha": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, alpha=0.0):
        self.alpha = alpha

    def _fit(self, hits, y):
        _, v, o = split_hvo(y)
        self.regressor_ = LinearRegression() if self.alpha == 0 else Ridge(alpha=self.alpha)
        self.regressor_.fit(flatten(hits), flatten(np.concatenate([v, o], axis=-1)))

    def _predict_vo(self, hits):
        vo = unflatten(self.regressor_.predict(flatten(hits)), hits.shape[1])
        return np.split(vo, 2, axis=-1)

"""The MLP Humanization model of section 5.2.1, on scikit-learn's MLPRegressor."""

from numbers import Integral, Real

import numpy as np
from sklearn.neural_network import MLPRegressor
from sklearn.utils._param_validation import Interval

from .._base import GrooveHumanizer, flatten, unflatten
from .._hvo import split_hvo

__all__ = ["GrooveMLP"]


class GrooveMLP(GrooveHumanizer):
    """A multilayer perceptron from the hits to [H, V, O] (section 5.2.1).

    The flattened hits go in; the flattened hits, velocities and offsets come
    out, trained with squared error, ReLU units and Adam, as in the paper.
    The predicted hits are not used: the output keeps the input's hits.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(256,)
    alpha : float, default=1e-4
        L2 penalty.
    batch_size : int, default=256
    learning_rate_init : float, default=1e-3
    max_iter : int, default=200
        Epochs at most.
    early_stopping : bool, default=False
        Stop when the score on ``validation_fraction`` of the training set
        stops improving for ``n_iter_no_change`` epochs.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
    random_state : int, RandomState instance or None, default=None
    verbose : bool, default=False
        Print the loss of every epoch.

    Attributes
    ----------
    mlp_ : sklearn.neural_network.MLPRegressor
        The fitted network; ``mlp_.loss_curve_`` holds the training loss.
    n_features_in_ : int
        Steps per window seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import GrooveMLP, join_hvo
    >>> rng = np.random.default_rng(0)
    >>> h = (rng.random((64, 32, 9)) < 0.3).astype(np.float32)
    >>> y = join_hvo(h, h * 0.6, h * 0.1)
    >>> model = GrooveMLP(hidden_layer_sizes=(32,), max_iter=50, random_state=0).fit(h, y)
    >>> model.predict(h).shape
    (64, 32, 27)
    """

    _parameter_constraints = {
        "hidden_layer_sizes": [tuple, list],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(256,),
        alpha=1e-4,
        batch_size=256,
        learning_rate_init=1e-3,
        max_iter=200,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        random_state=None,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def _fit(self, hits, y):
        self.mlp_ = MLPRegressor(
            hidden_layer_sizes=tuple(self.hidden_layer_sizes),
            activation="relu",
            solver="adam",
            alpha=self.alpha,
            batch_size=min(self.batch_size, len(hits)),
            learning_rate_init=self.learning_rate_init,
            max_iter=self.max_iter,
            early_stopping=self.early_stopping,
            validation_fraction=self.validation_fraction,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            random_state=self.random_state,
            verbose=self.verbose,
        )
        self.mlp_.fit(flatten(hits), flatten(y))

    def _predict_vo(self, hits):
        _, v, o = split_hvo(unflatten(self.mlp_.predict(flatten(hits)).astype(np.float32), hits.shape[1]))
        return v, o

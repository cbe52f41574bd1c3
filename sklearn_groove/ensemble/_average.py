"""GrooveEnsemble: copies of one humanizer trained from different seeds, averaged."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval

from .._base import GrooveHumanizer
from .._hvo import split_hvo

__all__ = ["GrooveEnsemble"]


class GrooveEnsemble(GrooveHumanizer):
    """Humanize with several copies of one model, trained from different seeds.

    Networks trained from different seeds err in different places, so the
    mean of their performances is closer to the real one than each of them.
    Every copy keeps the score's hits; at temperature 0 the velocity and
    offset of each hit are the copies' means.

    Parameters
    ----------
    estimator : humanizer with a ``random_state`` parameter
        The model to copy, such as ``GrooveSeq2Seq(...)`` (unfitted; it is cloned).
    n_estimators : int, default=2
        Number of copies.
    temperature : float, default=0.0
        Set on the copies that have a temperature before they predict. 0:
        their performances are averaged. Above 0: each window is played by
        one copy chosen at random, at this temperature (a draw from the
        copies' mixture; a mean of draws would be too even).
    random_state : int, RandomState instance or None, default=None
        Copy ``i`` is fitted with ``random_state + i`` when this is an int,
        else with seeds drawn from it; it also chooses the copies and seeds
        their sampling above temperature 0.

    Attributes
    ----------
    estimators_ : list of fitted estimators
    n_features_in_ : int
        Steps per window seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import GrooveEnsemble, GrooveMLP, join_hvo
    >>> rng = np.random.default_rng(0)
    >>> h = (rng.random((64, 32, 9)) < 0.2).astype(np.float32)
    >>> y = join_hvo(h, h * 0.7, h * 0.1)
    >>> model = GrooveEnsemble(GrooveMLP(max_iter=20), n_estimators=3, random_state=0).fit(h, y)
    >>> [member.random_state for member in model.estimators_]
    [0, 1, 2]
    >>> model.predict(h).shape
    (64, 32, 27)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict", "get_params"])],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator, n_estimators=2, temperature=0.0, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.temperature = temperature
        self.random_state = random_state

    def _seeds(self):
        if isinstance(self.random_state, Integral):
            return [int(self.random_state) + i for i in range(self.n_estimators)]
        return check_random_state(self.random_state).randint(2**31 - 1, size=self.n_estimators).tolist()

    def fit(self, X, y, **fit_params):
        """Fit ``n_estimators`` clones of ``estimator``, each from its own seed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, 9) or (n_samples, n_steps, 27)
            Scores; of an hvo only the hits are read.
        y : array-like of shape (n_samples, n_steps, 27)
        **fit_params
            Passed to every clone's ``fit`` (such as ``X_val`` and ``y_val``).

        Returns
        -------
        self
        """
        X, y = self._validate_fit(X, y)
        if "random_state" not in self.estimator.get_params():
            raise ValueError(
                f"{type(self.estimator).__name__} has no random_state: its copies would all be the same model"
            )
        self.estimators_ = [
            clone(self.estimator).set_params(random_state=seed).fit(X, y, **fit_params) for seed in self._seeds()
        ]
        return self

    @staticmethod
    def _play(member, hits, temperature, seed=None):
        """``member.predict(hits)`` at ``temperature`` (and sampling seed), its parameters restored after."""
        params = member.get_params()
        changes = {} if "temperature" not in params else {"temperature": temperature}
        if changes and seed is not None:
            changes["random_state"] = seed
        member.set_params(**changes)
        try:
            return member.predict(hits)
        finally:
            member.set_params(**{k: params[k] for k in changes})

    def _predict_vo(self, hits):
        if self.temperature == 0:
            performances = [split_hvo(self._play(member, hits, 0.0)) for member in self.estimators_]
            return np.mean([v for _, v, _ in performances], axis=0), np.mean([o for _, _, o in performances], axis=0)
        rng = check_random_state(self.random_state)
        player = rng.randint(len(self.estimators_), size=len(hits))
        seeds = rng.randint(2**31 - 1, size=len(self.estimators_))
        out = np.zeros(hits.shape[:2] + (3 * hits.shape[2],), np.float32)
        for k, member in enumerate(self.estimators_):
            windows = np.flatnonzero(player == k)
            if len(windows):
                out[windows] = self._play(member, hits[windows], self.temperature, int(seeds[k]))
        _, velocities, offsets = split_hvo(out)
        return velocities, offsets

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.temperature > 0
        return tags

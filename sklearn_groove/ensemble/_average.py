"""GrooveEnsemble: several humanizers, their performances averaged."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from .._base import GrooveHumanizer, check_count, check_temperature, performed, sample_at
from .._hvo import bar_rotations, split_hvo, take_draws, take_seeds

__all__ = ["GrooveEnsemble"]


def _nonempty(estimators):
    """``estimators``, or a ValueError where the list is empty."""
    if not estimators:
        raise ValueError("estimators is empty: a GrooveEnsemble needs at least one member")
    return estimators


def _check_sampler(sampler, estimators):
    """``sampler``, or a ValueError where it names no member of ``estimators``."""
    if sampler is not None and sampler >= len(estimators):
        raise ValueError(f"sampler={sampler} names no member: there are {len(estimators)} estimators, so pass an "
                         f"index from 0 to {len(estimators) - 1}, or None to draw one per window")
    return sampler


class GrooveEnsemble(GrooveHumanizer):
    """Humanize with several models at once: the mean of their performances.

    Models that err in different places (different seeds, or decoders of
    different kinds) make a mean performance closer to the real one than
    each of them. Every member keeps the score's hits; at temperature 0 the
    velocity and offset of each hit are the members' means.

    Parameters
    ----------
    estimators : list of humanizers
        The members, unfitted (``fit`` fits a clone of each): estimators that
        map a score to a performance, such as ``GrooveSeq2Seq`` with
        different ``random_state`` or ``autoregressive`` settings.
    temperature : float, default=0.0
        Set on the members that have a temperature before they predict.
        0: their performances are averaged. Above 0: each window is played by
        one member chosen at random, at this temperature (a draw from the
        members' mixture; a mean of draws would be too even).
    rotate_bars : bool, default=False
        At temperature 0, each member also plays every window rotated by
        each whole bar (a 2-bar window A B as B A), the performance is
        rotated back, and all are averaged. Each bar is then also played
        after the other bar instead of first in the window, which a decoder
        that reads the steps in order sees only one way. Needs windows of
        whole bars of 4/4, or an even number of steps, taken as two bars of
        another meter (24: 3/4); no effect above temperature 0.
    sampler : int or None, default=None
        Above temperature 0, the member that plays every window: its index
        in ``estimators``. None: each window is played by a member drawn at
        random. A member with an autoregressive decoder, which plays each
        step knowing the steps it already played, gives takes that a
        classifier tells from drummers' less often than a parallel one (see
        the user guide). No effect at temperature 0.
    random_state : int, RandomState instance or None, default=None
        Chooses the member of each window and seeds its sampling above
        temperature 0. The members keep their own ``random_state`` for fitting.

    Attributes
    ----------
    estimators_ : list of fitted estimators
        The fitted clones, in the order of ``estimators``.
    n_features_in_ : int
        Steps per window seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import GrooveEnsemble, GrooveMLP, join_hvo
    >>> rng = np.random.default_rng(0)
    >>> h = (rng.random((64, 32, 9)) < 0.2).astype(np.float32)
    >>> y = join_hvo(h, h * 0.7, h * 0.1)
    >>> members = [GrooveMLP(max_iter=20, random_state=seed) for seed in (0, 1, 2)]
    >>> model = GrooveEnsemble(members).fit(h, y)
    >>> len(model.estimators_), model.predict(h).shape
    (3, (64, 32, 27))
    >>> rotated = model.set_params(rotate_bars=True).predict(h)
    >>> bool((rotated[..., :9] == h).all())
    True
    """

    _parameter_constraints = {
        "estimators": [list],
        "temperature": [Interval(Real, 0, None, closed="left")],
        "rotate_bars": ["boolean"],
        "sampler": [Interval(Integral, 0, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, estimators, temperature=0.0, rotate_bars=False, sampler=None, random_state=None):
        self.estimators = estimators
        self.temperature = temperature
        self.rotate_bars = rotate_bars
        self.sampler = sampler
        self.random_state = random_state

    def fit(self, X, y, **fit_params):
        """Fit a clone of every member.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, 9) or (n_samples, n_steps, 27)
            Scores; of an hvo only the hits are read.
        y : array-like of shape (n_samples, n_steps, 27)
        **fit_params
            Passed to every member's ``fit`` (such as ``X_val`` and ``y_val``).

        Returns
        -------
        self
        """
        X, y = self._validate_fit(X, y)
        bar_rotations(X.shape[1], self.rotate_bars)  # a ValueError unless the windows are whole bars
        _check_sampler(self.sampler, self.estimators)
        for member in _nonempty(self.estimators):
            if not (hasattr(member, "fit") and hasattr(member, "predict")):
                raise ValueError(f"every member needs fit and predict, got {member!r}")
        self.estimators_ = [clone(member).fit(X, y, **fit_params) for member in self.estimators]
        return self

    @classmethod
    def from_fitted(cls, estimators, **params):
        """An ensemble of members fitted elsewhere, such as networks trained one by one.

        Parameters
        ----------
        estimators : list of fitted humanizers
            They become ``estimators_``; unfitted clones of them become ``estimators``.
        **params
            ``temperature``, ``rotate_bars``, ``sampler`` and ``random_state``.

        Returns
        -------
        GrooveEnsemble, fitted

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_groove import GrooveEnsemble, GrooveLinear, GrooveMLP, join_hvo
        >>> h = (np.random.default_rng(0).random((64, 32, 9)) < 0.2).astype(np.float32)
        >>> y = join_hvo(h, h * 0.7, h * 0.1)
        >>> fitted = [GrooveLinear().fit(h, y), GrooveMLP(max_iter=20, random_state=0).fit(h, y)]
        >>> GrooveEnsemble.from_fitted(fitted).predict(h).shape
        (64, 32, 27)
        """
        for member in _nonempty(estimators):
            check_is_fitted(member)
        steps = {member.n_features_in_ for member in estimators}
        if len(steps) != 1:
            raise ValueError(f"the members were fitted on windows of different lengths: {sorted(steps)} steps")
        ensemble = cls([clone(member) for member in estimators], **params)
        ensemble.estimators_, ensemble.n_features_in_ = list(estimators), steps.pop()
        bar_rotations(ensemble.n_features_in_, ensemble.rotate_bars)
        _check_sampler(ensemble.sampler, estimators)
        return ensemble

    def predict(self, X, *, style=None, drummer=None):
        """Perform scores: the members' mean performance (temperature 0), or one member's a window.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, 9) or (n_samples, n_steps, 27)
        style, drummer : str or array-like of shape (n_samples,), default=None
            Passed to the members that were fitted with them.

        Returns
        -------
        hvo : ndarray of shape (n_samples, n_steps, 27), float32
        """
        check_is_fitted(self)
        seed = take_seeds(self.random_state)[0] if check_temperature(self.temperature) > 0 else None
        return self._play(X, self.temperature, seed, style, drummer)

    def sample_y(self, X, n_samples=1, random_state=None, *, temperature=1.0, style=None, drummer=None):
        """Sampled performances (takes) of scores, as scikit-learn's ``GaussianProcessRegressor.sample_y``.

        In each take, each window is played by one member (``sampler``, or
        one drawn from the take's seed) at ``temperature``; the ensemble's
        own ``temperature`` and ``random_state`` are neither read nor changed.
        The first take from a seed is the one ``set_params(temperature=t,
        random_state=seed).predict(X)`` plays. At temperature 0 every take is
        the members' mean.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_steps, 9) or (n_windows, n_steps, 27)
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
        temperature : float, default=1.0
        style, drummer : str or array-like of shape (n_windows,), default=None
            Passed to the members that were fitted with them.

        Returns
        -------
        takes : ndarray of shape (n_windows, n_steps, 27, n_samples), float32
        """
        check_is_fitted(self)
        check_count(n_samples, "n_samples")
        if check_temperature(temperature) == 0:
            return np.stack([self._play(X, 0.0, None, style, drummer)] * n_samples, axis=-1)
        return np.stack([self._play(X, temperature, seed, style, drummer)
                         for seed in take_seeds(random_state, n_samples)], axis=-1)

    def _play(self, X, temperature, seed, style=None, drummer=None):
        """The performance of scores ``X`` at ``temperature``, drawn from ``seed``: networks through the one player
        (as their ONNX file plays), other members by their own ``predict``."""
        hits = self._validate_X(X, reset=False)
        _check_sampler(self.sampler, self.estimators_)
        temperature = check_temperature(temperature)
        if self._networks():
            from ..neural._player import EnsemblePlayer, NetworkPlayer, play

            player = EnsemblePlayer([NetworkPlayer(m) for m in self.estimators_], self.rotate_bars, self.sampler)
            labels = [m._labels(len(hits), style=style, drummer=drummer) for m in self.estimators_]
            _, velocities, offsets = split_hvo(play(player, hits, temperature, seed, len(self.estimators_),
                                                    labels=labels))
        elif temperature == 0:
            velocities, offsets = self._mean_performance(hits, {"style": style, "drummer": drummer})
        else:
            velocities, offsets = self._take(hits, temperature, seed, {"style": style, "drummer": drummer})
        return performed(hits, velocities, offsets)

    def _networks(self):
        """Whether every member is a GrooveSeq2Seq network: the ensemble then plays as one torch module."""
        from ..neural import GrooveSeq2Seq

        return all(isinstance(m, GrooveSeq2Seq) for m in self.estimators_)

    def _mean_performance(self, hits, labels):
        """Velocities and offsets: the mean over members and bar rotations."""
        shifts = bar_rotations(hits.shape[1], self.rotate_bars)
        views = np.concatenate([np.roll(hits, -shift, axis=1) for shift in shifts])
        tiled = {k: v if v is None or np.ndim(v) == 0 else np.tile(np.asarray(v), len(shifts)) for k, v in labels.items()}
        performances = [split_hvo(sample_at(member, views, 0.0, labels=tiled)) for member in self.estimators_]
        means = []
        for part in (1, 2):  # velocities, offsets
            mean = np.mean([p[part] for p in performances], axis=0).reshape((len(shifts),) + hits.shape)
            means.append(np.mean([np.roll(m, shift, axis=1) for m, shift in zip(mean, shifts)], axis=0))
        return tuple(means)

    def _take(self, hits, temperature, seed, labels):
        """Velocities and offsets of one take: each window played by its member (``sampler``, or drawn from
        ``seed``) at ``temperature``."""
        member, _ = next(take_draws(seed, len(hits), 0, len(self.estimators_)))
        if self.sampler is not None:
            member[:] = self.sampler
        out = np.zeros(hits.shape[:2] + (3 * hits.shape[2],), np.float32)
        for k, estimator in enumerate(self.estimators_):
            windows = np.flatnonzero(member == k)
            if len(windows):
                chosen = {k_: v if v is None or np.ndim(v) == 0 else np.asarray(v)[windows] for k_, v in labels.items()}
                out[windows] = sample_at(estimator, hits[windows], temperature, seed, chosen)
        return split_hvo(out)[1:]

    @property
    def _reads_any_length(self):
        return all(getattr(member, "_reads_any_length", False) for member in getattr(self, "estimators_", []))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.temperature > 0
        return tags

"""The estimators' bases: ``GrooveEstimator`` (any input to a performance) and ``GrooveHumanizer``.

A ``GrooveEstimator`` maps 3-D windows to performances, hvo arrays
(n_samples, n_steps, 27), and is scored by the timing MAE. A
``GrooveHumanizer`` maps a score ``X`` (n_samples, n_steps, 9), or an hvo of
which only the hits are read, to a performance whose hits are exactly
``X``'s hits; its subclasses implement ``_fit(hits, y)`` and
``_predict_vo(hits) -> (velocities, offsets)``.

Note on ``n_features_in_``: scikit-learn counts features on axis 1, which
here is the number of steps; an estimator fitted on 2-bar windows predicts
2-bar windows.
"""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._hvo import MAX_OFFSET, N_VOICES, check_hits, check_hvo, check_temperature, hits_of, join_hvo
from ._labels import window_labels
from .metrics import timing_mae_ms

__all__ = [
    "GrooveEstimator",
    "GrooveHumanizer",
    "check_count",
    "check_temperature",
    "fit_labels",
    "flatten",
    "last_step",
    "performed",
    "sample_at",
    "reads_any_length",
    "unflatten",
    "validate_hits",
    "validate_inputs",
    "validate_windows",
    "window_labels",
]


def flatten(a):
    """``(n, n_steps, k)`` -> ``(n, n_steps * k)``."""
    return a.reshape(len(a), -1)


def unflatten(a, n_steps):
    """``(n, n_steps * k)`` -> ``(n, n_steps, k)``; inverse of :func:`flatten`."""
    return a.reshape(len(a), n_steps, -1)


class GrooveEstimator(BaseEstimator):
    """Base class of every model of performances: 3-D windows in, hvo performances out.

    It checks pairs of inputs and performances, scores by the timing MAE and
    sets the tags of 3-D input; it promises nothing about the hits, which a
    subclass may write itself (Infilling, Tap2Drum). Subclasses implement
    ``_validate_X(X, reset)``, ``fit`` and ``predict``.
    """

    def _validate_fit(self, X, y):
        self._validate_params()
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        return self._check_pair(X, y, reset=True)

    def _check_pair(self, X, y, reset):
        """Validated ``X`` (what ``_validate_X`` returns) and hvo ``y`` of matching samples and steps."""
        X = self._validate_X(X, reset=reset)
        y = check_hvo(y, name="y")
        if y.shape[:2] != X.shape[:2]:
            raise ValueError(f"X and y must have the same samples and steps, got {X.shape[:2]} and {y.shape[:2]}")
        return X, y

    def score(self, X, y, bpm=120.0):
        """Minus the timing MAE (ms) of ``predict(X)`` against ``y``: higher is better.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features)
        y : array-like of shape (n_samples, n_steps, 27)
        bpm : float or array-like of shape (n_samples,), default=120.0

        Returns
        -------
        float
        """
        return -timing_mae_ms(y, self.predict(X), bpm=bpm)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        return tags


def validate_windows(estimator, X, reset, features="9 or 27"):
    """``X`` as float32 windows (n_samples, n_steps, n_features), with scikit-learn's checks.

    In ``fit`` (``reset``) scikit-learn's own checks (dtype, finiteness,
    complex, sparse, empty) come first; afterwards the windows must have the
    fitted number of steps (``n_features_in_``). ``features`` describes the
    last axis in the error for an input that is not 3-D.
    """
    if reset:
        X = validate_data(estimator, X, reset=True, allow_nd=True, dtype=np.float32)
    shape = np.shape(X)
    if len(shape) != 3:
        raise ValueError(f"X must be a 3-D array (n_samples, n_steps, {features}), got shape {shape}")
    if shape[1] == 0:
        raise ValueError(f"X has 0 steps, shape {shape}: give windows of at least one step")
    if not reset:
        if shape[1] == estimator.n_features_in_:
            return validate_data(estimator, X, reset=False, allow_nd=True, dtype=np.float32)
        if not reads_any_length(estimator):
            raise ValueError(
                f"X has {shape[1]} steps, but {type(estimator).__name__} was fitted on "
                f"windows of {estimator.n_features_in_} steps"
            )
        X = check_array(X, allow_nd=True, dtype=np.float32)  # a network that reads windows of any length
    return X


def fit_labels(labels, n, name):
    """(sorted distinct labels, labels as str) of ``n`` training windows, or (None, None) where none are given.

    A window whose label is None has none: it is learned as unlabelled, and None is no label of the model.
    """
    if labels is None:
        return None, None
    labels = np.asarray(labels, dtype=object)
    if labels.shape != (n,):
        raise ValueError(f"{name} must have one label a window ({n}), got shape {labels.shape}")
    named = np.array([x is not None for x in labels], dtype=bool)
    labels[named] = [str(x) for x in labels[named]]
    if not named.any():
        raise ValueError(f"{name} labels no window: give at least one label, or {name}=None")
    return np.unique(labels[named].astype(str)), labels


def check_count(value, name, low=1):
    """A ValueError unless ``value`` (such as the takes ``sample_y`` draws, ``n_samples``) is a whole number, ``low``
    or more (not a bool)."""
    if isinstance(value, bool) or not (isinstance(value, Integral) and value >= low):
        raise ValueError(f"{name} must be a whole number, {low} or more, got {value!r}")
    return int(value)


def sample_at(estimator, X, temperature, random_state=None, labels=None, prefix=None, sound_taps=True):
    """One take of ``X`` by ``estimator`` at ``temperature``, drawn from ``random_state``; its labels.

    A model that samples plays it with ``sample_y`` (nothing of the model is
    changed), going on from ``prefix`` where given; one without a
    temperature (nearest neighbours, linear maps) predicts as it is (it
    never gets a prefix: only takes go on from one). Labels that are None
    are not passed. ``sound_taps=False``: a tap may rest (a model that reads taps).
    """
    labels = {k: v for k, v in (labels or {}).items() if v is not None}
    if hasattr(estimator, "sample_y"):
        extra = ({} if prefix is None else {"prefix": prefix}) | ({} if sound_taps else {"sound_taps": False})
        return estimator.sample_y(X, 1, random_state, temperature=temperature, **labels, **extra)[..., 0]
    return estimator.predict(X, **labels)


def last_step(model):
    """The estimator that plays ``model``: a pipeline's last step, else ``model`` itself."""
    return model.steps[-1][1] if hasattr(model, "steps") else model


def reads_any_length(model):
    """Whether a fitted model (or a pipeline's last step) plays windows of other lengths than it was fitted on.

    Recurrent networks do; models that compare whole windows (nearest
    neighbours, linear maps) do not.
    """
    return bool(getattr(last_step(model), "_reads_any_length", False))


def validate_inputs(estimator, X, reset, features="n_features"):
    """:func:`validate_windows`, and in ``predict`` the features per step seen in ``fit`` (``n_input_features_``).

    Hits must be 0 or 1: of a score (9 features a step) all of them, of an hvo
    or taps (27 or 3) the first third, whose velocities and offsets must be
    0 where there is no hit.
    """
    X = validate_windows(estimator, X, reset, features)
    if not reset and X.shape[-1] != estimator.n_input_features_:
        raise ValueError(
            f"X has {X.shape[-1]} features per step, but {type(estimator).__name__} was fitted with "
            f"{estimator.n_input_features_}"
        )
    if X.shape[-1] % 3 == 0 and X.shape[-1] != N_VOICES:
        check_hvo(X, n_voices=None, name="X")
    else:
        check_hits(X[..., :N_VOICES], name="X hits")
    if reset:
        estimator.n_input_features_ = X.shape[-1]
    return X


def validate_hits(estimator, X, reset):
    """The hits of ``X`` (a score or an hvo), with scikit-learn's checks and the window length fitted."""
    return hits_of(validate_windows(estimator, X, reset), name="X")


def performed(hits, velocities, offsets):
    """The hvo of ``hits`` played with ``velocities`` and ``offsets``, each clipped to its range."""
    return join_hvo(hits, np.clip(velocities, 0.0, 1.0), np.clip(offsets, -0.5, MAX_OFFSET))


class GrooveHumanizer(GrooveEstimator):
    """Base class of the Humanization estimators (score -> performance): the output keeps the input's hits."""

    def _validate_X(self, X, reset):
        return validate_hits(self, X, reset)

    def fit(self, X, y):
        """Fit the model on scores and their performances.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, 9) or (n_samples, n_steps, 27)
            Scores; of an hvo only the hits are read.
        y : array-like of shape (n_samples, n_steps, 27)
            The performances (hvo).

        Returns
        -------
        self
        """
        self._fit(*self._validate_fit(X, y))
        return self

    def predict(self, X):
        """Perform scores: velocities and offsets for every hit of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, 9) or (n_samples, n_steps, 27)

        Returns
        -------
        hvo : ndarray of shape (n_samples, n_steps, 27), float32
            Its hits are exactly ``X``'s hits; velocity and offset are 0 elsewhere.
        """
        return self._perform(X)

    def _perform(self, X, **labels):
        """``predict``, with the per-window labels (style, drummer) of the models that read them."""
        check_is_fitted(self)
        hits = self._validate_X(X, reset=False)
        return performed(hits, *self._predict_vo(hits, **labels))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True  # hits are 0 or 1
        return tags

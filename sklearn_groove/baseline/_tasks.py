"""Baselines of the tasks whose models write hits: Infilling and Tap2Drum (the paper's section 6.3 compares against them).

The input decides the task, as for ``GrooveSeq2Seq``: an hvo with a voice
removed (``VoiceRemover``, 27 features a step) is infilled with ``voice``;
taps (``Tapper``, 3 features a step) become a beat.
"""

import numpy as np
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from .._base import GrooveEstimator, validate_inputs
from .._hvo import N_VOICES, VOICES, join_hvo, split_hvo
from ..neighbors import top_k_similar

__all__ = ["GrooveMostFrequent", "GrooveNearestWindow"]

_N_TAP_FEATURES = 3


class _TaskBaseline(GrooveEstimator):
    _parameter_constraints = {"voice": [StrOptions(set(VOICES))]}

    def __init__(self, voice="closed_hihat"):
        self.voice = voice

    def _validate_X(self, X, reset):
        X = validate_inputs(self, X, reset, features="27 or 3")
        if X.shape[-1] not in (3 * N_VOICES, _N_TAP_FEATURES):
            raise ValueError(
                f"X must be an hvo with a voice removed (n, n_steps, 27) or taps (n, n_steps, 3), got shape {X.shape}"
            )
        return X

    def fit(self, X, y):
        """Learn from inputs ``X`` (an hvo with ``voice`` removed, or taps) and the performances ``y``.

        Returns
        -------
        self
        """
        X, y = self._validate_fit(X, y)
        self._fit(X, y)
        return self

    def predict(self, X):
        """The input with ``voice`` written (an hvo input), or a beat on the taps (a taps input).

        Returns
        -------
        hvo : ndarray of shape (n_samples, n_steps, 27), float32
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._infill(X) if self.n_input_features_ == 3 * N_VOICES else self._drum(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = False  # offsets are signed
        return tags


class GrooveMostFrequent(_TaskBaseline):
    """The most frequent part of the training performances.

    Infilling: the training split's most frequent non-empty pattern of
    ``voice``, at the mean velocity and offset (per step) of the windows that
    have it. Tap2Drum: on each tapped step, the voice combination most often
    played on that step of a window when it is tapped, at its mean
    velocities, with the tap's offset.

    Parameters
    ----------
    voice : str, default="closed_hihat"
        The voice written for an hvo input (Infilling).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import join_hvo
    >>> from sklearn_groove.baseline import GrooveMostFrequent
    >>> from sklearn_groove.preprocessing import Tapper
    >>> h = (np.random.default_rng(0).random((40, 32, 9)) < 0.3).astype(np.float32)
    >>> y = join_hvo(h, 0.8 * h, 0.05 * h)
    >>> taps = Tapper().fit_transform(y)
    >>> GrooveMostFrequent().fit(taps, y).predict(taps).shape
    (40, 32, 27)
    """

    def _fit(self, X, y):
        h, v, o = split_hvo(y)
        if X.shape[-1] == 3 * N_VOICES:
            j = VOICES.index(self.voice)
            patterns = h[..., j] > 0
            nonempty = patterns[patterns.any(axis=1)]
            if not len(nonempty):
                raise ValueError(f"no training performance plays {self.voice}")
            unique, counts = np.unique(nonempty, axis=0, return_counts=True)
            self.pattern_ = unique[np.argmax(counts)].astype(np.float32)
            same = (patterns == self.pattern_).all(axis=1)
            self.velocity_, self.offset_ = v[same, :, j].mean(axis=0), o[same, :, j].mean(axis=0)
            return
        code = (h > 0).astype(np.int64) @ (1 << np.arange(N_VOICES))  # the voice combination of each step
        n_steps = h.shape[1]
        best = np.zeros(n_steps, dtype=np.int64)
        self.velocity_ = np.zeros((n_steps, N_VOICES), dtype=np.float32)
        for t in range(n_steps):
            tapped = code[:, t] > 0
            if not tapped.any():
                continue
            combos, counts = np.unique(code[tapped, t], return_counts=True)
            best[t] = combos[np.argmax(counts)]
            self.velocity_[t] = v[tapped, t][code[tapped, t] == best[t]].mean(axis=0)
        self.pattern_ = ((best[:, None] >> np.arange(N_VOICES)) & 1).astype(np.float32)

    def _infill(self, X):
        j = VOICES.index(self.voice)
        h, v, o = (a.copy() for a in split_hvo(X))
        h[..., j], v[..., j], o[..., j] = self.pattern_, self.velocity_, self.offset_
        return join_hvo(h, v, o)

    def _drum(self, taps):
        tap, _, offset = split_hvo(taps)
        velocity = np.broadcast_to(self.velocity_, tap.shape[:2] + (N_VOICES,))
        return join_hvo(tap * self.pattern_, velocity, np.repeat(offset, N_VOICES, axis=-1))


class GrooveNearestWindow(_TaskBaseline):
    """Copy from the training window whose input has most hits in common with the input (Hadamard similarity).

    Infilling: that window's ``voice``. Tap2Drum: its drums on the tapped
    steps, with the taps' offsets.

    Parameters
    ----------
    voice : str, default="closed_hihat"
        The voice written for an hvo input (Infilling).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import join_hvo
    >>> from sklearn_groove.baseline import GrooveNearestWindow
    >>> from sklearn_groove.preprocessing import VoiceRemover
    >>> h = (np.random.default_rng(0).random((40, 32, 9)) < 0.3).astype(np.float32)
    >>> y = join_hvo(h, 0.8 * h, 0.05 * h)
    >>> X = VoiceRemover().fit_transform(y)
    >>> bool((GrooveNearestWindow().fit(X, y).predict(X) == y).all())   # each window's own hi-hat
    True
    """

    def _fit(self, X, y):
        self.train_hits_, self.train_y_ = split_hvo(X)[0], y

    def _nearest(self, X):
        return self.train_y_[top_k_similar(split_hvo(X)[0], self.train_hits_, 1)[:, 0]]

    def _infill(self, X):
        columns = [VOICES.index(self.voice) + k * N_VOICES for k in range(3)]
        out = X.copy()
        out[..., columns] = self._nearest(X)[..., columns]
        return out

    def _drum(self, taps):
        tap, _, offset = split_hvo(taps)
        h, v, _ = split_hvo(self._nearest(taps))
        return join_hvo(h * tap, v, np.repeat(offset, N_VOICES, axis=-1))

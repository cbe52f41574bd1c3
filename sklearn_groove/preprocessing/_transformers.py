"""The inverse-sequence transformations of the paper, as stateless transformers."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import validate_data

from .._hvo import VOICES, check_hvo, check_voices, join_hvo, split_hvo

__all__ = ["Quantizer", "VoiceRemover", "Tapper"]


class _HVOTransformer(TransformerMixin, BaseEstimator):
    """Shared parts: validation of hvo input, stateless fit, tags."""

    _parameter_constraints = {}

    def _validate(self, X, reset):
        X = validate_data(self, X, reset=reset, allow_nd=True, dtype=np.float32, ensure_2d=False)
        return check_hvo(X, name="X")

    def fit(self, X, y=None):
        """Check ``X`` and the parameters; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, 27)
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        self._validate(X, reset=True)
        return self

    def transform(self, X):
        """Apply the transformation to the hvo array ``X`` (n_samples, n_steps, 27)."""
        self._validate_params()
        return self._transform(self._validate(X, reset=False))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.three_d_array = True
        return tags


class Quantizer(_HVOTransformer):
    """Remove microtiming and dynamics: the score of a performance.

    Velocities and offsets become 0; hits are kept. Its inverse is
    Humanization.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.preprocessing import Quantizer
    >>> hvo = np.zeros((1, 32, 27), dtype=np.float32)
    >>> hvo[0, 0, [0, 9, 18]] = 1, 0.7, -0.1   # an early kick
    >>> Quantizer().fit_transform(hvo)[0, 0, [0, 9, 18]].tolist()
    [1.0, 0.0, 0.0]
    """

    def _transform(self, X):
        return join_hvo(split_hvo(X)[0])


class VoiceRemover(_HVOTransformer):
    """Remove some voices entirely (hits, velocities and offsets).

    Its inverse is Infilling.

    Parameters
    ----------
    voices : tuple of str, default=("closed_hihat",)
        Names from :data:`sklearn_groove.VOICES`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.preprocessing import VoiceRemover
    >>> hvo = np.zeros((1, 32, 27), dtype=np.float32)
    >>> hvo[0, :, 2] = 1                      # closed hi-hat on every step
    >>> VoiceRemover().fit_transform(hvo)[..., 2].sum()
    np.float32(0.0)
    """

    _parameter_constraints = {"voices": [tuple, list, StrOptions(set(VOICES))]}

    def __init__(self, voices=("closed_hihat",)):
        self.voices = voices

    def _columns(self):
        return check_voices(self.voices)

    def fit(self, X, y=None):
        super().fit(X, y)
        self._columns()
        return self

    def _transform(self, X):
        h, v, o = (a.copy() for a in split_hvo(X))
        columns = self._columns()
        h[..., columns] = 0
        return join_hvo(h, v, o)


class Tapper(_HVOTransformer):
    """Collapse all voices into one tapped track.

    A step is tapped where any voice is hit, with the offset of that step's
    loudest note (ties: the first voice in :data:`~sklearn_groove.VOICES`)
    and, with ``velocity="loudest"``, its velocity; drum identity is dropped.
    The output is a one-voice hvo ``(n_samples, n_steps, 3)``: tap,
    velocity and offset. Its inverse is Tap2Drum.

    Parameters
    ----------
    velocity : {"loudest", "none"}, default="loudest"
        "loudest": a tap is as loud as the step's loudest note, so that a
        model learns to play a soft tap softly and an accent loud. "none":
        every tap has velocity 0, as in the paper (and the models saved
        before this option, which read no velocity).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.preprocessing import Tapper
    >>> hvo = np.zeros((1, 32, 27), dtype=np.float32)
    >>> hvo[0, 0, [0, 9, 18]] = 1, 0.75, 0.125    # loud kick, late
    >>> hvo[0, 0, [1, 10, 19]] = 1, 0.25, -0.25   # soft snare, early
    >>> Tapper().fit_transform(hvo)[0, 0].tolist()
    [1.0, 0.75, 0.125]
    >>> Tapper(velocity="none").fit_transform(hvo)[0, 0].tolist()
    [1.0, 0.0, 0.125]
    """

    _parameter_constraints = {"velocity": [StrOptions({"loudest", "none"})]}

    def __init__(self, velocity="loudest"):
        self.velocity = velocity

    def _transform(self, X):
        h, v, o = split_hvo(X)
        loudest = np.argmax(np.where(h > 0, v, -1.0), axis=-1)[..., None]
        tap = h.max(axis=-1, keepdims=True)
        velocity = np.take_along_axis(v, loudest, axis=-1) * tap if self.velocity == "loudest" else None
        return join_hvo(tap, velocity, np.take_along_axis(o, loudest, axis=-1))

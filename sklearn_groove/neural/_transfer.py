"""GrooveTransfer: a variational Seq2Seq whose decoder also reads the score (section 5.2.3)."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from .._base import flatten, validate_hits
from .._hvo import check_hvo
from ..neighbors import top_k_similar
from ._recurrent import _GrooveRecurrent, document

__all__ = ["GrooveTransfer"]


@document
class GrooveTransfer(_GrooveRecurrent):
    """Groove Transfer: a variational Seq2Seq whose decoder also reads the score (section 5.2.3).

    The encoder reads a whole performance (hits, velocities, offsets) into a
    groove embedding z, pushed towards a standard normal by a KL term
    (weight ``beta``); the decoder gets z and, at every step, the hits it must
    play. So z keeps the groove and the score comes from the decoder's input
    (the loss is the velocity and offset error and the KL term: the hits are
    given, so unlike the paper there is no hit term):
    :meth:`transfer` plays one beat's score with another's groove, and
    :meth:`predict` humanizes a score with the mean groove of the
    ``n_neighbors`` training windows with most hits in common.

    Parameters
    ----------
    beta : float, default=0.2
        Weight of the KL term.
    n_neighbors : int, default=3
        Training windows whose grooves :meth:`predict` averages.
    %(common)s
    Attributes
    ----------
    net_ : skorch.NeuralNet
    module_ : torch.nn.Module
    train_hits_ : ndarray of shape (n_train, n_steps * 9), float32
        Hits of the training windows, for :meth:`predict`'s neighbours.
    train_grooves_ : ndarray of shape (n_train, latent_size)
        Their groove embeddings.
    n_features_in_ : int
        Steps per window seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import GrooveTransfer, join_hvo
    >>> rng = np.random.default_rng(0)
    >>> h = (rng.random((32, 32, 9)) < 0.2).astype(np.float32)
    >>> y = join_hvo(h, h * 0.7, h * 0.1)
    >>> model = GrooveTransfer(module__encoder_size=16, module__latent_size=8, module__decoder_size=16,
    ...                        max_epochs=2, random_state=0).fit(h, y)
    >>> model.transform(y).shape
    (32, 8)
    >>> out = model.transfer(y[:1], h[1:3])        # the groove of y[0] on two scores
    >>> out.shape, bool((out[..., :9] == h[1:3]).all())
    ((2, 32, 27), True)
    """

    _parameter_constraints = {
        **_GrooveRecurrent._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    }
    _variational = True

    def __init__(
        self,
        beta=0.2,
        n_neighbors=3,
        *,
        decoder="autoregressive",
        output="mse",
        temperature=0.0,
        label_strength=1.0,
        lr=1e-3,
        batch_size=64,
        max_epochs=20,
        callbacks=None,
        device="cpu",
        random_state=None,
        verbose=0,
        module__encoder_size=512,
        module__latent_size=256,
        module__decoder_size=256,
        module__decoder_layers=2,
        module__dropout=0.0,
        module__sampler_size=128,
        module__sampler_steps=1,
    ):
        super().__init__(
            decoder=decoder,
            output=output,
            temperature=temperature,
            label_strength=label_strength,
            lr=lr,
            batch_size=batch_size,
            max_epochs=max_epochs,
            callbacks=callbacks,
            device=device,
            random_state=random_state,
            verbose=verbose,
            module__encoder_size=module__encoder_size,
            module__latent_size=module__latent_size,
            module__decoder_size=module__decoder_size,
            module__decoder_layers=module__decoder_layers,
            module__dropout=module__dropout,
            module__sampler_size=module__sampler_size,
            module__sampler_steps=module__sampler_steps,
        )
        self.beta = beta
        self.n_neighbors = n_neighbors

    def _decoder_reads(self):
        return "hits", 0

    def _hit_weight(self):
        return 0.0  # the decoder reads the hits it plays, and the output keeps them

    def _criterion_params(self):
        return {"beta": self.beta}

    def _validate_X(self, X, reset):
        # Only the hits are read: a score or an hvo, whichever was used in fit.
        return validate_hits(self, X, reset)

    def _encoder_input(self, X, y):
        return y

    def _fit(self, X, y, validation=None, labels=None, validation_labels=None):
        self.n_input_features_ = y.shape[-1]  # the encoder reads performances
        if self.n_neighbors > len(X):
            raise ValueError(f"n_neighbors={self.n_neighbors} is more than the {len(X)} training windows")
        super()._fit(X, y, validation, labels, validation_labels)
        self.train_hits_ = flatten(X)
        self.train_grooves_ = self._embed(y)

    def transform(self, hvo):
        """Groove embeddings (means of z) of performances.

        Parameters
        ----------
        hvo : array-like of shape (n_samples, n_steps, 27)

        Returns
        -------
        ndarray of shape (n_samples, latent_size)
        """
        check_is_fitted(self)
        return self._embed(check_hvo(hvo, name="hvo"))

    def transfer(self, groove, score, average=False, *, style=None, drummer=None):
        """Play ``score`` with the groove of the performance ``groove``.

        Parameters
        ----------
        groove : array-like of shape (n_samples, n_steps, 27) or (1, n_steps, 27)
            Performances whose groove is taken; one is used for every score.
        score : array-like of shape (n_samples, n_steps, 9) or (n_samples, n_steps, 27)
            The hits to play.
        average : bool, default=False
            Play every score with the mean groove embedding of all the
            ``groove`` windows (any number of them, such as the windows of
            a whole song).
        style, drummer : str or array-like of shape (n_samples,), default=None
            As for :meth:`predict`.

        Returns
        -------
        hvo : ndarray of shape (n_samples, n_steps, 27), with exactly the score's hits
        """
        check_is_fitted(self)
        hits = self._validate_X(score, reset=False)
        z = self.transform(groove)
        if average:
            z = z.mean(axis=0, keepdims=True)
        if len(z) == 1:
            z = np.repeat(z, len(hits), axis=0)
        if len(z) != len(hits):
            raise ValueError(f"groove has {len(z)} windows and score {len(hits)}: give one groove or one per score")
        return self._perform(hits, self.temperature, self._seed(), self._labels(len(hits), style=style, drummer=drummer), z=z)

    def predict(self, X, *, style=None, drummer=None):
        """Humanize scores with the mean groove of their most similar training windows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, 9) or (n_samples, n_steps, 27)
        style, drummer : str or array-like of shape (n_samples,), default=None
            For a model fitted with them: one label for every window, or one
            a window; None plays with none.

        Returns
        -------
        hvo : ndarray of shape (n_samples, n_steps, 27), with exactly ``X``'s hits
        """
        check_is_fitted(self)
        return self._play(X, self.temperature, self._seed(), style, drummer)

    def _play(self, X, temperature, seed, style=None, drummer=None, prefix=None):
        """:meth:`predict` at ``temperature``, drawn from ``seed`` (continuing ``prefix``: :meth:`sample_y`)."""
        hits = self._validate_X(X, reset=False)
        if hits.shape[1] != self.n_features_in_:  # the network reads any length; the neighbours are whole windows
            raise ValueError(
                f"X has {hits.shape[1]} steps, but GrooveTransfer.predict compares windows with its training windows "
                f"of {self.n_features_in_} steps; give windows of {self.n_features_in_} steps, or play another "
                "length with transfer(groove, X)"
            )
        from ._player import BATCH

        z = np.zeros((len(hits), self.module_.latent_size), np.float32)
        for i in range(0, len(hits), BATCH):
            neighbors = top_k_similar(flatten(hits[i : i + BATCH]), self.train_hits_, self.n_neighbors)
            z[i : i + BATCH] = self.train_grooves_[neighbors].mean(axis=1)
        return self._perform(hits, temperature, seed, self._labels(len(hits), style=style, drummer=drummer), z=z,
                             prefix=prefix)

    def __sklearn_tags__(self):
        from sklearn.utils import TransformerTags

        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags()  # transform: performances -> groove embeddings
        return tags

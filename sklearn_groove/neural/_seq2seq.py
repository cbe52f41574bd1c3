"""GrooveSeq2Seq: the paper's sequence-to-sequence model, for inputs of any kind (section 5.2.2)."""

import sys
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._base import check_count
from .._hvo import N_VOICES, check_voices
from ._recurrent import _GrooveRecurrent, document

__all__ = ["GrooveSeq2Seq"]

_N_TAP_FEATURES = 3  # a taps input: the tap, its velocity and its offset at each step (preprocessing.Tapper)


@document
class GrooveSeq2Seq(_GrooveRecurrent):
    """Sequence-to-sequence model: inputs of any kind to a performance (section 5.2.2).

    A bidirectional LSTM reads the input window into a vector z; a 2-layer
    LSTM decoder, started from z and fed z and its previous step, writes hits,
    velocities and offsets step by step (teacher forcing in training). The
    input decides the task: a score ``(n, n_steps, 9)`` for Humanization
    (the output plays exactly its hits), an hvo with a voice removed for
    Infilling, a tapped track ``(n, n_steps, 3)`` for Tap2Drum
    (``make_pipeline(Tapper(), GrooveSeq2Seq())``); for the last two the
    model chooses the hits.

    Deviation from the paper: velocity and offset errors count only on the
    target's hits (the output reads them only there).

    Parameters
    ----------
    condition : {None, "hits", "input"}, default=None
        What the decoder also reads at each step, besides z. "hits": the hits
        it must play (Humanization, a score input; not in the paper's
        Seq2Seq), trained on velocities and offsets alone. "input": the
        input's features at that step (the taps for Tap2Drum, the other voices
        for Infilling), so that it need not recover from z where they are.
    hits_ahead : int, default=0
        With ``condition="hits"``, the decoder also reads, at each step, the
        hits of the next ``hits_ahead`` steps (none past the window's end).
    generate_voices : tuple of str or None, default=None
        For an hvo input (Infilling): the voices the model writes, such as
        ``("closed_hihat",)``; the other voices are copied from the input
        unchanged. None: the model writes every voice.
    hit_threshold : float in (0, 1), default=0.5
        At temperature 0, where the model chooses the hits (Infilling,
        Tap2Drum), a hit is played where its probability is above this.
    %(common)s
    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained network; ``net_.history`` holds the losses of each epoch
        (empty for a loaded pretrained model).
    module_ : torch.nn.Module
        The network itself (``net_.module_``, a ``GrooveNet``).
    n_features_in_ : int
        Steps per window seen in ``fit``.
    n_input_features_ : int
        Features per step of ``X`` seen in ``fit``.
    calibration_ : QuantileCalibration or None
        The maps sampled performances pass through, learned by
        :meth:`calibrate` (None until then).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import GrooveSeq2Seq, join_hvo
    >>> rng = np.random.default_rng(0)
    >>> h = (rng.random((32, 32, 9)) < 0.2).astype(np.float32)
    >>> y = join_hvo(h, h * 0.7, h * 0.1)
    >>> model = GrooveSeq2Seq(module__encoder_size=16, module__latent_size=8, module__decoder_size=16,
    ...                       max_epochs=2, random_state=0).fit(h, y)
    >>> out = model.predict(h)
    >>> out.shape, bool((out[..., :9] == h).all())
    ((32, 32, 27), True)
    """

    _parameter_constraints = {
        **_GrooveRecurrent._parameter_constraints,
        "condition": [StrOptions({"hits", "input"}), None],
        "hits_ahead": [Interval(Integral, 0, None, closed="left")],
        "generate_voices": [tuple, list, None],
        "hit_threshold": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        condition=None,
        hits_ahead=0,
        generate_voices=None,
        hit_threshold=0.5,
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
        self.condition = condition
        self.hits_ahead = hits_ahead
        self.generate_voices = generate_voices
        self.hit_threshold = hit_threshold

    def _encoder_input(self, X, y):
        return X

    def _reads_taps(self):
        """Whether the input is taps (3 features a step, as ``Tapper`` makes them)."""
        return self.n_input_features_ == _N_TAP_FEATURES

    def _keeps_hits(self):
        """A score input (9 features a step) is played with exactly its hits; other inputs are not."""
        return self.n_input_features_ == N_VOICES

    def _written_voices(self):
        written = np.full(N_VOICES, not self._keeps_hits())
        written[self._copied_voices(self.n_input_features_)] = False
        return written

    def _decoder_reads(self):
        return self.condition, self.hits_ahead

    def _hit_weight(self):
        return 0.0 if self.condition == "hits" else 1.0

    def _check_settings(self, n_input_features):
        if self.condition == "hits" and n_input_features != N_VOICES:
            raise ValueError(
                f'condition="hits" needs a score input (9 features a step: the hits to play), got '
                f'{n_input_features}; pass the hits alone (split_hvo(X)[0]) or use condition="input"'
            )
        if self.hits_ahead and self.condition != "hits":
            raise ValueError(f'hits_ahead={self.hits_ahead} needs condition="hits"; set hits_ahead=0 or condition="hits"')
        self._copied_voices(n_input_features)

    def _copied_voices(self, n_input_features):
        """Indices of the voices copied from the input (none unless ``generate_voices``)."""
        if self.generate_voices is None:
            return []
        generated = check_voices(self.generate_voices, name="generate_voices")
        if n_input_features != 3 * N_VOICES:
            raise ValueError(f"generate_voices needs an hvo input (27 features), got {n_input_features}")
        return [j for j in range(N_VOICES) if j not in generated]

    def fit_likeliest(self, X, y, *, n_epochs=4, style=None, drummer=None):
        """Train the first decoder of a network with two (``decoder="both"``) again: the most likely performance.

        Only the decoder that plays temperature 0 learns (its state from z,
        its LSTM and its head), for ``n_epochs`` passes over ``(X, y)`` in
        batches of the model's ``batch_size``, the learning rate falling
        linearly from the model's ``lr`` to 0; the encoder and the sampler are
        kept, so that sampled takes, and their calibration, stay exactly as
        they were. Such as ``y`` the performances a larger model plays at
        temperature 0 (distillation: the shipped ``humanize`` learned
        ``humanize_paper``'s this way), beside the drummers' own takes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_input_features)
        y : array-like of shape (n_samples, n_steps, 27)
        n_epochs : int, default=4
        style, drummer : array-like of shape (n_samples,), default=None
            Each window's label, as in :meth:`fit` (None: none; a fifth of
            the windows are shown without theirs). Only the labels the
            model learned in ``fit`` are known.

        Returns
        -------
        self

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_groove import GrooveSeq2Seq, join_hvo
        >>> h = (np.random.default_rng(0).random((16, 32, 9)) < 0.2).astype(np.float32)
        >>> y = join_hvo(h, h * 0.8, h * 0.1)
        >>> model = GrooveSeq2Seq(decoder="both", condition="hits", output="gaussian", max_epochs=1,
        ...                       module__encoder_size=8, module__latent_size=4, module__decoder_size=8,
        ...                       module__sampler_size=4, random_state=0).fit(h, y)
        >>> take = model.sample_y(h, random_state=1)
        >>> played = model.predict(h)
        >>> model = model.fit_likeliest(h, join_hvo(h, h * 0.5, h * 0.0), n_epochs=3)
        >>> bool(np.abs(model.predict(h) - played).max() > 0)        # temperature 0 learned again
        True
        >>> bool(np.array_equal(model.sample_y(h, random_state=1), take))  # the takes as they were
        True
        """
        return self._fit_decoder(X, y, "likeliest", n_epochs, style, drummer)

    def fit_sampler(self, X, y, *, n_epochs=4, style=None, drummer=None):
        """Train the second decoder of a network with two (``decoder="both"``) again: the takes.

        Only the sampler learns (its state from z, its LSTM and its head),
        for ``n_epochs`` passes over ``(X, y)`` in batches of the model's
        ``batch_size``, the learning rate falling linearly from the model's
        ``lr`` to 0; the encoder and the first decoder are kept, so that
        temperature 0 plays exactly as it did. Such as ``y`` the drummers'
        own takes, after ``fit`` learned from a larger model's (the shipped
        ``humanize``: its takes were told from the drummers' less often on
        validation). The calibration is dropped (its maps were learned from
        the takes before): call :meth:`calibrate` again. Where
        ``module__sampler_size`` or ``module__sampler_steps`` were set to
        others than the sampler has, a new sampler of those is made first
        (its weights drawn from ``random_state``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_input_features)
        y : array-like of shape (n_samples, n_steps, 27)
        n_epochs : int, default=4
        style, drummer : array-like of shape (n_samples,), default=None
            As for :meth:`fit_likeliest`.

        Returns
        -------
        self

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_groove import GrooveSeq2Seq, join_hvo
        >>> h = (np.random.default_rng(0).random((16, 32, 9)) < 0.2).astype(np.float32)
        >>> model = GrooveSeq2Seq(decoder="both", condition="hits", output="gaussian", max_epochs=1,
        ...                       module__encoder_size=8, module__latent_size=4, module__decoder_size=8,
        ...                       module__sampler_size=4, random_state=0).fit(h, join_hvo(h, h * 0.8, h * 0.1))
        >>> played, take = model.predict(h), model.sample_y(h, random_state=1)
        >>> model = model.fit_sampler(h, join_hvo(h, h * 0.5, h * 0.0), n_epochs=3)
        >>> bool(np.abs(model.sample_y(h, random_state=1) - take).max() > 0)  # the takes learned again
        True
        >>> bool(np.array_equal(model.predict(h), played))                    # temperature 0 as it was
        True
        """
        self._fit_decoder(X, y, "sampler", n_epochs, style, drummer)
        self.calibration_ = None  # learned from the takes before
        return self

    def _fit_decoder(self, X, y, which, n_epochs, style, drummer):
        """One decoder of two learns again (``which``: "likeliest", the first, or "sampler"); the rest is kept."""
        import torch

        check_is_fitted(self)
        method = f"fit_{which}"
        if self.decoder != "both":
            raise ValueError(f'{method} trains one of two decoders: the model needs decoder="both", got '
                             f'decoder={self.decoder!r}; fit it again with decoder="both", or use fit')
        n_epochs = check_count(n_epochs, "n_epochs")
        X, y = self._check_pair(X, y, reset=False)
        rng = np.random.default_rng(check_random_state(self.random_state).randint(2**31 - 1))
        labels = self._labels(len(X), drop=rng, style=style, drummer=drummer)
        inputs = {k: torch.from_numpy(v) for k, v in self._inputs(X, y, labels).items()}
        target = torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32))
        module, loss = self.module_, self.net_.criterion_
        sampler = which == "sampler"
        wanted = {"sampler_size": self.module__sampler_size, "sampler_steps": self.module__sampler_steps}
        n_batches = max(1, len(X) // self.batch_size)
        condition = inputs.get("condition")
        with torch.random.fork_rng(devices=[]):  # weights and dropout seeded here, torch's global generator untouched
            torch.manual_seed(int(rng.integers(2**31 - 1)))
            if sampler and any(module.settings[k] != v for k, v in wanted.items()):
                module.new_sampler(wanted["sampler_size"], wanted["sampler_steps"])
            own = [module.sampler] if sampler else [module.to_state, module.decoder, module.head]
            optimizer = torch.optim.Adam([p for part in own for p in part.parameters()], lr=self.lr)
            falling = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: 1 - t / (n_epochs * n_batches))
            module.train()
            try:
                for epoch in range(n_epochs):
                    total = 0.0
                    for rows in np.array_split(rng.permutation(len(X)), n_batches):
                        with torch.no_grad():
                            z, _ = module.encode(inputs["x"][rows])
                        raw, _ = module.decode(z, inputs["previous"][rows],
                                               None if condition is None else condition[rows], sampler=sampler)
                        step = loss.head_loss(raw, target[rows]).mean()
                        optimizer.zero_grad()
                        step.backward()
                        optimizer.step()
                        falling.step()
                        total += step.item() * len(rows)
                    if self.verbose:
                        print(f"{method}: epoch {epoch + 1}/{n_epochs}, loss {total / len(X):.4f}", file=sys.stderr,
                              flush=True)
            finally:
                module.eval()
        return self

    def predict(self, X, *, style=None, drummer=None, sound_taps=True):
        """Decode a performance for each input window.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_input_features)
        style, drummer : str or array-like of shape (n_samples,), default=None
            For a model fitted with them: one style (drummer) for every
            window, or one a window; None plays with none. A label the model
            did not learn is refused, with the known ones (``styles_``,
            ``drummers_``).
        sound_taps : bool, default=True
            With a taps input (3 features a step, as ``Tapper`` makes them),
            every tapped step plays at least one voice: the most likely one,
            where the threshold (or, sampled, the draw) chose none, so a
            drummer who taps a rhythm hears each tap. In a pipeline:
            ``pipe.predict(taps, sound_taps=False)`` plays as the model alone
            chooses. No effect on other inputs.

        Returns
        -------
        hvo : ndarray of shape (n_samples, n_steps, 27), float32
        """
        check_is_fitted(self)
        return self._play(X, self.temperature, self._seed(), style, drummer, sound_taps)

    def _play(self, X, temperature, seed, style=None, drummer=None, sound_taps=True, prefix=None):
        """:meth:`predict` at ``temperature``, drawn from ``seed`` (continuing ``prefix``: :meth:`sample_y`)."""
        X = self._validate_X(X, reset=False)
        return self._perform(X, temperature, seed, self._labels(len(X), style=style, drummer=drummer),
                             sound_taps=sound_taps, prefix=prefix)

"""GrooveSeq2Seq and GrooveTransfer: the paper's recurrent models, trained with skorch.

torch and skorch are imported when a model is fitted or used, so that
``import sklearn_groove`` stays light.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import GrooveHumanizer, flatten
from .._hvo import N_VOICES, VOICES, check_hvo, hits_of
from ..neighbors import top_k_similar

__all__ = ["GrooveSeq2Seq", "GrooveTransfer"]

_PREDICT_BATCH = 1024


class _GrooveRecurrent(GrooveHumanizer):
    """What GrooveSeq2Seq and GrooveTransfer share: the network, training, decoding."""

    _parameter_constraints = {
        "encoder_size": [Interval(Integral, 1, None, closed="left")],
        "latent_size": [Interval(Integral, 1, None, closed="left")],
        "decoder_size": [Interval(Integral, 1, None, closed="left")],
        "decoder_layers": [Interval(Integral, 1, None, closed="left")],
        "autoregressive": ["boolean"],
        "bidirectional_decoder": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "output": [StrOptions({"mse", "gaussian", "laplace"})],
        "temperature": [Interval(Real, 0, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_average": [Interval(Real, 0, 1, closed="neither"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, None],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }
    _variational = False

    # -- what the subclasses decide -------------------------------------------------
    def _condition(self, X):
        """What the decoder reads at each step, from the input windows: (n, n_steps, k) or None."""
        raise NotImplementedError

    def _hit_weight(self):
        """Weight of the hit loss: 0 when the hits are given and kept, so there is nothing to learn."""
        return 1.0

    def _encoder_input(self, X, y):
        raise NotImplementedError

    # -- fitting --------------------------------------------------------------------
    def _validate_X(self, X, reset):
        X = validate_data(self, X, reset=reset, allow_nd=True, dtype=np.float32)
        if X.ndim != 3:
            raise ValueError(f"X must be a 3-D array (n_samples, n_steps, n_features), got shape {X.shape}")
        if reset:
            self.n_input_features_ = X.shape[-1]
        elif X.shape[-1] != self.n_input_features_:
            raise ValueError(
                f"X has {X.shape[-1]} features per step, but {type(self).__name__} was fitted with "
                f"{self.n_input_features_}"
            )
        return X

    def _build_module(self, n_input, n_condition):
        """The network for these parameters (for fit, and for ``pretrained.load``)."""
        from ._modules import GrooveNet

        if self.bidirectional_decoder and self.autoregressive:
            raise ValueError("bidirectional_decoder=True needs autoregressive=False")
        return GrooveNet(
            n_input,
            n_voices=N_VOICES,
            encoder_size=self.encoder_size,
            latent_size=self.latent_size,
            decoder_size=self.decoder_size,
            decoder_layers=self.decoder_layers,
            dropout=self.dropout,
            variational=self._variational,
            n_condition=n_condition,
            output=self.output,
            autoregressive=self.autoregressive,
            bidirectional=self.bidirectional_decoder,
        )

    def _inputs(self, X, y):
        """The network's inputs: encoder input, previous steps (teacher forcing), condition."""
        previous = np.concatenate([np.zeros_like(y[:, :1]), y[:, :-1]], axis=1)
        inputs = {"x": self._encoder_input(X, y), "previous": previous}
        condition = self._condition(X)
        if condition is not None:
            inputs["condition"] = condition
        return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in inputs.items()}

    def _fit(self, X, y, validation=None):
        import torch
        from skorch import NeuralNet
        from skorch.callbacks import EarlyStopping
        from skorch.dataset import Dataset, ValidSplit
        from skorch.helper import predefined_split

        from ._modules import GrooveLoss

        seed = check_random_state(self.random_state).randint(2**31 - 1)
        torch.manual_seed(seed)
        inputs = self._inputs(X, y)
        condition = inputs.get("condition")
        module = self._build_module(inputs["x"].shape[-1], 0 if condition is None else condition.shape[-1])
        callbacks = list(self.callbacks or [])
        if self.weight_average is not None:
            from ._callbacks import WeightAverage

            callbacks.insert(0, WeightAverage(self.weight_average))
        if self.early_stopping:
            callbacks.append(EarlyStopping(monitor="valid_loss", patience=self.patience, load_best=True))
        if validation is not None:
            train_split = predefined_split(Dataset(self._inputs(*validation), validation[1]))
        elif self.early_stopping:
            train_split = ValidSplit(self.validation_fraction, random_state=seed)
        else:
            train_split = None
        self.net_ = NeuralNet(
            module,
            criterion=GrooveLoss,
            criterion__n_voices=N_VOICES,
            criterion__output=self.output,
            criterion__beta=getattr(self, "beta", 0.0),  # only GrooveTransfer is variational
            criterion__free_bits=getattr(self, "free_bits", 0.0),
            criterion__hit_weight=self._hit_weight(),
            optimizer=torch.optim.Adam,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train__shuffle=True,
            train_split=train_split,
            callbacks=callbacks,
            device=self.device,
            verbose=self.verbose,
        )
        self.net_.fit(inputs, y)
        self.module_ = self.net_.module_.eval().cpu()

    def fit(self, X, y, X_val=None, y_val=None):
        """Train the network (teacher forcing) on inputs ``X`` and performances ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features)
        y : array-like of shape (n_samples, n_steps, 27)
        X_val, y_val : array-like, default=None
            A validation set (such as the GMD's validation split): its loss is
            shown each epoch and, with ``early_stopping``, decides when to
            stop, instead of ``validation_fraction`` of the training set.

        Returns
        -------
        self
        """
        X, y = self._validate_fit(X, y)
        validation = None
        if (X_val is None) != (y_val is None):
            raise ValueError("give both X_val and y_val, or neither")
        if X_val is not None:
            validation = self._check_pair(X_val, y_val, reset=False)
        self._fit(X, y, validation)
        return self


    # -- decoding -------------------------------------------------------------------
    def _generator(self):
        import torch

        generator = torch.Generator()
        generator.manual_seed(int(check_random_state(self.random_state).randint(2**31 - 1)))
        return generator

    def _decode(self, z, n_steps, hits=None, condition=None, threshold=0.5):
        """hvo (n, n_steps, 27) decoded from latent vectors z, in batches."""
        import torch

        from ._modules import generate

        generator = self._generator() if self.temperature > 0 else None
        out = []
        for i in range(0, len(z), _PREDICT_BATCH):
            batch = slice(i, i + _PREDICT_BATCH)
            as_tensor = lambda a: None if a is None else torch.as_tensor(np.asarray(a[batch], dtype=np.float32))
            out.append(
                generate(
                    self.module_,
                    as_tensor(z),
                    n_steps,
                    hits=as_tensor(hits),
                    condition=as_tensor(condition),
                    temperature=self.temperature,
                    threshold=threshold,
                    generator=generator,
                ).numpy()
            )
        hvo = np.concatenate(out) if out else np.zeros((0, n_steps, 3 * N_VOICES), np.float32)
        return check_hvo(hvo)

    def _embed(self, encoder_input):
        """Means of z for each window."""
        import torch

        z = [np.zeros((0, self.latent_size), np.float32)]
        with torch.no_grad():
            for i in range(0, len(encoder_input), _PREDICT_BATCH):
                z.append(self.module_.encode(torch.as_tensor(encoder_input[i : i + _PREDICT_BATCH]))[0].numpy())
        return np.concatenate(z)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = False
        tags.non_deterministic = self.temperature > 0
        return tags


_COMMON_DOC = """
    encoder_size : int, default=512
        Units per direction of the bidirectional LSTM encoder.
    latent_size : int, default=256
        Size of z.
    decoder_size : int, default=256
        Units per layer of the LSTM decoder.
    decoder_layers : int, default=2
    autoregressive : bool, default=True
        Feed the decoder, at each step, its output at the step before (the
        paper's decoder; the true one in training). False: the decoder reads
        only z and its condition, so training and decoding see the same
        inputs and decoding does not drift on its own guesses; with
        temperature above 0 the steps are then drawn independently given z.
    bidirectional_decoder : bool, default=False
        With ``autoregressive=False``, a decoder that also reads its inputs
        (z and the condition, such as the hits to play) from the last step
        back, so each step's output depends on the steps on both sides.
    dropout : float, default=0.0
    output : {"mse", "gaussian", "laplace"}, default="mse"
        Velocity and offset heads: a point estimate trained with squared
        error, or a distribution trained by likelihood, which
        ``temperature > 0`` samples from: a Gaussian (mean and standard
        deviation) or a Laplace distribution (median and scale; its point
        estimate is the median, which the absolute error favours).
    temperature : float, default=0.0
        0: deterministic decoding (hits where their probability is above
        0.5, mean velocity and offset). Above 0: hits and, with a Gaussian
        or Laplace head, velocities and offsets are drawn, reproducibly
        under ``random_state``.
    lr : float, default=1e-3
        Adam's learning rate.
    weight_average : float in (0, 1) or None, default=None
        Keep an exponential moving average of the weights, moved by
        ``1 - weight_average`` after each batch, and validate, stop early
        and predict with it (0.999 averages over about the last 1,000
        batches). None: use the last weights.
    batch_size : int, default=64
    max_epochs : int, default=20
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training windows and stop when
        their loss has not improved for ``patience`` epochs, keeping the best
        weights.
    validation_fraction : float, default=0.1
    patience : int, default=5
    callbacks : list of skorch callbacks, default=None
        Added to the network's (for example ``skorch.callbacks.Checkpoint``).
    device : str, default="cpu"
        torch device for training, such as ``"cuda"``; decoding runs on the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the shuffling and the sampling.
    verbose : int, default=0
        1 prints skorch's table of losses, one line an epoch.
"""


def _hits_and_next(hits, ahead):
    """``hits`` (n, n_steps, m), then for k = 1..ahead the hits k steps later (0 past the end)."""
    later = [np.concatenate([hits[:, k:], np.zeros_like(hits[:, :k])], axis=1) for k in range(1, ahead + 1)]
    return [hits] + later


class GrooveSeq2Seq(_GrooveRecurrent):
    """Sequence-to-sequence model: inputs of any kind to a performance (section 5.2.2).

    A bidirectional LSTM reads the input window into a vector z; a 2-layer
    LSTM decoder, started from z and fed z and its previous step, writes hits,
    velocities and offsets step by step (teacher forcing in training). The
    input decides the task: a score ``(n, n_steps, 9)`` for Humanization, an
    hvo with a voice removed for Infilling, a tapped track ``(n, n_steps, 3)``
    for Tap2Drum (``make_pipeline(Tapper(), GrooveSeq2Seq())``).

    Deviation from the paper: velocity and offset errors count only on the
    target's hits (the output reads them only there).

    Parameters
    ----------
    keep_hits : {"auto", True, False}, default="auto"
        True: the output plays exactly the input's hits (Humanization; the
        input must be a score or an hvo). False: the model chooses the hits.
        "auto": True for a score input (9 features), else False.
    condition_on_hits : bool, default=False
        Also feed the decoder, at each step, the hits it must play (the
        input's), as Groove Transfer does, and train on velocities and
        offsets alone (the hits are given). Not in the paper's Seq2Seq; for
        Humanization, where the hits are known, it spares the decoder from
        recovering them from z. Needs ``keep_hits``.
    hits_ahead : int, default=0
        With ``condition_on_hits``, the decoder also reads, at each step, the
        hits of the next ``hits_ahead`` steps (none past the window's end),
        so that a note can lean towards the notes after it without the
        decoder recovering them from z.
    condition_on_input : bool, default=False
        Also feed the decoder, at each step, the input's features at that
        step (the taps for Tap2Drum, the other voices for Infilling), so that
        it need not recover from z where they are. Not in the paper's
        Seq2Seq; the hit term stays in the loss.
    generate_voices : tuple of str or None, default=None
        For an hvo input (Infilling): the voices the model writes, such as
        ``("closed_hihat",)``; the other voices are copied from the input
        unchanged. None: the model writes every voice.
    hit_threshold : float in (0, 1), default=0.5
        At temperature 0, where the model chooses the hits (Infilling,
        Tap2Drum), a hit is played where its probability is above this.
        Lower it to trade precision for recall.
    %(common)s
    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained network; ``net_.history`` holds the losses of each epoch.
    module_ : torch.nn.Module
        The network itself (``GrooveNet``).
    n_features_in_ : int
        Steps per window seen in ``fit``.
    n_input_features_ : int
        Features per step of ``X`` seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import GrooveSeq2Seq, join_hvo
    >>> rng = np.random.default_rng(0)
    >>> h = (rng.random((32, 32, 9)) < 0.2).astype(np.float32)
    >>> y = join_hvo(h, h * 0.7, h * 0.1)
    >>> model = GrooveSeq2Seq(encoder_size=16, latent_size=8, decoder_size=16,
    ...                       max_epochs=2, random_state=0).fit(h, y)
    >>> out = model.predict(h)
    >>> out.shape, bool((out[..., :9] == h).all())
    ((32, 32, 27), True)
    """

    _parameter_constraints = {
        **_GrooveRecurrent._parameter_constraints,
        "keep_hits": [StrOptions({"auto"}), "boolean"],
        "condition_on_hits": ["boolean"],
        "hits_ahead": [Interval(Integral, 0, None, closed="left")],
        "condition_on_input": ["boolean"],
        "generate_voices": [tuple, list, None],
        "hit_threshold": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        keep_hits="auto",
        condition_on_hits=False,
        hits_ahead=0,
        condition_on_input=False,
        generate_voices=None,
        hit_threshold=0.5,
        encoder_size=512,
        latent_size=256,
        decoder_size=256,
        decoder_layers=2,
        autoregressive=True,
        bidirectional_decoder=False,
        dropout=0.0,
        output="mse",
        temperature=0.0,
        lr=1e-3,
        weight_average=None,
        batch_size=64,
        max_epochs=20,
        early_stopping=False,
        validation_fraction=0.1,
        patience=5,
        callbacks=None,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.keep_hits = keep_hits
        self.condition_on_hits = condition_on_hits
        self.hits_ahead = hits_ahead
        self.condition_on_input = condition_on_input
        self.generate_voices = generate_voices
        self.hit_threshold = hit_threshold
        self.encoder_size = encoder_size
        self.latent_size = latent_size
        self.decoder_size = decoder_size
        self.decoder_layers = decoder_layers
        self.autoregressive = autoregressive
        self.bidirectional_decoder = bidirectional_decoder
        self.dropout = dropout
        self.output = output
        self.temperature = temperature
        self.lr = lr
        self.weight_average = weight_average
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _encoder_input(self, X, y):
        return X

    def _condition(self, X):
        parts = _hits_and_next(hits_of(X), self.hits_ahead) if self.condition_on_hits else []
        parts += [X] if self.condition_on_input else []
        return np.concatenate(parts, axis=-1) if parts else None

    def _hit_weight(self):
        return 0.0 if self.condition_on_hits else 1.0

    def _fit(self, X, y, validation=None):
        if self.condition_on_hits and not self._keeps_hits():
            raise ValueError("condition_on_hits=True needs keep_hits (the hits to play must be known)")
        if self.hits_ahead and not self.condition_on_hits:
            raise ValueError(f"hits_ahead={self.hits_ahead} needs condition_on_hits=True")
        self._copied_voices()
        super()._fit(X, y, validation)

    def _copied_voices(self):
        """Indices of the voices copied from the input (none unless ``generate_voices``)."""
        if self.generate_voices is None:
            return []
        unknown = [v for v in self.generate_voices if v not in VOICES]
        if unknown or not self.generate_voices:
            raise ValueError(f"generate_voices must name some of {VOICES}, got {self.generate_voices!r}")
        if self.n_input_features_ != 3 * N_VOICES:
            raise ValueError(f"generate_voices needs an hvo input (27 features), got {self.n_input_features_}")
        return [j for j, v in enumerate(VOICES) if v not in self.generate_voices]

    def _keeps_hits(self):
        keep = self.n_input_features_ == N_VOICES if self.keep_hits == "auto" else self.keep_hits
        if keep and self.n_input_features_ not in (N_VOICES, 3 * N_VOICES):
            raise ValueError(f"keep_hits=True needs a score or an hvo input, got {self.n_input_features_} features")
        return keep

    def predict(self, X):
        """Decode a performance for each input window.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_input_features)

        Returns
        -------
        hvo : ndarray of shape (n_samples, n_steps, 27), float32
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        hits = hits_of(X) if self._keeps_hits() else None
        out = self._decode(
            self._embed(X), X.shape[1], hits=hits, condition=self._condition(X), threshold=self.hit_threshold
        )
        copied = self._copied_voices()
        if copied:
            columns = np.add.outer([0, N_VOICES, 2 * N_VOICES], copied).ravel()
            out[..., columns] = X[..., columns]
        return out


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
    free_bits : float, default=0.0
        KL below this many nats a window is not penalised.
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
    >>> model = GrooveTransfer(encoder_size=16, latent_size=8, decoder_size=16,
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
        "free_bits": [Interval(Real, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    }
    _variational = True

    def __init__(
        self,
        beta=0.2,
        free_bits=0.0,
        n_neighbors=3,
        encoder_size=512,
        latent_size=256,
        decoder_size=256,
        decoder_layers=2,
        autoregressive=True,
        bidirectional_decoder=False,
        dropout=0.0,
        output="mse",
        temperature=0.0,
        lr=1e-3,
        weight_average=None,
        batch_size=64,
        max_epochs=20,
        early_stopping=False,
        validation_fraction=0.1,
        patience=5,
        callbacks=None,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.beta = beta
        self.free_bits = free_bits
        self.n_neighbors = n_neighbors
        self.encoder_size = encoder_size
        self.latent_size = latent_size
        self.decoder_size = decoder_size
        self.decoder_layers = decoder_layers
        self.autoregressive = autoregressive
        self.bidirectional_decoder = bidirectional_decoder
        self.dropout = dropout
        self.output = output
        self.temperature = temperature
        self.lr = lr
        self.weight_average = weight_average
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _condition(self, X):
        return hits_of(X)

    def _hit_weight(self):
        return 0.0  # the decoder reads the hits it plays, and the output keeps them

    def _validate_X(self, X, reset):
        # Only the hits are read: a score or an hvo, whichever was used in fit.
        return GrooveHumanizer._validate_X(self, X, reset)

    def _encoder_input(self, X, y):
        return y

    def _fit(self, X, y, validation=None):
        self.n_input_features_ = y.shape[-1]  # the encoder reads performances
        if self.n_neighbors > len(X):
            raise ValueError(f"n_neighbors={self.n_neighbors} is more than the {len(X)} training windows")
        super()._fit(X, y, validation)
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

    def transfer(self, groove, score, average=False):
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
        return self._decode(z, hits.shape[1], hits=hits, condition=hits)

    def predict(self, X):
        """Humanize scores with the mean groove of their most similar training windows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, 9) or (n_samples, n_steps, 27)

        Returns
        -------
        hvo : ndarray of shape (n_samples, n_steps, 27), with exactly ``X``'s hits
        """
        check_is_fitted(self)
        hits = self._validate_X(X, reset=False)
        z = np.zeros((len(hits), self.latent_size), np.float32)
        for i in range(0, len(hits), _PREDICT_BATCH):
            neighbors = top_k_similar(flatten(hits[i : i + _PREDICT_BATCH]), self.train_hits_, self.n_neighbors)
            z[i : i + _PREDICT_BATCH] = self.train_grooves_[neighbors].mean(axis=1)
        return self._decode(z, hits.shape[1], hits=hits, condition=hits)


for _cls in (GrooveSeq2Seq, GrooveTransfer):
    _cls.__doc__ = _cls.__doc__.replace("    %(common)s\n", _COMMON_DOC.lstrip("\n") + "\n")

"""What GrooveSeq2Seq and GrooveTransfer share: parameters, the skorch network, training, labels, playing.

Both own a ``skorch.NeuralNet`` in ``net_`` (also when loaded from
:mod:`sklearn_groove.pretrained`). Their shared parameters live once, in
``_GrooveRecurrent.__init__`` and its ``_parameter_constraints``; the sizes of
the network are ``module__*`` settings, as in skorch
(``GrooveSeq2Seq(module__encoder_size=64)``), whose defaults are those of
:class:`~sklearn_groove.neural._modules.GrooveNet`. They play through the one
player (:mod:`._player`).

torch and skorch are imported when a model is fitted or used, so that
``import sklearn_groove`` stays light.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._base import GrooveEstimator, check_count, check_temperature, fit_labels, validate_inputs
from .._labels import KINDS, one_hot
from .._hvo import N_VOICES, check_hvo, prefix_steps, take_seeds

__all__ = ["MODULE_PARAMS"]

_VALIDATION_FRACTION = 0.1  # of the training windows held out for early stopping when no X_val is given

# The network's settings a user may give as ``module__NAME`` (their defaults: GrooveNet's signature).
MODULE_PARAMS = {
    "encoder_size": [Interval(Integral, 1, None, closed="left")],
    "latent_size": [Interval(Integral, 1, None, closed="left")],
    "decoder_size": [Interval(Integral, 1, None, closed="left")],
    "decoder_layers": [Interval(Integral, 1, None, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "sampler_size": [Interval(Integral, 1, None, closed="left")],
    "sampler_steps": [Interval(Integral, 1, None, closed="left")],
}


def _print_log(text):
    """skorch's table of losses, without its colour codes where the output is not a terminal (a log file)."""
    import re
    import sys

    print(text if sys.stdout.isatty() else re.sub(r"\x1b\[[0-9;]*m", "", text), flush=True)


#: Takes a calibration learns the hit biases from, each played with the biases so far (``calibrate``).
HIT_ROUNDS = 3
_LABEL_DROPOUT = 0.2  # of the training windows shown without their style, and without their drummer


def _known_only(labels, known):
    """Validation labels with those the training windows lack as None: those windows play with no label."""
    if labels is None or known is None:
        return None
    return [x if x in set(known) else None for x in np.asarray(labels).astype(str).tolist()]


class _GrooveRecurrent(GrooveEstimator):
    """What GrooveSeq2Seq and GrooveTransfer share: parameters, the network, training, decoding."""

    _reads_any_length = True  # the recurrent networks play windows of any length (2 bars of 3/4: 24 steps)

    _parameter_constraints = {
        "decoder": [StrOptions({"autoregressive", "parallel", "both"})],
        "output": [StrOptions({"mse", "gaussian"})],
        "temperature": [Interval(Real, 0, None, closed="left")],
        "label_strength": [Interval(Real, 0, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, None],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        **{"module__" + name: constraint for name, constraint in MODULE_PARAMS.items()},
    }
    _variational = False

    def __init__(
        self,
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
        self.decoder = decoder
        self.output = output
        self.temperature = temperature
        self.label_strength = label_strength
        self.lr = lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        # the network's sizes: skorch routes them to GrooveNet, as it routes its own module__* settings
        self.module__encoder_size = module__encoder_size
        self.module__latent_size = module__latent_size
        self.module__decoder_size = module__decoder_size
        self.module__decoder_layers = module__decoder_layers
        self.module__dropout = module__dropout
        self.module__sampler_size = module__sampler_size
        self.module__sampler_steps = module__sampler_steps

    def set_params(self, **params):
        """Set parameters; the network's ``module__*`` sizes too, which scikit-learn would take for a nested
        estimator's (``module`` and its ``encoder_size``)."""
        for key in [k for k in params if k.startswith("module__")]:
            if key[len("module__") :] not in MODULE_PARAMS:
                known = ", ".join("module__" + name for name in MODULE_PARAMS)
                raise ValueError(f"{type(self).__name__} has no setting {key!r}; the network's settings are {known}")
            setattr(self, key, params.pop(key))
        return super().set_params(**params)

    # -- what the subclasses decide -------------------------------------------------
    def _decoder_reads(self):
        """(what the decoder reads at each step besides z: "hits", "input" or None; steps of hits read ahead)."""
        raise NotImplementedError

    def _hit_weight(self):
        """Weight of the hit loss: 0 when the hits are given and kept, so there is nothing to learn."""
        return 1.0

    def _encoder_input(self, X, y):
        raise NotImplementedError

    def _criterion_params(self):
        """Settings of GrooveLoss beyond the output head's and the hit weight (GrooveTransfer's beta)."""
        return {}

    # -- fitting --------------------------------------------------------------------
    def _validate_X(self, X, reset):
        return validate_inputs(self, X, reset)

    def _initialize_net(self, n_input, n_condition, train_split=None, callbacks=(), playing=False, device=None):
        """``net_``: a skorch NeuralNet of a new ``GrooveNet``, which skorch builds from its ``module__*`` settings.

        ``n_input`` and ``n_condition``: the features the encoder and the
        decoder read at each step. ``playing``: a net loaded to play (no
        optimizer); ``device``: where skorch builds it ("meta": shapes only).
        """
        import sys

        import torch
        from skorch.callbacks import ProgressBar

        from ._modules import GrooveLoss, GrooveNet
        from ._net import GrooveNeuralNet

        from ._callbacks import TimeLeft

        callbacks = list(callbacks)
        if self.verbose and sys.stderr.isatty():  # batches and time left within each epoch, in a terminal
            callbacks.append(ProgressBar())
        if not playing:  # after the first epoch: how long the whole fit takes
            callbacks.append(("time_left", TimeLeft(type(self).__name__, self.verbose)))

        settings = {k: v for k, v in self.get_params(deep=False).items() if k.startswith("module__")}
        self.net_ = GrooveNeuralNet(
            GrooveNet,
            module__n_input=n_input,
            module__n_voices=N_VOICES,
            module__variational=self._variational,
            module__n_condition=n_condition,
            module__output=self.output,
            module__autoregressive=self.decoder == "autoregressive",
            module__sampler=self.decoder == "both",
            **settings,
            playing=playing,
            criterion=GrooveLoss,
            criterion__n_voices=N_VOICES,
            criterion__output=self.output,
            criterion__hit_weight=self._hit_weight(),
            **{"criterion__" + k: v for k, v in self._criterion_params().items()},
            optimizer=torch.optim.Adam,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train__shuffle=True,
            train_split=train_split,
            callbacks=callbacks,
            # a sink given at verbose=0 would make skorch print the table anyway
            **({"callbacks__print_log__sink": _print_log} if self.verbose else {}),
            device=device or self.device,
            verbose=self.verbose,
        ).initialize()
        return self.net_

    @property
    def module_(self):
        """The network itself (``GrooveNet``): ``net_.module_``."""
        check_is_fitted(self, "net_")
        return self.net_.module_

    def _inputs(self, X, y, labels=None):
        """The network's inputs: encoder input, previous steps (teacher forcing), condition (with labels)."""
        from ._player import conditioned, tensor

        previous = np.concatenate([np.zeros_like(y[:, :1]), y[:, :-1]], axis=1)
        inputs = {"x": self._encoder_input(X, y), "previous": previous}
        condition = conditioned(tensor(X), *self._decoder_reads(), labels=tensor(labels))
        if condition is not None:
            inputs["condition"] = condition.numpy()
        return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in inputs.items()}

    def _check_settings(self, n_input_features):
        """Rules between parameters, checked once (by fit and by pretrained.load)."""

    def _fit(self, X, y, validation=None, labels=None, validation_labels=None):
        import torch
        from skorch.callbacks import EarlyStopping
        from skorch.dataset import Dataset, ValidSplit
        from skorch.helper import predefined_split

        self._check_settings(self.n_input_features_)
        seed = check_random_state(self.random_state).randint(2**31 - 1)
        inputs = self._inputs(X, y, labels)
        condition = inputs.get("condition")
        callbacks = list(self.callbacks or [])
        stops_early = any(isinstance(c[-1] if isinstance(c, tuple) else c, EarlyStopping) for c in callbacks)
        if validation is not None:
            train_split = predefined_split(Dataset(self._inputs(*validation, validation_labels), validation[1]))
        elif stops_early:  # it watches a validation loss: a tenth of the training windows
            train_split = ValidSplit(_VALIDATION_FRACTION, random_state=seed)
        else:
            train_split = None
        with torch.random.fork_rng(devices=[]):  # seeded here without touching torch's global generator
            torch.manual_seed(seed)
            self._initialize_net(inputs["x"].shape[-1], 0 if condition is None else condition.shape[-1], train_split,
                                 callbacks)
            self.net_.partial_fit(inputs, y)
        self.net_.module_.eval().cpu()

    def fit(self, X, y, X_val=None, y_val=None, *, style=None, drummer=None, style_val=None, drummer_val=None):
        """Train the network (teacher forcing) on inputs ``X`` and performances ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features)
        y : array-like of shape (n_samples, n_steps, 27)
        X_val, y_val : array-like, default=None
            A validation set (such as the GMD's validation split): its loss is
            shown each epoch and, with an ``EarlyStopping`` callback, decides when to stop,
            instead of a tenth of the training set.
        style, drummer : array-like of shape (n_samples,) of str, default=None
            Each window's style (``"funk"``) and drummer (``"drummer3"``),
            such as ``fetch_groove``'s ``style`` and ``drummer``. The decoder
            learns to play them; ``predict`` then takes one. A fifth of the
            windows are shown without their labels, so that the model also
            plays with none; a label that is None is no label (a style with
            too few windows to learn, say). They reach the model through scikit-learn's
            metadata routing: ``set_fit_request(style=True)`` inside a
            ``Pipeline`` or ``GridSearchCV``.
        style_val, drummer_val : array-like of shape (n_val,) of str, default=None
            The validation set's labels, where ``style`` or ``drummer`` is given.

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
        given, given_val = {"style": style, "drummer": drummer}, {"style": style_val, "drummer": drummer_val}
        for kind in KINDS:  # the labels learned (an attribute each: styles_), and each window's
            known, given[kind] = fit_labels(given[kind], len(X), kind)
            setattr(self, kind + "s_", known)
        rng = np.random.default_rng(check_random_state(self.random_state).randint(2**31 - 1))
        labels = self._labels(len(X), drop=rng, **given)
        validation_labels = None
        if validation is not None and labels is not None:
            for kind in KINDS:
                if getattr(self, kind + "s_") is not None and given_val[kind] is None:
                    raise ValueError(f"{kind} is given for the training windows: give {kind}_val for X_val too")
            validation_labels = self._labels(len(validation[0]), **{
                kind: _known_only(given_val[kind], getattr(self, kind + "s_")) for kind in KINDS})
        self._fit(X, y, validation, labels, validation_labels)
        self.calibration_ = None  # a new network: sampled as it plays until calibrate() is called
        return self

    def calibrate(self, X, y, temperature=1.0, *, velocity_sharing=0.0, hit_repetition=0.0, repeat_bars=False,
                  neighbors=0, continuity=0.5, style=None, drummer=None):
        """Learn, voice by voice, maps that take this model's sampled velocities and offsets onto ``y``'s.

        ``X`` is played once at ``temperature``, with no label, from a seed
        drawn from ``random_state``, and a :class:`._calibration.QuantileCalibration`
        is fitted from that take onto ``y`` (``calibration_``). Sampled
        performances (``sample_y``, or ``predict`` at a temperature above
        0) then pass through the maps, in the model's ONNX file too;
        temperature 0 is left as it is. ``fit`` starts without them.

        A model that writes hits (Tap2Drum, Infilling) also learns a bias of
        each voice's hit logit (``calibration_.hit_bias_``), so that its takes
        at ``temperature`` play each voice it writes as often as ``y`` does:
        from :data:`HIT_ROUNDS` takes, each played with the biases so far.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features)
            Inputs, such as the training windows'.
        y : array-like of shape (n_samples, n_steps, 27)
            The drummers' performances of them.
        temperature : float, default=1.0
            The temperature of the takes it learns from: the one the model
            will be sampled at.
        velocity_sharing : float in [0, 1], default=0.0
            For a Gaussian head, the share of the variance of each voice's
            drawn velocities that all steps of a window then have in common
            (``calibration_.velocity_sharing_``; each draw still standard
            normal): above 0, a take's windows are louder and softer than
            each other as a drummer's, with less spread within each. A window
            asked a style or drummer keeps its own draws (its loudness is the
            label's). The maps are learned from takes without it. The shipped
            ``humanize`` and ``tap2drum`` use 0.3, chosen on validation.
        hit_repetition : float, default=0.0
            For a model that writes hits and decodes step by step, added to the
            logit of each hit it draws (after the temperature) where the bar
            before, in the window, played that voice on that step, and taken
            off where it did not (``calibration_.hit_repetition_``): a take's
            beat repeats itself from bar to bar as a drummer's, also across a
            song played window after window (the bar before is then the one
            already played). The hit biases and maps are learned from takes
            without it. The shipped ``tap2drum`` uses 0.5, chosen on
            validation.
        repeat_bars : bool, default=False
            For a model that writes hits and decodes step by step: learn the
            probability (``calibration_.bar_repeat_``) with which a sampled
            window whose two bars have the same input hits (the same taps)
            plays its second bar's hits as its first's, so that as many such
            windows of a take as of ``y`` play a bar again exactly
            (:func:`._calibration.bar_repeat`, from one more take with the
            rest of the calibration); a song played window after window then
            repeats bars as a drummer does. The shipped ``tap2drum`` uses it:
            the drummers of the GMD training split play 17.5% of such bars
            again, its takes without it 0.8%.
        neighbors : int, default=0
            For a model that writes hits: above 0, ``X`` and ``y`` are kept as
            examples (``calibration_.examples_``: the inputs' hits as bits, the
            written voices' velocities in 127ths and offsets in 240ths of a
            16th note; in an order shuffled from ``random_state``, which breaks
            ties), and a sampled take of windows as long as theirs plays,
            in the voices the model writes, the hits, velocities and offsets of
            one of the ``neighbors`` examples whose inputs are most like its
            own (cosine similarity of their hits; the seed picks which), not
            the network's draws; windows of other lengths are sampled by the
            network. A take then plays a drummer's own part, chosen to fit: on
            the GMD validation split, a critic told the shipped Infilling's
            sampled closed hi-hat from the drummers' in 0.555 of windows with 5
            examples, against 0.667 for the network's draws. Temperature 0 is
            the network's likeliest performance. An example that plays none of
            the written voices is drawn only for a window that plays a voice
            past the kick and the snare: a plain beat always gets a part.
        continuity : float, default=0.5
            With ``neighbors``: the weight of how well an example's written
            hits agree with the steps already played (``prefix``: a song
            played window after window), beside its inputs' likeness (at most
            1), in choosing the examples.
        style, drummer : array-like of shape (n_samples,), default=None
            With ``neighbors``: the examples' labels, for a model that learned
            them. A window asked a style or a drummer draws among the examples
            of it first (each label shared adds 2 to an example's likeness).

        Returns
        -------
        self

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_groove import GrooveSeq2Seq, join_hvo
        >>> h = (np.random.default_rng(0).random((16, 32, 9)) < 0.2).astype(np.float32)
        >>> y = join_hvo(h, h, h * 0.1)                       # every note at full velocity
        >>> model = GrooveSeq2Seq(output="gaussian", decoder="parallel", module__encoder_size=8,
        ...                       module__latent_size=4, module__decoder_size=8, max_epochs=1,
        ...                       random_state=0).fit(h, y)
        >>> take = model.calibrate(h, y).sample_y(h, random_state=1)[..., 0]
        >>> bool(np.all(take[..., 9:18][h > 0] == 1.0))     # mapped onto the drummers' velocities
        True
        """
        from ._calibration import QuantileCalibration, bar_repeat, examples_of, updated_hit_bias

        check_is_fitted(self)
        X, y = self._check_pair(X, y, reset=False)
        temperature = check_temperature(temperature)
        if not 0 <= velocity_sharing <= 1:
            raise ValueError(f"velocity_sharing must be within [0, 1], got {velocity_sharing!r}")
        for name, value in (("hit_repetition", hit_repetition), ("continuity", continuity)):
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a number from 0 up, got {value!r}")
        if temperature == 0:
            raise ValueError("temperature must be above 0: a calibration maps sampled takes")
        if repeat_bars not in (True, False):
            raise ValueError(f"repeat_bars must be True or False, got {repeat_bars!r}")
        written = self._written_voices()
        neighbors = check_count(neighbors, "neighbors", low=0)
        for name, value in (("neighbors", neighbors), ("repeat_bars", repeat_bars)):
            if value and not written.any():
                raise ValueError(f"{name} is for a model that writes hits (Tap2Drum, Infilling): this one plays the "
                                 f"hits of its input; leave {name} at its default")
        if repeat_bars and not self.module_.reads_previous:
            raise ValueError("repeat_bars is for a model that decodes step by step (decoder='autoregressive' or "
                             "'both'); this one plays each window's steps at once")
        if neighbors > len(X):
            raise ValueError(f"neighbors={neighbors} is more than the {len(X)} windows of X: give at most {len(X)}")
        labels = self._labels(len(X), style=style, drummer=drummer) if neighbors else None
        seed = check_random_state(self.random_state).randint(2**31 - 1)
        calibration = self.calibration_ = QuantileCalibration()  # no maps yet: the takes are the network's own
        if written.any():
            calibration.hit_bias_ = np.zeros(N_VOICES, np.float32)
            for _ in range(HIT_ROUNDS):
                take = self.sample_y(X, 1, seed, temperature=temperature)[..., 0]
                calibration.hit_bias_ = updated_hit_bias(calibration.hit_bias_, take, y, written)
        calibration.fit(self.sample_y(X, 1, seed, temperature=temperature)[..., 0], y)
        calibration.velocity_sharing_ = float(velocity_sharing)
        calibration.hit_repetition_ = float(hit_repetition)
        if repeat_bars:  # from a take with the rest of the calibration
            take = self.sample_y(X, 1, seed, temperature=temperature)[..., 0]
            calibration.bar_repeat_ = bar_repeat(X, take, y, written)
        if neighbors:
            calibration.neighbors_, calibration.continuity_ = neighbors, float(continuity)
            order = np.random.default_rng(seed).permutation(len(X))  # equally like examples: one at random
            calibration.examples_ = examples_of(X[order], y[order], written,
                                                None if labels is None else self._label_ids(labels[order]))
        return self

    def _label_ids(self, labels):
        """(n, 2) int16: each window's style and drummer as their index among the learned ones (-1: none), of the
        one-hot ``labels`` of :meth:`_labels`."""
        ids, start = np.full((len(labels), len(KINDS)), -1, np.int16), 0
        for k, kind in enumerate(KINDS):
            known = getattr(self, kind + "s_", None)
            if known is not None:
                block = labels[:, start : start + len(known)]
                ids[:, k] = np.where(block.any(axis=1), block.argmax(axis=1), -1)
                start += len(known)
        return ids

    def _written_voices(self):
        """(9,) bool: the voices whose hits the model draws (none: it plays its input's hits, as a transfer does)."""
        return np.zeros(N_VOICES, bool)

    def _calibrated(self, name):
        """What ``calibration_`` learned of takes (``"maps_"``, ``"hit_bias_"``, ``"velocity_sharing_"``,
        ``"hit_repetition_"``), or None."""
        return getattr(getattr(self, "calibration_", None), name, None)

    def _labels(self, n, drop=None, **given):
        """One-hot labels of each window (``given``: a label or one a window, for each of ``_labels.KINDS``),
        (n, n_styles + n_drummers), or None for a model without them.

        A label not given is all zeros (the model plays with none); ``drop``, a
        generator, hides each label of a fifth of the windows (in training).
        """
        parts = []
        for kind in KINDS:
            known = getattr(self, kind + "s_", None)  # None: fitted without
            if known is None:
                if given.get(kind) is not None:
                    raise ValueError(f"this model was fitted without {kind}s: give none, or fit it with {kind}=...")
                continue
            onehot = one_hot(given.get(kind), n, known, kind)  # None: that window plays with none
            if drop is not None:
                onehot[drop.random(n) < _LABEL_DROPOUT] = 0.0
            parts.append(onehot)
        return np.concatenate(parts, axis=1) if parts else None

    # -- decoding -------------------------------------------------------------------
    def sample_y(self, X, n_samples=1, random_state=None, *, temperature=1.0, style=None, drummer=None, prefix=None,
                 sound_taps=True):
        """Sampled performances (takes) of ``X``, as scikit-learn's ``GaussianProcessRegressor.sample_y``.

        Each take is drawn at ``temperature`` from its own seed, drawn from
        ``random_state``; the model's own ``temperature`` and
        ``random_state`` are neither read nor changed, so several threads may
        sample one model at once. The first take from a seed is the one
        ``set_params(temperature=t, random_state=seed).predict(X)`` plays.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_steps, n_input_features)
        n_samples : int, default=1
            Takes of each window.
        random_state : int, RandomState instance or None, default=None
        temperature : float, default=1.0
            0: the most likely performance (every take the same).
        style, drummer : str or array-like of shape (n_windows,), default=None
            As for :meth:`predict`.
        prefix : array-like of shape (n_windows, n_prefix_steps, 27), default=None
            The first steps of each window as already played (in a song: the
            bar before, as the window before played it). Each take keeps them
            and goes on from them: a decoder that reads its previous steps
            (``decoder="autoregressive"`` or ``"both"``) reads them as its
            own, so that a beat keeps its identity from window to window
            (:func:`sklearn_groove.songs.predict_song` with
            ``blend="continue"``).
        sound_taps : bool, default=True
            As for :meth:`predict` (a model that reads taps; False lets a tap
            rest).

        Returns
        -------
        takes : ndarray of shape (n_windows, n_steps, 27, n_samples), float32
            ``takes[..., k]`` is the k-th take.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_groove import GrooveSeq2Seq, join_hvo
        >>> h = (np.random.default_rng(0).random((16, 32, 9)) < 0.2).astype(np.float32)
        >>> model = GrooveSeq2Seq(output="gaussian", module__encoder_size=8, module__latent_size=4,
        ...                       module__decoder_size=8, max_epochs=1, random_state=0)
        >>> model = model.fit(h, join_hvo(h, h * 0.7, h * 0.05))
        >>> takes = model.sample_y(h[:2], n_samples=3, random_state=7)
        >>> takes.shape, bool((takes == model.sample_y(h[:2], n_samples=3, random_state=7)).all())
        ((2, 32, 27, 3), True)
        """
        check_is_fitted(self)
        check_count(n_samples, "n_samples")
        temperature = check_temperature(temperature)
        seeds = take_seeds(random_state, n_samples) if temperature > 0 else [None] * n_samples
        taps = {} if sound_taps else {"sound_taps": False}  # a transfer plays no taps
        return np.stack([self._play(X, temperature, seed, style, drummer, prefix=prefix, **taps) for seed in seeds],
                        axis=-1)

    def _seed(self):
        """The seed of ``predict``'s draws: from ``random_state`` where ``temperature`` samples, else None."""
        return take_seeds(self.random_state)[0] if self.temperature > 0 else None

    def _perform(self, X, temperature, seed, labels=None, z=None, sound_taps=True, prefix=None):
        """hvo (n, n_steps, 27) of the network playing windows ``X`` (from latent vectors ``z`` where given) at
        ``temperature``, drawn from ``seed``, going on from ``prefix``: through the one player (:mod:`._player`)
        the ONNX file also is."""
        from ._player import NetworkPlayer, play

        player = NetworkPlayer(self, sound_taps=sound_taps)
        given, kept = (None, None) if prefix is None else prefix_steps(prefix, X.shape[:2])
        return check_hvo(play(player, X, check_temperature(temperature), seed, labels=labels, z=z, given=given,
                              kept=kept))

    def _embed(self, encoder_input):
        """Means of z for each window."""
        import torch

        from ._player import BATCH, tensor

        z = [np.zeros((0, self.module_.latent_size), np.float32)]
        with torch.no_grad():
            for i in range(0, len(encoder_input), BATCH):
                z.append(self.module_.encode(tensor(encoder_input[i : i + BATCH]))[0].numpy())
        return np.concatenate(z)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.temperature > 0
        return tags


_COMMON_DOC = """
    decoder : {"autoregressive", "parallel", "both"}, default="autoregressive"
        "autoregressive": the paper's decoder, fed at each step its output at
        the step before (the true one in training). "parallel": the decoder
        reads only z and its condition, so training and decoding see the same
        inputs, decoding does not drift on its own guesses and all steps are
        decoded in one pass; with temperature above 0 the steps are then
        drawn independently given z. "both": a parallel decoder plays
        temperature 0 and a small autoregressive one
        (``module__sampler_size`` units) samples the takes, both from one
        encoder, trained together (the shipped ``humanize``;
        ``fit_likeliest`` trains the first again).
    output : {"mse", "gaussian"}, default="mse"
        Velocity and offset heads: a point estimate trained with squared
        error, or a Gaussian (mean and standard deviation) trained by
        likelihood, which ``temperature > 0`` samples from.
    temperature : float, default=0.0
        0: deterministic decoding (hits where their probability is above the
        threshold, mean velocity and offset). Above 0: hits and, with a
        Gaussian head, velocities and offsets are drawn, reproducibly under
        ``random_state``.
    label_strength : float, default=1.0
        For a model fitted with ``style`` or ``drummer``: how strongly the
        labels asked for in ``predict`` move the velocities and offsets. 1: as
        the model learned them; 0: as with no label; above 1, a take
        (temperature above 0) moves further away from how it plays with no
        label (classifier-free guidance: the shipped ``humanize`` uses 2,
        chosen on validation), while temperature 0 plays the labels as
        learned (on validation, more moved the likeliest performance away
        from the drummer's).
    lr : float, default=1e-3
        Adam's learning rate.
    batch_size : int, default=64
    max_epochs : int, default=20
    callbacks : list of skorch callbacks, default=None
        Added to the network's, such as ``skorch.callbacks.Checkpoint``,
        :class:`~sklearn_groove.neural.WeightAverage` (weights averaged over
        the last batches) or ``skorch.callbacks.EarlyStopping(patience=3,
        load_best=True)``, which watches the validation loss (of ``X_val``,
        else of a tenth of the training windows, then held out).
    device : str, default="cpu"
        torch device for training, such as ``"cuda"``; decoding runs on the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the shuffling and the sampling (torch's global
        generator is left as it was).
    verbose : int, default=0
        1 prints skorch's table of losses, one line an epoch (without colour
        codes where the output is not a terminal), and in a terminal a
        progress bar of each epoch's batches with the time left.
    module__encoder_size : int, default=512
        The network's settings, which skorch passes to ``GrooveNet`` (a grid
        search reaches them as any parameter): units per direction of the
        bidirectional LSTM encoder.
    module__latent_size : int, default=256
        Size of z.
    module__decoder_size : int, default=256
        Units per decoder layer.
    module__decoder_layers : int, default=2
    module__dropout : float, default=0.0
    module__sampler_size : int, default=128
        Units of the autoregressive decoder that samples, with ``decoder="both"``.
    module__sampler_steps : int, default=1
        Steps that decoder draws from each of its states, with
        ``decoder="both"``: it reads the steps before them side by side, and
        each step but the first also reads the one drawn just before it
        (through a linear map). 2 halves the steps its LSTM runs in a take;
        windows are then of an even number of steps (2 bars always are).
"""




def document(cls):
    """``cls`` with the shared parameters written into its docstring (where it says ``%(common)s``)."""
    cls.__doc__ = cls.__doc__.replace("    %(common)s\n", _COMMON_DOC.lstrip("\n") + "\n")
    return cls

"""GrooveSeq2Seq and GrooveTransfer: the paper's recurrent models, trained with skorch.

Both own a ``skorch.NeuralNet`` in ``net_`` (also when loaded from
:mod:`sklearn_groove.pretrained`). Their shared parameters live once, in
``_GrooveRecurrent.__init__`` and its ``_parameter_constraints``; the sizes of
the network are ``module__*`` settings, as in skorch
(``GrooveSeq2Seq(module__encoder_size=64)``), whose defaults are those of
:class:`~sklearn_groove.neural._modules.GrooveNet`.

torch and skorch are imported when a model is fitted or used, so that
``import sklearn_groove`` stays light.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._base import GrooveEstimator, check_n_samples, check_temperature, fit_labels, flatten, validate_hits, validate_inputs
from .._labels import one_hot
from .._hvo import N_VOICES, check_hvo, check_voices, split_hvo, take_seeds
from ..neighbors import top_k_similar

__all__ = ["MODULE_PARAMS", "GrooveSeq2Seq", "GrooveTransfer"]

_PREDICT_BATCH = 1024
_UNSAVED = ("callbacks", "verbose", "device")  # settings of a training run, not of the fitted model
_N_TAP_FEATURES = 3  # a taps input: the tap, its velocity and its offset at each step (preprocessing.Tapper)
_VALIDATION_FRACTION = 0.1  # of the training windows held out for early stopping when no X_val is given

# The network's settings a user may give as ``module__NAME`` (their defaults: GrooveNet's signature).
MODULE_PARAMS = {
    "encoder_size": [Interval(Integral, 1, None, closed="left")],
    "latent_size": [Interval(Integral, 1, None, closed="left")],
    "decoder_size": [Interval(Integral, 1, None, closed="left")],
    "decoder_layers": [Interval(Integral, 1, None, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left")],
}


def _print_log(text):
    """skorch's table of losses, without its colour codes where the output is not a terminal (a log file)."""
    import re
    import sys

    print(text if sys.stdout.isatty() else re.sub(r"\x1b\[[0-9;]*m", "", text), flush=True)


def _writable(a):
    """``a`` as a C-ordered, writable float32 array (a copy only where needed), as torch wants it."""
    return np.require(a, dtype=np.float32, requirements=["C", "W"])


def _tied_to_mean(source, target):
    """``(source, target)`` with the targets of equal source quantiles (such as many draws clipped at 1) averaged.

    A value the model plays often (a point mass) then maps to the middle of
    the drummers' values over the same quantiles, not to one end of them.
    """
    target = target.copy()
    _, run, counts = np.unique(source, return_inverse=True, return_counts=True)
    target[:] = (np.bincount(run, target) / counts)[run]
    return source, target


def _check_stored_shapes(estimator, sizes, state):
    """A ValueError unless the network a saved file describes has exactly the shapes of the tensors it stores.

    The network is built on PyTorch's meta device (shapes, no memory), so a
    description that asks for a huge network is refused without allocating it.
    """
    import torch

    with torch.device("meta"):
        expected = {k: tuple(v.shape) for k, v in estimator._build_module(*sizes).state_dict().items()}
    stored = {k: tuple(v.shape) for k, v in state["module"].items()}
    scales = state.get("scales", {})
    wrong = sorted(k for k in expected.keys() | stored.keys() if expected.get(k) != stored.get(k))
    wrong += sorted(k for k, v in scales.items() if k not in stored or tuple(v.shape) != (stored[k][0], 1))
    if wrong:
        first = wrong[0]
        raise ValueError(f"the described network does not match the stored weights ({len(wrong)} tensors differ; "
                         f"{first}: described {expected.get(first)}, stored {stored.get(first)})")


class _GrooveRecurrent(GrooveEstimator):
    """What GrooveSeq2Seq and GrooveTransfer share: parameters, the network, training, decoding."""

    _reads_any_length = True  # the recurrent networks play windows of any length (2 bars of 3/4: 24 steps)

    _parameter_constraints = {
        "decoder": [StrOptions({"autoregressive", "parallel"})],
        "output": [StrOptions({"mse", "gaussian"})],
        "temperature": [Interval(Real, 0, None, closed="left")],
        "label_strength": [Interval(Real, 0, None, closed="left")],
        "calibration": [StrOptions({"quantile"}), None],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
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
        calibration=None,
        lr=1e-3,
        batch_size=64,
        max_epochs=20,
        patience=None,
        callbacks=None,
        device="cpu",
        random_state=None,
        verbose=0,
        **module_params,
    ):
        self.decoder = decoder
        self.output = output
        self.temperature = temperature
        self.label_strength = label_strength
        self.calibration = calibration
        self.lr = lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        for key, value in module_params.items():
            if not key.startswith("module__"):
                raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument {key!r}")
            setattr(self, key, value)

    # -- module__* settings, as skorch's NeuralNet has them ---------------------------
    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update({k: v for k, v in vars(self).items() if k.startswith("module__")})
        return params

    def set_params(self, **params):
        module = {k: params.pop(k) for k in list(params) if k.startswith("module__")}
        for key, value in module.items():
            setattr(self, key, value)
        return super().set_params(**params)

    def _validate_params(self):
        unknown = [k for k in vars(self) if k.startswith("module__") and k[len("module__") :] not in MODULE_PARAMS]
        if unknown:
            known = ", ".join("module__" + name for name in MODULE_PARAMS)
            raise ValueError(f"{type(self).__name__} has no setting {unknown[0]!r}; the network's settings are {known}")
        super()._validate_params()

    def module_params(self):
        """Every setting of the network, given (``module__*``) or default: name -> value.

        Examples
        --------
        >>> from sklearn_groove import GrooveSeq2Seq
        >>> GrooveSeq2Seq(module__encoder_size=64).module_params()["encoder_size"]
        64
        """
        import inspect

        from ._modules import GrooveNet

        defaults = inspect.signature(GrooveNet).parameters
        return {name: getattr(self, "module__" + name, defaults[name].default) for name in MODULE_PARAMS}

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

    def _build_module(self, n_input, n_condition):
        """The network for these parameters (for fit, and for ``pretrained.load``)."""
        from ._modules import GrooveNet

        return GrooveNet(
            n_input,
            n_voices=N_VOICES,
            variational=self._variational,
            n_condition=n_condition,
            output=self.output,
            autoregressive=self.decoder == "autoregressive",
            **self.module_params(),
        )

    def _initialize_net(self, module, train_split=None, callbacks=(), playing=False):
        """``net_``: a skorch NeuralNet around ``module`` (a fitted one when loaded, ``playing``: no optimizer)."""
        import sys

        import torch
        from skorch.callbacks import ProgressBar

        from ._modules import GrooveLoss
        from ._net import GrooveNeuralNet

        from ._callbacks import TimeLeft

        callbacks = list(callbacks)
        if self.verbose and sys.stderr.isatty():  # batches and time left within each epoch, in a terminal
            callbacks.append(ProgressBar())
        if not playing:  # after the first epoch: how long the whole fit takes
            callbacks.append(("time_left", TimeLeft(type(self).__name__, self.verbose)))

        self.net_ = GrooveNeuralNet(
            module,
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
            device=self.device,
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
        import torch

        from ._player import conditioned

        previous = np.concatenate([np.zeros_like(y[:, :1]), y[:, :-1]], axis=1)
        inputs = {"x": self._encoder_input(X, y), "previous": previous}
        as_tensor = lambda a: None if a is None else torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
        condition = conditioned(as_tensor(X), *self._decoder_reads(), labels=as_tensor(labels))
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
        if self.patience is not None:
            callbacks.append(EarlyStopping(monitor="valid_loss", patience=self.patience, load_best=True))
        if validation is not None:
            train_split = predefined_split(Dataset(self._inputs(*validation, validation_labels), validation[1]))
        elif self.patience is not None:
            train_split = ValidSplit(_VALIDATION_FRACTION, random_state=seed)
        else:
            train_split = None
        with torch.random.fork_rng(devices=[]):  # seeded here without touching torch's global generator
            torch.manual_seed(seed)
            module = self._build_module(inputs["x"].shape[-1], 0 if condition is None else condition.shape[-1])
            self._initialize_net(module, train_split, callbacks)
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
            shown each epoch and, with ``patience``, decides when to stop,
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
        self.styles_, style = fit_labels(style, len(X), "style")
        self.drummers_, drummer = fit_labels(drummer, len(X), "drummer")
        rng = np.random.default_rng(check_random_state(self.random_state).randint(2**31 - 1))
        labels = self._labels(style, drummer, len(X), drop=rng)
        validation_labels = None
        if validation is not None and labels is not None:
            for name, given, known in (("style", style_val, self.styles_), ("drummer", drummer_val, self.drummers_)):
                if known is not None and given is None:
                    raise ValueError(f"{name} is given for the training windows: give {name}_val for X_val too")
            validation_labels = self._labels(_known_only(style_val, self.styles_),
                                             _known_only(drummer_val, self.drummers_), len(validation[0]))
        self._fit(X, y, validation, labels, validation_labels)
        self.calibration_ = None
        if self.calibration is not None:
            self.calibration_ = self._learn_calibration(X, y)
        return self

    def _learn_calibration(self, X, y, n_quantiles=101):
        """(2, 2, 9, n_quantiles): for velocities and offsets, per voice, quantiles of those sampled and of ``y``'s.

        ``X`` is played once at temperature 1, with no label, from a seed
        drawn from ``random_state``; each voice's values are taken where it
        plays. A voice with fewer than two hits, played or in ``y``, keeps its
        values (an identity map).
        """
        seed = check_random_state(self.random_state).randint(2**31 - 1)
        sampled = split_hvo(self.sample_y(X, 1, seed, temperature=1.0)[..., 0])
        drummers = split_hvo(y)
        q = np.linspace(0, 1, n_quantiles)
        calibration = np.zeros((2, 2, N_VOICES, n_quantiles))
        for part, (low, high) in ((1, (0.0, 1.0)), (2, (-0.5, 0.5))):  # velocities, offsets
            for k in range(N_VOICES):
                values = [hvo[part][..., k][hvo[0][..., k] > 0] for hvo in (sampled, drummers)]
                identity = np.linspace(low, high, n_quantiles)
                calibration[part - 1, :, k] = (identity, identity) if min(map(len, values)) < 2 else _tied_to_mean(
                    *(np.quantile(v, q) for v in values))
        return calibration.astype(np.float32)

    def _sampling_calibration(self):
        """The maps sampled performances pass through: ``calibration_`` where ``calibration`` asks for it, or None."""
        return None if self.calibration is None else getattr(self, "calibration_", None)

    def _labels(self, style, drummer, n, drop=None):
        """One-hot style and drummer of each window, (n, n_styles + n_drummers), or None for a model without them.

        A label not given is all zeros (the model plays with none); ``drop``, a
        generator, hides each label of a fifth of the windows (in training).
        """
        parts = []
        known_labels = (getattr(self, "styles_", None), getattr(self, "drummers_", None))  # None: fitted without
        for (name, given), known in zip((("style", style), ("drummer", drummer)), known_labels):
            if known is None:
                if given is not None:
                    raise ValueError(f"this model was fitted without {name}s: give none, or fit it with {name}=...")
                continue
            onehot = one_hot(given, n, known, name)  # None: that window plays with none
            if drop is not None:
                onehot[drop.random(n) < _LABEL_DROPOUT] = 0.0
            parts.append(onehot)
        return np.concatenate(parts, axis=1) if parts else None

    # -- the saved format (sklearn_groove.pretrained) ----------------------------------
    def _to_state(self, int8=True, groove_variance=None):
        """What :meth:`_from_state` rebuilds this fitted model from: (JSON-able description, tensors)."""
        check_is_fitted(self)
        from ._persist import quantize

        weights, scales = quantize(self.module_, int8)
        params = {k: v for k, v in self.get_params(deep=False).items() if k not in _UNSAVED and not k.startswith("module__")}
        params.update({"module__" + k: v for k, v in self.module_params().items()})
        meta = {
            "estimator": type(self).__name__,
            "params": params,
            "n_steps": int(self.n_features_in_),
            "n_input_features": int(self.n_input_features_),
            "n_encoder_features": int(self.module_.encoder.input_size),
            "n_condition_features": int(self.module_.n_condition),
            **{key: None if getattr(self, key + "_", None) is None else list(getattr(self, key + "_"))
               for key in ("styles", "drummers")},
        }
        state = {"module": weights, **({"scales": scales} if scales else {})}
        if getattr(self, "calibration_", None) is not None:
            import torch

            state["calibration"] = torch.from_numpy(self.calibration_)
        return meta, state

    @classmethod
    def _from_state(cls, meta, state):
        """The fitted model that :meth:`_to_state` described, its network in ``net_``."""
        from ._persist import dequantize

        sizes = ("n_steps", "n_input_features", "n_encoder_features", "n_condition_features")
        bad = [k for k in sizes if not (type(meta.get(k)) is int and meta[k] >= (k != "n_condition_features"))]
        if bad:
            raise ValueError(f"{bad[0]} must be a whole number (above 0), got {meta.get(bad[0])!r}")
        expected = {*cls._get_param_names(), *("module__" + name for name in MODULE_PARAMS)} - set(_UNSAVED)
        missing = sorted(expected - set(meta["params"]))
        if missing:  # a default would fill them in, and could change the model without a word
            raise ValueError(
                f"the saved {meta['estimator']} does not say {', '.join(missing)}: every parameter must be saved "
                "(sklearn_groove.pretrained.upgrade fills in those of older formats)"
            )
        estimator = cls(**meta["params"])
        estimator.styles_, estimator.drummers_ = (
            None if meta.get(key) is None else np.array(meta[key]) for key in ("styles", "drummers")
        )
        estimator.calibration_ = state["calibration"].numpy() if "calibration" in state else None
        estimator.n_features_in_ = meta["n_steps"]
        estimator.n_input_features_ = meta["n_input_features"]
        estimator._check_settings(estimator.n_input_features_)
        sizes = (meta["n_encoder_features"], meta["n_condition_features"])
        _check_stored_shapes(estimator, sizes, state)  # before anything of the described size is allocated
        module = estimator._build_module(*sizes)
        module.load_state_dict(dequantize(state["module"], state.get("scales", {})))
        estimator._initialize_net(module.eval(), playing=True)
        return estimator

    # -- decoding -------------------------------------------------------------------
    def sample_y(self, X, n_samples=1, random_state=None, *, temperature=1.0, style=None, drummer=None):
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
        check_n_samples(n_samples)
        temperature = check_temperature(temperature)
        seeds = take_seeds(random_state, n_samples) if temperature > 0 else [None] * n_samples
        return np.stack([self._play(X, temperature, seed, style, drummer) for seed in seeds], axis=-1)

    def _seed(self):
        """The seed of ``predict``'s draws: from ``random_state`` where ``temperature`` samples, else None."""
        return take_seeds(self.random_state)[0] if self.temperature > 0 else None

    def _perform(self, X, temperature, seed, labels=None, z=None, sound_taps=True):
        """hvo (n, n_steps, 27) of the network playing windows ``X`` (from latent vectors ``z`` where given) at
        ``temperature``, drawn from ``seed``: through the one player (:mod:`._player`) the ONNX file also is."""
        from ._player import NetworkPlayer, play

        player = NetworkPlayer(self, sound_taps=sound_taps)
        return check_hvo(play(player, X, check_temperature(temperature), seed, labels=labels, z=z))

    def _embed(self, encoder_input):
        """Means of z for each window."""
        import torch

        z = [np.zeros((0, self.module_.latent_size), np.float32)]
        with torch.no_grad():
            for i in range(0, len(encoder_input), _PREDICT_BATCH):
                z.append(self.module_.encode(torch.as_tensor(_writable(encoder_input[i : i + _PREDICT_BATCH])))[0].numpy())
        return np.concatenate(z)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.temperature > 0
        return tags


_COMMON_DOC = """
    decoder : {"autoregressive", "parallel"}, default="autoregressive"
        "autoregressive": the paper's decoder, fed at each step its output at
        the step before (the true one in training). "parallel": the decoder
        reads only z and its condition, so training and decoding see the same
        inputs, decoding does not drift on its own guesses and all steps are
        decoded in one pass; with temperature above 0 the steps are then
        drawn independently given z.
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
        the model learned them; above 1, further away from how it plays with
        no label (classifier-free guidance: the shipped ``humanize_styles``
        uses 2, chosen on validation); 0: as with no label.
    calibration : {"quantile"} or None, default=None
        "quantile": after training, ``fit`` samples the training windows
        once at temperature 1 and learns, voice by voice, the monotone maps
        that take the distributions of the sampled velocities and offsets
        onto the drummers' (``calibration_``); sampled performances
        (temperature above 0) then pass through them. A Gaussian per note,
        clipped at 1, places accents unlike drummers, who play many notes at
        full velocity; mapped, the shipped ``humanize`` plays takes that a
        classifier tells from the drummers' less often. No effect at
        temperature 0.
    lr : float, default=1e-3
        Adam's learning rate.
    batch_size : int, default=64
    max_epochs : int, default=20
    patience : int or None, default=None
        Early stopping: stop when the validation loss (of ``X_val``, else of
        a tenth of the training windows, held out) has not improved for this
        many epochs, keeping the best weights. None: train ``max_epochs``.
    callbacks : list of skorch callbacks, default=None
        Added to the network's, such as ``skorch.callbacks.Checkpoint`` or
        :class:`~sklearn_groove.neural.WeightAverage` (weights averaged over
        the last batches).
    device : str, default="cpu"
        torch device for training, such as ``"cuda"``; decoding runs on the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the shuffling and the sampling (torch's global
        generator is left as it was).
    verbose : int, default=0
        1 prints skorch's table of losses, one line an epoch (without colour
        codes where the output is not a terminal), and in a terminal a
        progress bar of each epoch's batches with the time left.
    **module_params
        The network's settings, as ``module__NAME=value``:
        ``module__encoder_size`` (512, units per direction of the
        bidirectional LSTM encoder), ``module__latent_size`` (256, size of z),
        ``module__decoder_size`` (256, units per decoder layer),
        ``module__decoder_layers`` (2) and ``module__dropout`` (0.0).
"""


_LABEL_DROPOUT = 0.2  # of the training windows shown without their style, and without their drummer


def _known_only(labels, known):
    """Validation labels with those the training windows lack as None: those windows play with no label."""
    if labels is None or known is None:
        return None
    return [x if x in set(known) else None for x in np.asarray(labels).astype(str).tolist()]


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
    calibration_ : ndarray of shape (2, 2, 9, 101) or None
        With ``calibration="quantile"``: for the velocities and the offsets,
        per voice, quantiles of those sampled at temperature 1, and the same
        quantiles of the drummers'.

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
        calibration=None,
        lr=1e-3,
        batch_size=64,
        max_epochs=20,
        patience=None,
        callbacks=None,
        device="cpu",
        random_state=None,
        verbose=0,
        **module_params,
    ):
        super().__init__(
            decoder=decoder,
            output=output,
            temperature=temperature,
            label_strength=label_strength,
            calibration=calibration,
            lr=lr,
            batch_size=batch_size,
            max_epochs=max_epochs,
            patience=patience,
            callbacks=callbacks,
            device=device,
            random_state=random_state,
            verbose=verbose,
            **module_params,
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

    def _play(self, X, temperature, seed, style=None, drummer=None, sound_taps=True):
        """:meth:`predict` at ``temperature``, drawn from ``seed``."""
        X = self._validate_X(X, reset=False)
        return self._perform(X, temperature, seed, self._labels(style, drummer, len(X)), sound_taps=sound_taps)


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
        calibration=None,
        lr=1e-3,
        batch_size=64,
        max_epochs=20,
        patience=None,
        callbacks=None,
        device="cpu",
        random_state=None,
        verbose=0,
        **module_params,
    ):
        super().__init__(
            decoder=decoder,
            output=output,
            temperature=temperature,
            label_strength=label_strength,
            calibration=calibration,
            lr=lr,
            batch_size=batch_size,
            max_epochs=max_epochs,
            patience=patience,
            callbacks=callbacks,
            device=device,
            random_state=random_state,
            verbose=verbose,
            **module_params,
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

    def _to_state(self, int8=True, groove_variance=0.999):
        """As the other recurrent models, and the training grooves as their leading principal components.

        The fewest components that keep ``groove_variance`` of the grooves' variance are stored (the KL
        term leaves z in a low-dimensional subspace); the training hits are stored as bits.
        """
        import torch

        from ._persist import principal_components

        meta, state = super()._to_state(int8)
        state["train_hits"] = torch.from_numpy(np.packbits(self.train_hits_.astype(bool), axis=1))
        mean, basis, coords = principal_components(self.train_grooves_, explained=groove_variance)
        state.update(groove_mean=torch.from_numpy(mean), groove_basis=torch.from_numpy(basis).half())
        state["groove_coords"] = torch.from_numpy(coords).half()
        return meta, state

    @classmethod
    def _from_state(cls, meta, state):
        estimator = super()._from_state(meta, state)
        n = meta["n_steps"] * N_VOICES
        estimator.train_hits_ = np.unpackbits(state["train_hits"].numpy(), axis=1)[:, :n].astype(np.float32)
        coords, basis = state["groove_coords"].float().numpy(), state["groove_basis"].float().numpy()
        estimator.train_grooves_ = coords @ basis + state["groove_mean"].float().numpy()
        return estimator

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
        return self._perform(hits, self.temperature, self._seed(), self._labels(style, drummer, len(hits)), z=z)

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

    def _play(self, X, temperature, seed, style=None, drummer=None):
        """:meth:`predict` at ``temperature``, drawn from ``seed``."""
        hits = self._validate_X(X, reset=False)
        if hits.shape[1] != self.n_features_in_:  # the network reads any length; the neighbours are whole windows
            raise ValueError(
                f"X has {hits.shape[1]} steps, but GrooveTransfer.predict compares windows with its training windows "
                f"of {self.n_features_in_} steps; give windows of {self.n_features_in_} steps, or play another "
                "length with transfer(groove, X)"
            )
        z = np.zeros((len(hits), self.module_.latent_size), np.float32)
        for i in range(0, len(hits), _PREDICT_BATCH):
            neighbors = top_k_similar(flatten(hits[i : i + _PREDICT_BATCH]), self.train_hits_, self.n_neighbors)
            z[i : i + _PREDICT_BATCH] = self.train_grooves_[neighbors].mean(axis=1)
        return self._perform(hits, temperature, seed, self._labels(style, drummer, len(hits)), z=z)

    def __sklearn_tags__(self):
        from sklearn.utils import TransformerTags

        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags()  # transform: performances -> groove embeddings
        return tags


for _cls in (GrooveSeq2Seq, GrooveTransfer):
    _cls.__doc__ = _cls.__doc__.replace("    %(common)s\n", _COMMON_DOC.lstrip("\n") + "\n")

"""The task registry: what each task reads, writes, ships and trains, defined once.

The command line, the benchmarks and the training scripts read this registry;
adding a task is one entry of :data:`TASKS`.

Examples
--------
>>> import numpy as np
>>> from sklearn_groove.tasks import get_task
>>> task = get_task("tap2drum")
>>> task.pretrained, task.writes_hits
('tap2drum', True)
>>> task.inputs(np.zeros((2, 32, 27), np.float32)).shape     # the taps the model reads
(2, 32, 3)
"""

from dataclasses import dataclass, field

from ._hvo import VOICES, split_hvo

__all__ = ["Task", "TASKS", "get_task"]


@dataclass(frozen=True)
class Task:
    """One task: its input transformation, the voices it writes, its shipped model and its training recipe.

    Parameters
    ----------
    name : str
    description : str
    pretrained : str
        Name of the shipped model (:func:`sklearn_groove.pretrained.load`).
    transformer : str or None
        Class name in :mod:`sklearn_groove.preprocessing` that makes the
        model's input from a performance; None: the input is the score.
    voices : tuple of str
        The voices the model writes.
    writes_hits : bool
        The model chooses the hits of its voices (Infilling, Tap2Drum);
        False: it plays the input's hits (Humanization, Groove Transfer).
    estimator : str
        Class name of the shipped network in :mod:`sklearn_groove.neural`.
    recipe : dict
        Its parameters (the shipped training settings).
    weight_average : float or None
        Decay of the :class:`~sklearn_groove.neural.WeightAverage` callback
        the recipe trains with (None: none).
    patience : int or None
        Epochs without a better validation loss after which the recipe's
        ``EarlyStopping`` callback stops training, keeping the best weights
        (None: it trains every epoch).
    help : str
        The command line's one-line help of the task's command
        (``sklearn-groove NAME``), which every task has.
    take_temperature : float
        The temperature the command plays at by default: 0 (the most likely
        performance) or a sampled take.
    velocity_sharing : float
        What the shipped model's calibration learns with
        (``calibrate(..., velocity_sharing=)``): the share of each voice's
        drawn velocities common to a window's steps.
    hit_repetition : float
        What the shipped model's calibration learns with
        (``calibrate(..., hit_repetition=)``): how much more likely a drawn
        hit is where the bar before played it.
    repeat_bars : bool
        What the shipped model's calibration learns with
        (``calibrate(..., repeat_bars=)``): a window whose bars have the
        same input hits plays its first bar again as often as a drummer's.
    neighbors : int
        What the shipped model's calibration learns with
        (``calibrate(..., neighbors=)``): above 0, a sampled take's written
        voices are one of this many training windows' most like its input.
    keeps_feel : bool
        The command keeps a performed file's own feel and the places of notes
        written off the grid (``songs.keep_feel``, ``songs.keep_rhythm``).
    reads_groove : bool
        The command also reads a ``--groove`` file, whose groove plays the input.
    """

    name: str
    description: str
    pretrained: str
    transformer: str | None
    voices: tuple = VOICES
    writes_hits: bool = False
    estimator: str = "GrooveSeq2Seq"
    recipe: dict = field(default_factory=dict)
    weight_average: float | None = None
    patience: int | None = None
    help: str = ""
    take_temperature: float = 0.0
    velocity_sharing: float = 0.0
    hit_repetition: float = 0.0
    repeat_bars: bool = False
    neighbors: int = 0
    keeps_feel: bool = False
    reads_groove: bool = False

    def make_transformer(self, voices=None):
        """The input transformation (None for a score input); ``voices`` overrides those removed for Infilling."""
        from . import preprocessing

        if self.transformer is None:
            return None
        cls = getattr(preprocessing, self.transformer)
        return cls(voices=tuple(voices or self.voices)) if self.transformer == "VoiceRemover" else cls()

    def inputs(self, hvo, voices=None):
        """What the model reads of performances ``hvo``: the score, or the transformer's output."""
        transformer = self.make_transformer(voices)
        return split_hvo(hvo)[0] if transformer is None else transformer.fit_transform(hvo)

    def make_estimator(self, voices=None, **params):
        """The task's network with the shipped recipe (``params`` override it), unfitted."""
        from . import neural

        recipe = dict(self.recipe)
        if "generate_voices" in recipe:
            recipe["generate_voices"] = tuple(voices or self.voices)
        if "callbacks" not in params:
            recipe["callbacks"] = self.callbacks()
        return getattr(neural, self.estimator)(**{**recipe, **params})

    def callbacks(self, patience=None):
        """The recipe's training callbacks: weight averaging, early stopping (after ``patience`` epochs, else the
        task's)."""
        from skorch.callbacks import EarlyStopping

        from . import neural

        patience = self.patience if patience is None else patience
        callbacks = [] if self.weight_average is None else [neural.WeightAverage(self.weight_average)]
        return callbacks + ([] if patience is None else [EarlyStopping(patience=patience, load_best=True)])


_NETWORK = {"output": "gaussian", "module__dropout": 0.3}
_SMALL = {"module__encoder_size": 256, "module__latent_size": 128}  # Infilling and Tap2Drum: smaller networks
# the models that write hits: a parallel decoder for temperature 0, an autoregressive one that samples a take (writing
# each step's hits after the steps before, so that a beat hangs together), learned with the drummers' styles
_BEATS = {"decoder": "both", "module__sampler_size": 256}

TASKS = {
    task.name: task
    for task in (
        Task(
            "humanize",
            "score -> performance: velocities and offsets for the score's hits",
            pretrained="humanize",
            transformer=None,
            # one encoder, a parallel decoder for temperature 0 and a small autoregressive one that samples (the
            # shipped humanize learns it from the drummers and from humanize_paper: benchmarks/pipeline.py)
            recipe={**_NETWORK, **_SMALL, "module__decoder_size": 256, "module__decoder_layers": 1,
                    "module__dropout": 0.1, "module__sampler_size": 128, "condition": "hits", "hits_ahead": 2,
                    "decoder": "both", "label_strength": 2.0, "max_epochs": 14},
            weight_average=0.998,
            help="give a drum part human velocities and microtiming",
            # a sampled take, chosen on the validation split by the two-sample test on whole songs, songs grouped
            # (benchmarks/results/song_realism_validation.md: 0.762 at 0.9 against 0.772 at 1.0 for the boosted
            # trees, 0.640 against 0.668 for the logistic regression)
            take_temperature=0.9,
            # a take's windows louder and softer than each other, chosen on validation among 0, 0.2, 0.3, 0.4, 0.5
            # and 0.7 (two-sample test of takes at 0.9, two seeds: boosted trees 0.624 against 0.643 at 0, logistic
            # regression 0.541 against 0.566; whole songs through the command line 0.690 and 0.553 against 0.689
            # and 0.541)
            velocity_sharing=0.3,
            keeps_feel=True,
        ),
        Task(
            "infill",
            "a performance without a voice -> that voice written (the shipped model: the closed hi-hat)",
            pretrained="infill_closed_hihat",
            transformer="VoiceRemover",
            voices=("closed_hihat",),
            writes_hits=True,
            recipe={**_NETWORK, **_SMALL, **_BEATS, "condition": "input", "generate_voices": ("closed_hihat",),
                    "hit_threshold": 0.3},
            patience=3,
            help="write a missing voice (the closed hi-hat) for a beat",
            # a sampled take, chosen on the validation split as tap2drum's (realism.py --part beats): 0.667 at 0.9
            # against 0.684 at 0.8 and 0.675 at 1.0 (boosted trees, beat), 0.575 against 0.580 and 0.593
            take_temperature=0.9,
            # a take's closed hi-hat drawn from the 5 training windows most like the input, chosen on validation
            # (critics of realism.py --part beats, raw / beat / logistic regression; first in a script of the same
            # critics: 1 example 0.538 / 0.534 / 0.472, 5 0.549 / 0.538 / 0.502, 20 0.556 / 0.545 / 0.509; likeness
            # by cosine of the hits, against Hamming 0.585 raw and hits in common 0.648; offsets rounded to 254ths
            # were told apart, 0.587 against 0.551: GMD's are whole 120ths, kept exactly). An example without a
            # closed hi-hat is drawn only for a window that plays more than kick and snare (a plain beat always
            # gets a part): 0.565 / 0.566 / 0.510 against 0.551 / 0.562 / 0.509 with no such rule, while leaving
            # out every silent example gave 0.628 / 0.618 / 0.544 and a likeness cost of 0.05 for them 0.588 /
            # 0.590 / 0.526 (the drummers leave 16% of windows without one, 94% of those play a voice past kick and
            # snare). The shipped model, realism.py --part beats --subset validation: 0.549 / 0.555 / 0.496,
            # against the network's draws at 0.9 0.647 / 0.667 / 0.581. Across songs played window after window,
            # continuity 0.5 repeats bars as the drummers do (Jaccard 0.588, the drummers' 0.575; 0: 0.542)
            neighbors=5,
        ),
        Task(
            "tap2drum",
            "taps (one rhythm, its velocities and offsets) -> a whole beat",
            pretrained="tap2drum",
            transformer="Tapper",
            writes_hits=True,
            recipe={**_NETWORK, **_SMALL, **_BEATS, "condition": "input", "hit_threshold": 0.3, "label_strength": 1.5},
            weight_average=0.998,
            help="turn a tapped rhythm into a drum beat",
            # a sampled take, chosen on the validation split by the two-sample test of the beats (critics reading
            # the hits too: benchmarks/realism.py --part beats --subset validation --temperatures 0.7,0.8,0.9), the
            # hit biases learned at that temperature: 0.678 at 0.8 against 0.689 at 0.9 (boosted trees), 0.620
            # against 0.635 (logistic regression); label_strength 1.5 by benchmarks/control.py (see tap2drum.json)
            take_temperature=0.8,
            # as humanize's; on validation (takes at 0.8): 0.660 against 0.678 with none (boosted trees, beat), 0.602
            # against 0.620 (logistic regression); only 0.3 was tried
            velocity_sharing=0.3,
            # each bar's hits leaning to the bar before's, chosen on validation (takes at 0.8) among 0, 0.3, 0.5,
            # 0.7 and 1: see tap2drum.json's chosen_on_validation
            hit_repetition=0.5,
            # identical consecutive bars of whole validation songs 0.064 with it, 0.011 without, the drummers' 0.054;
            # the critics as before (see tap2drum.json's chosen_on_validation)
            repeat_bars=True,
        ),
        Task(
            "transfer",
            "a score and another beat's performance -> the score played with that groove",
            pretrained="groove_transfer",
            transformer=None,
            estimator="GrooveTransfer",
            recipe={"output": "gaussian", "beta": 0.2},
            patience=3,
            help="play one beat's score with another beat's groove",
            reads_groove=True,
        ),
    )
}


def get_task(name):
    """The registered task ``name``; a ValueError lists the known ones."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(TASKS)}")
    return TASKS[name]

"""Whole songs through 2-bar models: windows in, one blended performance out."""

import numpy as np

from ._hvo import (
    MAX_OFFSET,
    STEPS_PER_BAR,
    VOICES,
    STEPS_PER_BEAT,
    check_hits,
    check_hvo,
    join_hvo,
    split_hvo,
)
from .midi import stitch_hvo, window_hvo

__all__ = ["VELOCITY_FLOOR", "feel", "floor_velocities", "is_performed", "keep_feel", "keep_rhythm", "one_take",
           "predict_song"]

#: Mean distance from the grid, in steps, above which a song counts as performed (2.5 ms at 120 bpm).
PERFORMED = 0.02
#: Distance from the 16th grid, in steps, above which a note of a quantized song is written off the grid
#: (a triplet, a 32nd, a flam's grace note) rather than on it; tick rounding stays below it.
OFF_GRID = 0.06
#: Per voice, the softest MIDI velocity drummers play, save for 1% of their notes: the 1st percentile of the
#: GMD train split's velocities (``tests/test_rhythm.py`` measures it again where the dataset is).
VELOCITY_FLOOR = {"kick": 8, "snare": 7, "closed_hihat": 11, "open_hihat": 7, "low_tom": 26, "mid_tom": 29,
                  "high_tom": 32, "crash": 6, "ride": 13}

_BATCH = 32  # windows a call: a progress line moves every 32 bars, a take's batches are the same with or without it


def predict_song(predict, song, *, hits=None, bars=2, steps_per_bar=STEPS_PER_BAR, blend="mean", progress=None):
    """Perform a song of any length with a model of fixed-length windows.

    The song is cut into windows of ``bars`` bars every bar (the end padded
    with silence), each window with anything in it is performed by
    ``predict`` (a silent window stays silent, unplayed: time and memory grow
    with the song's notes, not its length), and the windows
    are blended back (:func:`~sklearn_groove.midi.stitch_hvo`): every step is
    played by the two windows that hold it, weighted towards the one where it
    is further from the edge. A hit is kept where that weighted vote is above
    one half, with the mean velocity and offset of the windows that play it.

    Parameters
    ----------
    predict : callable
        Maps windows ``(n, bars * 16, n_features)`` to performances
        ``(n, bars * 16, 27)``, such as a fitted model's ``predict``.
    song : array-like of shape (n_steps, n_features)
        The model's input for the whole song: a score, an hvo...
    hits : array-like of shape (n_steps, 9), default=None
        The hits to play (Humanization): they are the output's hits, whatever
        the windows voted.
    bars : int, default=2
        The window length the model was trained on.
    steps_per_bar : int, default=16
        16th notes a bar of the song's meter (12 for 3/4 and 6/8, 20 for
        5/4): windows are ``bars`` whole bars of it, for a model that reads
        windows of any length (the recurrent networks).
    blend : {"mean", "select", "continue"}, default="mean"
        How the two windows that hold a step make it: their weighted mean
        (above), or the one where the step is more central (a sampled take,
        see :func:`one_take`: a mean of two draws would narrow their spread).
        "continue": the windows are played one after another, each going on
        from the bars before it as they were played (``predict(windows,
        prefix)`` gets them as ``prefix``, as ``sample_y`` takes it), and
        each adds its last bar: a sampled beat keeps its identity from bar to
        bar, as a drummer's does (:func:`one_take` makes such a ``predict``).
    progress : callable ``progress(done, total)``, default=None
        Called after each batch of windows.

    Returns
    -------
    hvo : ndarray of shape (n_steps, 27)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import GrooveKNN, split_hvo
    >>> from sklearn_groove.songs import predict_song
    >>> rng = np.random.default_rng(0)
    >>> train_hits = (rng.random((40, 32, 9)) < 0.2).astype(np.float32)
    >>> train = np.concatenate([train_hits, train_hits * 0.8, train_hits * 0.1], axis=-1)
    >>> model = GrooveKNN(n_neighbors=3).fit(train_hits, train)
    >>> score = (rng.random((150, 9)) < 0.2).astype(np.float32)    # 9 bars and a bit
    >>> song = predict_song(model.predict, score, hits=score)
    >>> song.shape, bool((split_hvo(song)[0] == score).all())
    ((150, 27), True)
    """
    song = np.asarray(song, dtype=np.float32)
    if song.ndim != 2 or len(song) == 0:
        raise ValueError(f"song must be one song (n_steps, n_features) with at least one step, got {song.shape}")
    windows, start = window_hvo(song, bars=bars, hop_bars=1, steps_per_bar=steps_per_bar)
    sounding = np.flatnonzero(windows.reshape(len(windows), -1).any(axis=1))  # silence is not played, it stays
    if blend == "continue":
        played = _continued(predict, windows[sounding], start[sounding] * steps_per_bar, len(song), progress)
        return played if hits is None else join_hvo(check_hits(hits), *split_hvo(played)[1:])
    played = np.zeros(windows.shape[:2] + (27,), dtype=np.float32)
    for i in range(0, len(sounding), _BATCH):
        batch = sounding[i : i + _BATCH]
        played[batch] = np.asarray(predict(windows[batch]), dtype=np.float32)
        if progress is not None:
            progress(min(i + _BATCH, len(sounding)), len(sounding))
    h, v, o = split_hvo(played)
    stitch = lambda a: stitch_hvo(a, start, len(song), steps_per_bar=steps_per_bar, blend=blend)
    vote = stitch(h)
    if blend == "select":  # each step as one window played it
        velocity, offset = stitch(v), stitch(o)
    else:  # v and o are 0 where a window plays no hit: dividing by the vote averages them over the windows that do
        played = np.maximum(vote, 1e-6)
        velocity, offset = stitch(v) / played, stitch(o) / played
    if hits is None:
        hits = (vote > 0.5).astype(np.float32)
    else:
        hits = check_hits(hits)
        if hits.shape != vote.shape:
            raise ValueError(f"hits must have shape {vote.shape}, got {hits.shape}")
    return join_hvo(hits, np.clip(velocity, 0, 1), np.clip(offset, -0.5, MAX_OFFSET))


def _continued(predict, windows, starts, n_steps, progress=None):
    """The song (n_steps, 27) played window by window (``windows`` starting at steps ``starts``, in order), each
    going on from the steps already played that it holds (its ``prefix``), and adding those after them."""
    length = windows.shape[1]
    out = np.zeros((max(n_steps, int(np.max(starts, initial=0)) + length), 27), np.float32)
    played_until = 0
    for k, (window, begin) in enumerate(zip(windows, starts)):
        prefix = out[begin:played_until][None] if begin < played_until else None
        performance = np.asarray(predict(window[None], prefix), dtype=np.float32)[0]
        out[max(begin, played_until) : begin + length] = performance[max(played_until - begin, 0) :]
        played_until = begin + length
        if progress is not None:
            progress(k + 1, len(windows))
    return out[:n_steps]


def one_take(model, *, temperature=1.0, seed=0, sound_taps=True, **labels):
    """A ``predict`` for :func:`predict_song` that samples a whole song as one take.

    One network plays every window (for an ensemble, its ``sampler``, or
    the member the seed picks where that is None; not a member drawn per
    window), at ``temperature``, each batch of windows with its own seed
    drawn from ``seed``. Give the song to :func:`predict_song` with
    ``blend="continue"`` where the network decodes step by step (each window
    goes on from the bars played, as the command line plays a take), else
    with ``blend="select"``, so that overlapping windows are not averaged.
    Same seed, same take.

    Parameters
    ----------
    model : fitted estimator or pipeline with a ``temperature`` parameter
        Such as ``pretrained.load("humanize")``. It is not changed.
    temperature : float, default=1.0
    seed : int, default=0
    sound_taps : bool, default=True
        False: a tap may rest (Tap2Drum; see ``GrooveSeq2Seq.predict``).
    **labels
        ``style`` and ``drummer``, for a model fitted with them.

    Returns
    -------
    callable
        Windows in, performances out.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove import GrooveSeq2Seq
    >>> from sklearn_groove.songs import one_take, predict_song
    >>> rng = np.random.default_rng(0)
    >>> hits = (rng.random((16, 32, 9)) < 0.2).astype(np.float32)
    >>> y = np.concatenate([hits, hits * 0.7, hits * rng.normal(0, 0.1, hits.shape)], axis=-1)
    >>> model = GrooveSeq2Seq(decoder="parallel", condition="hits", output="gaussian", max_epochs=1,
    ...                       module__encoder_size=8, module__latent_size=4, module__decoder_size=8,
    ...                       random_state=0).fit(hits, y)      # pretrained.load("humanize") in practice
    >>> score = (rng.random((150, 9)) < 0.2).astype(np.float32)
    >>> take = predict_song(one_take(model, seed=7), score, hits=score, blend="select")
    >>> again = predict_song(one_take(model, seed=7), score, hits=score, blend="select")
    >>> other = predict_song(one_take(model, seed=8), score, hits=score, blend="select")
    >>> bool((take == again).all()), bool((take == other).all())
    (True, False)
    """
    from ._base import last_step, sample_at  # scikit-learn: imported where a take is played by an estimator

    rng = np.random.default_rng(seed)
    transformers = [step for _, step in model.steps[:-1]] if hasattr(model, "steps") else []
    model = last_step(model)
    members = getattr(model, "estimators_", None)
    picked = int(rng.integers(len(members))) if members else None  # drawn either way: one seed, one take
    sampler = getattr(model, "sampler", None)
    player = members[picked if sampler is None else sampler] if members else model
    if "temperature" not in player.get_params():
        raise ValueError(f"{type(player).__name__} has no temperature: it cannot sample a take")

    def predict(windows, prefix=None):
        for transformer in transformers:
            windows = transformer.transform(windows)
        return sample_at(player, windows, temperature, int(rng.integers(2**31 - 1)), labels, prefix, sound_taps)

    return predict


def feel(hvo):
    """A song's feel: the mean offset of each voice at each position in the beat.

    Swing (late off-beats), a laid-back snare or a pushed hi-hat show here;
    the note-to-note variation of a performance does not.

    Parameters
    ----------
    hvo : array-like of shape (n_steps, 27)

    Returns
    -------
    ndarray of shape (4, 9)
        Row ``p``: the 16th notes ``p`` steps after a beat; 0 where a voice
        never plays there.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.songs import feel
    >>> hvo = np.zeros((16, 27), dtype=np.float32)
    >>> hvo[::2, 2], hvo[1::2, 2] = 1, 1               # closed hi-hat on every 16th ...
    >>> hvo[1::2, 20] = 0.33                           # ... the off-beat 16ths a third of a step late
    >>> [round(float(x), 2) + 0 for x in feel(hvo)[:, 2]]
    [0.0, 0.33, 0.0, 0.33]
    """
    h, _, o = split_hvo(check_hvo(hvo, ndim=2))
    position = np.arange(len(h)) % STEPS_PER_BEAT
    total = np.zeros((STEPS_PER_BEAT, h.shape[1]))
    count = np.zeros_like(total)
    np.add.at(total, position, o * h)
    np.add.at(count, position, h)
    return (total / np.maximum(count, 1)).astype(np.float32)


def is_performed(hvo):
    """Whether a song's notes already sit off the grid (mean distance above :data:`PERFORMED` steps)."""
    h, _, o = split_hvo(check_hvo(hvo, ndim=2))
    return bool(h.sum() and np.abs(o[h > 0]).mean() > PERFORMED)


def _song_and_performance(original, performance):
    """A song as read and a performance of it, both checked, of one shape."""
    original, performance = check_hvo(original, ndim=2), check_hvo(performance, ndim=2)
    if original.shape != performance.shape:
        raise ValueError(f"original and performance must have one shape, got {original.shape} and {performance.shape}")
    return original, performance


def keep_feel(original, performance):
    """A performance of a song played on the song's own feel.

    The offsets become the original's :func:`feel` plus the performance's
    note-to-note variation (its offsets less its own feel): a swung song
    stays swung, a laid-back snare stays laid back, and each note moves as
    the model plays it, in place of the original's own variation, which is
    not added twice. Velocities are the performance's.

    Parameters
    ----------
    original : array-like of shape (n_steps, 27)
        The song as read, with its own timing.
    performance : array-like of shape (n_steps, 27)
        A model's performance of its hits.

    Returns
    -------
    ndarray of shape (n_steps, 27)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.songs import feel, keep_feel
    >>> swung = np.zeros((32, 27), dtype=np.float32)
    >>> swung[:, 2] = 1; swung[1::2, 20] = 0.33            # swung 16ths on the closed hi-hat
    >>> model = swung.copy(); model[:, 20] = np.random.default_rng(0).normal(0.02, 0.05, 32)
    >>> [round(float(x), 2) + 0 for x in feel(keep_feel(swung, model))[:, 2]]
    [0.0, 0.33, 0.0, 0.33]
    """
    original, performance = _song_and_performance(original, performance)
    h, v, o = split_hvo(performance)
    position = np.arange(len(h)) % STEPS_PER_BEAT
    offsets = np.clip(feel(original)[position] + o - feel(performance)[position], -0.5, MAX_OFFSET)
    return join_hvo(h, v, (offsets * h).astype(np.float32))


def keep_rhythm(original, performance):
    """A performance that keeps the rhythm the song was written in: off-grid notes and the order of each step.

    In a quantized song (not :func:`is_performed`), a note written off the
    16th grid (further than :data:`OFF_GRID`: a triplet, a 32nd, a grace note)
    is a rhythm, not an error, so two rules hold on top of the performance:

    - the model's offset for its cell is applied as a shift around where the
      note was written, instead of replacing where it was written;
    - on a step whose notes are written at different times (a fill, a flam
      across voices; not a chord), every note gets the same shift, the mean
      of the shifts the performance gives them there (as far as keeps them
      all within the step), so they keep their order and their distances.

    A performed song's offsets are a drummer's timing, which the model plays
    anew (see :func:`keep_feel`), each within half a 16th of where it was
    played. Either way no note moves more than half a 16th from where it was
    written.

    Parameters
    ----------
    original : array-like of shape (n_steps, 27)
        The song as read, with its own timing.
    performance : array-like of shape (n_steps, 27)
        A performance of its hits (after :func:`keep_feel` for a performed song).

    Returns
    -------
    ndarray of shape (n_steps, 27)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.songs import keep_rhythm
    >>> song = np.zeros((32, 27), dtype=np.float32)
    >>> song[:, [2, 11]] = 1, 0.7                          # a quantized closed hi-hat on every 16th
    >>> song[4, [4, 13, 22]] = 1, 0.8, -0.33               # a tom a third of a step early (a triplet)
    >>> song[4, [6, 15]] = 1, 0.8                          # another tom on the grid, same step
    >>> played = song.copy(); played[4, [20, 22, 24]] = 0.1, 0.2, 0.0
    >>> out = keep_rhythm(song, played)                    # the step moves as one: (0.1 + 0.2 + 0.0) / 3
    >>> [round(float(x), 2) for x in out[4, [20, 22, 24]]]
    [0.1, -0.23, 0.1]
    """
    original, performance = _song_and_performance(original, performance)
    h, v, o = split_hvo(performance)
    written = split_hvo(original)[2]
    played = h > 0
    if is_performed(original):  # each note within half a 16th of where the drummer played it
        offsets = np.clip(o, np.maximum(written - 0.5, -0.5), np.minimum(written + 0.5, MAX_OFFSET))
        return join_hvo(h, v, offsets.astype(np.float32))
    shift = np.where(np.abs(written) > OFF_GRID, o, o - written)  # off the grid: the model's offset as a shift
    low, high = np.where(played, written, np.inf).min(axis=1), np.where(played, written, -np.inf).max(axis=1)
    apart = played.sum(axis=1) > 1
    apart[apart] = high[apart] - low[apart] > OFF_GRID  # notes of one step written at different times
    common = (shift * played).sum(axis=1) / np.maximum(played.sum(axis=1), 1)
    common[apart] = np.clip(common[apart], -0.5 - low[apart], MAX_OFFSET - high[apart])  # none pushed to an edge
    shift = np.where(apart[:, None], common[:, None], shift)
    return join_hvo(h, v, np.clip(written + shift, -0.5, MAX_OFFSET).astype(np.float32))


def floor_velocities(performance, original=None):
    """A performance whose notes are no softer than drummers play them (:data:`VELOCITY_FLOOR`, per voice).

    A model's sampled ghost note can fall to a velocity no drummer plays (1 to
    8 out of 127): each hit is raised to its voice's floor, unless the input
    asked for it, that is, ``original`` has a softer note of that voice on
    that step, which then is the floor.

    Parameters
    ----------
    performance : array-like of shape (n_steps, 27)
    original : array-like of shape (n_steps, 27), default=None
        The song as read (the notes' own velocities), where there is one.

    Returns
    -------
    ndarray of shape (n_steps, 27)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.songs import floor_velocities
    >>> played = np.zeros((4, 27), dtype=np.float32)
    >>> played[:, 2], played[:, 11] = 1, 3 / 127             # closed hi-hats at velocity 3
    >>> written = played.copy(); written[:, 11] = 100 / 127   # the file's notes at 100 ...
    >>> written[1, 11] = 2 / 127                             # ... but a ghost note asked for on the second
    >>> [round(float(v) * 127) for v in floor_velocities(played, written)[:, 11]]
    [11, 3, 11, 11]
    """
    if original is None:
        performance = check_hvo(performance, ndim=2)
    else:
        original, performance = _song_and_performance(original, performance)
    h, v, o = split_hvo(performance)
    floor = np.array([VELOCITY_FLOOR[voice] for voice in VOICES], dtype=np.float32) / 127
    floor = np.broadcast_to(floor, h.shape)
    if original is not None:
        oh, ov, _ = split_hvo(original)
        floor = np.where(oh > 0, np.minimum(floor, ov), floor)
    return join_hvo(h, np.maximum(v, floor) * h, o)

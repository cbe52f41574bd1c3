"""MIDI files <-> hvo arrays, and slicing songs into windows.

Reading goes through the library's own MIDI reader
(:mod:`sklearn_groove._midifile`), not through a note-pairing parser:
pretty_midi drops notes whose note-on and note-off share a tick, and drum kits
write many of them. For drums only the onset matters, so **every note-on with
velocity > 0 on MIDI channel 10 is a hit**. pretty_midi stays the
object model for users: :func:`midi_to_hvo` accepts a ``PrettyMIDI`` and
:func:`hvo_to_midi` returns one.

The grid is counted in MIDI ticks (``ticks_per_beat / 4`` ticks a step), so a
tempo map does not move notes off the grid; tempo only matters for converting
steps to seconds.

Each onset goes to its nearest 16th-note step; its offset is
``(onset - grid time) / step length``, in ``[-0.5, 0.5)``. Where two or more
onsets of one voice fall on one step, **the loudest is kept** (ties: the
earliest), as in the paper; :func:`midi_to_hvo` reports how many were merged.
"""

import io
import os

import numpy as np
from sklearn.utils import Bunch

from . import _rewrite
from ._midifile import DRUM_CHANNEL, nearest_step, read_midi_bytes
from ._hvo import N_VOICES, STEPS_PER_BAR, STEPS_PER_BEAT, VOICES, check_hvo, check_voices, join_hvo, split_hvo

__all__ = [
    "GMD_PITCH_MAP",
    "GM_PITCH_MAP",
    "MAX_STEPS",
    "MAX_FILE_BYTES",
    "midi_to_hvo",
    "hvo_to_midi",
    "window_hvo",
    "stitch_hvo",
    "rewrite_drums",
    "MAX_AMOUNT",
]

#: Roland TD-11 pitches of the Groove MIDI Dataset, per voice. The first
#: pitch of each voice is the one :func:`hvo_to_midi` writes.
GMD_PITCH_MAP = {
    "kick": (36,),
    "snare": (38, 37, 40),
    "closed_hihat": (42, 22, 44),
    "open_hihat": (46, 26),
    "low_tom": (43, 58),
    "mid_tom": (47, 45),
    "high_tom": (50, 48),
    "crash": (49, 52, 55, 57),
    "ride": (51, 53, 59),
}

#: The TD-11 map extended to every General MIDI percussion pitch (35-81),
#: each added pitch given to the voice closest in sound and role: short
#: shakers and clicks to the closed hi-hat, sustained shakers and whistles to
#: the open hi-hat, bongos / congas / timbales / agogos / woodblocks to the
#: toms by register, bells to the ride. Pitch 58 keeps its TD-11 meaning (tom
#: rim) rather than GM's vibraslap, since the models are trained on TD-11 data.
GM_PITCH_MAP = {
    "kick": (36, 35),
    "snare": (38, 37, 39, 40),
    "closed_hihat": (42, 22, 44, 54, 69, 70, 73, 75, 78, 80),
    "open_hihat": (46, 26, 71, 72, 74, 79, 81),
    "low_tom": (43, 58, 41, 61, 64, 66, 68, 77),
    "mid_tom": (47, 45, 60, 63, 65, 67, 76),
    "high_tom": (50, 48, 62),
    "crash": (49, 52, 55, 57),
    "ride": (51, 53, 59, 56),
}

#: Longest song accepted, in 16th-note steps (16,384 bars; 2.3 hours at 120
#: bpm). Longer inputs are refused with a ValueError instead of allocating
#: an unbounded array.
MAX_STEPS = 2**18
#: Largest MIDI file accepted, in bytes.
MAX_FILE_BYTES = 64 * 2**20

#: Largest ``amount`` of :func:`rewrite_drums`: 1.3 exaggerates the groove by 30%.
MAX_AMOUNT = 1.3

_PITCH_MAPS = {"gm": GM_PITCH_MAP, "gmd": GMD_PITCH_MAP}

def _pitch_table(pitch_map):
    """Return an array of 128 voice indices (-1 = unmapped) for a pitch map."""
    if isinstance(pitch_map, str):
        if pitch_map not in _PITCH_MAPS:
            raise ValueError(f"pitch_map must be one of {sorted(_PITCH_MAPS)} or a dict, got {pitch_map!r}")
        pitch_map = _PITCH_MAPS[pitch_map]
    unknown = set(pitch_map) - set(VOICES)
    if unknown:
        raise ValueError(f"pitch_map names unknown voices {sorted(unknown)}; voices are {VOICES}")
    table = np.full(128, -1, dtype=np.int64)
    for voice, pitches in pitch_map.items():
        for p in pitches:
            if not 0 <= int(p) < 128:
                raise ValueError(f"pitch_map pitch {p!r} for {voice!r} is not a MIDI pitch 0..127")
            table[int(p)] = VOICES.index(voice)
    return table, pitch_map


def _read_bytes(source):
    """Return ``(data, name)`` for a path, file object, bytes or PrettyMIDI."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), "<bytes>"
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        try:
            size = os.path.getsize(name)
        except OSError as exc:
            raise ValueError(f"{name}: cannot read the file ({exc.strerror})") from None
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{name}: {size} bytes is larger than the {MAX_FILE_BYTES} accepted")
        with open(name, "rb") as f:
            return f.read(), name
    if hasattr(source, "write") and hasattr(source, "instruments"):  # PrettyMIDI
        buffer = io.BytesIO()
        source.write(buffer)
        return buffer.getvalue(), "<PrettyMIDI>"
    if hasattr(source, "read"):
        data = source.read(MAX_FILE_BYTES + 1)
        name = getattr(source, "name", "<file>")
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(f"{name}: larger than the {MAX_FILE_BYTES} bytes accepted")
        return data, name
    raise ValueError(
        f"expected a path, a file object, bytes or a pretty_midi.PrettyMIDI, got {type(source).__name__}"
    )


def _parse(data, name):
    """Parse MIDI bytes; keep the note-ons of the drum channel (10)."""
    events = read_midi_bytes(data, name)
    drum = events.note_channel == DRUM_CHANNEL
    if not drum.any():
        raise ValueError(f"{name}: no drum notes (no note-on with velocity > 0 on MIDI channel 10)")
    return events._replace(
        note_tick=events.note_tick[drum],
        note_channel=events.note_channel[drum],
        note_pitch=events.note_pitch[drum],
        note_velocity=events.note_velocity[drum],
    )


def _loudest(step, voice, velocity, offset):
    """Keep the loudest onset of each (step, voice); ties go to the earliest.

    Returns the kept ``step, voice, velocity, offset`` and the number merged.
    """
    cell = step * N_VOICES + voice
    order = np.lexsort((offset, -velocity, cell))
    cell = cell[order]
    first = np.ones(len(cell), dtype=bool)
    first[1:] = cell[1:] != cell[:-1]
    keep = order[first]
    return step[keep], voice[keep], velocity[keep], offset[keep], int(len(cell) - len(keep))


def _onsets_to_hvo(onsets, table, name):
    """Turn parsed onsets into one song's hvo ``(n_steps, 27)`` and counts."""
    voice = table[onsets.note_pitch]
    mapped = voice >= 0
    n_unmapped = int((~mapped).sum())
    if not mapped.any():
        raise ValueError(
            f"{name}: none of the {len(voice)} drum notes has a pitch of the 9 voices "
            f"(pitches found: {sorted(set(onsets.note_pitch.tolist()))[:20]})"
        )
    step, offset = nearest_step(onsets.note_tick[mapped], onsets.ticks_per_beat)
    n_steps = int(step.max()) + 1
    if n_steps > MAX_STEPS:
        raise ValueError(
            f"{name}: the last note is {n_steps} 16th notes from the start, more than the "
            f"{MAX_STEPS} accepted (MAX_STEPS)"
        )
    step, voice, velocity, offset, n_merged = _loudest(
        step, voice[mapped], onsets.note_velocity[mapped], offset
    )
    h = np.zeros((n_steps, N_VOICES), dtype=np.float32)
    v = np.zeros_like(h)
    o = np.zeros_like(h)
    h[step, voice] = 1.0
    v[step, voice] = np.minimum(velocity, 127) / 127.0
    o[step, voice] = offset
    counts = dict(n_onsets=len(onsets.note_tick), n_unmapped=n_unmapped, n_merged=n_merged)
    return join_hvo(h, v, o), counts


def _step_bpm(onsets, steps):
    """The tempo (bpm) in effect at each of ``steps``."""
    if len(onsets.tempo_tick) == 0:
        return np.full(len(steps), 120.0)
    tick = np.asarray(steps) * (onsets.ticks_per_beat / STEPS_PER_BEAT)
    i = np.searchsorted(onsets.tempo_tick, tick, side="right") - 1
    return 60e6 / onsets.tempo_us[np.maximum(i, 0)]


def _check_meter(onsets, name):
    num, den = onsets.timesig_numerator, onsets.timesig_denominator
    bad = (num != 4) | (den != 4)
    if bad.any():
        num, den = num[bad][0], den[bad][0]
        raise ValueError(
            f"{name}: time signature {num}/{den} found; only 4/4 is supported "
            "(pass check_meter=False to read it on a plain 16th-note grid anyway)"
        )


def midi_to_hvo(source, *, pitch_map="gm", check_meter=True, return_info=False):
    """Read a drum MIDI file into one hvo array ``(n_steps, 27)``.

    Every note-on with velocity > 0 on MIDI channel 10 is a hit, zero-length
    notes included. Each hit goes to its nearest 16th note; where several hits
    of one voice fall on one step, the loudest is kept (counted in
    ``info.n_merged``). Pitches outside the map are left out and counted in
    ``info.n_unmapped``.

    Parameters
    ----------
    source : str, path-like, file object, bytes or pretty_midi.PrettyMIDI
        The MIDI file.
    pitch_map : {"gm", "gmd"} or dict, default="gm"
        Pitch to voice mapping: ``"gmd"`` is the Roland TD-11 mapping of the
        Groove MIDI Dataset, ``"gm"`` (default) extends it to all General MIDI
        percussion; a dict maps voice names to tuples of pitches.
    check_meter : bool, default=True
        Refuse files with a time signature other than 4/4.
    return_info : bool, default=False
        Also return a :class:`~sklearn.utils.Bunch` with ``bpm`` (tempo at
        the start), ``tempo_changes`` (array of ``(step, bpm)``),
        ``time_signatures`` (array of ``(step, numerator, denominator)``),
        ``ticks_per_beat``, ``n_onsets`` (drum note-ons read), ``n_hits``
        (hits in the hvo), ``n_merged`` and ``n_unmapped``.

    Returns
    -------
    hvo : ndarray of shape (n_steps, 27), float32
        ``n_steps`` runs up to the step of the last hit.
    info : Bunch
        Only with ``return_info=True``.

    Raises
    ------
    ValueError
        Naming the file and the problem: not MIDI, truncated or corrupt,
        empty, no drum notes, no notes of the 9 voices, not 4/4, too long.

    Examples
    --------
    >>> import pretty_midi
    >>> from sklearn_groove.midi import midi_to_hvo
    >>> pm = pretty_midi.PrettyMIDI(initial_tempo=120)
    >>> drums = pretty_midi.Instrument(program=0, is_drum=True)
    >>> drums.notes.append(pretty_midi.Note(velocity=100, pitch=36, start=0.0, end=0.1))
    >>> drums.notes.append(pretty_midi.Note(velocity=64, pitch=38, start=0.51, end=0.6))
    >>> pm.instruments.append(drums)
    >>> hvo, info = midi_to_hvo(pm, return_info=True)
    >>> hvo.shape, info.n_hits, round(float(info.bpm))
    ((5, 27), 2, 120)
    >>> round(float(hvo[4, 18 + 1]), 2)  # snare on step 4, late (220 ticks a beat)
    0.07
    """
    table, _ = _pitch_table(pitch_map)
    data, name = _read_bytes(source)
    onsets = _parse(data, name)
    if check_meter:
        _check_meter(onsets, name)
    hvo, counts = _onsets_to_hvo(onsets, table, name)
    if not return_info:
        return hvo
    to_step = STEPS_PER_BEAT / onsets.ticks_per_beat
    info = Bunch(
        bpm=float(_step_bpm(onsets, [0])[0]),
        tempo_changes=np.stack(
            [onsets.tempo_tick * to_step, 60e6 / onsets.tempo_us], axis=-1
        ).reshape(-1, 2),
        time_signatures=np.column_stack(
            [onsets.timesig_tick * to_step, onsets.timesig_numerator, onsets.timesig_denominator]
        ).reshape(-1, 3),
        ticks_per_beat=onsets.ticks_per_beat,
        n_hits=int(split_hvo(hvo)[0].sum()),
        **counts,
    )
    return hvo, info


def hvo_to_midi(hvo, *, bpm=120.0, pitch_map="gm"):
    """Write one song's hvo ``(n_steps, 27)`` into a ``pretty_midi.PrettyMIDI``.

    Each hit becomes a note on MIDI channel 10 at the first pitch of its voice
    in ``pitch_map``, at ``(step + offset)`` 16th notes, velocity
    ``round(127 * v)`` (at least 1). A note played early on step 0 is clamped
    to time 0, not dropped. Notes last half a step, shortened where the next
    hit of the same voice comes sooner.

    Parameters
    ----------
    hvo : array-like of shape (n_steps, 27)
    bpm : float, default=120.0
    pitch_map : {"gm", "gmd"} or dict, default="gm"

    Returns
    -------
    pretty_midi.PrettyMIDI

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.midi import hvo_to_midi
    >>> hvo = np.zeros((16, 27), dtype=np.float32)
    >>> hvo[0, 0], hvo[0, 9] = 1, 0.8          # a kick on the first step
    >>> pm = hvo_to_midi(hvo, bpm=100)
    >>> note = pm.instruments[0].notes[0]
    >>> note.pitch, note.velocity, note.start
    (36, 102, 0.0)
    """
    import pretty_midi

    hvo = check_hvo(hvo, ndim=2)
    if not (np.isfinite(bpm) and bpm > 0):
        raise ValueError(f"bpm must be a positive number, got {bpm!r}")
    _, pitch_map = _pitch_table(pitch_map)
    missing = [v for v in VOICES if not pitch_map.get(v)]
    h, v, o = split_hvo(hvo)
    step_s = 60.0 / bpm / STEPS_PER_BEAT
    pm = pretty_midi.PrettyMIDI(initial_tempo=float(bpm))
    drums = pretty_midi.Instrument(program=0, is_drum=True, name="Drums")
    for j, voice in enumerate(VOICES):
        steps = np.flatnonzero(h[:, j])
        if not len(steps):
            continue
        if voice in missing:
            raise ValueError(f"pitch_map has no pitch for voice {voice!r}, which has hits")
        start = np.maximum((steps + o[steps, j].astype(np.float64)) * step_s, 0.0)
        end = start + step_s / 2
        end[:-1] = np.minimum(end[:-1], start[1:])
        velocity = np.clip(np.rint(v[steps, j] * 127), 1, 127).astype(int)
        pitch = int(pitch_map[voice][0])
        drums.notes.extend(
            pretty_midi.Note(velocity=int(vel), pitch=pitch, start=float(s), end=float(e))
            for vel, s, e in zip(velocity, start, end)
        )
    drums.notes.sort(key=lambda n: (n.start, n.pitch))
    pm.instruments.append(drums)
    return pm


def window_hvo(hvo, *, bars=2, hop_bars=1, pad_end=True):
    """Slice one song ``(n_steps, F)`` into windows of ``bars`` bars of 4/4.

    Windows start every ``hop_bars`` bars.

    Parameters
    ----------
    hvo : array-like of shape (n_steps, n_features)
    bars : int, default=2
    hop_bars : int, default=1
    pad_end : bool, default=True
        True: pad the end with silence so that the windows cover every step
        and no hit is lost. False: only windows that lie within the song's
        bars (the last bar counts once it has a step), as the dataset does;
        a song shorter than ``bars`` then gives no window.

    Returns
    -------
    windows : ndarray of shape (n_windows, bars * 16, n_features)
    start_bars : ndarray of shape (n_windows,)
        The bar (from 0) at which each window starts.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.midi import window_hvo
    >>> windows, start = window_hvo(np.zeros((70, 27)), bars=2, hop_bars=1)
    >>> windows.shape, start.tolist()   # 70 steps = 4 bars and 6 steps -> 5 bars
    ((4, 32, 27), [0, 1, 2, 3])
    """
    hvo = np.asarray(hvo, dtype=np.float32)
    if hvo.ndim != 2:
        raise ValueError(f"hvo must be one song (n_steps, n_features), got shape {hvo.shape}")
    for label, value in (("bars", bars), ("hop_bars", hop_bars)):
        if not (isinstance(value, (int, np.integer)) and value >= 1):
            raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
    n_bars = -(-len(hvo) // STEPS_PER_BAR)
    if pad_end:  # at least one window, and the last hop reaches the end
        n_bars = bars + -(-max(n_bars - bars, 0) // hop_bars) * hop_bars
    start_bars = np.arange(0, n_bars - bars + 1, hop_bars)
    padded = np.zeros((n_bars * STEPS_PER_BAR, hvo.shape[1]), dtype=np.float32)
    padded[: len(hvo)] = hvo
    index = (start_bars * STEPS_PER_BAR)[:, None] + np.arange(bars * STEPS_PER_BAR)
    return padded[index], start_bars


def stitch_hvo(windows, start_bars, n_steps):
    """Put overlapping windows back into one song ``(n_steps, F)``.

    Where windows overlap (a hop shorter than a window), their values are
    blended with weights that rise from the edges of each window to its
    middle, so no window's edge, where a model sees least context, wins.

    Parameters
    ----------
    windows : array-like of shape (n_windows, window_steps, F)
    start_bars : array-like of shape (n_windows,)
        As returned by :func:`window_hvo`.
    n_steps : int
        Length of the song; windows are cut there.

    Returns
    -------
    ndarray of shape (n_steps, F), float32

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_groove.midi import stitch_hvo, window_hvo
    >>> song = np.random.default_rng(0).random((70, 27)).astype(np.float32)
    >>> windows, start = window_hvo(song, bars=2, hop_bars=1)
    >>> bool(np.allclose(stitch_hvo(windows, start, 70), song))
    True
    """
    windows = np.asarray(windows, dtype=np.float32)
    length = windows.shape[1]
    weight = np.minimum(np.arange(length) + 0.5, length - np.arange(length) - 0.5)[:, None]
    total = np.zeros((max(n_steps, int(np.max(start_bars, initial=0)) * STEPS_PER_BAR + length), windows.shape[2]))
    norm = np.zeros((len(total), 1))
    for window, start in zip(windows, np.asarray(start_bars) * STEPS_PER_BAR):
        total[start : start + length] += weight * window
        norm[start : start + length] += weight
    return (total / np.maximum(norm, 1e-12))[:n_steps].astype(np.float32)


def rewrite_drums(source, hvo, *, voices=VOICES, amount=1.0, replace=False, pitch_map="gm", return_info=False):
    """Write a performance of a song into the song's own MIDI file, keeping everything else.

    ``hvo`` is a performance of the file's drums on its 16th-note grid, such
    as a model's output for :func:`midi_to_hvo`'s hits. Each drum note (MIDI
    channel 10) of ``voices`` in the file is moved to the offset, and given the
    velocity, of its step in ``hvo``; its note-off moves with it, so it keeps
    its length. Nothing else changes: other instruments, other voices, drum
    pitches outside the pitch map, tempo and time-signature changes,
    controllers, tracks, channels and pitches all stay as they were.

    Where several notes of a voice share a step (a flam, or two pitches of one
    voice), the loudest gets the step's offset and velocity, and the others
    keep their distance and their velocity ratio to it. Notes stay within half
    a step of their grid step; a note that would start before time 0 starts
    at 0.

    Parameters
    ----------
    source : str, path-like, file object or bytes
        The MIDI file ``hvo`` was read from.
    hvo : array-like of shape (n_steps, 27)
        Hits of ``voices`` in ``hvo`` that no note of the file plays (an
        infilled voice, drums from taps) are added as new notes on channel
        10, at the voice's first pitch in ``pitch_map``, half a step long,
        to the first track that holds drum notes.
    voices : sequence of str, default=VOICES
        The voices to change; notes of the others are left as they were.
    amount : float in [0, MAX_AMOUNT], default=1.0
        0: on the grid, velocities unchanged; 1: as in ``hvo``; above 1 the
        offsets and the velocity changes are exaggerated.
    replace : bool, default=False
        Notes of ``voices`` on steps where ``hvo`` has no hit: removed (True,
        for Tap2Drum and Infilling, whose output replaces them) or left
        unchanged (False).
    pitch_map : {"gm", "gmd"} or dict, default="gm"
    return_info : bool, default=False
        Also return a Bunch counting the notes ``moved``, ``kept`` unchanged
        (on steps without a hit), ``removed`` and ``added``.

    Returns
    -------
    midi : mido.MidiFile
        Write it with ``midi.save(path)``.
    info : Bunch
        Only with ``return_info=True``.

    Examples
    --------
    >>> import io, pretty_midi
    >>> from sklearn_groove.midi import midi_to_hvo, rewrite_drums
    >>> pm = pretty_midi.PrettyMIDI(initial_tempo=120)
    >>> drums = pretty_midi.Instrument(program=0, is_drum=True)
    >>> drums.notes += [pretty_midi.Note(velocity=100, pitch=36, start=t, end=t + 0.1) for t in (0.0, 0.5)]
    >>> bass = pretty_midi.Instrument(program=33)
    >>> bass.notes.append(pretty_midi.Note(velocity=90, pitch=40, start=0.0, end=1.0))
    >>> pm.instruments += [drums, bass]
    >>> hvo = midi_to_hvo(pm)
    >>> hvo[4, 9], hvo[4, 18] = 0.5, 0.25                # the second kick: softer, a quarter step late
    >>> midi, info = rewrite_drums(pm, hvo, return_info=True)
    >>> info.moved, info.added, info.removed
    (2, 0, 0)
    >>> buffer = io.BytesIO(); midi.save(file=buffer); _ = buffer.seek(0)
    >>> out = pretty_midi.PrettyMIDI(buffer)
    >>> [(n.pitch, n.velocity, round(float(n.start), 3)) for i in out.instruments for n in i.notes]
    [(36, 100, 0.0), (36, 64, 0.532), (40, 90, 0.0)]
    """
    table, pitch_map = _pitch_table(pitch_map)
    if isinstance(voices, str):
        voices = (voices,)
    check_voices(voices)
    if not (np.isfinite(amount) and 0 <= amount <= MAX_AMOUNT):
        raise ValueError(f"amount must lie in [0, {MAX_AMOUNT}], got {amount!r}")
    data, name = _read_bytes(source)
    _parse(data, name)  # the same checks, and errors, as midi_to_hvo
    midi, counts = _rewrite.rewrite_drums(
        data, name, hvo, table, pitch_map, voices=voices, amount=float(amount), replace=replace
    )
    return (midi, Bunch(**counts)) if return_info else midi

"""MIDI files -> hvo arrays: every note-on of the drum channel, on the 16th-note grid (see :mod:`sklearn_groove.midi`)."""

import io
import os
import stat

import numpy as np

from ._midifile import DRUM_CHANNEL, Info, loudest_in_cells, nearest_step, read_midi_bytes
from .._hvo import N_VOICES, STEPS_PER_BEAT, join_hvo, split_hvo
from ._pitchmaps import pitch_table

__all__ = ["MAX_STEPS", "MAX_FILE_BYTES", "MeterError", "midi_to_hvo"]

#: Longest song accepted, in 16th-note steps (16,384 bars; 9.1 hours at 120
#: bpm). Longer inputs are refused with a ValueError instead of allocating
#: an unbounded array.
MAX_STEPS = 2**18

#: Largest MIDI file accepted, in bytes.
MAX_FILE_BYTES = 64 * 2**20


def read_bytes(source):
    """Return ``(data, name)`` for a path, file object, bytes or PrettyMIDI."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), "<bytes>"
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        try:
            status = os.stat(name)
        except OSError as exc:
            raise ValueError(f"{name}: cannot read the file ({exc.strerror})") from None
        if not stat.S_ISREG(status.st_mode):  # a device never ends, a FIFO may never start
            raise ValueError(f"{name}: not a regular file (a folder, device or pipe); give a MIDI file")
        size = status.st_size
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


def parse(data, name):
    """Parse MIDI bytes; keep the note-ons of the drum channel (10)."""
    return drum_onsets(read_midi_bytes(data, name), name)


def drum_onsets(events, name):
    """The note-ons of the drum channel (10) of a parsed file; a ValueError where there is none."""
    drum = events.note_channel == DRUM_CHANNEL
    if not drum.any():
        raise ValueError(f"{name}: no drum notes (no note-on with velocity > 0 on MIDI channel 10)")
    if drum.all():  # no copy
        return events
    return events._replace(
        note_tick=events.note_tick[drum],
        note_channel=events.note_channel[drum],
        note_pitch=events.note_pitch[drum],
        note_velocity=events.note_velocity[drum],
    )


#: Notes turned into an hvo at a time: memory stays bounded by it, whatever the number of notes.
_NOTES_CHUNK = 1 << 18


def onsets_to_hvo(onsets, table, name, chunk=_NOTES_CHUNK):
    """Turn parsed onsets into one song's hvo ``(n_steps, 27)`` and counts.

    Each hit goes to its nearest step; of several hits of one voice on one
    step the loudest is kept, ties going to the earliest, then to the first in
    the file. Notes are read ``chunk`` at a time into the grid, so memory
    grows with the song's steps, not with its notes.
    """
    n = len(onsets.note_tick)
    parts = [slice(i, i + chunk) for i in range(0, n, chunk)]

    n_mapped, last_tick = 0, -1
    for part in parts:  # the steps the song runs to: its last mapped note's (nearest_step grows with the tick)
        mapped = table[onsets.note_pitch[part]] >= 0
        n_mapped += int(mapped.sum())
        last_tick = max(last_tick, int(onsets.note_tick[part][mapped].max())) if mapped.any() else last_tick
    if not n_mapped:
        raise ValueError(
            f"{name}: none of the {n} drum notes has a pitch of the 9 voices "
            f"(pitches found: {sorted(set(np.unique(onsets.note_pitch).tolist()))[:20]})"
        )
    n_steps = int(nearest_step(last_tick, onsets.ticks_per_beat)[0]) + 1
    if n_steps > MAX_STEPS:
        raise ValueError(
            f"{name}: the last note is {n_steps} 16th notes from the start, more than the "
            f"{MAX_STEPS} accepted (MAX_STEPS)"
        )
    best_velocity = np.full((n_steps, N_VOICES), -1, dtype=np.int16)
    best_offset = np.zeros((n_steps, N_VOICES))
    for part in parts:
        voice = table[onsets.note_pitch[part]]
        keep = voice >= 0
        if not keep.any():
            continue
        voice = voice[keep]
        step, offset = nearest_step(onsets.note_tick[part][keep], onsets.ticks_per_beat)
        velocity = onsets.note_velocity[part][keep].astype(np.int16)
        win = loudest_in_cells(step * N_VOICES + voice, velocity, offset)
        s, j, vel, off = step[win], voice[win], velocity[win], offset[win]
        louder = (vel > best_velocity[s, j]) | ((vel == best_velocity[s, j]) & (off < best_offset[s, j]))
        best_velocity[s[louder], j[louder]] = vel[louder]
        best_offset[s[louder], j[louder]] = off[louder]
    h = (best_velocity >= 0).astype(np.float32)
    v = np.where(h > 0, np.minimum(best_velocity, 127) / 127.0, 0).astype(np.float32)
    o = np.where(h > 0, best_offset, 0).astype(np.float32)
    counts = dict(n_onsets=n, n_unmapped=n - n_mapped, n_merged=int(n_mapped - h.sum()))
    return join_hvo(h, v, o), counts


def step_bpm(onsets, steps):
    """The tempo (bpm) in effect at each of ``steps``."""
    if len(onsets.tempo_tick) == 0:
        return np.full(len(steps), 120.0)
    tick = np.asarray(steps) * (onsets.ticks_per_beat / STEPS_PER_BEAT)
    i = np.searchsorted(onsets.tempo_tick, tick, side="right") - 1
    return 60e6 / onsets.tempo_us[np.maximum(i, 0)]


class MeterError(ValueError):
    """A file in a meter other than 4/4, read with ``check_meter=True``: its name and first other meter."""

    def __init__(self, name, meter, remedy="pass check_meter=False"):
        self.name, self.meter = name, meter
        super().__init__(f"{name}: time signature {meter} found; only 4/4 is supported "
                         f"({remedy} to read it on a plain 16th-note grid anyway)")


def _check_meter(onsets, name):
    num, den = onsets.timesig_numerator, onsets.timesig_denominator
    bad = (num != 4) | (den != 4)
    if bad.any():
        raise MeterError(name, f"{num[bad][0]}/{den[bad][0]}")


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
        Pitch to voice mapping: ``"gm"`` (default) gives each voice only its
        own General MIDI sounds (other percussion, such as tambourine,
        cowbell, hand clap or side stick, is no voice and counted in
        ``n_unmapped``); ``"gmd"`` is the Roland TD-11 mapping of the Groove
        MIDI Dataset; a dict maps voice names to tuples of pitches.
    check_meter : bool, default=True
        Refuse files with a time signature other than 4/4.
    return_info : bool, default=False
        Also return a dict whose keys are also attributes with ``bpm`` (tempo at
        the start), ``tempo_changes`` (array of ``(step, bpm)``),
        ``time_signatures`` (array of ``(step, numerator, denominator)``),
        ``ticks_per_beat``, ``n_onsets`` (drum note-ons read), ``n_hits``
        (hits in the hvo), ``n_merged`` and ``n_unmapped``.

    Returns
    -------
    hvo : ndarray of shape (n_steps, 27), float32
        ``n_steps`` runs up to the step of the last hit.
    info : dict
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
    table, _ = pitch_table(pitch_map)
    data, name = read_bytes(source)
    onsets = parse(data, name)
    if check_meter:
        _check_meter(onsets, name)
    hvo, counts = onsets_to_hvo(onsets, table, name)
    if not return_info:
        return hvo
    to_step = STEPS_PER_BEAT / onsets.ticks_per_beat
    info = Info(
        bpm=float(step_bpm(onsets, [0])[0]),
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

"""hvo arrays -> MIDI: a new file of the drums alone, or the performance written into the song's own file."""

import numpy as np

from . import _rewrite
from .._hvo import STEPS_PER_BEAT, VOICES, check_hvo, check_voices, split_hvo
from ._midifile import Info, read_smf, summarize
from ._pitchmaps import pitch_table
from ._reading import drum_onsets, read_bytes

__all__ = ["MAX_AMOUNT", "MidiData", "hvo_to_midi", "rewrite_drums"]


class MidiData(bytes):
    """The bytes of a Standard MIDI File that :func:`rewrite_drums` wrote; ``save`` writes them to a file.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_groove.midi import MidiData
    >>> path = os.path.join(tempfile.mkdtemp(), "out.mid")
    >>> MidiData(b"MThd").save(path)
    >>> open(path, "rb").read()
    b'MThd'
    """

    def save(self, filename=None, file=None):
        """Write the file to ``filename`` (atomically: a failed or interrupted write leaves it as it was), or into
        the open binary ``file``."""
        from .._atomic import write_bytes

        if (filename is None) == (file is None):
            raise ValueError("give a filename or a file object")
        if file is not None:
            file.write(bytes(self))
        else:
            write_bytes(filename, bytes(self))

def hvo_to_midi(hvo, *, bpm=120.0, pitch_map="gm"):
    """Write one song's hvo ``(n_steps, 27)`` into a ``pretty_midi.PrettyMIDI``.

    Each hit becomes a note on MIDI channel 10 at the first pitch of its voice
    in ``pitch_map``, at ``(step + offset)`` 16th notes, velocity
    ``round(127 * v)`` (at least 1). A note played early on step 0 is clamped
    to time 0, not dropped. Notes last half a step, shortened where the next
    hit of the same voice comes sooner. The file counts 480 ticks a beat
    (GMD's), about 1 ms at 120 bpm.

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
    _, pitch_map = pitch_table(pitch_map)
    missing = [v for v in VOICES if not pitch_map.get(v)]
    h, v, o = split_hvo(hvo)
    step_s = 60.0 / bpm / STEPS_PER_BEAT
    pm = pretty_midi.PrettyMIDI(resolution=_rewrite.FINEST_TICKS_PER_BEAT, initial_tempo=float(bpm))
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


#: Largest ``amount`` of :func:`rewrite_drums`: 1.3 exaggerates the groove by 30%.
MAX_AMOUNT = 1.3


def rewrite_drums(
    source, hvo, *, voices=VOICES, amount=1.0, replace=False, pitch_map="gm", other="keep", return_info=False
):
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
    at 0. A file of fewer than 480 ticks a beat (``amount`` above 0) is
    written with a whole multiple of its ticks, at least 480, every event at
    the same time as before: its coarse grid (pretty_midi writes 220, some
    DAWs export 96) would round the performance's timing, 5 ms at 120 bpm.

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
        Blends each note from its own timing and velocity in the file (0:
        untouched) to those of ``hvo`` (1); above 1 the change is
        exaggerated. On a quantized file, 0 is the grid; a file that already
        has a feel keeps it at 0 (see :func:`sklearn_groove.songs.keep_feel`
        to keep it at 1). Added notes blend from the grid.
    replace : bool, default=False
        Notes of ``voices`` on steps where ``hvo`` has no hit: removed (True,
        for Tap2Drum and Infilling, whose output replaces them) or left
        unchanged (False).
    pitch_map : {"gm", "gmd"} or dict, default="gm"
    other : {"keep", "follow"}, default="keep"
        Drum notes of pitches of no voice (tambourine, cowbell, clap, side
        stick...): left as they were, or moved (shifted, and their velocity
        scaled) with the voice they follow on their step: the voice of the
        nearest sound (tambourine and shaker: closed hi-hat; clap, side stick
        and claves: snare; cowbell: ride; splash and Chinese cymbal: crash),
        else the first played of closed hi-hat, ride, snare, kick, open
        hi-hat, toms, crash. A note on a step where no changed voice plays
        stays as it was.
    return_info : bool, default=False
        Also return a dict (its keys also attributes) counting the notes
        ``moved``, ``kept`` unchanged (on steps without a hit), ``removed``
        and ``added``, and the notes of no voice that ``followed`` a voice,
        and the ``ticks_per_beat`` of the file written.

    Returns
    -------
    midi : MidiData
        The bytes of the new file; write it with ``midi.save(path)``.
    info : dict
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
    [(36, 100, 0.0), (36, 64, 0.531), (40, 90, 0.0)]
    """
    table, pitch_map = pitch_table(pitch_map)
    if isinstance(voices, str):
        voices = (voices,)
    check_voices(voices)
    if not (np.isfinite(amount) and 0 <= amount <= MAX_AMOUNT):
        raise ValueError(f"amount must lie in [0, {MAX_AMOUNT}], got {amount!r}")
    if other not in ("keep", "follow"):
        raise ValueError(f"other must be 'keep' or 'follow', got {other!r}")
    data, name = read_bytes(source)
    smf = read_smf(data, name)  # the one parse, read and written
    drum_onsets(summarize(smf), name)  # the same checks, and errors, as midi_to_hvo
    midi, counts = _rewrite.rewrite_drums(
        smf, data, name, hvo, table, pitch_map, voices=voices, amount=float(amount), replace=replace, other=other
    )
    midi = MidiData(midi)
    return (midi, Info(**counts)) if return_info else midi

"""MIDI files <-> hvo arrays, and slicing songs into windows.

Reading goes through the library's own MIDI reader
(:mod:`sklearn_groove.midi._midifile`), not through a note-pairing parser:
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

This module gathers the public names; they live in private modules by
responsibility: ``_pitchmaps`` (pitch maps), ``_reading`` (files -> hvo),
``_writing`` (hvo -> files, and rewriting a song's own file) and ``_windows``
(songs <-> windows).
"""

from ._pitchmaps import GM_PITCH_MAP, GMD_PITCH_MAP
from ._reading import MAX_FILE_BYTES, MAX_STEPS, midi_to_hvo
from ._windows import stitch_hvo, window_hvo
from ._writing import MAX_AMOUNT, MidiData, hvo_to_midi, rewrite_drums

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
    "MidiData",
    "MAX_AMOUNT",
]

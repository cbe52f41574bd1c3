"""Fills keep their rhythm: notes written off the 16th grid stay within half a 16th and in order."""

import numpy as np
import pytest

from sklearn_groove._midifile import read_midi_bytes
from sklearn_groove.cli import main

from .conftest import write_midi

TPB = 480
STEP = TPB // 4


def _song(fill):
    """Four bars of a quantized rock beat (8th hi-hats, kick and snare), the last beat replaced by ``fill``:
    (position in 16th notes, pitch) pairs."""
    notes = []
    for bar in range(4):
        for s in range(0, 16, 2):
            position = bar * 16 + s
            if position >= 60:
                break
            notes.append((position, 42))
            if s % 8 == 0:
                notes.append((position, 36))
            if s % 8 == 4:
                notes.append((position, 38))
    notes += fill
    import mido

    events = []
    for position, pitch in notes:
        tick = round(position * STEP)
        events += [(tick, mido.Message("note_on", channel=9, note=pitch, velocity=100)),
                   (tick + 30, mido.Message("note_off", channel=9, note=pitch, velocity=0))]
    events.sort(key=lambda e: e[0])
    track, last = [], 0
    for tick, msg in events:
        track.append(msg.copy(time=tick - last))
        last = tick
    return write_midi([track], ticks_per_beat=TPB, tempo_bpm=100), sorted(notes)


FILLS = {
    "triplet 8ths": [(60 + k * 4 / 3, p) for k, p in enumerate((48, 47, 45))],
    "32nd roll": [(60 + k / 2, 38) for k in range(8)],
    "32nd toms": [(60.51, 48), (61.0, 45), (61.49, 43), (62, 41), (62.5, 43), (63, 41)],
    "flams": [(59.85, 38), (60, 38), (61.85, 40), (62, 38), (63.8, 48), (64, 45)],
}


def _moves(data, out):
    """(written, played) times in steps of every drum note, matched by pitch and order."""
    before, after = read_midi_bytes(data), read_midi_bytes(out)
    pairs = []
    for pitch in np.unique(before.note_pitch):
        b = np.sort(before.note_tick[before.note_pitch == pitch]) / STEP
        a = np.sort(after.note_tick[after.note_pitch == pitch]) / STEP
        assert len(a) == len(b)
        pairs += [(x, y, pitch) for x, y in zip(b, a)]
    return pairs


@pytest.mark.parametrize("fill", FILLS, ids=list(FILLS))
@pytest.mark.parametrize("options", [[], ["--temperature", "0"], ["--model", "humanize_live", "--seed", "3"]],
                         ids=["default", "T=0", "live"])
def test_fills_keep_their_rhythm(tmp_path, fill, options):
    data, _ = _song(FILLS[fill])
    source, out = tmp_path / "song.mid", tmp_path / "out.mid"
    source.write_bytes(data)
    assert main(["humanize", str(source), "-o", str(out), "-q", *options]) == 0
    pairs = _moves(data, out.read_bytes())
    moved = np.array([abs(y - x) for x, y, _ in pairs])
    assert moved.max() <= 0.5 + 1 / STEP  # no note more than half a 16th from where it was written (one tick)
    fill_notes = sorted((x, y) for x, y, _ in pairs if x >= 59.5)
    written = [x for x, _ in fill_notes]
    played = [y for _, y in fill_notes]
    distinct = np.diff(written) > 1e-6
    assert (np.diff(played)[distinct] > 0).all(), fill  # notes written at different times keep their order


def test_gmd_fills_move_at_most_half_a_16th(gmd_files, tmp_path):
    """Performed takes labelled fills: every note stays within half a 16th of where the drummer played it."""
    fills = [f for f in gmd_files if "_fill_" in f.name][:4]
    assert fills
    for k, path in enumerate(fills):
        out = tmp_path / f"{k}.mid"
        assert main(["humanize", str(path), "-o", str(out), "-q", "--model", "humanize_live", "--any-meter"]) == 0
        data = path.read_bytes()
        ticks = read_midi_bytes(data).ticks_per_beat / 4
        before, after = read_midi_bytes(data), read_midi_bytes(out.read_bytes())
        for pitch in np.unique(before.note_pitch):
            b = np.sort(before.note_tick[before.note_pitch == pitch])
            a = np.sort(after.note_tick[after.note_pitch == pitch])
            assert np.abs(a - b).max() <= 0.5 * ticks + 1, (path.name, pitch)

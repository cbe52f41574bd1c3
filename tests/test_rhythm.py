"""Fills keep their rhythm: notes written off the 16th grid stay within half a 16th and in order."""

import numpy as np
import pytest

from sklearn_groove.midi._midifile import read_midi_bytes
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
@pytest.mark.parametrize("options", [[], ["--temperature", "0"], ["--seed", "3", "--style", "jazz"]],
                         ids=["default", "T=0", "jazz"])
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
        assert main(["humanize", str(path), "-o", str(out), "-q", "--any-meter"]) == 0
        data = path.read_bytes()
        ticks = read_midi_bytes(data).ticks_per_beat / 4
        before, after = read_midi_bytes(data), read_midi_bytes(out.read_bytes())
        for pitch in np.unique(before.note_pitch):
            b = np.sort(before.note_tick[before.note_pitch == pitch])
            a = np.sort(after.note_tick[after.note_pitch == pitch])
            assert np.abs(a - b).max() <= 0.5 * ticks + 1, (path.name, pitch)


def _taps(tmp_path, n=32):
    """A file of ``n`` taps on one pitch, at a varied rhythm."""
    import mido

    rng = np.random.default_rng(5)
    track = []
    for k in range(n):
        gap = int(rng.choice([1, 2, 2, 3])) * STEP - 20 if k else 0  # after the previous note-off, 20 ticks on
        track += [mido.Message("note_on", channel=9, note=38, velocity=int(rng.integers(40, 120)), time=gap),
                  mido.Message("note_off", channel=9, note=38, velocity=0, time=20)]
    path = tmp_path / "taps.mid"
    path.write_bytes(write_midi([track], ticks_per_beat=TPB, tempo_bpm=100))
    return path


@pytest.mark.parametrize("options", [["--temperature", "0"], ["--temperature", "1", "--seed", "1"], []],
                         ids=["T=0", "T=1", "default"])
def test_every_tap_sounds(tmp_path, options):
    path = _taps(tmp_path)
    out = tmp_path / "drums.mid"
    assert main(["tap2drum", str(path), "-o", str(out), "-q", *options]) == 0
    tapped = {int(round(t / STEP)) for t in read_midi_bytes(path.read_bytes()).note_tick}
    played = {int(round(t / STEP)) for t in read_midi_bytes(out.read_bytes()).note_tick}
    assert len(tapped) == 32 and tapped <= played


def test_sound_taps_is_an_option_on_by_default(data_home):
    from sklearn_groove import pretrained
    from sklearn_groove.datasets import fetch_groove

    model = pretrained.load("tap2drum")
    y = fetch_groove(subset="test", data_home=data_home).hvo[::4]
    taps = y[..., :9].max(axis=-1) > 0
    silent = {}
    for sound in (False, True, None):
        beats = model.predict(y) if sound is None else model.predict(y, sound_taps=sound)
        silent[sound] = int((taps & (beats[..., :9].max(axis=-1) == 0)).sum())
    assert silent[None] == silent[True] == 0 < silent[False]


@pytest.mark.parametrize("command", [["humanize"], ["humanize", "--model", "humanize_paper", "--seed", "2"],
                                     ["humanize", "--style", "funk"], ["infill"], ["tap2drum"]],
                         ids=["humanize", "paper", "styles-funk", "infill", "tap2drum"])
def test_no_note_softer_than_drummers_play(tmp_path, command):
    from sklearn_groove.midi import GM_PITCH_MAP
    from sklearn_groove.songs import VELOCITY_FLOOR

    from .conftest import REPO

    out = tmp_path / "out.mid"
    assert main([command[0], str(REPO / "examples" / "beat.mid"), "-o", str(out), "-q", *command[1:]]) == 0
    played = read_midi_bytes(out.read_bytes())
    voice_of = {p: v for v, pitches in GM_PITCH_MAP.items() for p in pitches}
    for pitch, velocity in zip(played.note_pitch, played.note_velocity):
        if int(pitch) in voice_of:
            assert velocity >= VELOCITY_FLOOR[voice_of[int(pitch)]], (pitch, velocity)


def test_a_softer_note_asked_for_is_kept(tmp_path):
    from sklearn_groove.songs import floor_velocities

    song = np.zeros((16, 27), dtype=np.float32)
    song[:, 2], song[:, 11] = 1, 100 / 127
    song[3, 11] = 2 / 127  # a ghost note the file asks for
    played = song.copy()
    played[:, 11] = 1 / 127
    out = floor_velocities(played, song)
    assert round(float(out[3, 11]) * 127) == 2 and round(float(out[0, 11]) * 127) == 11


def test_velocity_floor_is_the_drummers_first_percentile(data_home):
    from sklearn_groove import VOICES
    from sklearn_groove.datasets import fetch_groove
    from sklearn_groove.songs import VELOCITY_FLOOR

    train = fetch_groove(subset="train", data_home=data_home).hvo
    for j, voice in enumerate(VOICES):
        played = train[..., 9 + j][train[..., j] > 0] * 127
        assert abs(np.percentile(played, 1) - VELOCITY_FLOOR[voice]) <= 0.5, voice

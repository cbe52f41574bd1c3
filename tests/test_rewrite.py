"""rewrite_drums: a performance goes back into its own MIDI file, and nothing else changes."""

import io

import mido
import numpy as np
import pytest

from sklearn_groove import join_hvo, split_hvo
from sklearn_groove.midi import MAX_AMOUNT, midi_to_hvo, rewrite_drums

from .conftest import timed_events, write_midi

TPB = 480
STEP = TPB // 4


def events(midi):
    """(track, absolute tick, message) of every event but end-of-track."""
    out = []
    for t, track in enumerate(midi.tracks):
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type != "end_of_track":
                out.append((t, tick, msg.copy(time=0)))
    return out


def onsets(midi):
    return [(t, tick, m) for t, tick, m in events(midi) if m.type == "note_on" and m.velocity > 0]


def is_drum_note(m):
    return m.type in ("note_on", "note_off") and m.channel == 9


def reread(midi):
    return mido.MidiFile(file=io.BytesIO(saved(midi)))


def saved(midi):
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def track_of(timed):
    """A list of mido messages with delta times, from (absolute tick, message) pairs."""
    out, last = [], 0
    for tick, msg in sorted(timed, key=lambda e: e[0]):
        out.append(msg.copy(time=tick - last))
        last = tick
    return out


def note(tick, pitch, velocity, channel=9, length=10):
    return [(tick, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)),
            (tick + length, mido.Message("note_off", channel=channel, note=pitch, velocity=0))]


def song(n_steps=64, seed=0, flam=True):
    """A 4/4 song at 480 ticks a beat: drums (with a flam and an unmapped pitch), bass, controllers, a tempo change."""
    rng = np.random.default_rng(seed)
    drums = []
    for step in range(n_steps):
        for pitch in ([36] if step % 4 == 0 else []) + [42] + ([38] if step % 8 == 4 else []):
            tick = step * STEP + int(rng.integers(-30, 30)) * (step > 0)
            drums += note(tick, pitch, int(rng.integers(40, 120)))
    if flam:
        drums += note(8 * STEP + 20, 38, 50)  # a second snare on step 8... of the kick
        drums += note(12 * STEP - 20, 38, 50)  # and a flam before the snare of step 12
    drums += note(3 * STEP, 87, 70)  # a pitch outside the 9 voices
    drums.append((n_steps // 2 * STEP, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(140))))
    bass = [(0, mido.Message("program_change", channel=0, program=33)),
            (0, mido.Message("control_change", channel=0, control=7, value=90))]
    for i in range(n_steps // 4):
        bass += note(i * 4 * STEP, 40 + i % 5, 80, channel=0, length=4 * STEP - 2)
    return write_midi([track_of(drums), track_of(bass)], ticks_per_beat=TPB, tempo_bpm=100, time_signature=(4, 4))


def performed(data, seed=1):
    """The song's hvo with new velocities and offsets on every hit."""
    hvo = midi_to_hvo(data)
    h, _, _ = split_hvo(hvo)
    rng = np.random.default_rng(seed)
    return join_hvo(h, rng.uniform(0.2, 1.0, h.shape), rng.uniform(-0.45, 0.45, h.shape))


def test_every_note_and_event_comes_back():
    data = song()
    before = mido.MidiFile(file=io.BytesIO(data))
    after = reread(rewrite_drums(data, performed(data)))
    key = lambda e: (e[0], e[2].channel, e[2].note)
    assert sorted(map(key, onsets(before))) == sorted(map(key, onsets(after)))  # same count, pitch, channel, track
    same = lambda midi: [(t, tick, m) for t, tick, m in events(midi) if not is_drum_note(m) or m.note == 87]
    assert same(before) == same(after)  # bass, controllers, tempo, meter, the unmapped pitch: untouched
    assert len(events(before)) == len(events(after))


def test_notes_move_to_the_performance_within_half_a_step():
    data = song(flam=False)
    hvo = performed(data)
    after = reread(rewrite_drums(data, hvo))
    h, v, o = split_hvo(hvo)
    for _, tick, m in onsets(after):
        if m.channel != 9 or m.note == 87:
            continue
        step = int(np.floor(tick / STEP + 0.5))
        voice = {36: 0, 38: 1, 42: 2}[m.note]
        assert h[step, voice] == 1
        assert abs(tick / STEP - step) <= 0.5
        assert tick == max(round((step + o[step, voice]) * STEP), 0)
        assert m.velocity == max(round(127 * v[step, voice]), 1)


def test_flam_keeps_its_shape_and_notes_keep_their_length():
    data = song()
    hvo = performed(data)
    after = reread(rewrite_drums(data, hvo))
    snares = sorted(t for _, t, m in onsets(after) if m.note == 38 and m.channel == 9 and 11 * STEP - STEP / 2 <= t <= 12 * STEP + STEP / 2)
    assert len(snares) == 2  # both notes of the flam come back, up to 20 + 30 ticks apart, or squeezed into the step
    assert 0 < snares[1] - snares[0] <= 50
    lengths = {}
    for t, tick, m in events(after):
        if is_drum_note(m) and m.note != 87:
            if m.type == "note_on" and m.velocity > 0:
                lengths.setdefault(m.note, []).append(tick)
            else:
                assert tick - lengths[m.note].pop(0) == 10


def test_amount_zero_leaves_the_file_as_it_was():
    data = song(flam=False)
    before = mido.MidiFile(file=io.BytesIO(data))
    assert any(t % STEP for _, t, m in onsets(before) if m.channel == 9)  # the file has its own timing
    after = reread(rewrite_drums(data, performed(data), amount=0))
    assert [(t, m.note, m.velocity) for _, t, m in onsets(after)] == [(t, m.note, m.velocity) for _, t, m in onsets(before)]


def test_amount_blends_from_the_files_own_timing():
    data = song(flam=False)
    own = split_hvo(midi_to_hvo(data))[2]
    target = performed(data)
    h, v, o = split_hvo(target)
    half = split_hvo(midi_to_hvo(saved(rewrite_drums(data, target, amount=0.5))))[2]
    np.testing.assert_allclose(half[h > 0], ((own + o) / 2)[h > 0], atol=1 / STEP + 1e-6)


def test_amount_exaggerates_and_is_bounded():
    data = song(flam=False)
    hvo = midi_to_hvo(data)
    h, _, o_in = split_hvo(hvo)
    late = join_hvo(h, np.full(h.shape, 0.5), np.full(h.shape, 0.3))
    ticks = {a: [t for _, t, m in onsets(reread(rewrite_drums(data, late, amount=a))) if m.note == 42 and m.channel == 9] for a in (1, 1.3)}
    grid = np.arange(len(ticks[1])) * STEP
    assert np.allclose(np.array(ticks[1]) - grid, 0.3 * STEP, atol=1)
    own = o_in[h[:, 2] > 0, 2]  # past 1, the change from the file's own timing is exaggerated
    assert np.allclose(np.array(ticks[1.3]) - grid, (own + 1.3 * (0.3 - own)) * STEP, atol=1)
    with pytest.raises(ValueError, match="amount"):
        rewrite_drums(data, late, amount=MAX_AMOUNT + 0.1)


def test_only_chosen_voices_change():
    data = song()
    before = mido.MidiFile(file=io.BytesIO(data))
    after = reread(rewrite_drums(data, performed(data), voices=["snare"]))
    pick = lambda midi, notes: [(t, m.note, m.velocity) for _, t, m in onsets(midi) if m.note in notes and m.channel == 9]
    assert pick(before, (36, 42)) == pick(after, (36, 42))
    assert pick(before, (38,)) != pick(after, (38,))


def test_early_first_note_is_clamped_not_dropped():
    data = write_midi([track_of(note(0, 36, 100) + note(STEP, 36, 100))], ticks_per_beat=TPB)
    h = split_hvo(midi_to_hvo(data))[0]
    early = join_hvo(h, np.full(h.shape, 0.5), np.full(h.shape, -0.4))
    ticks = [t for _, t, _ in onsets(reread(rewrite_drums(data, early)))]
    assert ticks == [0, round(0.6 * STEP)]


def test_added_and_removed_notes():
    data = write_midi([track_of(note(0, 36, 100) + note(STEP, 42, 100))], ticks_per_beat=TPB)
    hvo = np.zeros((4, 27), dtype=np.float32)
    hvo[0, 0], hvo[0, 9] = 1, 0.5  # the kick stays
    hvo[3, 2], hvo[3, 11], hvo[3, 20] = 1, 0.7, 0.1  # a hi-hat on step 3, none on step 1
    midi, info = rewrite_drums(data, hvo, replace=True, return_info=True)
    assert (info.moved, info.removed, info.added) == (1, 1, 1)
    notes = [(t, m.note, m.velocity) for _, t, m in onsets(reread(midi))]
    assert notes == [(0, 36, 64), (round(3.1 * STEP), 42, 89)]
    kept = rewrite_drums(data, hvo, replace=False, return_info=True)[1]
    assert (kept.kept, kept.removed) == (1, 0)


def test_tempo_change_keeps_the_grid():
    """Offsets are in ticks, so a tempo change moves nothing off the grid."""
    data = song(flam=False)
    hvo = performed(data)
    back = midi_to_hvo(_bytes(rewrite_drums(data, hvo)))
    np.testing.assert_array_equal(split_hvo(back)[0], split_hvo(hvo)[0])
    np.testing.assert_allclose(split_hvo(back)[2], split_hvo(hvo)[2], atol=1 / STEP)


def _bytes(midi):
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def test_bad_arguments():
    data = song()
    hvo = performed(data)
    with pytest.raises(ValueError, match="unknown voices"):
        rewrite_drums(data, hvo, voices=["cowbell"])
    with pytest.raises(ValueError, match="not a MIDI file"):
        rewrite_drums(b"nope", hvo)
    with pytest.raises(ValueError, match="give a performance of the whole file"):
        rewrite_drums(data, hvo[:32])


def test_notes_at_the_half_step_edge_read_back_on_their_step():
    """Offsets just under half a step (or over it, for added notes with amount > 1) must not land on the next step."""
    from sklearn_groove._hvo import MAX_OFFSET

    step = 110  # 440 ticks a beat (written with 880): 0.4999 of a step rounds to exactly half a step
    data = write_midi([track_of([e for s in range(8) for e in note(s * step, 42, 100)])], ticks_per_beat=440)
    h = split_hvo(midi_to_hvo(data))[0]
    h[:, 0] = 1  # kicks on every step, with no note in the file: added
    edge = join_hvo(h, np.full(h.shape, 0.5), np.where(h > 0, MAX_OFFSET, 0))
    for amount in (1.0, MAX_AMOUNT):
        midi, info = rewrite_drums(data, edge, amount=amount, return_info=True)
        assert (info.moved, info.added) == (8, 8)
        np.testing.assert_array_equal(split_hvo(midi_to_hvo(_bytes(midi)))[0], h)
        out = reread(midi)
        assert out.ticks_per_beat == 880
        late = [t - s * 2 * step for s, (_, t, m) in enumerate(o for o in onsets(out) if o[2].note == 42)]
        assert late == [109] * 8  # the last tick before half a step


def test_a_coarse_file_gets_finer_ticks_and_keeps_every_time():
    """A file of 96 ticks a beat (as some DAWs export) is written with 480: every event at the same time in
    seconds, the drums at the performance's offsets to within a 480th of a beat, not a 96th; at amount 0 it is
    written back as it was."""
    coarse = 96
    step = coarse // 4
    drums = [e for s in range(32) for e in note(s * step, 42, 100)]
    bass = [(0, mido.Message("program_change", channel=0, program=33))] + note(0, 40, 80, channel=0, length=8 * step)
    data = write_midi([track_of(drums + [(16 * step, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(90)))]),
                       track_of(bass)], ticks_per_beat=coarse)
    hvo = midi_to_hvo(data)
    h = split_hvo(hvo)[0]
    wanted = np.where(h > 0, 0.13, 0.0)
    midi = rewrite_drums(data, join_hvo(h, 0.7 * h, wanted))
    out, before = reread(midi), mido.MidiFile(file=io.BytesIO(data))
    assert out.ticks_per_beat == 480
    seconds = lambda midi, drums: [(round(t, 9), m.type, getattr(m, "note", None)) for t, m in timed_events(midi)
                                   if is_drum_note(m) == drums and m.type != "end_of_track"]
    assert seconds(out, drums=False) == seconds(before, drums=False)  # the bass and the tempo change, to the ns
    played = split_hvo(midi_to_hvo(saved(midi)))[2][h > 0]
    assert np.abs(played - 0.13).max() <= 1 / 120 / 2 + 1e-6  # a 96-tick grid would be 1 / 24 of a step apart
    assert saved(rewrite_drums(data, hvo, amount=0)) == data

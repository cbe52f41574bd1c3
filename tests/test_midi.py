import io

import mido
import numpy as np
import pretty_midi
import pytest

from sklearn_groove import split_hvo
from sklearn_groove.midi._midifile import MAX_TRACKS, read_midi_bytes
from sklearn_groove.midi._pitchmaps import OTHER_PERCUSSION
from sklearn_groove.midi import (
    GM_PITCH_MAP,
    GMD_PITCH_MAP,
    MAX_STEPS,
    hvo_to_midi,
    midi_to_hvo,
    window_hvo,
)

from .conftest import hit, write_midi


def _mido_onsets(path_or_bytes):
    """The reference: every note-on with velocity > 0, read through mido."""
    if isinstance(path_or_bytes, bytes):
        mid = mido.MidiFile(file=io.BytesIO(path_or_bytes))
    else:
        mid = mido.MidiFile(path_or_bytes)
    onsets = []
    for track in mid.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                onsets.append((tick, msg.channel, msg.note, msg.velocity))
    return sorted(onsets)


def _ours(data):
    e = read_midi_bytes(data)
    return sorted(zip(e.note_tick.tolist(), e.note_channel.tolist(), e.note_pitch.tolist(), e.note_velocity.tolist()))


def test_every_gmd_onset_is_read(gmd_files):
    """For all 1,150 GMD files: the reader's onsets are exactly mido's note-ons."""
    assert len(gmd_files) == 1150
    mismatched = [f.name for f in gmd_files if _ours(f.read_bytes()) != _mido_onsets(f)]
    assert mismatched == []


def test_zero_length_notes_are_kept(gmd_file):
    """pretty_midi loses 47 hi-hat hits of this file; the reader keeps them."""
    pm_notes = sum(len(i.notes) for i in pretty_midi.PrettyMIDI(str(gmd_file)).instruments)
    _, info = midi_to_hvo(gmd_file, pitch_map="gmd", return_info=True)
    assert info.n_onsets == len(_mido_onsets(gmd_file)) == pm_notes + 47
    assert info.n_hits + info.n_merged + info.n_unmapped == info.n_onsets


def test_notes_pairing_parsers_drop_are_kept():
    """Zero-length, re-struck before release, never released, running status."""
    events = [
        mido.Message("note_on", channel=9, note=42, velocity=50, time=0),
        mido.Message("note_off", channel=9, note=42, velocity=0, time=0),  # zero length
        mido.Message("note_on", channel=9, note=38, velocity=60, time=120),
        mido.Message("note_on", channel=9, note=38, velocity=70, time=120),  # struck again
        mido.Message("note_on", channel=9, note=38, velocity=0, time=10),
        mido.Message("note_on", channel=9, note=36, velocity=80, time=110),  # never released
    ]
    data = write_midi([events])
    assert _ours(data) == _mido_onsets(data)
    hvo, info = midi_to_hvo(data, return_info=True)
    assert info.n_onsets == 4 and info.n_hits == 4 and info.n_merged == 0


def test_running_status_with_one_data_byte():
    """Program change in running status (one data byte) between note-ons."""
    track = bytes(
        [0x00, 0xC9, 0x05, 0x00, 0x06]  # program change, then running status
        + [0x00, 0x99, 36, 100, 0x60, 38, 90]  # note-on, then running status
        + [0x00, 0xFF, 0x2F, 0x00]
    )
    data = b"MThd" + (6).to_bytes(4, "big") + bytes([0, 0, 0, 1, 0, 96]) + b"MTrk" + len(track).to_bytes(4, "big") + track
    assert _ours(data) == [(0, 9, 36, 100), (96, 9, 38, 90)] == _mido_onsets(data)


def test_multitrack_and_channels():
    drums = hit(36, 100) + hit(38, 90, time=230)
    piano = [mido.Message("note_on", channel=0, note=60, velocity=80, time=0),
             mido.Message("note_off", channel=0, note=60, velocity=0, time=480)]
    data = write_midi([piano, drums], tempo_bpm=100)
    hvo, info = midi_to_hvo(data, return_info=True)
    assert info.n_onsets == 2 and info.bpm == pytest.approx(100)
    h, _, _ = split_hvo(hvo)
    assert h[0, 0] == 1 and h[2, 1] == 1  # 240 ticks = an 8th note = step 2


def test_no_drums_is_an_error():
    piano = [mido.Message("note_on", channel=0, note=60, velocity=80, time=0)]
    with pytest.raises(ValueError, match="no drum notes"):
        midi_to_hvo(write_midi([piano]))


def test_offsets_sign_and_loudest_wins():
    # 480 ticks a beat: 120 ticks a step. Kick at tick 150 = step 1, +0.25.
    on = lambda note, velocity, time: mido.Message("note_on", channel=9, note=note, velocity=velocity, time=time)
    events = [on(36, 60, 150), on(36, 100, 0), on(38, 80, 40)]  # two kicks at 150, a snare at 190
    hvo, info = midi_to_hvo(write_midi([events]), return_info=True)
    h, v, o = split_hvo(hvo)
    assert info.n_merged == 1 and info.n_hits == 2
    assert h[1, 0] == 1 and v[1, 0] == pytest.approx(100 / 127)  # the loudest kick
    assert o[1, 0] == pytest.approx(0.25)  # late: positive
    assert h[2, 1] == 1 and o[2, 1] == pytest.approx(-50 / 120)  # early: negative


def test_offset_half_step_goes_to_next_step():
    data = write_midi([hit(36, 100, time=60)])  # exactly half a step
    h, _, o = split_hvo(midi_to_hvo(data))
    assert h[1, 0] == 1 and o[1, 0] == pytest.approx(-0.5)


def test_pitch_maps():
    assert set(GMD_PITCH_MAP) == set(GM_PITCH_MAP)
    for voice, pitches in GMD_PITCH_MAP.items():
        assert pitches[0] == GM_PITCH_MAP[voice][0]  # both write the same pitch
    gm_pitches = [p for ps in GM_PITCH_MAP.values() for p in ps]
    assert len(gm_pitches) == len(set(gm_pitches))
    # each voice reads its own sounds only: side stick, clap, tambourine, cowbell, splash... are no voice
    for other in (37, 39, 52, 54, 55, 56, 58, 60, 69, 75, 81):
        assert other in OTHER_PERCUSSION and other not in gm_pitches
    assert set(OTHER_PERCUSSION) | set(gm_pitches) >= set(range(35, 82))
    data = write_midi([hit(36) + hit(35) + hit(81)])
    _, info = midi_to_hvo(data, pitch_map="gmd", return_info=True)
    assert info.n_unmapped == 2 and info.n_hits == 1  # 35 and 81 are GM-only pitches
    _, info = midi_to_hvo(data, pitch_map="gm", return_info=True)
    assert info.n_unmapped == 1 and info.n_hits == 1 and info.n_merged == 1  # 35, 36: both kick; 81 no voice
    with pytest.raises(ValueError, match="none of the"):
        midi_to_hvo(write_midi([hit(35)]), pitch_map="gmd")
    with pytest.raises(ValueError, match="unknown voices"):
        midi_to_hvo(data, pitch_map={"cowbell": (56,)})


def test_sources_path_bytes_file_prettymidi(gmd_file, tmp_path):
    from_path = midi_to_hvo(gmd_file, pitch_map="gmd")
    np.testing.assert_array_equal(from_path, midi_to_hvo(gmd_file.read_bytes(), pitch_map="gmd"))
    with open(gmd_file, "rb") as f:
        np.testing.assert_array_equal(from_path, midi_to_hvo(f, pitch_map="gmd"))
    pm = pretty_midi.PrettyMIDI(str(gmd_file))
    assert midi_to_hvo(pm, pitch_map="gmd").shape[-1] == 27


def test_round_trip_gmd_file(gmd_file):
    """MIDI -> hvo -> MIDI -> hvo keeps hits and velocities, offsets to the tick."""
    hvo, info = midi_to_hvo(gmd_file, pitch_map="gmd", return_info=True)
    pm = hvo_to_midi(hvo, bpm=info.bpm, pitch_map="gmd")
    again = midi_to_hvo(pm, pitch_map="gmd")
    assert again.shape == hvo.shape
    (h1, v1, o1), (h2, v2, o2) = split_hvo(hvo), split_hvo(again)
    np.testing.assert_array_equal(h1, h2)
    np.testing.assert_allclose(v1, v2, atol=0.5 / 127)
    # pretty_midi writes 220 ticks a beat: 55 ticks a step.
    np.testing.assert_allclose(o1, o2, atol=1 / 55 + 1e-6)


def test_hvo_to_midi_clamps_early_first_note_and_counts_notes():
    hvo = np.zeros((32, 27), dtype=np.float32)
    hvo[0, [0, 9, 18]] = 1, 0.5, -0.3  # early kick on the very first step
    hvo[[4, 5], 2] = 1
    hvo[[4, 5], 11] = 0.2
    hvo[4, 20], hvo[5, 20] = 0.49, -0.5  # nearly touching hi-hats
    notes = hvo_to_midi(hvo, bpm=90).instruments[0].notes
    assert len(notes) == 3
    assert notes[0].start == 0.0 and notes[0].pitch == 36 and notes[0].velocity == 64
    hats = [n for n in notes if n.pitch == 42]
    assert hats[0].end <= hats[1].start
    with pytest.raises(ValueError, match="bpm"):
        hvo_to_midi(hvo, bpm=0)


def test_window_hvo():
    song = np.zeros((70, 27), dtype=np.float32)
    song[69, 0] = 1
    windows, start = window_hvo(song, bars=2, hop_bars=2)
    assert windows.shape == (3, 32, 27) and start.tolist() == [0, 2, 4]
    assert split_hvo(windows)[0].sum() == 1  # the last hit is not lost
    windows, start = window_hvo(song, bars=2, hop_bars=2, pad_end=False)
    assert start.tolist() == [0, 2]
    short = song[:12]  # less than a bar
    assert window_hvo(short, bars=2)[0].shape == (1, 32, 27)
    assert window_hvo(short, bars=2, pad_end=False)[0].shape == (0, 32, 27)
    with pytest.raises(ValueError, match="hop_bars"):
        window_hvo(song, hop_bars=0)


def _smf(track_bytes, header=None):
    header = header or bytes([0, 0, 0, 1, 1, 0xE0])
    return b"MThd" + (6).to_bytes(4, "big") + header + b"MTrk" + len(track_bytes).to_bytes(4, "big") + track_bytes


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"RIFF0000WAVEfmt ", "not a MIDI file"),
        (b"MThd\x00\x00", "truncated"),
        (_smf(bytes([0x00, 0x99, 36, 100]))[:-10], "truncated"),
        (_smf(bytes([0x00, 0x99, 36])), "truncated"),
        (_smf(bytes([0x00, 0xFF, 0x2F, 0x00]), header=bytes([0, 0, 0, 1, 0xE7, 0x28])), "SMPTE"),
        (_smf(bytes([0x00, 0xFF, 0x2F, 0x00]), header=bytes([0, 0, 0xFF, 0xFF, 1, 0xE0])), "tracks"),
        (_smf(bytes([0x00, 0x99, 36, 0xE4])), "data byte"),
        (_smf(bytes([0x00, 36, 100, 0x00, 0xFF, 0x2F, 0x00])), "running status"),
        (_smf(bytes([0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x99, 36, 100])), "invalid length"),
        (_smf(bytes([0x00, 0xFF, 0x2F, 0x00])), "no drum notes"),
    ],
)
def test_bad_bytes_give_clear_errors(data, message):
    with pytest.raises(ValueError, match=message) as err:
        midi_to_hvo(data)
    assert str(err.value).startswith("<bytes>:")


def test_bad_files_are_named(tmp_path):
    path = tmp_path / "song.mid"
    path.write_bytes(b"not midi at all")
    with pytest.raises(ValueError, match=f"{path}: not a MIDI file"):
        midi_to_hvo(path)
    with pytest.raises(ValueError, match="cannot read"):
        midi_to_hvo(tmp_path / "missing.mid")
    with pytest.raises(ValueError, match="expected a path"):
        midi_to_hvo(12)


def test_meter_is_checked():
    data = write_midi([hit(36)], time_signature=(3, 4))
    with pytest.raises(ValueError, match="3/4"):
        midi_to_hvo(data)
    hvo, info = midi_to_hvo(data, check_meter=False, return_info=True)
    assert info.time_signatures.tolist() == [[0, 3, 4]]


def test_tempo_changes_are_reported():
    events = hit(36) + [mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(150), time=1910)] + hit(38)
    _, info = midi_to_hvo(write_midi([events], tempo_bpm=90), return_info=True)
    assert info.bpm == pytest.approx(90)
    np.testing.assert_allclose(info.tempo_changes, [[0, 90], [16, 150]], rtol=1e-5)


def test_hostile_inputs_end_quickly():
    # A 10-hour silence before one note: refused (MAX_STEPS), no huge array.
    delta = 480 * 2 * 3600 * 10  # ten hours at 120 bpm, in ticks
    data = write_midi([[mido.Message("note_on", channel=9, note=36, velocity=99, time=delta)]])
    with pytest.raises(ValueError, match="MAX_STEPS"):
        midi_to_hvo(data)
    # Thousands of notes on one tick: one hit, the others counted as merged.
    many = [mido.Message("note_on", channel=9, note=36, velocity=1 + i % 127, time=0) for i in range(5000)]
    hvo, info = midi_to_hvo(write_midi([many]), return_info=True)
    assert info.n_hits == 1 and info.n_merged == 4999 and hvo.shape == (1, 27)
    # A header announcing more tracks than the file holds.
    data = _smf(bytes([0x00, 0x99, 36, 100, 0x00, 0xFF, 0x2F, 0x00]), header=bytes([0, 1, 0x03, 0xFF, 1, 0xE0]))
    with pytest.raises(ValueError, match="announces 1023 tracks, found 1"):
        midi_to_hvo(data)
    assert MAX_TRACKS < 65535
    assert MAX_STEPS == 2**18


def test_stitch_select_takes_each_step_from_one_window():
    from sklearn_groove.midi import stitch_hvo, window_hvo

    song = np.zeros((80, 27), np.float32)
    windows, start = window_hvo(song, bars=2, hop_bars=1)
    marked = windows + np.arange(len(windows), dtype=np.float32)[:, None, None] + 1  # window k plays k + 1
    stitched = stitch_hvo(marked, start, 80, blend="select")
    # each step from the window where it is more central: the first half of bar b from window b - 1
    expected = np.array([min(max(s // 16 - (s % 16 < 8), 0), len(windows) - 1) + 1 for s in range(80)], np.float32)
    np.testing.assert_array_equal(stitched[:, 0], expected)
    assert set(np.unique(stitched)) <= set(range(1, len(windows) + 1))  # never a mean of two


@pytest.mark.parametrize("block", [5, 64, 1000])
def test_blocks_read_as_one(gmd_files, monkeypatch, block):
    """A track is read a block at a time: tiny blocks (events cut at every place, running status and long
    events across them) read every note, tempo and meter as one block does, and refuse the same files."""
    from sklearn_groove.midi import _midifile
    from sklearn_groove.midi._midifile import read_midi_bytes, read_smf

    def everything(data):
        try:
            smf = read_smf(data)
        except ValueError as exc:
            return str(exc)
        keys = ("event_tick", "event_start", "event_end", "event_status", "event_running", "note_tick", "meta_tick")
        return [[t[k].tolist() for k in keys] for t in smf.tracks], read_midi_bytes(data)._asdict().__repr__()

    sysex = write_midi([[mido.Message("sysex", data=list(range(100)), time=3)] + hit(36)
                        + [mido.Message("program_change", channel=9, program=3, time=0),
                           mido.Message("program_change", channel=9, program=4, time=1)] + hit(38, time=5)])
    body = b"".join(b"\x00\xc9\x03\x01\x04\x02\x05\x00\x99\x24\x64\x10\x26\x50\x00\xd9\x40\x03\x41" for _ in range(30))
    running = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x00\x60MTrk" + len(body).to_bytes(4, "big") + body
    quirky = [sysex, sysex[:-6], sysex[:40] + b"\xff" + sysex[41:], running, running[:-3] + b"\x99\x24"]
    quirky += [f.read_bytes() for f in gmd_files[::100]]
    expected = [everything(d) for d in quirky]
    assert expected[3][1].count("36") and isinstance(expected[4], str)  # running status on 1-byte messages read
    monkeypatch.setattr(_midifile, "_BLOCK", block)
    assert [everything(d) for d in quirky] == expected


def test_notes_read_in_chunks_as_at_once(gmd_files, monkeypatch):
    """Notes go into the grid a chunk at a time: tiny chunks give the same hvo and counts (loudest, ties)."""
    from sklearn_groove.midi import _reading

    flams = write_midi([hit(38, 90) + hit(38, 90, time=3) + hit(38, 100, time=3) + hit(36, 70, time=100)
                        + hit(36, 70, time=0) + hit(60, 50)])
    files = [flams] + [f.read_bytes() for f in gmd_files[::60]]
    expected = [midi_to_hvo(d, check_meter=False, return_info=True) for d in files]
    monkeypatch.setattr(_reading, "_NOTES_CHUNK", 3)
    monkeypatch.setattr(_reading.onsets_to_hvo, "__defaults__", (3,))
    for data, (hvo, info) in zip(files, expected):
        again, info_again = midi_to_hvo(data, check_meter=False, return_info=True)
        np.testing.assert_array_equal(again, hvo)
        assert (info_again.n_merged, info_again.n_unmapped) == (info.n_merged, info.n_unmapped)
    assert expected[0][1].n_merged == 3

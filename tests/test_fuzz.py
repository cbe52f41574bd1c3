"""Fuzzing the MIDI reader: mutated and truncated real and hand-written files.

The only outcomes allowed are a parsed performance or the library's ValueError:
no other exception type, no hang (hypothesis' deadline), no crash. CI runs
SKLEARN_GROOVE_FUZZ_EXAMPLES (default 300) cases per test; for a long run:

    SKLEARN_GROOVE_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py
"""

import os

import mido
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_groove.midi import midi_to_hvo

from .conftest import hit, write_midi

N_EXAMPLES = int(os.environ.get("SKLEARN_GROOVE_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=N_EXAMPLES,
    deadline=2000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=os.environ.get("SKLEARN_GROOVE_FUZZ_RANDOM") != "1",
)


def _written():
    """A file with what real files hold: tempo, meter, running status, other channels."""
    events = []
    for i in range(40):
        events += hit([36, 38, 42, 46, 49][i % 5], velocity=20 + i, time=60)
    events.append(mido.Message("program_change", channel=0, program=5, time=0))
    events.append(mido.Message("control_change", channel=9, control=4, value=90, time=5))
    events.append(mido.Message("pitchwheel", channel=0, pitch=100, time=5))
    events.append(mido.MetaMessage("text", text="fuzz", time=0))
    return write_midi([events, hit(60, channel=0)], tempo_bpm=97, time_signature=(4, 4))


@st.composite
def mutated(draw, seeds):
    data = bytearray(draw(st.sampled_from(seeds)))
    kind = draw(st.sampled_from(["bytes", "truncate", "delete", "insert", "header"]))
    if kind == "bytes":
        for _ in range(draw(st.integers(1, 16))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif kind == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif kind == "delete":
        start = draw(st.integers(0, len(data) - 1))
        del data[start : start + draw(st.integers(1, 64))]
    elif kind == "insert":
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.binary(min_size=1, max_size=64))
    else:  # the header and first chunk header, where lengths and counts live
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.integers(0, min(len(data), 22) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def _parse_or_value_error(data):
    try:
        hvo = midi_to_hvo(data, check_meter=False)
    except ValueError:
        return
    assert hvo.ndim == 2 and hvo.shape[1] == 27


@pytest.fixture(scope="module")
def seeds(gmd_files):
    step = max(1, len(gmd_files) // 20)
    return [f.read_bytes() for f in gmd_files[::step][:20]] + [_written()]


def test_fuzz_mutated_files(seeds):
    @FUZZ
    @given(mutated(seeds))
    def run(data):
        _parse_or_value_error(data)

    run()


@FUZZ
@given(st.binary(max_size=256))
def test_fuzz_random_bytes_after_header(tail):
    _parse_or_value_error(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk" + tail)


def _onsets(data):
    """(tick, channel, pitch, velocity) of every note-on, sorted, as the library reads them."""
    from sklearn_groove.midi._midifile import read_midi_bytes

    e = read_midi_bytes(data)
    return sorted(zip(e.note_tick.tolist(), e.note_channel.tolist(), e.note_pitch.tolist(), e.note_velocity.tolist()))


def _round_trip(data):
    """Every file the reader accepts is written; what is written reads back, every note kept.

    At amount 0 the notes come back where they were (to the tick: an offset is read at most a hair under half a
    step); at amount 1 with another performance, the same notes, pitches and channels.
    """
    import numpy as np

    from sklearn_groove import join_hvo, split_hvo
    from sklearn_groove.midi import rewrite_drums

    try:
        hvo = midi_to_hvo(data, check_meter=False)
    except ValueError:
        return False
    before = _onsets(data)
    same = rewrite_drums(data, hvo, amount=0)
    after = _onsets(same)
    assert [b[1:] for b in before] == [a[1:] for a in after]
    assert all(abs(a[0] - b[0]) <= 1 for a, b in zip(after, before))
    h, v, o = split_hvo(hvo)
    rng = np.random.default_rng(len(data))
    other = join_hvo(h, np.clip(v + rng.normal(0, 0.2, v.shape), 0.01, 1) * h, rng.uniform(-0.5, 0.5, o.shape) * h)
    moved = rewrite_drums(data, other, other="follow")
    assert sorted(x[1:3] for x in _onsets(moved)) == sorted(x[1:3] for x in before)
    return True


def test_fuzz_every_file_read_is_written_and_read_back(seeds):
    accepted = []

    @FUZZ
    @given(mutated(seeds))
    def run(data):
        accepted.append(_round_trip(data))

    run()
    assert sum(accepted) >= 5  # checked on accepted files, not vacuously (the GMD tests check real ones)


@pytest.mark.slow
def test_every_gmd_file_is_written_and_read_back(gmd_files):
    assert all(_round_trip(f.read_bytes()) for f in gmd_files)


def test_some_gmd_files_are_written_and_read_back(gmd_files):
    assert all(_round_trip(f.read_bytes()) for f in gmd_files[::40])


def _track(body):
    return b"MTrk" + len(body).to_bytes(4, "big") + body


_HEADER = b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x00\x60"
_FINE = b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x7f\xff"  # 32767 ticks a beat: a maximal delta is 8192 steps
_NOTES = b"".join(bytes([0x18, 0x99, p, 0x64, 0x0C, 0x89, p, 0x00]) for p in (36, 38, 42, 38))


@pytest.mark.parametrize(
    "data",
    [
        _HEADER + _track(_NOTES + b"\x00\xff\x2f\x00" + b"\x00\x99\x24\x64" * 4),  # notes after end of track
        _HEADER + _track(b"\x00\xf8" + _NOTES + b"\x00\xff\x2f\x00"),  # a realtime byte in a track
        _HEADER + _track(b"\x00\xff\x59\x02\x08\x00" + _NOTES + b"\x00\xff\x2f\x00"),  # an invalid key signature
        _HEADER[:11] + b"\x02" + _HEADER[12:] + b"XFIH\x00\x00\x00\x02ab" + _track(_NOTES + b"\x00\xff\x2f\x00")
        + _track(b"\x00\xff\x2f\x00"),  # an unknown chunk type between tracks
        _FINE + _track(b"\xff\xff\xff\x7f\x99\x24\x64\x00\x89\x24\x00" + _NOTES + b"\x00\xff\x2f\x00"),  # max delta
        _HEADER + _track(b"\x00\x99\x24\x64\x0c\x26\x50\x0c\x24\x00\x00\xc0\x05\x06\x06" + _NOTES),  # running status
    ],
    ids=["after-end", "realtime", "bad-key-signature", "unknown-chunk", "max-delta", "running-status-no-end"],
)
def test_quirks_are_written_as_read(data):
    """What another parser would decode differently is copied as bytes: the file reads back with the same notes."""
    from sklearn_groove.midi import rewrite_drums

    assert _round_trip(data)
    out = rewrite_drums(data, midi_to_hvo(data, check_meter=False), amount=0)
    if b"\xff\x59\x02\x08\x00" in data:
        assert b"\xff\x59\x02\x08\x00" in out
    if b"XFIH" in data:
        assert b"XFIH\x00\x00\x00\x02ab" in out


def test_a_gap_longer_than_a_delta_time_is_carried():
    """A note moved later after a maximal delta would need more than 4 bytes: an empty text event carries it."""
    import numpy as np

    from sklearn_groove import join_hvo, split_hvo
    from sklearn_groove.midi import rewrite_drums

    data = _FINE + _track(b"\xc0\x00\x99\x24\x64\x00\x89\x24\x00\xff\xff\xff\x7f\x99\x26\x64\x00\x89\x26\x00"
                          b"\x00\xff\x2f\x00")
    hvo = midi_to_hvo(data)
    h, v, _ = split_hvo(hvo)
    o = np.zeros_like(h)
    o[1, 0], o[-1, 1] = -0.45, 0.45  # the first note early, the second late: the gap between them grows
    out = rewrite_drums(data, join_hvo(h, v, o))
    assert len(_onsets(out)) == 2 and b"\xff\x01\x00" in out
    assert _onsets(out)[1][0] - _onsets(out)[0][0] > 0x0FFFFFFF

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

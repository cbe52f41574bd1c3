"""Shared fixtures: where the Groove MIDI Dataset is, and MIDI files written by hand."""

import io
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "groove"


def _data_home():
    """$SKLEARN_GROOVE_DATA, else ../shared/data/groove beside the clone, else where fetch_groove() downloads it."""
    if os.environ.get("SKLEARN_GROOVE_DATA"):
        return Path(os.environ["SKLEARN_GROOVE_DATA"])
    if (DEFAULT_DATA / "info.csv").is_file():
        return DEFAULT_DATA
    from sklearn_groove.datasets import get_data_home

    return get_data_home()


@pytest.fixture(scope="session")
def data_home():
    """The GMD folder; missing data fails on CI (SKLEARN_GROOVE_REQUIRE_DATA=1), else skips."""
    home = _data_home()
    if not (home / "info.csv").is_file():
        if os.environ.get("SKLEARN_GROOVE_REQUIRE_DATA") == "1":
            pytest.fail(f"the Groove MIDI Dataset is required and missing at {home}")
        pytest.skip(f"the Groove MIDI Dataset is not at {home} (README: 'The dataset')")
    os.environ.setdefault("SKLEARN_GROOVE_DATA", str(home))  # code that calls fetch_groove() finds it too
    return home


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """Keep the tests' joblib cache out of the user's cache folder."""
    old = os.environ.get("SKLEARN_GROOVE_CACHE")
    os.environ["SKLEARN_GROOVE_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("SKLEARN_GROOVE_CACHE", None)
    else:
        os.environ["SKLEARN_GROOVE_CACHE"] = old


@pytest.fixture(scope="session")
def gmd_files(data_home):
    return sorted(data_home.rglob("*.mid"))


@pytest.fixture(scope="session")
def gmd_file(data_home):
    """A GMD file of which pretty_midi loses 47 zero-length hi-hat notes."""
    return data_home / "drummer8" / "session2" / "26_dance-disco_137_beat_4-4.mid"


def timed_events(midi):
    """(seconds, message) of every event of a mido file, in order."""
    t = 0.0
    for m in midi:
        t += m.time
        yield t, m


def write_midi(tracks, ticks_per_beat=480, tempo_bpm=None, time_signature=None):
    """Bytes of a MIDI file; ``tracks`` is a list of lists of mido messages (delta times)."""
    import mido

    mid = mido.MidiFile(ticks_per_beat=ticks_per_beat)
    for i, events in enumerate(tracks):
        track = mido.MidiTrack()
        if i == 0 and tempo_bpm is not None:
            track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo_bpm), time=0))
        if i == 0 and time_signature is not None:
            num, den = time_signature
            track.append(mido.MetaMessage("time_signature", numerator=num, denominator=den, time=0))
        track.extend(events)
        mid.tracks.append(track)
    buffer = io.BytesIO()
    mid.save(file=buffer)
    return buffer.getvalue()


def hit(note, velocity=100, time=0, channel=9, length=10):
    """A note-on and its note-off, as two mido messages."""
    import mido

    return [
        mido.Message("note_on", channel=channel, note=note, velocity=velocity, time=time),
        mido.Message("note_off", channel=channel, note=note, velocity=0, time=length),
    ]

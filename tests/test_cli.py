"""The sklearn-groove command, end to end on real files."""

import subprocess
import sys

import joblib
import numpy as np
import pytest

from sklearn_groove import GrooveKNN, split_hvo
from sklearn_groove.cli import humanize_song, main
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.midi import midi_to_hvo

from .conftest import hit, write_midi


@pytest.fixture(scope="module")
def knn_path(data_home, tmp_path_factory):
    train = fetch_groove(subset="validation", data_home=data_home)
    path = tmp_path_factory.mktemp("models") / "knn.joblib"
    joblib.dump(GrooveKNN(n_neighbors=5).fit(train.hvo[..., :9], train.hvo), path)
    return path


def test_humanize_a_gmd_file(gmd_file, knn_path, tmp_path, capsys):
    out = tmp_path / "out.mid"
    assert main(["humanize", str(gmd_file), "-o", str(out), "--model", str(knn_path)]) == 0
    before, info = midi_to_hvo(gmd_file, return_info=True)
    after, info_after = midi_to_hvo(out, return_info=True)
    assert after.shape == before.shape
    np.testing.assert_array_equal(split_hvo(after)[0], split_hvo(before)[0])  # every hit comes back
    assert info_after.bpm == pytest.approx(info.bpm, rel=1e-3)
    assert not np.allclose(split_hvo(after)[2], split_hvo(before)[2], atol=0.02)  # the timing moved
    err = capsys.readouterr().err
    assert "wrote" in err and "windows" in err


def test_odd_length_and_short_songs(knn_path, tmp_path):
    for n_hits in (3, 37 * 4 + 1):  # shorter than a window; 37 bars and a bit
        events = []
        for i in range(n_hits):
            events += hit(36 if i % 2 else 42, velocity=90, time=230 if i else 0)
        path = tmp_path / f"song{n_hits}.mid"
        path.write_bytes(write_midi([events], tempo_bpm=100))
        hvo = midi_to_hvo(path)
        out = humanize_song(joblib.load(knn_path), hvo)
        np.testing.assert_array_equal(split_hvo(out)[0], split_hvo(hvo)[0])


def test_bad_input_is_one_line_and_exit_1(tmp_path, capsys, knn_path):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"definitely not midi")
    assert main(["humanize", str(bad), "-o", str(tmp_path / "o.mid"), "--model", str(knn_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sklearn-groove: error:") and "not a MIDI file" in err[0]
    assert main(["humanize", str(tmp_path / "missing.mid"), "-o", "x.mid", "--model", str(knn_path)]) == 1
    assert main(["humanize", str(bad), "-o", "x.mid", "--model", str(knn_path), "--temperature", "1"]) == 1


def test_console_script_help():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_groove.cli", "humanize", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "examples:" in result.stdout and "--temperature" in result.stdout


def test_default_model_with_temperature_and_seed(tmp_path, capsys):
    """The shipped humanize model, through the command; its hits come back."""
    source = tmp_path / "beat.mid"
    events = []
    for i in range(64):
        events += hit([36, 42, 38, 42][i % 4], velocity=100, time=110 if i else 0)
    source.write_bytes(write_midi([events], tempo_bpm=110))
    takes = []
    for seed in (3, 3, 4):
        out = tmp_path / f"out{len(takes)}.mid"
        assert main(["humanize", str(source), "-o", str(out), "--temperature", "1", "--seed", str(seed)]) == 0
        takes.append(midi_to_hvo(out))
        np.testing.assert_array_equal(split_hvo(takes[-1])[0], split_hvo(midi_to_hvo(source))[0])
    np.testing.assert_array_equal(takes[0], takes[1])  # same seed, same take
    assert not np.array_equal(takes[0], takes[2])

"""The API refuses what it cannot play: one clear ValueError, before anything is computed."""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning

from sklearn_groove import GrooveEnsemble, GrooveKNN, GrooveSeq2Seq, GrooveTransfer, check_hvo, join_hvo
from sklearn_groove.metrics import hit_f1, hit_precision, hit_recall

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "beat.mid"
TINY = dict(module__encoder_size=8, module__latent_size=4, module__decoder_size=8, max_epochs=1, random_state=0)


@pytest.fixture(scope="module")
def data():
    h = (np.random.default_rng(0).random((24, 32, 9)) < 0.3).astype(np.float32)
    return h, join_hvo(h, h * 0.7, h * 0.1)


@pytest.fixture(scope="module")
def fitted(data):
    return GrooveSeq2Seq(**TINY).fit(*data)


@pytest.mark.parametrize("temperature", [float("nan"), float("inf"), -1.0])
def test_non_finite_or_negative_temperatures(fitted, data, temperature):
    model = GrooveSeq2Seq(**TINY).fit(*data).set_params(temperature=temperature)
    with pytest.raises(ValueError, match="temperature must be a finite number, 0 or more"):
        model.predict(data[0])
    ensemble = GrooveEnsemble.from_fitted([fitted, fitted], temperature=temperature)
    with pytest.raises(ValueError, match="temperature must be a finite number, 0 or more"):
        ensemble.predict(data[0])


@pytest.mark.parametrize("value", [2.0, 0.5, -1.0])
def test_hits_outside_0_1(data, value):
    h, y = data
    with pytest.raises(ValueError, match=f"X hits must be 0 or 1, found {value}"):
        GrooveSeq2Seq(**TINY).fit(np.where(h > 0, value, 0), y)
    with pytest.raises(ValueError, match="must be 0 or 1"):
        GrooveSeq2Seq(condition="input", **TINY).fit(join_hvo(np.where(h > 0, value, 0)), y)


def test_zero_steps(data, fitted):
    h, y = data
    for model in (GrooveSeq2Seq(**TINY), GrooveKNN(n_neighbors=2)):
        with pytest.raises(ValueError, match="0 steps"):
            model.fit(h[:, :0], y[:, :0])
    with pytest.raises(ValueError, match="0 steps"):
        fitted.predict(h[:, :0])


def test_velocities_or_offsets_where_no_hit(data):
    h, y = data
    stray = y.copy()
    empty = np.argwhere(h[0] == 0)[0]
    stray[0, empty[0], 9 + empty[1]] = 0.5
    with pytest.raises(ValueError, match=r"velocity or offset where there is no hit \(1 places, the first at"):
        check_hvo(stray)
    with pytest.raises(ValueError, match="where there is no hit"):
        GrooveSeq2Seq(**TINY).fit(h, stray)
    with pytest.raises(ValueError, match="where there is no hit"):
        GrooveSeq2Seq(condition="input", **TINY).fit(stray, y)


def test_a_window_length_a_model_cannot_read(data):
    h, y = data
    transfer = GrooveTransfer(**TINY).fit(h, y)
    longer = np.concatenate([h, h], axis=1)
    with pytest.raises(ValueError, match="64 steps, but GrooveTransfer.predict compares windows .* of 32 steps"):
        transfer.predict(longer)
    assert transfer.transfer(np.concatenate([y, y], axis=1)[:1], longer).shape == (24, 64, 27)  # any length
    with pytest.raises(ValueError, match="X has 64 steps, but GrooveKNN was fitted on windows of 32 steps"):
        GrooveKNN(n_neighbors=2).fit(h, y).predict(longer)


def test_hit_metrics_follow_zero_division():
    y = np.zeros((1, 32, 27), dtype=np.float32)
    for metric in (hit_precision, hit_recall, hit_f1):
        with pytest.warns(UndefinedMetricWarning, match="ill-defined and set to 0.0"):
            assert metric(y, y) == 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert metric(y, y, zero_division=1.0) == 1.0
            assert np.isnan(metric(y, y, zero_division=np.nan))
        with pytest.raises(ValueError, match="zero_division must be"):
            metric(y, y, zero_division=2)


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_the_command_line_refuses_a_bad_temperature_at_once(value, tmp_path):
    """Exit 2 with argparse's usage line, before any model is loaded (no torch imported)."""
    code = ("import sys; from sklearn_groove.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n"
            "    assert 'torch' not in sys.modules; sys.exit(e.code)")
    result = subprocess.run([sys.executable, "-c", code, "humanize", str(EXAMPLE), "-o",
                             str(tmp_path / "o.mid"), "--temperature", value], capture_output=True, text=True)
    assert result.returncode == 2 and "a finite number, 0 or more" in result.stderr


def test_only_regular_files_are_read_as_midi(tmp_path):
    import os

    from sklearn_groove.midi import midi_to_hvo

    fifo = tmp_path / "pipe.mid"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero", tmp_path):
        with pytest.raises(ValueError, match="not a regular file"):
            midi_to_hvo(path)  # at once: nothing is opened

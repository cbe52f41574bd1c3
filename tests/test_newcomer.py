"""What a newcomer meets first: options refused at once, clear set-up errors, whole plots, quick answers."""

import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

from sklearn_groove.cli import main

from .conftest import REPO, hit, write_midi

EXAMPLE = REPO / "examples" / "beat.mid"
_NO_TORCH = ("import sys; from sklearn_groove.cli import main\n"
             "try:\n    code = main(sys.argv[1:])\nexcept SystemExit as e:\n    code = e.code\n"
             "assert 'torch' not in sys.modules, 'torch imported'\nsys.exit(code)")


def _run(*args):
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _NO_TORCH, *map(str, args)], capture_output=True, text=True)
    return result, time.perf_counter() - start


@pytest.mark.parametrize("option", [["--amount", "1.5"], ["--amount", "x"], ["--jobs", "0"]])
def test_bad_options_exit_2_before_any_model_loads(tmp_path, option):
    result, _ = _run("humanize", EXAMPLE, "-o", tmp_path / "o.mid", *option)
    assert result.returncode == 2 and "usage:" in result.stderr


def test_an_output_into_a_missing_folder_is_refused_before_playing(tmp_path):
    result, _ = _run("humanize", EXAMPLE, "-o", tmp_path / "missing" / "o.mid")
    assert result.returncode == 1 and "does not exist" in result.stderr
    result, _ = _run("plot", EXAMPLE, "-o", tmp_path / "missing" / "roll.png")
    assert result.returncode == 1 and "does not exist" in result.stderr


def test_styles_answers_without_torch():
    result, _ = _run("styles")
    assert result.returncode == 0 and "humanize: styles: afrobeat" in result.stdout


def test_export_without_onnx_says_what_to_install(tmp_path, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnx" else real(name, *a))
    assert main(["export", "humanize", "-o", str(tmp_path / "m.onnx")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install onnx" in err[0] and "[onnx]" in err[0]


def test_plot_draws_the_whole_file_and_empty_positions_quietly(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sklearn_groove.plotting import plot_offsets, plot_rolls

    song = tmp_path / "eight_bars.mid"
    song.write_bytes(write_midi([[m for k in range(64) for m in hit(36 if k % 2 else 42, time=230 if k else 0)]]))
    out = tmp_path / "roll.png"
    assert main(["plot", str(song), "-o", str(out)]) == 0 and out.stat().st_size > 0
    hvo = np.zeros((128, 27), dtype=np.float32)
    hvo[::2, 0], hvo[::2, 9] = 1, 0.8  # nothing on the 2nd and 4th 16ths
    fig = plot_rolls({"song": hvo})
    assert fig.axes[0].get_xlim()[1] > 127  # all 8 bars, not the first 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot_offsets({"song": hvo})
    assert "no notes" in fig.axes[3].get_legend().get_texts()[0].get_text()


def test_a_reader_that_stops_early_is_no_error():
    """sklearn-groove styles | head -1: one line, exit 0, no 'Broken pipe' error."""
    result = subprocess.run(f"{sys.executable} -m sklearn_groove.cli styles | head -1", shell=True,
                            capture_output=True, text=True)
    assert result.stdout.count("\n") == 1 and "error" not in result.stderr.lower()

"""The performing commands play the shipped models' ONNX files: the same file as the estimator writes, no torch."""

import shutil
import subprocess
import sys

import numpy as np
import pytest

from sklearn_groove import pretrained
from sklearn_groove.cli import main
from sklearn_groove.midi import midi_to_hvo

pytest.importorskip("onnxruntime")

COMMANDS = {"humanize": "humanize", "infill": "infill_closed_hihat", "tap2drum": "tap2drum", "transfer": "groove_transfer"}


def _command(command, song, groove, out, *more):
    return [command, str(song), "-o", str(out), "-q", *(["--groove", str(groove)] if command == "transfer" else []),
            *more]


@pytest.mark.parametrize("command", COMMANDS)
def test_the_shipped_file_plays_what_the_estimator_plays(command, gmd_file, tmp_path):
    """The shipped ONNX file (the default) and the same model as an estimator (a model file of the user's) write the
    same notes, at temperature 0 and in a sampled take (tap2drum's also with taps that may rest)."""
    name = COMMANDS[command]
    assert (pretrained.WEIGHTS / f"{name}.onnx").is_file()
    for suffix in (".json", ".pt"):
        shutil.copy(pretrained.WEIGHTS / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    groove = tmp_path / "groove.mid"
    shutil.copy(gmd_file, groove)
    rest = [["--temperature", "1", "--seed", "4", "--taps-may-rest"]] if command == "tap2drum" else []
    for sampled in ([], ["--temperature", "1", "--seed", "4"], *rest):
        from_file, from_estimator = tmp_path / "file.mid", tmp_path / "estimator.mid"
        assert main(_command(command, gmd_file, groove, from_file, *sampled)) == 0
        assert main(_command(command, gmd_file, groove, from_estimator, *sampled,
                             "--model", str(tmp_path / f"{name}.json"))) == 0
        a, b = midi_to_hvo(from_file), midi_to_hvo(from_estimator)
        np.testing.assert_array_equal(a[:, :9], b[:, :9])  # the same notes
        np.testing.assert_allclose(a, b, atol=2 / 127)  # velocities and times within MIDI's rounding


@pytest.mark.parametrize("command", COMMANDS)
def test_a_performing_command_with_a_shipped_file_imports_no_torch(command, gmd_file, tmp_path):
    """Every performing command plays its shipped model's file by default; humanize and tap2drum also with --style
    (tap2drum's take going on window after window from the bars it played, its taps free to rest)."""
    styled = (["--style", "funk"] if command in ("humanize", "tap2drum") else []) + (
        ["--taps-may-rest"] if command == "tap2drum" else [])
    args = _command(command, gmd_file, gmd_file, tmp_path / "out.mid", *styled)
    code = ("import sys; from sklearn_groove.cli import main; assert main(%r) == 0; "
            "print(sorted(m for m in ('torch', 'sklearn', 'skorch') if m in sys.modules))" % (args,))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("command, meter", [("humanize", (3, 4)), ("humanize", (6, 8)), ("tap2drum", (3, 4)),
                                            ("infill", (6, 8)), ("humanize", (5, 4)), ("tap2drum", (7, 8)),
                                            ("infill", (12, 8)), ("transfer", (3, 4)), ("humanize", (11, 8)),
                                            ("tap2drum", (7, 16)), ("humanize", (15, 8))])
def test_a_song_in_another_meter_plays_the_shipped_file_of_its_windows(command, meter, tmp_path):
    """The shipped models come with files for windows of 2 bars of other meters (NAME-STEPS.onnx, reading the weights
    of NAME.onnx or of the shortest): a song in 3/4, 6/8, 5/4, 7/8, 11/8, 12/8, 15/8 or 7/16 is played from them in
    windows of 2 of its bars, with no torch imported, and gets the notes the estimator writes."""
    from tests.test_cli import _song_file

    from sklearn_groove.cli._players import bar_steps, onnx_file

    name, steps = COMMANDS[command], 2 * bar_steps([meter])
    assert onnx_file(name, steps).is_file()
    song = _song_file(tmp_path / "song.mid", meter=meter, tempo_change=False)
    from_file, from_estimator = tmp_path / "file.mid", tmp_path / "estimator.mid"
    args = [command, str(song), "-o", str(from_file), "--any-meter", "--seed", "2"] + (
        ["--groove", str(song)] if command == "transfer" else [])
    code = ("import sys; from sklearn_groove.cli import main; assert main(%r) == 0; "
            "print(sorted(m for m in ('torch', 'sklearn', 'skorch') if m in sys.modules))" % (args,))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert f"played in windows of 2 of its bars ({steps} 16th notes)" in done.stderr
    for suffix in (".json", ".pt"):
        shutil.copy(pretrained.WEIGHTS / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    args[2:4] = ["-o", str(from_estimator)]
    assert main(args + ["-q", "--model", str(tmp_path / f"{name}.json")]) == 0
    a, b = midi_to_hvo(from_file, check_meter=False), midi_to_hvo(from_estimator, check_meter=False)
    np.testing.assert_array_equal(a[:, :9], b[:, :9])
    np.testing.assert_allclose(a, b, atol=2 / 127)
    assert np.abs(a[:, 18:]).max() > 0.01  # performed


def test_the_files_of_other_meters_hold_no_copy_of_the_weights():
    """Each NAME-STEPS.onnx reads the weights of NAME.onnx beside it (export_shipped.py writes them together): a small
    file that opens only with the weights it was written with. Where NAME.onnx draws its takes from examples (it
    holds no sampler), the shortest file is written whole and the others read its weights."""
    from sklearn_groove.neural._runtime import onnx_session

    for name in COMMANDS.values():
        others = sorted(pretrained.WEIGHTS.glob(f"{name}-*.onnx"), key=lambda path: int(path.stem.split("-")[-1]))
        assert len(others) >= 9, name
        reads = {path: onnx_session(path).get_modelmeta().custom_metadata_map.get("weights_from") for path in others}
        whole = [path for path in others if reads[path] is None]
        assert whole in ([], others[:1]), name
        for path in others[len(whole):]:
            assert path.stat().st_size < (pretrained.WEIGHTS / f"{name}.onnx").stat().st_size / 4, path.name
            assert reads[path] == (whole[0].name if whole else f"{name}.onnx"), path.name


@pytest.mark.parametrize("command", ["humanize", "infill", "tap2drum"])
def test_a_sampled_take_goes_on_from_the_bars_played(command):
    """A song's sampled take is played window after window, each going on from the bars played before it (a beat keeps
    its identity, a performance its dynamics across window borders), from the shipped file and from the estimator;
    temperature 0 averages the windows that hold a step."""
    from sklearn_groove.cli._players import EstimatorPlayer, _onnx_player
    from sklearn_groove.tasks import get_task

    name = COMMANDS[command]
    for player in (_onnx_player(name, get_task(command)), EstimatorPlayer(pretrained.load(name))):
        assert player.song_player(0.9, 0, {})[1] == "continue"
        assert player.song_player(0.0, 0, {})[1] == "mean"


def test_the_shipped_files_open_without_a_warning(capfd):
    """A plugin host that opens a shipped file with ONNX Runtime's default logging reads no warning: no no-op node of
    the outer graph is left for it to drop where a branch reads its output, no weight unused."""
    import onnxruntime

    for path in sorted(pretrained.WEIGHTS.glob("*.onnx")):
        options = onnxruntime.SessionOptions()
        options.add_session_config_entry("session.disable_quant_qdq", "1")
        onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        assert "W:onnxruntime" not in capfd.readouterr().err, path.name

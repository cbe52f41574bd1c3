"""The sklearn-groove command, end to end on real files."""

import subprocess
import sys

import numpy as np
import pytest

from sklearn_groove import GrooveKNN, split_hvo
from sklearn_groove.cli import main
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.midi import midi_to_hvo
from sklearn_groove.pretrained import load_model, save_model
from sklearn_groove.songs import predict_song

from .conftest import hit, timed_events, write_midi


@pytest.fixture(scope="module")
def knn_path(data_home, tmp_path_factory):
    train = fetch_groove(subset="validation", data_home=data_home)
    path = tmp_path_factory.mktemp("models") / "knn.skops"
    save_model(GrooveKNN(n_neighbors=5).fit(split_hvo(train.hvo)[0], train.hvo), path)
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
    assert "wrote" in err and "windows" in err and "0 removed" in err


def test_odd_length_and_short_songs(knn_path, tmp_path):
    for n_hits in (3, 37 * 4 + 1):  # shorter than a window; 37 bars and a bit
        events = []
        for i in range(n_hits):
            events += hit(36 if i % 2 else 42, velocity=90, time=230 if i else 0)
        path = tmp_path / f"song{n_hits}.mid"
        path.write_bytes(write_midi([events], tempo_bpm=100))
        score = split_hvo(midi_to_hvo(path))[0]
        out = predict_song(load_model(knn_path).predict, score, hits=score)
        np.testing.assert_array_equal(split_hvo(out)[0], score)


def test_bad_input_is_one_line_and_exit_1(tmp_path, capsys, knn_path):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"definitely not midi")
    assert main(["humanize", str(bad), "-o", str(tmp_path / "o.mid"), "--model", str(knn_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sklearn-groove: error:") and "not a MIDI file" in err[0]
    good = write_midi([hit(36) + hit(38, time=110)])
    no_drums = write_midi([hit(60, channel=0)])
    for name, data, message in (
        ("truncated.mid", good[:-9], "truncated"),
        ("empty.mid", b"", "empty"),
        ("nodrums.mid", no_drums, "no drum notes"),
    ):
        (tmp_path / name).write_bytes(data)
        assert main(["humanize", str(tmp_path / name), "-o", str(tmp_path / "o.mid"), "--model", str(knn_path)]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], (name, err)
    assert main(["humanize", str(tmp_path / "missing.mid"), "-o", "x.mid", "--model", str(knn_path)]) == 1
    assert main(["humanize", str(bad), "-o", "x.mid", "--model", str(knn_path), "--temperature", "1"]) == 1
    assert main(["humanize", str(tmp_path / "nodrums.mid"), "-o", "x.mid", "--model", "no_such_model"]) == 1


def test_console_script_help():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_groove.cli", "humanize", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "examples:" in result.stdout and "--temperature" in result.stdout


def test_help_imports_neither_scikit_learn_nor_torch():
    """--help needs argparse alone: the estimators, scikit-learn and torch are imported when a command runs."""
    code = (
        "import sys\n"
        "from sklearn_groove.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('sklearn', 'torch', 'skorch') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_a_shipped_onnx_file_plays_without_torch_or_scikit_learn(tmp_path):
    """The default humanize ships its ONNX file: the command plays it with ONNX Runtime (takes and styles), imports
    neither torch nor scikit-learn, and loses no note."""
    from pathlib import Path

    beat = str(Path(__file__).resolve().parent.parent / "examples" / "beat.mid")
    outputs = [str(tmp_path / f"take{k}.mid") for k in range(3)]
    code = (
        "import sys\n"
        "from sklearn_groove.cli import main\n"
        f"for out, seed in zip({outputs!r}, ('0', '0', '1')):\n"
        f"    assert main(['humanize', {beat!r}, '-o', out, '-q', '--seed', seed]) == 0\n"
        f"assert main(['humanize', {beat!r}, '-o', {str(tmp_path / 'funk.mid')!r}, '-q', '--style', 'funk']) == 0\n"
        "print(sorted(m for m in ('sklearn', 'torch', 'skorch') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
    takes = [midi_to_hvo(out) for out in outputs]
    np.testing.assert_array_equal(split_hvo(takes[0])[0], split_hvo(midi_to_hvo(beat))[0])
    np.testing.assert_array_equal(takes[0], takes[1])  # same seed, same take
    assert not np.array_equal(takes[0], takes[2])


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


def _song_file(path, *, meter=(4, 4), bars=5, tempo_change=True):
    """Drums with an extra percussion pitch (31, sticks: none of the 9 voices), a bass track, a tempo change."""
    import mido

    drums, bass = [], [mido.Message("program_change", channel=0, program=33, time=0)]
    steps = bars * 4 * meter[0] // (meter[1] // 4) + 3  # and 3 steps more: an odd length
    for step in range(steps):
        pitches = [42] + ([36] if step % 8 == 0 else []) + ([38] if step % 8 == 4 else []) + ([31] if step % 5 == 0 else [])
        for k, pitch in enumerate(pitches):
            drums += hit(pitch, velocity=100, time=(110 if step else 0) if k == 0 else 0, length=10 if k == len(pitches) - 1 else 0)
    for _ in range(bars):
        bass += hit(40, velocity=80, channel=0, length=1900)
    if tempo_change:
        drums.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(132), time=0))
    path.write_bytes(write_midi([drums, bass], ticks_per_beat=480, tempo_bpm=96, time_signature=meter))
    return path


def _events(path, keep):
    """(track, absolute tick, message) of the events ``keep`` accepts."""
    import mido

    out = []
    for t, track in enumerate(mido.MidiFile(path).tracks):
        tick = 0
        for msg in track:
            tick += msg.time
            if keep(msg):
                out.append((t, tick, msg.copy(time=0)))
    return out


def _notes(path):
    onsets = _events(path, lambda m: m.type == "note_on" and m.velocity > 0)
    return [(t, m.channel, m.note, tick) for t, tick, m in onsets]


def _meta(path):
    return _events(path, lambda m: m.is_meta or m.type == "program_change")


def test_console_script_on_a_daw_file(tmp_path, knn_path):
    """The installed console script: every note back, bass and tempo untouched, drums within half a step."""
    import shutil

    source = _song_file(tmp_path / "song.mid")
    out = tmp_path / "out.mid"
    script = shutil.which("sklearn-groove") or pytest.skip("the console script is not installed")
    result = subprocess.run(
        [script, "humanize", str(source), "-o", str(out), "--model", str(knn_path), "--amount", "1.3"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    before, after = _notes(source), _notes(out)
    assert sorted(n[:3] for n in before) == sorted(n[:3] for n in after)  # count, track, channel, pitch
    untouched = lambda notes: [n for n in notes if n[1] != 9 or n[2] == 31]
    assert untouched(before) == untouched(after) and len(untouched(before)) > 5
    moved = sorted(n[3] for n in after if n[1] == 9) != sorted(n[3] for n in before if n[1] == 9)
    assert moved and all(abs(n[3] / 120 - round(n[3] / 120)) <= 0.5 for n in after)
    assert _meta(source) == _meta(out)


def test_three_four_is_refused_or_read_on_the_grid(tmp_path, knn_path, capsys):
    source = _song_file(tmp_path / "waltz.mid", meter=(3, 4), tempo_change=False)
    args = ["humanize", str(source), "-o", str(tmp_path / "out.mid"), "--model", str(knn_path)]
    assert main(args) == 1
    assert "3/4" in capsys.readouterr().err
    assert main(args + ["--any-meter"]) == 0
    assert len(_notes(tmp_path / "out.mid")) == len(_notes(source))
    assert "is in 3/4; this model plays windows of 32 steps only, so it is read on a plain 16th-note grid and " \
        "played in windows of 2 bars of 4/4" in capsys.readouterr().err


@pytest.mark.parametrize("meter", [(3, 4), (6, 8), (5, 4)])
def test_other_meters_are_played_in_their_own_bars(meter, tmp_path, capsys):
    """The shipped networks read any length: a song in 3/4, 6/8 or 5/4 is played in windows of 2 of its bars."""
    source = _song_file(tmp_path / "song.mid", meter=meter, tempo_change=False)
    out = tmp_path / "out.mid"
    assert main(["humanize", str(source), "-o", str(out), "--any-meter"]) == 0
    steps = 16 * meter[0] // meter[1]
    assert f"played in windows of 2 of its bars ({2 * steps} 16th notes)" in capsys.readouterr().err
    assert sorted(n[:3] for n in _notes(out)) == sorted(n[:3] for n in _notes(source))
    assert split_hvo(midi_to_hvo(out, check_meter=False))[2].std() > 0.01


def test_amount_zero_and_voice_selection(tmp_path, knn_path):
    source = _song_file(tmp_path / "song.mid", tempo_change=False)
    out = tmp_path / "out.mid"
    assert main(["humanize", str(source), "-o", str(out), "--model", str(knn_path), "--amount", "0"]) == 0
    assert all(n[3] % 120 == 0 for n in _notes(out) if n[1] == 9)
    assert main(["humanize", str(source), "-o", str(out), "--model", str(knn_path), "--voices", "snare"]) == 0
    unchanged = lambda path: [n for n in _notes(path) if n[2] != 38]
    assert unchanged(source) == unchanged(out)
    with pytest.raises(SystemExit):
        main(["humanize", str(source), "-o", str(out), "--voices", "cowbell"])


def test_plot(tmp_path, gmd_file):
    pytest.importorskip("matplotlib")
    for extra in ([], ["--offsets"]):
        out = tmp_path / f"plot{len(extra)}.png"
        assert main(["plot", str(gmd_file), str(gmd_file), "-o", str(out), *extra]) == 0
        assert out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_train_and_evaluate(tmp_path, data_home, capsys):
    import json

    model = tmp_path / "knn.skops"
    common = ["--data-home", str(data_home)]
    assert main(["train", "humanize", "--estimator", "knn", "--limit", "2000", "-o", str(model), *common]) == 0
    capsys.readouterr()
    assert main(["evaluate", "humanize", "--model", str(model), *common]) == 0
    knn = json.loads(capsys.readouterr().out)
    assert main(["evaluate", "humanize", "--model", "humanize", *common]) == 0
    seq2seq = json.loads(capsys.readouterr().out)
    assert knn["subset"] == "validation" and knn["windows"] == 2055
    assert seq2seq["timing_mae_ms"] < knn["timing_mae_ms"]
    assert main(["train", "tap2drum", "--estimator", "knn", "-o", str(model), *common]) == 1
    tap2drum = tmp_path / "tap2drum.json"
    args = ["train", "tap2drum", "--limit", "128", "--max-epochs", "1", "-o", str(tap2drum), *common]
    assert main(args) == 0
    capsys.readouterr()
    assert main(["evaluate", "tap2drum", "--model", str(tap2drum), "--subset", "test", *common]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["windows"] == 2084 and 0 <= report["hit_f1"] <= 1


@pytest.mark.parametrize("command", ["infill", "tap2drum", "transfer"])
def test_shipped_models_through_the_command(command, gmd_file, tmp_path, capsys):
    """Each task's default model on a GMD file: notes of other voices stay, the task's notes are written."""
    out = tmp_path / "out.mid"
    extra = ["--groove", str(gmd_file)] if command == "transfer" else []
    source = _song_file(tmp_path / "song.mid", tempo_change=False)
    assert main([command, str(source), "-o", str(out), *extra]) == 0, capsys.readouterr().err
    before, after = _notes(source), _notes(out)
    drums = lambda notes, pitches: [n for n in notes if n[1] == 9 and n[2] in pitches]
    assert [n for n in before if n[1] != 9 or n[2] == 31] == [n for n in after if n[1] != 9 or n[2] == 31]
    if command == "infill":  # kick and snare untouched; a closed hi-hat part written
        assert drums(before, (36, 38)) == drums(after, (36, 38)) and drums(after, (42, 22, 44))
    elif command == "tap2drum":  # the taps are replaced by a beat of several voices
        assert len({n[2] for n in drums(after, range(128)) if n[2] != 31}) >= 2
    else:  # the score's hits, with the groove's timing
        assert sorted(n[:3] for n in before) == sorted(n[:3] for n in after)
    assert "wrote" in capsys.readouterr().err


class _Foreign(GrooveKNN):
    """A class from outside the library, as an untrusted file might hold."""


def _tiny():
    h = (np.random.default_rng(0).random((16, 32, 9)) < 0.2).astype(np.float32)
    return h, np.concatenate([h, 0.7 * h, 0.1 * h], axis=-1)


def test_model_files_that_could_run_code_are_refused(tmp_path, knn_path, gmd_file, capsys):
    """A pickle is never unpickled; a skops file holding a type from elsewhere is refused, naming it."""
    import pickle

    import skops.io

    out = str(tmp_path / "o.mid")
    pickled = tmp_path / "model.joblib"
    pickled.write_bytes(pickle.dumps(load_model(knn_path)))
    assert main(["humanize", str(gmd_file), "-o", out, "--model", str(pickled)]) == 1
    assert "pickle and joblib files are refused" in capsys.readouterr().err
    foreign = tmp_path / "foreign.skops"
    skops.io.dump(_Foreign(n_neighbors=5).fit(*_tiny()), foreign)
    assert main(["humanize", str(gmd_file), "-o", out, "--model", str(foreign)]) == 1
    assert "names types this library's models do not hold: tests.test_cli._Foreign" in capsys.readouterr().err
    not_a_model = tmp_path / "dict.skops"
    skops.io.dump({"a": 1}, not_a_model)
    with pytest.raises(ValueError, match="dict.skops: holds a dict, not a fitted model"):
        load_model(not_a_model)
    with pytest.raises(ValueError, match="save a recurrent model .* as NAME.json"):
        from sklearn_groove import pretrained

        save_model(pretrained.load("tap2drum"), tmp_path / "tap2drum.skops")


def test_train_a_baseline_and_evaluate_it(tmp_path, data_home, capsys):
    import json

    model = tmp_path / "linear.skops"
    common = ["--data-home", str(data_home)]
    assert main(["train", "humanize", "--estimator", "linear", "--limit", "500", "-o", str(model), *common]) == 0
    capsys.readouterr()
    assert main(["evaluate", "humanize", "--model", str(model), *common]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["windows"] == 2055 and report["timing_mae_ms"] > 0
    assert main(["train", "humanize", "--estimator", "linear", "-o", str(tmp_path / "linear.joblib"), *common]) == 1
    assert "is saved as NAME.skops" in capsys.readouterr().err


def test_outputs_are_midi_files_and_never_the_input(tmp_path, knn_path, capsys):
    source = _song_file(tmp_path / "song.mid", tempo_change=False)
    before = source.read_bytes()
    common = ["--model", str(knn_path)]
    assert main(["humanize", str(source), "-o", str(tmp_path / "take.wav"), *common]) == 1
    assert "take.wav: the output is a MIDI file; give it a .mid name" in capsys.readouterr().err
    assert main(["humanize", str(source), "-o", str(source), *common]) == 1
    assert "is the input file: it would be overwritten; give another -o, or --force" in capsys.readouterr().err
    assert source.read_bytes() == before
    assert main(["humanize", str(source), "-o", str(source), "--force", *common]) == 0
    assert source.read_bytes() != before


def test_version_meter_flag_and_a_model_of_another_task(tmp_path, knn_path, capsys):
    from sklearn_groove import __version__

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"sklearn-groove {__version__}"
    waltz = _song_file(tmp_path / "waltz.mid", meter=(3, 4), tempo_change=False)
    assert main(["humanize", str(waltz), "-o", str(tmp_path / "o.mid"), "--model", str(knn_path)]) == 1
    err = capsys.readouterr().err
    assert "3/4" in err and "give --any-meter" in err and "check_meter" not in err
    source = _song_file(tmp_path / "song.mid", tempo_change=False)
    assert main(["humanize", str(source), "-o", str(tmp_path / "o.mid"), "--model", "tap2drum"]) == 1
    assert "tap2drum: this model is for tap2drum (sklearn-groove tap2drum), not for humanize" in capsys.readouterr().err


def test_many_files_and_folders_into_a_folder(tmp_path, knn_path, capsys):
    """Files and folders in, one output folder; a bad file is reported and the others are still written."""
    songs = tmp_path / "songs"
    (songs / "more").mkdir(parents=True)
    _song_file(songs / "a.mid", tempo_change=False)
    _song_file(songs / "more" / "b.mid", tempo_change=False)
    (songs / "bad.mid").write_bytes(b"not midi at all")
    single = _song_file(tmp_path / "c.mid", tempo_change=False)
    out = tmp_path / "performed"
    args = ["humanize", str(songs), str(single), "-o", str(out), "--model", str(knn_path), "--jobs", "2"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "humanize: 4/4 files, 1 failed" in err and "wrote 3 of 4 files into" in err
    assert "failed: " + str(songs / "bad.mid") + ": not a MIDI file" in err
    for name in ("a.mid", "more/b.mid", "c.mid"):
        assert len(_notes(out / name)) == len(_notes(songs / name if name != "c.mid" else single)), name
    assert main(["humanize", str(single), str(single), "-o", str(out), "--model", str(knn_path)]) == 1
    assert "same output name: c.mid" in capsys.readouterr().err
    assert main(["humanize", str(songs), "-o", str(tmp_path / "x.mid"), "--model", str(knn_path)]) == 1
    assert "give -o a folder name" in capsys.readouterr().err


def test_other_percussion_is_never_removed_and_counted_truly(tmp_path, capsys):
    """Infilling the hi-hat of a beat with a tambourine part keeps all 16 tambourine notes, and says so."""
    events = []
    for i in range(32):
        events += hit([36, 42, 38, 42][i % 4], velocity=100, time=110 if i else 0)
        if i % 2 == 0:
            events += hit(54, velocity=70)  # tambourine on every 8th note
    source = tmp_path / "tambourine.mid"
    source.write_bytes(write_midi([events], tempo_bpm=100))
    out = tmp_path / "out.mid"
    assert main(["infill", str(source), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    tambourine = lambda path: [n for n in _notes(path) if n[1] == 9 and n[2] == 54]
    assert len(tambourine(source)) == 16 and tambourine(out) == tambourine(source)
    assert "16 drum notes of other pitches" in err


def test_other_percussion_can_follow_its_voice(tmp_path, knn_path, capsys):
    """With --other-percussion follow, a tambourine moves as the hi-hat of its step does; a cowbell alone stays."""
    events = []
    for i in range(32):
        events += hit([36, 42, 38, 42][i % 4], velocity=100, time=120 if i else 0, length=0)
        if i % 2 == 0:
            events += hit(54, velocity=70, length=0)  # tambourine on every 8th note, with the kick or the snare
    events += hit(56, velocity=60, time=300)  # a cowbell after the last step, where no voice plays
    source = tmp_path / "tambourine.mid"
    source.write_bytes(write_midi([events], tempo_bpm=100))
    out = tmp_path / "out.mid"
    args = ["humanize", str(source), "-o", str(out), "--model", str(knn_path), "--other-percussion", "follow"]
    assert main(args) == 0
    assert "16 of 17 drum notes of other pitches moved with their voices, 1 as they were" in capsys.readouterr().err
    notes = _notes(out)
    pitch_at = lambda pitch: {round(t / 120): t for _, c, p, t in notes if c == 9 and p == pitch}
    tambourine, leader = pitch_at(54), {**pitch_at(38), **pitch_at(36)}  # no hi-hat on these steps: snare/kick lead
    assert len(tambourine) == 16 and any(t % 120 for t in tambourine.values())
    assert all(abs(tambourine[s] - leader[s]) <= 1 for s in tambourine)
    assert [t for _, c, p, t in notes if p == 56] == [t for _, c, p, t in _notes(source) if p == 56]


def _swung_file(path):
    """Two bars of closed hi-hat 16ths, the off-beat 16ths a third of a step late, kick and snare on the beats."""
    events, last = [], 0
    for step in range(32):
        tick = step * 120 + (40 if step % 2 else 0)
        for k, pitch in enumerate([42] + ([36] if step % 8 == 0 else []) + ([38] if step % 8 == 4 else [])):
            events += hit(pitch, velocity=90 if step % 2 else 110, time=(tick - last) if k == 0 else 0, length=0)
            last = tick
    path.write_bytes(write_midi([events], tempo_bpm=100))
    return path


def test_a_swung_file_stays_swung(tmp_path, capsys):
    from sklearn_groove.songs import feel

    source, out = _swung_file(tmp_path / "swung.mid"), tmp_path / "out.mid"
    assert main(["humanize", str(source), "-o", str(out), "--seed", "3"]) == 0
    assert "is already performed" in capsys.readouterr().err
    hihat = feel(midi_to_hvo(out))[:, 2]
    assert hihat[1] > 0.25 and hihat[3] > 0.25 and abs(hihat[0]) < 0.1  # swung as it came in
    performed = split_hvo(midi_to_hvo(out))[2][1::2, 2]
    assert performed.std() > 0.01  # and each note played by the model
    assert main(["humanize", str(source), "-o", str(out), "--amount", "0"]) == 0
    assert _notes(out) == _notes(source)


def test_gmd_performances_passed_back_keep_their_feel(gmd_files, knn_path, tmp_path):
    from sklearn_groove.songs import feel

    rng = np.random.default_rng(0)
    for path in rng.choice(gmd_files, 4, replace=False):
        out = tmp_path / "out.mid"
        assert main(["humanize", str(path), "-o", str(out), "--model", str(knn_path)]) == 0
        before, after = midi_to_hvo(path), midi_to_hvo(out)
        h = split_hvo(before)[0]
        played = np.stack([h[p::4].sum(0) for p in range(4)]) >= 8  # voices at positions in the beat played 8 times+
        np.testing.assert_allclose(feel(after)[played], feel(before)[played], atol=0.02)


def test_humanize_defaults_to_one_sampled_take(tmp_path, capsys):
    """No option: a sampled take with seed 0 (the same file every time), one network for the whole song;
    --temperature 0 gives the most likely performance, the ensemble's mean."""
    from sklearn_groove import pretrained

    source = tmp_path / "beat.mid"
    events = []
    for i in range(96):
        events += hit([36, 42, 38, 42][i % 4], velocity=100, time=120 if i else 0, length=0)
    source.write_bytes(write_midi([events], tempo_bpm=110))
    outs = {name: tmp_path / f"{name}.mid" for name in ("a", "b", "seed0", "seed1", "likely")}
    for name, extra in (("a", []), ("b", []), ("seed0", ["--seed", "0"]), ("seed1", ["--seed", "1"]),
                        ("likely", ["--temperature", "0"])):
        assert main(["humanize", str(source), "-o", str(outs[name])] + extra) == 0
    read = {name: midi_to_hvo(path) for name, path in outs.items()}
    np.testing.assert_array_equal(read["a"], read["b"])
    np.testing.assert_array_equal(read["a"], read["seed0"])
    assert not np.array_equal(read["a"], read["seed1"])
    score = split_hvo(midi_to_hvo(source))[0]
    likely = predict_song(pretrained.load("humanize").predict, score, hits=score)
    # tick rounding; the first step's early notes start at time 0
    np.testing.assert_allclose(split_hvo(read["likely"])[2][1:], split_hvo(likely)[2][1:], atol=2 / 120)
    # a take spreads as much where windows overlap as anywhere: no mean of two draws
    offsets = split_hvo(read["a"])[2][score > 0]
    assert offsets.std() > split_hvo(read["likely"])[2][score > 0].std()


def test_every_task_of_the_registry_trains_and_evaluates(tmp_path, data_home, capsys):
    """transfer included: the registry, not a list in the command line, says what train and evaluate take."""
    import json

    from sklearn_groove.cli import TRAINABLE
    from sklearn_groove.tasks import TASKS

    assert set(TRAINABLE) == set(TASKS)
    model = tmp_path / "transfer.json"
    common = ["--data-home", str(data_home)]
    args = ["train", "transfer", "--limit", "64", "--max-epochs", "1", "-o", str(model), *common]
    assert main(args) == 0 and type(load_model(model)).__name__ == "GrooveTransfer"
    capsys.readouterr()
    assert main(["evaluate", "transfer", "--model", str(model), *common]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["task"] == "transfer" and report["windows"] == 2055


@pytest.mark.parametrize("command", ["infill", "tap2drum", "transfer"])
def test_a_song_in_five_four_is_played_in_its_own_bars_by_every_task(command, tmp_path, capsys):
    """The shipped ONNX files play windows of 32 (4/4) or 24 steps (3/4, 6/8): a 5/4 song is played by the estimator
    instead, in windows of 2 of its bars."""
    source = _song_file(tmp_path / "song.mid", meter=(5, 4), tempo_change=False)
    groove = ["--groove", str(source)] if command == "transfer" else []
    assert main([command, str(source), "-o", str(tmp_path / "out.mid"), "--any-meter", *groove]) == 0
    assert "played in windows of 2 of its bars (40 16th notes)" in capsys.readouterr().err


def test_tap2drum_lets_taps_rest_only_when_asked(tmp_path):
    """Every tap sounds by default (from the ONNX file); --taps-may-rest lets the model leave some without a note."""
    events = []
    for k in range(64):  # 16th-note taps for 4 bars, of four loudnesses
        events += hit(38, velocity=30 + (k % 4) * 20, time=0 if k == 0 else 110, length=10)
    taps_file = tmp_path / "taps.mid"
    taps_file.write_bytes(write_midi([events], ticks_per_beat=480, tempo_bpm=100))
    taps = midi_to_hvo(taps_file)[:, :9].any(axis=1)

    def silent(*extra):
        counts = []
        for seed in (1, 2, 3):
            out = tmp_path / f"out_{seed}.mid"
            assert main(["tap2drum", str(taps_file), "-o", str(out), "--seed", str(seed), "-q", *extra]) == 0
            played = np.zeros(len(taps), bool)
            hits = midi_to_hvo(out)[:, :9].any(axis=1)[: len(taps)]
            played[: len(hits)] = hits
            counts.append(int((taps & ~played).sum()))
        return counts

    assert silent() == [0, 0, 0]
    assert sum(silent("--taps-may-rest")) > 0
    assert main(["tap2drum", str(taps_file), "-o", str(tmp_path / "t0.mid"), "--temperature", "0",
                 "--taps-may-rest", "-q"]) == 0


def test_a_coarse_file_is_written_with_finer_ticks_and_says_so(tmp_path, knn_path, capsys):
    """A file of 96 ticks a beat comes back with 480 (the same song, to the tick), and the command says why."""
    import mido

    fine = mido.MidiFile(_song_file(tmp_path / "song.mid"))
    coarse = mido.MidiFile(ticks_per_beat=96)
    for track in fine.tracks:
        coarse.tracks.append(mido.MidiTrack(m.copy(time=m.time * 96 // 480) for m in track))
    coarse.save(tmp_path / "coarse.mid")
    out = tmp_path / "out.mid"
    assert main(["humanize", str(tmp_path / "coarse.mid"), "-o", str(out), "--model", str(knn_path)]) == 0
    assert "its 96 ticks a beat written as 480" in capsys.readouterr().err
    written = mido.MidiFile(out)
    assert written.ticks_per_beat == 480
    bass = lambda midi: [(round(t, 9), m.note) for t, m in timed_events(midi) if m.type == "note_on" and m.channel == 0]
    assert bass(written) == bass(coarse)
    assert main(["humanize", str(tmp_path / "song.mid"), "-o", str(out), "--model", str(knn_path)]) == 0
    assert "ticks a beat written as" not in capsys.readouterr().err  # a file of 480 keeps its ticks

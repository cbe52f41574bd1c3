"""Writes are whole or not at all: a failure, Ctrl-C or a second writer never leaves a broken or emptied file."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sklearn_groove._atomic import atomic_path, write_bytes
from sklearn_groove.cli import main
from sklearn_groove.midi import midi_to_hvo

from .conftest import hit, write_midi

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "beat.mid"


def _leftovers(folder):
    return [p.name for p in Path(folder).iterdir() if p.name.endswith(".part")]


def test_a_failing_writer_leaves_the_target_as_it_was(tmp_path):
    target = tmp_path / "out.mid"
    target.write_bytes(b"the old take")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as part:
            Path(part).write_bytes(b"half of the new")
            raise RuntimeError("the writer failed")
    assert target.read_bytes() == b"the old take" and not _leftovers(tmp_path)
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and not _leftovers(tmp_path)


def test_a_failed_write_onto_the_input_keeps_the_input(tmp_path, monkeypatch, capsys):
    """--force onto the input, and the disk fails while saving: exit 1, and the input is byte for byte the same."""
    song = tmp_path / "song.mid"
    song.write_bytes(EXAMPLE.read_bytes())

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    assert main(["humanize", str(song), "-o", str(song), "--force", "--model", "humanize", "-q"]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert song.read_bytes() == EXAMPLE.read_bytes() and not _leftovers(tmp_path)


_SLOW_SAVE = """
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even where the tests run in the background
def slow_fsync(fd):  # the file is written, not yet in place: the moment Ctrl-C hurt before
    print("saving", flush=True)
    time.sleep(60)
os.fsync = slow_fsync
from sklearn_groove.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_while_saving_keeps_the_input(tmp_path):
    song = tmp_path / "song.mid"
    song.write_bytes(EXAMPLE.read_bytes())
    args = ["humanize", str(song), "-o", str(song), "--force", "--model", "humanize", "-q"]
    process = subprocess.Popen([sys.executable, "-c", _SLOW_SAVE, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "saving"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "interrupted" in err
    assert song.read_bytes() == EXAMPLE.read_bytes() and not _leftovers(tmp_path)


def test_racing_writers_leave_one_complete_take(tmp_path):
    """Two processes write one -o with different seeds at once: the file is one of the two takes, whole."""
    takes = {}
    for seed in (1, 2):
        out = tmp_path / f"take{seed}.mid"
        assert main(["humanize", str(EXAMPLE), "-o", str(out), "--seed", str(seed), "-q"]) == 0
        takes[seed] = out.read_bytes()
    assert takes[1] != takes[2]
    target = tmp_path / "both.mid"
    command = [sys.executable, "-m", "sklearn_groove.cli", "humanize", str(EXAMPLE), "-o", str(target), "-q"]
    for _ in range(3):
        racers = [subprocess.Popen(command + ["--seed", str(seed)]) for seed in (1, 2)]
        assert [p.wait(timeout=120) for p in racers] == [0, 0]
        assert target.read_bytes() in (takes[1], takes[2])
        midi_to_hvo(target)  # reads back
        assert not _leftovers(tmp_path)


def test_silence_is_not_played(tmp_path):
    """Two notes nine hours apart: only the windows that hold them are played, and the command is quick."""
    import time

    import numpy as np

    from sklearn_groove.midi._reading import MAX_STEPS
    from sklearn_groove.songs import predict_song

    far = (MAX_STEPS - 40) * 120  # ticks, 480 a beat: the last note ~9 hours after the first
    song = tmp_path / "far.mid"
    song.write_bytes(write_midi([hit(36) + hit(38, time=far)]))
    score = midi_to_hvo(song)[:, :9]
    assert len(score) > MAX_STEPS - 64
    played = []

    def predict(windows):
        played.append(len(windows))
        return np.concatenate([windows, windows * 0.5, windows * 0], axis=-1)

    out = predict_song(predict, score, hits=score)
    assert sum(played) <= 4 and out[:, :9].sum() == 2
    start = time.perf_counter()
    assert main(["humanize", str(song), "-o", str(tmp_path / "out.mid"), "--model", "humanize", "-q"]) == 0
    assert time.perf_counter() - start < 10  # 43-51 s when every silent window was played

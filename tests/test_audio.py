"""Audio preview through FluidSynth: rendered where it is installed, a clear error where it is not."""

import shutil
import wave

import numpy as np
import pytest

from sklearn_groove.audio import find_soundfont, render_audio
from sklearn_groove.cli import main

from .conftest import hit, write_midi


def _installed():
    try:
        return shutil.which("fluidsynth") is not None and find_soundfont() is not None
    except ValueError:
        return False


needs_fluidsynth = pytest.mark.skipif(not _installed(), reason="FluidSynth or a GM soundfont is not installed")


def _beat(path):
    events = []
    for i in range(16):
        events += hit([36, 42, 38, 42][i % 4], velocity=100, time=120 if i else 0, length=0)
    path.write_bytes(write_midi([events], tempo_bpm=120))
    return path


def _loudness(path, start, stop):
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        w.setpos(int(start * rate))
        frames = np.frombuffer(w.readframes(int((stop - start) * rate)), dtype=np.int16)
        return float(np.abs(frames).mean()), w.getnframes() / rate


@needs_fluidsynth
def test_preview_plays_before_then_after(tmp_path, capsys):
    source, out, preview = _beat(tmp_path / "beat.mid"), tmp_path / "out.mid", tmp_path / "preview.wav"
    assert main(["humanize", str(source), "-o", str(out), "--preview", str(preview)]) == 0
    err = capsys.readouterr().err
    assert "wrote" in err and str(preview) in err
    second = float(err.split(" from ")[-1].split(" s")[0])  # where the performed file starts
    single = render_audio([source], tmp_path / "single.wav")
    assert single == [0.0]
    _, alone = _loudness(tmp_path / "single.wav", 0, 0.1)
    assert second == pytest.approx(alone + 1.0, abs=0.05)  # the original, one second of silence, the performance
    before, total = _loudness(preview, 0, 1.5)
    gap, _ = _loudness(preview, alone + 0.3, second - 0.05)
    after, _ = _loudness(preview, second, second + 1.5)
    assert before > 100 and after > 100 and gap < before / 20
    assert total == pytest.approx(second + alone, abs=0.6)
    with wave.open(str(preview)) as w:  # the silence between them, as heard: one second (it was 3.4 s of tail)
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, w.getnchannels())
        rate = w.getframerate()
    loud = np.flatnonzero(np.abs(samples).max(axis=1) > 33)  # above -60 dB
    last_before = loud[loud < second * rate].max() / rate
    first_after = loud[loud >= second * rate].min() / rate
    assert first_after - last_before == pytest.approx(1.0, abs=0.05)


def test_missing_fluidsynth_or_soundfont_says_how_to_install(tmp_path, monkeypatch, capsys):
    source, out = _beat(tmp_path / "beat.mid"), tmp_path / "out.mid"
    monkeypatch.setenv("PATH", str(tmp_path))  # no fluidsynth on it
    assert main(["infill", str(source), "-o", str(out), "--preview", str(tmp_path / "p.wav")]) == 1
    assert "apt install fluidsynth fluid-soundfont-gm" in capsys.readouterr().err
    with pytest.raises(ValueError, match="nothing.sf2: no such soundfont"):
        find_soundfont(tmp_path / "nothing.sf2")
    with pytest.raises(ValueError, match="give it a .wav name"):
        render_audio([source], tmp_path / "p.mp3")
    assert main(["humanize", str(source), "-o", str(tmp_path / "take.wav")]) == 1
    assert "--preview NAME.wav" in capsys.readouterr().err

"""Hear a performance: MIDI files rendered to one WAV file through FluidSynth.

FluidSynth and a General MIDI soundfont are system packages, not Python
ones (Debian and Ubuntu: ``apt install fluidsynth fluid-soundfont-gm``;
macOS: ``brew install fluid-synth`` and a ``.sf2`` file of your choice).
Nothing else in the library needs them.
"""

import os
import shutil
import subprocess
import tempfile
import wave

import numpy as np

__all__ = ["find_soundfont", "render_audio"]

#: Where system packages put a General MIDI soundfont, searched in this order.
SOUNDFONTS = (
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/opt/homebrew/share/soundfonts/default.sf2",
    "/usr/local/share/soundfonts/default.sf2",
)

_INSTALL = "install FluidSynth and a General MIDI soundfont (Debian/Ubuntu: apt install fluidsynth fluid-soundfont-gm)"


def find_soundfont(soundfont=None):
    """The soundfont to render with: ``soundfont``, else ``$SKLEARN_GROOVE_SOUNDFONT``, else a system one.

    Raises
    ------
    ValueError
        When the file given does not exist, or no soundfont is found.
    """
    given = soundfont or os.environ.get("SKLEARN_GROOVE_SOUNDFONT")
    if given:
        if not os.path.isfile(given):
            raise ValueError(f"{given}: no such soundfont file (.sf2)")
        return os.fspath(given)
    found = next((path for path in SOUNDFONTS if os.path.isfile(path)), None)
    if found is None:
        raise ValueError(f"no General MIDI soundfont found (looked in {', '.join(SOUNDFONTS[:3])}, ...); "
                         f"{_INSTALL}, or give one with --soundfont / SKLEARN_GROOVE_SOUNDFONT")
    return found


def _fluidsynth():
    path = shutil.which("fluidsynth")
    if path is None:
        raise ValueError(f"audio needs the fluidsynth program, which is not installed: {_INSTALL}")
    return path


#: Below this share of full scale (-60 dB) a sample counts as silence.
SILENCE = 10 ** (-60 / 20)


def _without_trailing_silence(frames, params):
    """The frames up to the last one that is not silence: FluidSynth renders seconds of near-silent tail after the
    last note (reverb, release), which would lengthen the gap between the parts of a preview."""
    if params.sampwidth != 2:
        return frames
    samples = np.frombuffer(frames, dtype="<i2").reshape(-1, params.nchannels)
    loud = np.flatnonzero(np.abs(samples).max(axis=1) > SILENCE * 32767)
    end = loud[-1] + 1 if len(loud) else 0
    return frames[: end * params.sampwidth * params.nchannels]


def render_audio(midi_files, output, *, soundfont=None, gap=1.0, sample_rate=44100):
    """Render MIDI files one after another into one WAV file, ``gap`` seconds of silence between them.

    A before/after preview is ``render_audio([original, performed], "preview.wav")``.

    Parameters
    ----------
    midi_files : sequence of path-like
    output : path-like
        The WAV file to write (16-bit stereo).
    soundfont : path-like, default=None
        See :func:`find_soundfont`.
    gap : float, default=1.0
        Seconds of silence between two files.
    sample_rate : int, default=44100

    Returns
    -------
    list of float
        The seconds at which each file starts in ``output``.

    Raises
    ------
    ValueError
        Where FluidSynth or a soundfont is missing (saying how to install
        them), an output is not named ``.wav``, or FluidSynth fails on a file.

    Examples
    --------
    >>> from sklearn_groove.audio import render_audio
    >>> render_audio(["examples/beat.mid"], "beat.wav")  # doctest: +SKIP
    [0.0]
    """
    if not os.fspath(output).lower().endswith(".wav"):
        raise ValueError(f"{output}: audio is written as a WAV file; give it a .wav name")
    program, font = _fluidsynth(), find_soundfont(soundfont)
    starts, frames, params = [], [], None
    with tempfile.TemporaryDirectory() as folder:
        for k, midi in enumerate(midi_files):
            part = os.path.join(folder, f"{k}.wav")
            command = [program, "-ni", "-q", "-F", part, "-r", str(sample_rate), "-T", "wav", font, os.fspath(midi)]
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0 or not os.path.isfile(part):
                raise ValueError(f"{midi}: FluidSynth could not render it ({result.stderr.strip()[-200:]})")
            with wave.open(part) as w:
                params = params or w.getparams()
                starts.append(sum(len(f) for f in frames) / (params.sampwidth * params.nchannels) / sample_rate)
                frames.append(_without_trailing_silence(w.readframes(w.getnframes()), params))
            if k < len(midi_files) - 1:
                frames.append(bytes(int(gap * sample_rate) * params.sampwidth * params.nchannels))
    if params is None:
        raise ValueError("no MIDI file to render")
    from ._atomic import atomic_path

    with atomic_path(output) as part, wave.open(part, "wb") as w:
        w.setparams(params)
        w.writeframes(b"".join(frames))
    return starts

"""The command line's options: every one checked by argparse (exit 2) before any model is loaded."""

import argparse
import math
import os

from .._hvo import VOICES, check_voices
from ..midi._writing import MAX_AMOUNT
from ..tasks import TASKS
from . import _commands as commands

EXAMPLES = """
examples:
  sklearn-groove humanize beat.mid -o beat_humanized.mid
  sklearn-groove humanize beat.mid -o take2.mid --temperature 0.8 --seed 7 --amount 1.2
  sklearn-groove humanize beat.mid -o out.mid --voices closed_hihat,snare
  sklearn-groove humanize beat.mid -o paper.mid --model humanize_paper
  sklearn-groove humanize beat.mid -o funky.mid --style funk --drummer drummer3
  sklearn-groove styles
  sklearn-groove humanize songs/ more.mid -o performed/ --jobs 2
  sklearn-groove humanize beat.mid -o out.mid --preview before_after.wav
  sklearn-groove infill beat_without_hihat.mid -o with_hihat.mid
  sklearn-groove tap2drum taps.mid -o drums.mid
  sklearn-groove transfer --groove funky.mid straight.mid -o straight_funky.mid
  sklearn-groove plot beat.mid beat_humanized.mid -o before_after.png
  sklearn-groove export humanize -o humanize.onnx
  sklearn-groove train humanize --estimator knn -o knn.skops
  sklearn-groove evaluate humanize --model knn.skops --subset validation
"""

TRAINABLE = tuple(TASKS)  # the tasks `train` and `evaluate` take: every task of the registry


def _checked(kind, ok, needed):
    """An argparse type: ``kind(text)`` where ``ok`` holds of it, else argparse's error (exit 2, before any model
    is loaded) saying what is ``needed``."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"{needed} is needed, got {text!r}")
        return value

    return parse

_temperature = _checked(float, lambda t: math.isfinite(t) and t >= 0, "a finite number, 0 or more")

_amount = _checked(float, lambda a: 0 <= a <= MAX_AMOUNT, f"a number from 0 to {MAX_AMOUNT}")

_positive = _checked(int, lambda n: n >= 1, "a whole number, 1 or more")

_jobs = _checked(int, lambda n: n >= 1 or n == -1, "a number of files at once (1 or more, or -1 for all cores)")

def _voices(text):
    voices = tuple(v.strip() for v in text.split(",") if v.strip())
    try:
        check_voices(voices, name="--voices")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return voices

def _add_performing(parser, model_help):
    parser.add_argument("-o", "--output", required=True, help="MIDI file to write (a folder for several inputs)")
    parser.add_argument("--jobs", type=_jobs, default=1, help="files performed at once, for several inputs (-1: all cores)")
    parser.add_argument("--model", help=model_help + "; or a model file of `sklearn-groove train` (NAME.skops or NAME.json)")
    parser.add_argument("--temperature", type=_temperature,
                        help="0 = the most likely performance; above 0 = a sampled take, one network playing the "
                        "whole song (the default of humanize, tap2drum and infill: 0.9; of transfer: 0)")
    parser.add_argument("--seed", type=int, help="which take, when sampling (default 0): same seed, same output")
    parser.add_argument("--force", action="store_true", help="allow -o to overwrite the input file")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument(
        "--preview", metavar="NAME.wav",
        help="also render the input, then the output, into one WAV file (needs FluidSynth and a GM soundfont)",
    )
    parser.add_argument("--soundfont", help="the .sf2 file of --preview (default: $SKLEARN_GROOVE_SOUNDFONT or the system's)")
    parser.add_argument(
        "--amount", type=_amount, default=1.0,
        help="0 = the file as it was, 1 = as the model plays (default), up to 1.3 exaggerated",
    )
    parser.add_argument(
        "--other-percussion", default="keep", choices=["keep", "follow"],
        help="drum notes of no voice (tambourine, cowbell, clap, side stick...): keep them as they were (default), "
        "or move them with the voice they follow (tambourine with the hi-hat, clap with the snare...)",
    )
    _add_reading(parser)

def _add_reading(parser):
    parser.add_argument("--pitch-map", default="gm", choices=["gm", "gmd"], help="drum pitches to voices (default gm)")
    parser.add_argument(
        "--any-meter",
        action="store_true",
        help="read files that are not in 4/4 on a plain 16th-note grid (the models know 2 bars of 4/4)",
    )

def _subparser(sub, name, help, description):
    return sub.add_parser(
        name, help=help, description=description, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )

def _add_task_command(sub, task):
    """``sklearn-groove TASK``: its options from the task's entry in the registry."""
    description = (f"{task.help[0].upper()}{task.help[1:]}: {task.description}. The output is the input file with "
                   "its drum notes performed (channel 10): every note kept, other tracks, tempo and meter unchanged.")
    p = _subparser(sub, task.name, task.help, description)
    p.add_argument("input", nargs="+", help="MIDI file to play (several files or folders: -o is a folder)")
    if task.reads_groove:
        p.add_argument("--groove", required=True, help="MIDI file whose groove is taken")
    if task.transformer == "Tapper":
        p.add_argument("--taps-may-rest", action="store_true",
                       help="let the model leave a tap without a drum note (by default every tap sounds)")
    if task.transformer == "VoiceRemover":
        p.add_argument("--voice", default=task.voices[0], choices=VOICES,
                       help=f"the voice to write (default {task.voices[0]})")
    _add_performing(p, f"default: the shipped '{task.pretrained}' model")
    if not task.writes_hits:
        p.add_argument("--voices", type=_voices, default=VOICES, help="comma-separated voices to change (default: all)")
    p.add_argument("--style", help="play in this style (sklearn-groove styles lists what each model offers)")
    p.add_argument("--drummer", help="play like this drummer (sklearn-groove styles lists them)")
    p.set_defaults(run=commands._perform)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="sklearn-groove",
        description="Expressive drum performances from scores, partial beats and taps (models of 'Learning to "
        "Groove'). The output is the input MIDI file with its drums performed: every note kept, other tracks, "
        "tempo and controllers unchanged.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"sklearn-groove {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    for task in TASKS.values():  # one performing command a task of the registry, all played by commands._perform
        _add_task_command(sub, task)

    p = _subparser(sub, "styles", "list the styles and drummers each model can play",
                   "List, for each shipped model (or --model), the styles and drummers it was trained with.")
    p.add_argument("--model", help="a shipped model's name or a model file (default: every shipped model)")
    p.set_defaults(run=commands._styles)

    p = _subparser(sub, "plot", "draw piano rolls, or offset distributions, of drum files",
                   "Piano roll of each file side by side (voices by time, velocity as colour, microtiming as "
                   "shifts off the grid), or with --offsets the distribution of offsets per position in the beat.")
    p.add_argument("inputs", nargs="+", help="MIDI files")
    p.add_argument("-o", "--output", required=True, help="image to write (.png, .pdf, .svg)")
    p.add_argument("--bars", type=_positive, help="bars of the piano roll (default: the whole file)")
    p.add_argument("--offsets", action="store_true", help="draw offset distributions instead of piano rolls")
    _add_reading(p)
    p.set_defaults(run=commands._plot)

    p = _subparser(sub, "web", "serve the browser page on this machine: the models played in the browser",
                   "Serve the page of web/ on 127.0.0.1 (this machine only): drop a MIDI file, pick a task, listen, "
                   "download. The models run in the browser (ONNX Runtime Web); no file leaves the machine.")
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0: any free one)")
    p.add_argument("--root", help="the built page (default: web/dist of this checkout or of the current folder, made by npm run build)")
    p.add_argument("--export", metavar="FOLDER", help="write the page and the models there as static files, and stop")
    p.set_defaults(run=_web_command)

    p = _subparser(sub, "export", "write a model as an ONNX file for plugin hosts",
                   "Write a shipped model (or a model file of `sklearn-groove train`) as ONNX: windows in, a "
                   "performance out, temperature and noise as inputs (see docs/export.md).")
    p.add_argument("model", help="a shipped model's name (humanize, humanize_paper, infill_closed_hihat, tap2drum, groove_transfer) "
                   "or a model file")
    p.add_argument("-o", "--output", required=True, help="the .onnx file to write")
    p.add_argument("--int8", action="store_true", help="store the weights that are int8 in the model (the shipped "
                   "models') as int8: a quarter of the size, the same performances")
    p.add_argument("--steps", type=_positive, default=32,
                   help="16th notes a window (default 32: 2 bars of 4/4; 24: 2 bars of 3/4 or 6/8); a model that samples "
                        "step by step plays windows of this length only")
    p.add_argument("--weights-from", metavar="FILE",
                   help="an ONNX file of the same model beside the output, written with the same --int8: the output "
                        "reads its weights from it and holds only its graph (the two then go together)")
    p.set_defaults(run=commands._export)

    data_home = os.environ.get("SKLEARN_GROOVE_DATA")
    for name, help in (("train", "fit a model on the GMD train split"), ("evaluate", "score a model on the GMD")):
        p = _subparser(sub, name, help, help[0].upper() + help[1:] + " (SKLEARN_GROOVE_DATA or --data-home).")
        p.add_argument("task", choices=tuple(TASKS))  # read when the parser is built: every task registered
        p.add_argument("--voice", default="closed_hihat", choices=VOICES, help="the voice infilled (default closed_hihat)")
        p.add_argument("--data-home", default=data_home, help="the GMD folder (default: $SKLEARN_GROOVE_DATA)")
        p.add_argument("--seed", type=int, help="random_state")
        p.set_defaults(run=commands._train if name == "train" else commands._evaluate, temperature=None)
    train, evaluate = sub.choices["train"], sub.choices["evaluate"]
    train.add_argument("-o", "--output", required=True, help="model file to write: NAME.json for seq2seq and transfer (weights beside it), else NAME.skops")
    train.add_argument("--estimator", default="seq2seq", choices=["seq2seq", "transfer", "knn", "linear", "mlp", "quantized"])
    train.add_argument("--max-epochs", type=int, default=20, help="neural models, early-stopped on validation")
    train.add_argument("--limit", type=int, help="train on the first LIMIT windows only (quick tries)")
    evaluate.add_argument("--model", help="a shipped model's name or a model file (default: the task's shipped model)")
    evaluate.add_argument("--subset", default="validation", choices=["train", "validation", "test"])
    evaluate.add_argument("--temperature", type=_temperature, help="0 = the most likely performance; above 0 samples")
    return parser


def _web_command(args):
    from ._web import _web

    _web(args)

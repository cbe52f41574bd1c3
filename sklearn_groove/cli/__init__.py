"""The ``sklearn-groove`` command: drum MIDI files in, performed MIDI files out.

    sklearn-groove humanize IN.mid -o OUT.mid [--amount A] [--voices kick,snare] [--temperature T] [--seed N]
    sklearn-groove infill IN.mid [--voice closed_hihat] -o OUT.mid
    sklearn-groove tap2drum TAPS.mid -o OUT.mid
    sklearn-groove transfer --groove A.mid SCORE.mid -o OUT.mid
    sklearn-groove plot IN.mid [OTHER.mid] -o roll.png [--offsets]
    sklearn-groove train {humanize,infill,tap2drum,transfer} -o MODEL.json [--estimator seq2seq]
    sklearn-groove evaluate {humanize,infill,tap2drum,transfer} [--model NAME_OR_PATH] [--subset validation]
    sklearn-groove export MODEL -o MODEL.onnx
    sklearn-groove web [--port 8765] [--export FOLDER]

The output file is the input file with its drum notes performed: every note
comes back, other tracks and events unchanged (see
:func:`sklearn_groove.midi.rewrite_drums`). Exit status 0 on success; 1 with
one line on stderr for bad input.

Layout: ``_parser`` (options), ``_players`` (models, loaded once and never
changed), ``_commands`` (one function a command), ``_files`` (outputs and
batches), ``_web`` (the browser page's server).
"""

import os
import sys

from ._files import _BatchFailed, _check_output, _run_batch
from ._parser import EXAMPLES, TRAINABLE, build_parser
from ._players import _LOADED, DEFAULT_HUMANIZER, TAKE_TEMPERATURE, _print  # noqa: F401 - _LOADED: the
# models a process loaded, which the tests check are never changed

__all__ = ["main", "build_parser", "EXAMPLES", "TRAINABLE", "TAKE_TEMPERATURE", "DEFAULT_HUMANIZER"]


def main(argv=None):
    args = build_parser().parse_args(argv)
    args.quiet = getattr(args, "quiet", False)
    try:
        if getattr(args, "force", None) is None:  # a command that writes no performed MIDI file
            args.run(args)
        elif len(args.input) == 1 and not os.path.isdir(args.input[0]):
            args.input = args.input[0]
            _check_output(args)
            args.run(args)
        else:
            _run_batch(args)
    except _BatchFailed:
        return 1
    except BrokenPipeError:  # the reader of the output stopped early (sklearn-groove styles | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        return 0
    except (ValueError, OSError, ImportError) as exc:
        _print(f"sklearn-groove: error: {exc}")
        return 1
    except KeyboardInterrupt:
        _print("sklearn-groove: interrupted")
        return 130
    return 0

"""The ``sklearn-groove`` command.

    sklearn-groove humanize IN.mid -o OUT.mid [--model PATH] [--temperature T] [--seed N]

Exit status 0 on success; 1 with one line on stderr for bad input.
"""

import argparse
import sys

import numpy as np

EXAMPLES = """
examples:
  sklearn-groove humanize beat.mid -o beat_humanized.mid
  sklearn-groove humanize beat.mid -o take2.mid --temperature 0.8 --seed 7
  sklearn-groove humanize beat.mid -o out.mid --model my_model.joblib
"""


def _load_model(path):
    if path is None:
        from . import pretrained

        return pretrained.load("humanize")
    import joblib

    return joblib.load(path)


def humanize_song(model, hvo, *, bars=2, progress=None):
    """Humanize one song ``(n_steps, 27)`` window by window; its hits are kept.

    Windows of ``bars`` bars with a hop of one bar are performed and blended
    back together (:func:`sklearn_groove.midi.stitch_hvo`).
    """
    from ._hvo import join_hvo, split_hvo
    from .midi import stitch_hvo, window_hvo

    windows, start = window_hvo(hvo, bars=bars, hop_bars=1)
    out = []
    for i in range(0, len(windows), 256):
        out.append(model.predict(split_hvo(windows[i : i + 256])[0]))
        if progress:
            progress(min(i + 256, len(windows)), len(windows))
    song = stitch_hvo(np.concatenate(out), start, len(hvo))
    hits = split_hvo(hvo)[0]
    _, v, o = split_hvo(song)
    return join_hvo(hits, v, o)


def _humanize(args):
    from .midi import hvo_to_midi, midi_to_hvo

    hvo, info = midi_to_hvo(args.input, return_info=True)
    model = _load_model(args.model)
    if args.temperature is not None or args.seed is not None:
        params = model.get_params()
        key = next((k for k in params if k == "temperature" or k.endswith("__temperature")), None)
        if key is None:
            raise ValueError(f"{args.model}: this model has no temperature or seed to set")
        prefix = key[: -len("temperature")]  # "" for an estimator, "step__" inside a pipeline
        if args.temperature is not None:
            model.set_params(**{prefix + "temperature": args.temperature})
            if args.temperature > 0 and params.get(prefix + "output") == "mse":
                print(
                    "note: this model predicts one velocity and offset per note (output='mse'): "
                    "--temperature changes nothing for the hits it keeps",
                    file=sys.stderr,
                )
        if args.seed is not None:
            model.set_params(**{prefix + "random_state": args.seed})

    def progress(done, total):
        if total > 8:
            print(f"\rhumanizing: {done}/{total} windows", end="" if done < total else "\n", file=sys.stderr)

    out = humanize_song(model, hvo, progress=progress)
    hvo_to_midi(out, bpm=info.bpm).write(args.output)
    dropped = info.n_unmapped + info.n_merged
    if dropped:
        print(
            f"note: {info.n_unmapped} notes of pitches outside the 9 voices and {info.n_merged} notes sharing "
            "a 16th note with a louder one of the same voice are not in the output",
            file=sys.stderr,
        )
    print(f"wrote {args.output}: {int(out[..., :9].sum())} notes at {info.bpm:.1f} bpm", file=sys.stderr)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="sklearn-groove",
        description="Expressive drum performances from scores, with the models of 'Learning to Groove'.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    humanize = sub.add_parser(
        "humanize",
        help="perform a drum MIDI file: new velocities and microtiming for its hits",
        description="Give the drum hits of a MIDI file (channel 10) human velocities and timing. The output "
        "holds the drum track at the file's tempo.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    humanize.add_argument("input", help="MIDI file to humanize")
    humanize.add_argument("-o", "--output", required=True, help="MIDI file to write")
    humanize.add_argument("--model", help="a model saved with joblib (default: the shipped 'humanize' model)")
    humanize.add_argument("--temperature", type=float, help="0 = the most likely performance; above 0 samples")
    humanize.add_argument("--seed", type=int, help="same seed, same output when sampling")
    humanize.set_defaults(run=_humanize)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except (ValueError, OSError) as exc:
        print(f"sklearn-groove: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

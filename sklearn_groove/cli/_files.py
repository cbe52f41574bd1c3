"""The command line's files: output names checked before any work, and batches of files into a folder."""

import argparse
import os
import warnings

from ._players import _print

_MIDI_SUFFIXES = (".mid", ".midi", ".smf", ".kar")

def _check_folder(output):
    """A ValueError, before any work, where the folder an output goes into does not exist."""
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise ValueError(f"{output}: the folder {folder} does not exist; create it first")

def _check_output(args):
    """The output of a performing command: a MIDI file name in a folder that exists, and never one of its inputs
    unless --force."""
    if not args.output.lower().endswith(_MIDI_SUFFIXES):
        raise ValueError(f"{args.output}: the output is a MIDI file; give it a .mid name "
                         "(--preview NAME.wav renders the file before and after to audio)")
    _check_folder(args.output)
    if args.preview:
        _check_folder(args.preview)
    inputs = [args.input] + ([args.groove] if getattr(args, "groove", None) else [])
    same = [p for p in inputs if os.path.exists(args.output) and os.path.samefile(p, args.output)]
    if same and not args.force:
        raise ValueError(f"{args.output} is the input file: it would be overwritten; give another -o, or --force")

def _expand(inputs):
    """(file, output name relative to the output folder) for files and the MIDI files inside folders."""
    found = []
    for item in inputs:
        if os.path.isdir(item):
            for root, _, names in sorted(os.walk(item)):
                for name in sorted(names):
                    if name.lower().endswith(_MIDI_SUFFIXES):
                        path = os.path.join(root, name)
                        found.append((path, os.path.relpath(path, item)))
        else:
            found.append((item, os.path.basename(item)))
    names = [name for _, name in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"several inputs would be written to the same output name: {', '.join(twice)}")
    if not found:
        raise ValueError(f"no MIDI file (.mid, .midi) in {', '.join(inputs)}")
    return found

def _one_file(args, path, output):
    """Perform one file of a batch: None, or why it failed."""
    args = argparse.Namespace(**{**vars(args), "input": path, "output": output, "quiet": True})
    try:
        _check_output(args)
        args.run(args)
    except (ValueError, OSError) as exc:
        return str(exc)
    return None

def _run_batch(args):
    """Several files or folders into the folder -o, ``--jobs`` at a time, one progress line, then what failed."""
    from joblib import Parallel, delayed

    if args.output.lower().endswith(_MIDI_SUFFIXES):
        raise ValueError(f"{args.output}: several inputs are written into a folder; give -o a folder name")
    if args.preview:
        raise ValueError("--preview renders one file; give one input")
    files = _expand(args.input)
    outputs = [os.path.join(args.output, name) for _, name in files]
    for folder in sorted({os.path.dirname(o) for o in outputs}):
        os.makedirs(folder, exist_ok=True)
    jobs = Parallel(n_jobs=args.jobs, return_as="generator")
    failed = []
    with warnings.catch_warnings():
        # loky restarts a worker whose memory grew by 300 MB since its first file (a model loaded, a long song):
        # the worker finishes its file first and the others wait for the next worker, so nothing is lost
        warnings.filterwarnings("ignore", message="A worker stopped while some jobs were given", category=UserWarning)
        for done, ((path, _), error) in enumerate(
            zip(files, jobs(delayed(_one_file)(args, path, out) for (path, _), out in zip(files, outputs))), start=1
        ):
            if error:
                failed.append(error if error.startswith(path) else f"{path}: {error}")
            _print(f"\r{args.command}: {done}/{len(files)} files, {len(failed)} failed",
                   end="" if done < len(files) else "\n")
    _print(f"wrote {len(files) - len(failed)} of {len(files)} files into {args.output}")
    for error in failed:
        _print(f"  failed: {error}")
    if failed:
        raise _BatchFailed()

class _BatchFailed(Exception):
    """Some files of a batch failed; each was reported already."""

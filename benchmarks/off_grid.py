"""How many GMD notes sit off the 16th grid, and how keep_rhythm treats them.

    python benchmarks/off_grid.py      # writes benchmarks/results/off_grid.json and off_grid.md

For every GMD file (all splits, every meter read on a plain 16th grid): the
share of hits further than ``songs.OFF_GRID`` from their step, the share of
files that count as performed (``songs.is_performed``: their off-grid notes
are a performance and are played anew, around the file's feel), and the
share of steps whose notes are written at different times (not a chord),
which ``keep_rhythm`` would move as one in a quantized file.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from sklearn_groove.midi import midi_to_hvo
from sklearn_groove.songs import OFF_GRID, is_performed

from _harness import add_data_home, write_results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_home(parser, default=str(Path(__file__).resolve().parents[2] / "shared/data/groove"))
    home = Path(parser.parse_args().data_home)
    hits = off = steps = apart = performed = files = 0
    for path in sorted(home.rglob("*.mid")):
        try:
            hvo = midi_to_hvo(path, check_meter=False)
        except ValueError:
            continue
        h, o = hvo[:, :9] > 0, hvo[:, 18:]
        files += 1
        performed += is_performed(hvo)
        hits += int(h.sum())
        off += int((np.abs(o) > OFF_GRID)[h].sum())
        written = np.where(h, o, np.nan)
        many = h.sum(axis=1) > 1
        steps += int(many.sum())
        with np.errstate(invalid="ignore"):
            apart += int((np.nanmax(written[many], axis=1) - np.nanmin(written[many], axis=1) > OFF_GRID).sum())
    result = {
        "command": "python benchmarks/off_grid.py " + " ".join(sys.argv[1:]),
        "off_grid": OFF_GRID,
        "files": files,
        "performed_files": performed,
        "hits": hits,
        "hits_off_grid": off,
        "steps_with_several_hits": steps,
        "of_them_written_apart": apart,
    }
    write_results("off_grid", result, (
        f"# Notes off the 16th grid in the GMD\n\n`{result['command']}`\n\n"
        f"- {off:,} of {hits:,} hits ({off / hits:.1%}) lie further than {OFF_GRID} of a 16th from their step.\n"
        f"- {performed} of {files} files count as performed (`is_performed`): their notes are a drummer's "
        "timing, played anew around the file's feel (`keep_feel`), and none moves more than half a 16th.\n"
        f"- {apart:,} of the {steps:,} steps with several hits ({apart / max(steps, 1):.1%}) hold notes played "
        "at different times; in a performed file that is the drummer's timing, which the model plays anew. "
        "`keep_rhythm` moves such a step as one only in a quantized file, where notes written off the grid are "
        "a rhythm (`tests/test_rhythm.py`: triplets, 32nd rolls, flams).\n"
    ))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

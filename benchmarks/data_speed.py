"""Time the Groove MIDI Dataset: every file read into an hvo, cold load (no cache) and warm load.

    python benchmarks/data_speed.py --data-home ../shared/data/groove [--repeat 3] [--pretty-midi]

Cold: every 4/4 file parsed, windowed and cached, for the train, validation and
test splits (one parse; the two later splits come from the fresh cache). Warm:
the same three calls again. Results go to benchmarks/results/data_speed.json.
"""

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from _harness import add_data_home, write_results



def _all_splits(data_home):
    from sklearn_groove.datasets import fetch_groove

    return {s: len(fetch_groove(subset=s, data_home=data_home).hvo) for s in ("train", "validation", "test")}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_home(parser)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pretty-midi", action="store_true", help="also time pretty_midi on every file")
    args = parser.parse_args()

    from sklearn_groove.midi import midi_to_hvo

    files = sorted(Path(args.data_home).rglob("*.mid"))
    result = {"files": len(files), "bytes": sum(f.stat().st_size for f in files), "machine": platform.processor() or platform.machine(),
              "cpus": os.cpu_count()}

    parse, cold, warm = [], [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        n_hits = sum(int(midi_to_hvo(f, check_meter=False)[:, :9].sum()) for f in files)  # any meter
        parse.append(time.perf_counter() - t0)
        with tempfile.TemporaryDirectory() as cache:
            os.environ["SKLEARN_GROOVE_CACHE"] = cache
            t0 = time.perf_counter()
            sizes = _all_splits(args.data_home)
            cold.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            _all_splits(args.data_home)
            warm.append(time.perf_counter() - t0)
    result.update(
        hits=n_hits,
        windows=sizes,
        read_all_files_s=min(parse),
        cold_all_splits_s=min(cold),
        warm_all_splits_s=min(warm),
        repeats=args.repeat,
        statistic="best of repeats",
    )
    if args.pretty_midi:
        import pretty_midi

        t0 = time.perf_counter()
        notes = sum(sum(len(i.notes) for i in pretty_midi.PrettyMIDI(str(f)).instruments) for f in files)
        result.update(pretty_midi_s=time.perf_counter() - t0, pretty_midi_notes=notes)
    write_results("data_speed", result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

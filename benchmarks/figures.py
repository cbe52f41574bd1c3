"""The paper's figure 2 for the GMD test split and the shipped humanize model.

    python benchmarks/figures.py [--data-home ../shared/data/groove]

Writes benchmarks/results/offsets_test.png: the distribution of timing offsets
per position in the beat, for the real performances and for the model's
output on their scores, deterministic (temperature 0) and sampled
(temperature 1, seed 0).
"""

import argparse
import os
from pathlib import Path

from sklearn_groove import pretrained, split_hvo
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.plotting import plot_offsets

RESULTS = Path(__file__).parent / "results"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-home", default=os.environ.get("SKLEARN_GROOVE_DATA", "../shared/data/groove"))
    args = parser.parse_args()
    test = fetch_groove(subset="test", data_home=args.data_home)
    model = pretrained.load("humanize")
    songs = {"GMD test": test.hvo, "humanize, T=0": model.predict(split_hvo(test.hvo)[0])}
    songs["humanize, T=1"] = model.set_params(temperature=1.0, random_state=0).predict(split_hvo(test.hvo)[0])
    plot_offsets(songs).savefig(RESULTS / "offsets_test.png", dpi=110, bbox_inches="tight")
    print(f"wrote {RESULTS / 'offsets_test.png'}")


if __name__ == "__main__":
    main()

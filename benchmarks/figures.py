"""The paper's figure 2 for the GMD test split and the shipped humanize model.

    python benchmarks/figures.py [--data-home ../shared/data/groove]

Writes benchmarks/results/offsets_test.png: the distribution of timing offsets
per position in the beat, for the real performances and for the model's
output on their scores, deterministic (temperature 0) and sampled
(temperature 1, seed 0); and docs/two_modes.png: one test clip's score, the
most likely performance, the command line's default take and the drummer's
own, as piano rolls.
"""

import argparse
from pathlib import Path

from sklearn_groove import join_hvo, pretrained, split_hvo
from sklearn_groove.cli import TAKE_TEMPERATURE
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.plotting import plot_offsets, plot_rolls
from sklearn_groove.songs import one_take

from _harness import RESULTS, add_data_home



def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_home(parser)
    args = parser.parse_args()
    test = fetch_groove(subset="test", data_home=args.data_home)
    model = pretrained.load("humanize")
    songs = {"GMD test": test.hvo, "humanize, T=0": model.predict(split_hvo(test.hvo)[0])}
    songs["humanize, T=1"] = model.set_params(temperature=1.0, random_state=0).predict(split_hvo(test.hvo)[0])
    plot_offsets(songs).savefig(RESULTS / "offsets_test.png", dpi=110, bbox_inches="tight")
    model.set_params(temperature=0.0, random_state=None)
    clip = test.hvo[1000:1001]  # a rock groove of the test split
    score = split_hvo(clip)[0]
    take = one_take(model, temperature=TAKE_TEMPERATURE, seed=0)(score)
    rolls = {"score": join_hvo(score, score * 0.8), "most likely (--temperature 0)": model.predict(score)[0],
             "a take (the default)": take[0], "the drummer": clip[0]}
    plot_rolls({name: hvo[0] if hvo.ndim == 3 else hvo for name, hvo in rolls.items()}).savefig(
        Path(__file__).parents[1] / "docs" / "two_modes.png", dpi=100, bbox_inches="tight")
    print(f"wrote {RESULTS / 'offsets_test.png'}")


if __name__ == "__main__":
    main()

"""Grid-search K of GrooveKNN on the Groove MIDI Dataset, grouped by drummer.

    python examples/grid_search_knn.py [--data-home ../shared/data/groove]

Folds never split a drummer (GroupKFold), so the score says how well a groove
learned from some drummers fits others. All of the library's scorers are
computed; the refit uses the timing MAE, which reads each window's tempo
through scikit-learn's metadata routing.
"""

import argparse
import os

import sklearn
from sklearn.model_selection import GridSearchCV, GroupKFold

from sklearn_groove import GrooveKNN, split_hvo
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import SCORERS


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-home", default=os.environ.get("SKLEARN_GROOVE_DATA"))
    args = parser.parse_args()

    train = fetch_groove(subset="train", data_home=args.data_home)
    X, y = split_hvo(train.hvo)[0], train.hvo
    sklearn.set_config(enable_metadata_routing=True)
    search = GridSearchCV(
        GrooveKNN(n_jobs=-1),
        {"n_neighbors": [5, 10, 20, 40], "average": ["all", "hits"]},
        scoring=SCORERS,
        refit="neg_timing_mae_ms",
        cv=GroupKFold(n_splits=5),
        verbose=1,
    )
    search.fit(X, y, groups=train.drummer, bpm=train.bpm)
    print("best:", search.best_params_, f"timing MAE {-search.best_score_:.2f} ms")
    for i, params in enumerate(search.cv_results_["params"]):
        scores = {name: search.cv_results_[f"mean_test_{name}"][i] for name in SCORERS}
        print(params, {k: round(float(v), 4) for k, v in scores.items()})


if __name__ == "__main__":
    main()

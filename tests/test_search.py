"""The scorers in a real GridSearchCV on GMD windows, grouped by drummer, with bpm routed."""

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV, GroupKFold

from sklearn_groove import GrooveKNN
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import SCORERS, timing_mae_ms


@pytest.fixture(scope="module")
def windows(data_home):
    data = fetch_groove(subset="validation", data_home=data_home)
    keep = np.random.default_rng(0).permutation(len(data.hvo))[:600]
    return data.hvo[keep], data.bpm[keep], data.drummer[keep]


def test_grid_search_k_with_scorers_and_bpm(windows):
    y, bpm, drummer = windows
    X = y[..., :9]
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            GrooveKNN(), {"n_neighbors": [1, 5, 20]}, scoring=SCORERS, refit="neg_timing_mae_ms", cv=GroupKFold(3)
        )
        search.fit(X, y, groups=drummer, bpm=bpm)
    for name in SCORERS:
        assert np.isfinite(search.cv_results_[f"mean_test_{name}"]).all(), name
    assert search.best_params_["n_neighbors"] in (5, 20)  # K=1 copies one groove: worst MAE
    # The MAE scorer saw each fold's tempi: recompute the best fold score by hand.
    train, test = next(GroupKFold(3).split(X, y, drummer))
    model = GrooveKNN(**search.best_params_).fit(X[train], y[train])
    by_hand = -timing_mae_ms(y[test], model.predict(X[test]), bpm=bpm[test])
    assert search.cv_results_["split0_test_neg_timing_mae_ms"][search.best_index_] == pytest.approx(by_hand)
    assert by_hand != pytest.approx(-timing_mae_ms(y[test], model.predict(X[test])))


def test_default_score_in_search(windows):
    y, _, drummer = windows
    search = GridSearchCV(GrooveKNN(), {"n_neighbors": [2, 10]}, cv=GroupKFold(2)).fit(y[..., :9], y, groups=drummer)
    assert search.best_score_ < 0  # minus a timing MAE in ms

"""scikit-learn's contract for every estimator and transformer, in 2-D checks and 3-D tests."""

import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_groove import (
    GrooveEnsemble,
    GrooveKNN,
    GrooveLinear,
    GrooveMLP,
    GrooveQuantized,
    GrooveSeq2Seq,
    GrooveTransfer,
    join_hvo,
    split_hvo,
)
from sklearn_groove.neighbors import hadamard_similarity
from sklearn_groove.preprocessing import Quantizer, Tapper, VoiceRemover

# scikit-learn's checks build 2-D data; ours take 3-D windows (n_samples, n_steps,
# 9 or 27) and refuse 2-D input with a ValueError. Every check below fails for that
# reason alone; the property each one guards is tested on 3-D data further down
# (test name in brackets) where it applies to 3-D input.
_TWO_D = "builds 2-D X; sklearn_groove takes 3-D windows (n_samples, n_steps, 9|27)"
EXPECTED_FAILED = {
    "check_dict_unchanged": f"{_TWO_D} [test_common_3d: predict leaves __dict__ unchanged]",
    "check_dont_overwrite_parameters": f"{_TWO_D} [test_common_3d: fit sets only trailing-underscore attributes]",
    "check_dtype_object": f"{_TWO_D} [test_common_3d: object arrays of numbers are accepted]",
    "check_estimators_dtypes": f"{_TWO_D} [test_common_3d: float64, float32, int input]",
    "check_estimators_fit_returns_self": f"{_TWO_D} [test_common_3d]",
    "check_estimators_nan_inf": f"{_TWO_D} [test_common_3d: NaN and inf raise ValueError]",
    "check_estimators_overwrite_params": f"{_TWO_D} [test_common_3d: get_params unchanged by fit]",
    "check_estimators_pickle": f"{_TWO_D} [test_common_3d: pickle and joblib round trips]",
    "check_f_contiguous_array_estimator": f"{_TWO_D} [test_common_3d: Fortran-ordered input]",
    "check_fit2d_1feature": "2-D only: one feature has no meaning for (n, n_steps, 9) windows",
    "check_fit2d_1sample": "2-D only; a single 3-D window is accepted by design",
    "check_fit2d_predict1d": "2-D/1-D only; 2-D input is refused with a ValueError [test_common_3d]",
    "check_fit_check_is_fitted": f"{_TWO_D} [test_common_3d: NotFittedError before fit]",
    "check_fit_idempotent": f"{_TWO_D} [test_common_3d: fitting twice gives the same predictions]",
    "check_fit_score_takes_y": f"{_TWO_D} [test_score_is_minus_timing_mae]",
    "check_methods_sample_order_invariance": f"{_TWO_D} [test_common_3d: permuting samples permutes outputs]",
    "check_methods_subset_invariance": f"{_TWO_D} [test_common_3d: outputs of a subset equal the subset of outputs]",
    "check_n_features_in": f"{_TWO_D} [test_common_3d: n_features_in_ is the number of steps]",
    "check_n_features_in_after_fitting": f"{_TWO_D} [test_wrong_number_of_steps]",
    "check_pipeline_consistency": f"{_TWO_D} [test_pipeline_of_transformer_and_estimator]",
    "check_positive_only_tag_during_fit": f"{_TWO_D}; hits are 0/1, so the positive_only tag is set",
    "check_readonly_memmap_input": f"{_TWO_D} [test_common_3d: read-only memmap input]",
}
EXPECTED_FAILED_TRANSFORMERS = {
    **EXPECTED_FAILED,
    "check_transformer_data_not_an_array": f"{_TWO_D} [test_common_3d: lists are accepted]",
    "check_transformer_general": f"{_TWO_D} [test_common_3d]",
    "check_transformer_preserve_dtypes": f"{_TWO_D}; output is always float32 (the hvo layout)",
    "check_transformers_unfitted_stateless": f"{_TWO_D} [test_stateless_and_shape_errors]",
}

ESTIMATORS = [
    GrooveQuantized(),
    GrooveLinear(),
    GrooveKNN(n_neighbors=3),
    GrooveMLP(hidden_layer_sizes=(16,), max_iter=30, random_state=0),
    GrooveEnsemble([GrooveLinear(), GrooveMLP(hidden_layer_sizes=(16,), max_iter=30, random_state=0)]),
]
_TINY = dict(module__encoder_size=8, module__latent_size=4, module__decoder_size=8, max_epochs=2, random_state=0)
# The recurrent models on small synthetic data: they read any features per step, so they are not in the
# tests of the humanizers that read only the hits of an hvo (test_predict_keeps_hits_exactly and the rest).
RECURRENT = [
    GrooveSeq2Seq(condition="hits", decoder="parallel", output="gaussian", **_TINY),
    GrooveTransfer(n_neighbors=2, **_TINY),
]
TRANSFORMERS = [Quantizer(), VoiceRemover(), Tapper()]


def _expected(estimator):
    return EXPECTED_FAILED_TRANSFORMERS if hasattr(estimator, "transform") else EXPECTED_FAILED


@parametrize_with_checks(ESTIMATORS + RECURRENT + TRANSFORMERS, expected_failed_checks=_expected)
def test_sklearn_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    h = (rng.random((60, 32, 9)) < 0.25).astype(np.float32)
    v = np.clip(0.3 + 0.4 * h * rng.random(h.shape) + 0.2 * (np.arange(32) % 4 == 0)[None, :, None], 0, 1)
    o = np.clip(0.05 * rng.standard_normal(h.shape) + 0.1 * (np.arange(32) % 2)[None, :, None], -0.5, 0.49)
    return h, join_hvo(h, v, o)


def _output(est, X):
    return est.transform(X) if hasattr(est, "transform") else est.predict(X)


@pytest.mark.parametrize("est", ESTIMATORS + RECURRENT + TRANSFORMERS, ids=lambda e: type(e).__name__)
def test_common_3d(est, data, tmp_path):
    h, y = data
    X = y if hasattr(est, "transform") else h
    est = clone(est)
    params = est.get_params()
    if not hasattr(est, "transform"):
        with pytest.raises(NotFittedError):
            est.predict(X)
    attrs_before = set(vars(est))
    assert est.fit(X, y) is est
    assert all(a.endswith("_") for a in set(vars(est)) - attrs_before)
    assert est.get_params() == params
    if not hasattr(est, "transform"):  # stateless transformers keep no n_features_in_
        assert est.n_features_in_ == 32
    out = _output(est, X)
    state = pickle.dumps(vars(est))
    _output(est, X[:5])
    assert pickle.dumps(vars(est)) == state  # predict changes nothing
    # Round trips.
    np.testing.assert_array_equal(_output(pickle.loads(pickle.dumps(est)), X), out)
    joblib.dump(est, tmp_path / "model.joblib")
    np.testing.assert_array_equal(_output(joblib.load(tmp_path / "model.joblib"), X), out)
    # Idempotent fit, order and subset invariance.
    np.testing.assert_allclose(_output(clone(est).fit(X, y), X), out, atol=1e-6)
    perm = np.random.default_rng(1).permutation(len(X))
    np.testing.assert_allclose(_output(est, X[perm]), out[perm], atol=1e-6)
    np.testing.assert_allclose(_output(est, X[10:20]), out[10:20], atol=1e-6)
    # Dtypes, layouts, read-only memory, lists, object arrays.
    for variant in (X.astype(np.float64), X.astype(np.int64) if X is h else X, np.asfortranarray(X), X.astype(object)):
        np.testing.assert_allclose(_output(est, variant), out, atol=1e-6)
    np.testing.assert_allclose(_output(est, X.tolist()), out, atol=1e-6)
    memmap = tmp_path / "X.npy"
    np.save(memmap, X)
    np.testing.assert_allclose(_output(est, np.load(memmap, mmap_mode="r")), out, atol=1e-6)
    # Bad input.
    for bad in (np.where(np.arange(X.shape[-1]) == 0, np.nan, X), np.where(np.arange(X.shape[-1]) == 0, np.inf, X)):
        with pytest.raises(ValueError):
            _output(est, bad)
    with pytest.raises(ValueError, match="3-D|dimension"):
        _output(est, X[0])


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_predict_keeps_hits_exactly(est, data):
    h, y = data
    est = clone(est).fit(y, y)  # an hvo as X: only its hits are read
    out = est.predict(h)
    hits, v, o = split_hvo(out)
    np.testing.assert_array_equal(hits, h)
    assert not v[h == 0].any() and not o[h == 0].any()
    assert v.min() >= 0 and v.max() <= 1 and o.min() >= -0.5 and o.max() < 0.5
    np.testing.assert_array_equal(est.predict(y), out)


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_wrong_number_of_steps(est, data):
    h, y = data
    est = clone(est).fit(h, y)
    with pytest.raises(ValueError, match="16 steps, but .* fitted on windows of 32 steps"):
        est.predict(h[:, :16])
    with pytest.raises(ValueError, match="same samples and steps"):
        clone(est).fit(h, y[:-1])
    with pytest.raises(ValueError, match="requires y"):
        clone(est).fit(h, None)
    with pytest.raises(ValueError, match="score"):
        est.predict(np.zeros((2, 32, 4)))


@pytest.mark.parametrize("est", ESTIMATORS + RECURRENT, ids=lambda e: type(e).__name__)
def test_score_is_minus_timing_mae(est, data):
    from sklearn_groove.metrics import timing_mae_ms

    h, y = data
    est = clone(est).fit(h, y)
    assert est.score(h, y) == pytest.approx(-timing_mae_ms(y, est.predict(h)))
    bpm = np.linspace(80, 160, len(h))
    assert est.score(h, y, bpm=bpm) == pytest.approx(-timing_mae_ms(y, est.predict(h), bpm=bpm))


def test_quantized_mean_velocity(data):
    h, y = data
    model = GrooveQuantized().fit(h, y)
    assert model.velocity_ == pytest.approx(split_hvo(y)[1][h > 0].mean())
    _, v, o = split_hvo(model.predict(h))
    assert not o.any() and np.allclose(v[h > 0], model.velocity_)


def test_linear_learns_a_linear_groove():
    rng = np.random.default_rng(2)
    h = (rng.random((400, 32, 9)) < 0.3).astype(np.float32)
    offbeat = (np.arange(32) % 2 == 1)[None, :, None]
    y = join_hvo(h, h * (0.5 + 0.3 * ~offbeat), h * 0.15 * offbeat)  # loud on-beats, late off-beats
    _, v, o = split_hvo(GrooveLinear().fit(h, y).predict(h))
    np.testing.assert_allclose(o[h > 0], (h * 0.15 * offbeat)[h > 0], atol=1e-4)
    np.testing.assert_allclose(v[h > 0], (h * (0.5 + 0.3 * ~offbeat))[h > 0], atol=1e-4)
    assert GrooveLinear(alpha=10.0).fit(h, y).regressor_.alpha == 10.0


def test_knn_matches_brute_force(data):
    h, y = data
    brute = np.array([[np.sum(a * b) for b in h] for a in h[:7]])
    np.testing.assert_array_equal(hadamard_similarity(h[:7], h), brute)
    knn = GrooveKNN(n_neighbors=4, batch_size=3).fit(h, y)
    neighbors = knn.kneighbors(h[:7])
    for row, found in zip(brute, neighbors):
        expected = sorted(range(len(h)), key=lambda j: (-row[j], j))[:4]
        assert found.tolist() == expected
    _, v, o = split_hvo(y)
    out = knn.predict(h[:7])
    np.testing.assert_allclose(split_hvo(out)[2], np.clip(o[neighbors].mean(1), -0.5, 0.5) * h[:7], atol=1e-6)
    same = GrooveKNN(n_neighbors=4, batch_size=1000, n_jobs=2).fit(h, y).predict(h[:7])
    np.testing.assert_array_equal(same, out)


def test_knn_average_over_hits(data):
    h, y = data
    knn = GrooveKNN(n_neighbors=5, average="hits").fit(h, y)
    neighbors = knn.kneighbors(h[:3])
    hits, v, _ = split_hvo(y)
    n = hits[neighbors].sum(1)
    expected = np.where(n > 0, v[neighbors].sum(1) / np.maximum(n, 1), knn.voice_velocity_)
    np.testing.assert_allclose(split_hvo(knn.predict(h[:3]))[1], np.clip(expected, 0, 1) * h[:3], atol=1e-6)
    with pytest.raises(ValueError, match="n_neighbors=99 is more"):
        GrooveKNN(n_neighbors=99).fit(h, y)
    with pytest.raises(ValueError, match="average"):
        GrooveKNN(average="median").fit(h, y)


def test_mlp_learns_and_is_reproducible(data):
    h, y = data
    mlp = GrooveMLP(hidden_layer_sizes=(64,), max_iter=300, random_state=0).fit(h, y)
    assert mlp.mlp_.loss_curve_[-1] < mlp.mlp_.loss_curve_[0] / 2
    assert mlp.score(h, y) > GrooveQuantized().fit(h, y).score(h, y)
    again = GrooveMLP(hidden_layer_sizes=(64,), max_iter=300, random_state=0).fit(h, y)
    np.testing.assert_array_equal(again.predict(h), mlp.predict(h))
    with pytest.raises(ValueError, match="learning_rate_init"):
        GrooveMLP(learning_rate_init=-1).fit(h, y)


def test_pipeline_of_transformer_and_estimator(data):
    from sklearn.pipeline import make_pipeline

    _, y = data
    pipe = make_pipeline(Quantizer(), GrooveKNN(n_neighbors=3)).fit(y, y)
    np.testing.assert_array_equal(pipe.predict(y), GrooveKNN(n_neighbors=3).fit(y, y).predict(y))

"""GrooveEnsemble: seeds of its copies, averaging, sampling from one copy a window, errors."""

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_groove import GrooveEnsemble, GrooveLinear, GrooveMLP, GrooveSeq2Seq, split_hvo
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import timing_mae_ms


@pytest.fixture(scope="module")
def gmd(data_home):
    return fetch_groove(subset="test", data_home=data_home).hvo[:300]


def test_copies_have_their_own_seeds_and_are_averaged(gmd):
    X, y = gmd[:200, :, :9], gmd[:200]
    model = GrooveEnsemble(GrooveMLP(hidden_layer_sizes=(32,), max_iter=50), n_estimators=3, random_state=5)
    model.fit(X, y)
    assert [m.random_state for m in model.estimators_] == [5, 6, 7]
    members = [split_hvo(m.predict(gmd[200:])) for m in model.estimators_]
    h, v, o = split_hvo(model.predict(gmd[200:]))
    np.testing.assert_array_equal(h, gmd[200:, :, :9])
    np.testing.assert_allclose(v, np.mean([mv for _, mv, _ in members], axis=0), atol=1e-6)
    np.testing.assert_allclose(o, np.mean([mo for _, _, mo in members], axis=0), atol=1e-6)
    assert not np.allclose(members[0][2], members[1][2])  # different seeds, different models
    # the mean's error is at most the copies' mean error (a check of the averaging itself)
    errors = [timing_mae_ms(gmd[200:], m.predict(gmd[200:])) for m in model.estimators_]
    assert timing_mae_ms(gmd[200:], model.predict(gmd[200:])) <= np.mean(errors)
    drawn = GrooveEnsemble(GrooveMLP(max_iter=5), n_estimators=2, random_state=np.random.RandomState(0))
    assert len(set(drawn._seeds())) == 2


def test_sampling_draws_each_window_from_one_copy(gmd):
    X, y = gmd[:64, :, :9], gmd[:64]
    member = GrooveSeq2Seq(encoder_size=16, latent_size=8, decoder_size=16, output="gaussian", max_epochs=2)
    model = GrooveEnsemble(member, n_estimators=2, random_state=0).fit(X, y)
    params = [m.get_params() for m in model.estimators_]
    model.set_params(temperature=1.0)
    out = model.predict(X)
    np.testing.assert_array_equal(model.predict(X), out)  # reproducible under random_state
    np.testing.assert_array_equal(split_hvo(out)[0], X)
    assert [m.get_params() for m in model.estimators_] == params  # copies left as they were
    mean = model.set_params(temperature=0.0).predict(X)
    assert not np.allclose(out, mean)
    assert clone(model).get_params()["temperature"] == 0.0


def test_fit_params_reach_the_copies(gmd):
    member = GrooveSeq2Seq(encoder_size=16, latent_size=8, decoder_size=16, max_epochs=2, early_stopping=True)
    model = GrooveEnsemble(member, n_estimators=2, random_state=0)
    model.fit(gmd[:100, :, :9], gmd[:100], X_val=gmd[100:150, :, :9], y_val=gmd[100:150])
    for copy in model.estimators_:
        assert len(copy.net_.history) == 2 and "valid_loss" in copy.net_.history[-1]


def test_a_model_without_seed_is_refused(gmd):
    with pytest.raises(ValueError, match="GrooveLinear has no random_state"):
        GrooveEnsemble(GrooveLinear()).fit(gmd[:20, :, :9], gmd[:20])
    with pytest.raises(ValueError, match="n_estimators"):
        GrooveEnsemble(GrooveMLP(), n_estimators=0).fit(gmd[:20, :, :9], gmd[:20])

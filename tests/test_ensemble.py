"""GrooveEnsemble: averaging, sampling one member a window, fit parameters, errors."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from sklearn_groove import (
    GrooveEnsemble,
    GrooveLinear,
    GrooveMLP,
    GrooveSeq2Seq,
    split_hvo,
)
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.metrics import timing_mae_ms

SMALL = dict(module__encoder_size=16, module__latent_size=8, module__decoder_size=16, output="gaussian", max_epochs=2)


@pytest.fixture(scope="module")
def gmd(data_home):
    return fetch_groove(subset="test", data_home=data_home).hvo[:300]


def test_members_are_fitted_clones_and_averaged(gmd):
    X, y = gmd[:200, :, :9], gmd[:200]
    members = [GrooveMLP(hidden_layer_sizes=(32,), max_iter=50, random_state=seed) for seed in (5, 6)]
    model = GrooveEnsemble(members + [GrooveLinear(alpha=10.0)]).fit(X, y)
    assert [type(m).__name__ for m in model.estimators_] == ["GrooveMLP", "GrooveMLP", "GrooveLinear"]
    assert model.estimators_[0] is not members[0] and not hasattr(members[0], "n_features_in_")
    outputs = [split_hvo(m.predict(gmd[200:])) for m in model.estimators_]
    h, v, o = split_hvo(model.predict(gmd[200:]))
    np.testing.assert_array_equal(h, gmd[200:, :, :9])
    np.testing.assert_allclose(v, np.mean([mv for _, mv, _ in outputs], axis=0), atol=1e-6)
    np.testing.assert_allclose(o, np.mean([mo for _, _, mo in outputs], axis=0), atol=1e-6)
    assert not np.allclose(outputs[0][2], outputs[1][2])  # different seeds, different models
    # the mean's error is at most the members' mean error (the absolute error is convex)
    errors = [timing_mae_ms(gmd[200:], m.predict(gmd[200:])) for m in model.estimators_]
    assert timing_mae_ms(gmd[200:], model.predict(gmd[200:])) <= np.mean(errors)


def _draws(random_state, X, n_members):
    """The member and noise of each window in the first take drawn from ``random_state``."""
    from sklearn_groove._hvo import take_draws, take_seeds

    return next(take_draws(take_seeds(random_state)[0], len(X), X.shape[1], n_members))


def _alone(estimator, X, noise):
    """One network's take of windows ``X`` at temperature 1 from the given noise."""
    import torch

    from sklearn_groove.neural._player import NetworkPlayer

    with torch.no_grad():
        return NetworkPlayer(estimator)(torch.from_numpy(X), torch.tensor(1.0), torch.from_numpy(noise)).numpy()


def test_sampling_draws_each_window_from_one_member(gmd):
    X, y = gmd[:64, :, :9], gmd[:64]
    model = GrooveEnsemble([GrooveSeq2Seq(**SMALL, random_state=s) for s in (0, 1)], random_state=0).fit(X, y)
    params = [m.get_params() for m in model.estimators_]
    model.set_params(temperature=1.0)
    out = model.predict(X)
    np.testing.assert_array_equal(model.predict(X), out)  # reproducible under random_state
    np.testing.assert_array_equal(split_hvo(out)[0], X)
    assert [m.get_params() for m in model.estimators_] == params  # members left as they were
    # every window is one member's draw at temperature 1, from the take's seed: its member and its noise
    member, noise = _draws(0, X, 2)
    for k, estimator in enumerate(model.estimators_):
        windows = np.flatnonzero(member == k)
        np.testing.assert_allclose(out[windows], _alone(estimator, X[windows], noise[windows]), atol=1e-6)
    mean = model.set_params(temperature=0.0).predict(X)
    assert not np.allclose(out, mean)
    assert clone(model).get_params()["temperature"] == 0.0


def test_sampler_plays_every_window_with_one_member(gmd):
    X, y = gmd[:64, :, :9], gmd[:64]
    model = GrooveEnsemble([GrooveSeq2Seq(**SMALL, random_state=s) for s in (0, 1)], temperature=1.0,
                           sampler=1, random_state=0).fit(X, y)
    out = model.predict(X)
    _, noise = _draws(0, X, 2)  # the per-window member is drawn either way: one seed, the same noise
    np.testing.assert_allclose(out, _alone(model.estimators_[1], X, noise), atol=1e-6)
    drawn = model.set_params(sampler=None).predict(X)
    assert not np.allclose(out, drawn)
    # no effect at temperature 0
    np.testing.assert_array_equal(model.set_params(temperature=0.0, sampler=1).predict(X),
                                  model.set_params(sampler=None).predict(X))
    with pytest.raises(ValueError, match="sampler=2 names no member: there are 2 estimators, so pass an index from 0 "
                                         "to 1, or None"):
        model.set_params(sampler=2).fit(X, y)
    with pytest.raises(ValueError, match="sampler=5 names no member"):
        GrooveEnsemble.from_fitted(model.estimators_, sampler=5)


def test_fit_params_reach_the_members(gmd):
    from skorch.callbacks import EarlyStopping

    model = GrooveEnsemble([GrooveSeq2Seq(**SMALL, callbacks=[EarlyStopping(patience=5)], random_state=s) for s in (0, 1)])
    model.fit(gmd[:100, :, :9], gmd[:100], X_val=gmd[100:150, :, :9], y_val=gmd[100:150])
    for member in model.estimators_:
        assert len(member.net_.history) == 2 and "valid_loss" in member.net_.history[-1]


def test_bad_members_are_refused(gmd):
    X, y = gmd[:20, :, :9], gmd[:20]
    with pytest.raises(ValueError, match="at least one member"):
        GrooveEnsemble([]).fit(X, y)
    with pytest.raises(ValueError, match="needs fit and predict"):
        GrooveEnsemble([GrooveLinear(), "linear"]).fit(X, y)
    with pytest.raises(ValueError, match="'estimators' parameter"):
        GrooveEnsemble(GrooveLinear()).fit(X, y)


def test_from_fitted_takes_fitted_members_of_one_window_length(gmd):
    X, y = gmd[:100, :, :9], gmd[:100]
    fitted = [GrooveLinear().fit(X, y), GrooveMLP(max_iter=20, random_state=0).fit(X, y)]
    model = GrooveEnsemble.from_fitted(fitted, temperature=0.5)
    assert model.estimators_[0] is fitted[0] and model.n_features_in_ == 32 and model.temperature == 0.5
    assert not hasattr(model.estimators[0], "n_features_in_")  # the parameter holds unfitted clones
    refit = GrooveEnsemble(model.estimators).fit(X, y)
    np.testing.assert_allclose(model.set_params(temperature=0.0).predict(X), refit.predict(X), atol=1e-6)
    with pytest.raises(NotFittedError):
        GrooveEnsemble.from_fitted([GrooveLinear()])
    with pytest.raises(ValueError, match="different lengths: \\[16, 32\\] steps"):
        GrooveEnsemble.from_fitted([fitted[0], GrooveLinear().fit(X[:, :16], y[:, :16])])
    with pytest.raises(ValueError, match="at least one member"):
        GrooveEnsemble.from_fitted([])


def test_rotate_bars_averages_each_window_played_with_its_bars_swapped(gmd):
    X, y = gmd[:200, :, :9], gmd[:200]
    members = [GrooveLinear(alpha=10.0), GrooveMLP(hidden_layer_sizes=(32,), max_iter=50, random_state=0)]
    model = GrooveEnsemble(members, rotate_bars=True).fit(X, y)
    new = gmd[200:]
    swapped = np.roll(new[..., :9], 16, axis=1)
    expected = [split_hvo(m.predict(new)) for m in model.estimators_]
    expected += [split_hvo(np.roll(m.predict(swapped), 16, axis=1)) for m in model.estimators_]
    h, v, o = split_hvo(model.predict(new))
    np.testing.assert_array_equal(h, new[..., :9])
    np.testing.assert_allclose(v, np.mean([ev for _, ev, _ in expected], axis=0), atol=1e-6)
    np.testing.assert_allclose(o, np.mean([eo for _, _, eo in expected], axis=0), atol=1e-6)
    plain = model.set_params(rotate_bars=False).predict(new)
    assert not np.allclose(plain[..., 18:], o)  # the linear model weighs each step by its place in the window
    # sampling is left as it is
    sampled = GrooveEnsemble.from_fitted(model.estimators_, temperature=1.0, random_state=0)
    np.testing.assert_array_equal(sampled.predict(new), sampled.set_params(rotate_bars=True).predict(new))


def test_rotate_bars_needs_whole_bars(gmd):
    X, y = gmd[:50, :25, :9], gmd[:50, :25]
    with pytest.raises(ValueError, match="whole bars, got 25 steps"):
        GrooveEnsemble([GrooveLinear()], rotate_bars=True).fit(X, y)
    fitted = GrooveLinear().fit(X, y)
    with pytest.raises(ValueError, match="got 25 steps"):
        GrooveEnsemble.from_fitted([fitted], rotate_bars=True)
    model = GrooveEnsemble.from_fitted([fitted]).set_params(rotate_bars=True)
    with pytest.raises(ValueError, match="got 25 steps"):
        model.predict(X)
    # 24 steps: two bars of 3/4, rotated by one of them
    fitted = GrooveLinear().fit(X[:, :24], y[:, :24])
    rotated = GrooveEnsemble.from_fitted([fitted], rotate_bars=True).predict(X[:, :24])
    by_hand = (fitted.predict(X[:, :24]) + np.roll(fitted.predict(np.roll(X[:, :24], -12, axis=1)), 12, axis=1)) / 2
    np.testing.assert_allclose(rotated[..., 9:], by_hand[..., 9:], atol=1e-6)

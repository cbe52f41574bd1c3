"""GrooveSeq2Seq and GrooveTransfer on small configurations: learning, contract, sampling."""

import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from sklearn_groove import GrooveQuantized, GrooveSeq2Seq, GrooveTransfer, split_hvo
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.preprocessing import Tapper, VoiceRemover

SMALL = dict(encoder_size=32, latent_size=16, decoder_size=32, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def gmd(data_home):
    """A few hundred real windows."""
    test = fetch_groove(subset="test", data_home=data_home)
    return test.hvo[:300]


@pytest.fixture(scope="module")
def humanizer(gmd):
    return GrooveSeq2Seq(**SMALL, max_epochs=25, lr=3e-3).fit(gmd[..., :9], gmd)


def test_seq2seq_learns(humanizer, gmd):
    losses = humanizer.net_.history[:, "train_loss"]
    assert losses[-1] < 0.8 * losses[0]
    quantized = GrooveQuantized().fit(gmd[..., :9], gmd)
    assert humanizer.score(gmd[..., :9], gmd) > quantized.score(gmd[..., :9], gmd)


def test_humanization_keeps_hits(humanizer, gmd):
    out = humanizer.predict(gmd[:20, :, :9])
    h, v, o = split_hvo(out)
    np.testing.assert_array_equal(h, gmd[:20, :, :9])
    assert not v[h == 0].any() and not o[h == 0].any()
    assert v[h > 0].std() > 0.01  # not one velocity for every note


def test_deterministic_and_round_trips(humanizer, gmd, tmp_path):
    X = gmd[:10, :, :9]
    out = humanizer.predict(X)
    np.testing.assert_array_equal(humanizer.predict(X), out)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(humanizer)).predict(X), out)
    joblib.dump(humanizer, tmp_path / "m.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "m.joblib").predict(X), out)
    again = clone(humanizer).set_params(max_epochs=2).fit(gmd[:64, :, :9], gmd[:64])
    twice = clone(humanizer).set_params(max_epochs=2).fit(gmd[:64, :, :9], gmd[:64])
    np.testing.assert_allclose(again.predict(X), twice.predict(X), atol=1e-6)
    assert clone(humanizer).get_params() == humanizer.get_params()


def test_sampling_is_reproducible_under_random_state(gmd):
    X, y = gmd[:64, :, :9], gmd[:64]
    model = GrooveSeq2Seq(**SMALL, output="gaussian", keep_hits=False, max_epochs=3).fit(X, y)
    deterministic = model.predict(X)
    model.set_params(temperature=1.0)
    first, second = model.predict(X), model.predict(X)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, deterministic)
    assert not np.array_equal(model.set_params(random_state=1).predict(X), first)


def test_infilling_and_tap2drum_generate_hits(gmd):
    y = gmd[:64]
    infill = make_pipeline(VoiceRemover(), GrooveSeq2Seq(**SMALL, max_epochs=2)).fit(y, y)
    assert infill.predict(y).shape == y.shape
    assert infill[-1].n_input_features_ == 27 and not infill[-1]._keeps_hits()
    tap = make_pipeline(Tapper(), GrooveSeq2Seq(**SMALL, max_epochs=2)).fit(y, y)
    out = tap.predict(y)
    assert out.shape == y.shape and tap[-1].n_input_features_ == 3
    with pytest.raises(ValueError, match="keep_hits=True"):
        make_pipeline(Tapper(), GrooveSeq2Seq(**SMALL, max_epochs=1, keep_hits=True)).fit(y, y).predict(y)


def test_validation_split_and_early_stopping(gmd):
    model = GrooveSeq2Seq(**SMALL, max_epochs=3, early_stopping=True, patience=1)
    model.fit(gmd[:200, :, :9], gmd[:200], X_val=gmd[200:, :, :9], y_val=gmd[200:])
    assert "valid_loss" in model.net_.history[-1]
    with pytest.raises(ValueError, match="both X_val and y_val"):
        model.fit(gmd[..., :9], gmd, X_val=gmd[..., :9])
    with pytest.raises(ValueError, match="features per step"):
        model.predict(gmd[:, :, :3])


def test_groove_transfer(gmd):
    y = gmd[:200]
    model = GrooveTransfer(**SMALL, max_epochs=5, lr=3e-3).fit(y[..., :9], y)
    z = model.transform(y)
    assert z.shape == (200, 16) and model.train_grooves_.shape == (200, 16)
    laid_back, pushed = y.copy(), y.copy()
    laid_back[..., 18:] = 0.3 * laid_back[..., :9]
    pushed[..., 18:] = -0.3 * pushed[..., :9]
    score = y[:5, :, :9]
    a, b = model.transfer(laid_back[:1], score), model.transfer(pushed[:1], score)
    np.testing.assert_array_equal(split_hvo(a)[0], score)
    assert not np.allclose(a, b)
    out = model.predict(score)
    np.testing.assert_array_equal(split_hvo(out)[0], score)
    np.testing.assert_array_equal(model.predict(y[:5]), out)  # an hvo's hits are the score
    with pytest.raises(ValueError, match="one groove or one per score"):
        model.transfer(y[:2], score)


def test_bad_parameters(gmd):
    with pytest.raises(ValueError, match="output"):
        GrooveSeq2Seq(output="cauchy").fit(gmd[:8, :, :9], gmd[:8])
    with pytest.raises(ValueError, match="requires y"):
        GrooveSeq2Seq().fit(gmd[:8, :, :9], None)


def test_condition_on_hits(gmd):
    X, y = gmd[:64, :, :9], gmd[:64]
    model = GrooveSeq2Seq(**SMALL, condition_on_hits=True, max_epochs=2).fit(X, y)
    assert model.module_.n_condition == 9
    np.testing.assert_array_equal(split_hvo(model.predict(X))[0], X)
    with pytest.raises(ValueError, match="condition_on_hits=True needs keep_hits"):
        make_pipeline(Tapper(), GrooveSeq2Seq(**SMALL, condition_on_hits=True, max_epochs=1)).fit(y, y)


def test_condition_on_input_for_tap2drum(gmd):
    model = make_pipeline(Tapper(), GrooveSeq2Seq(**SMALL, condition_on_input=True, max_epochs=3)).fit(gmd, gmd)
    seq2seq = model[-1]
    assert seq2seq.module_.n_condition == 3  # the decoder reads the taps
    losses = seq2seq.net_.history[:, "train_loss"]
    assert losses[-1] < losses[0]
    assert model.predict(gmd[:4]).shape == (4, 32, 27)


def test_generate_voices_copies_the_others(gmd):
    remover = VoiceRemover(voices=("closed_hihat",))
    X = remover.fit_transform(gmd)
    model = GrooveSeq2Seq(**SMALL, condition_on_input=True, generate_voices=("closed_hihat",), max_epochs=2)
    out = model.fit(X, gmd).predict(X[:10])
    others = [j for j in range(27) if j % 9 != 2]
    np.testing.assert_array_equal(out[..., others], X[:10][..., others])
    with pytest.raises(ValueError, match="generate_voices must name"):
        clone(model).set_params(generate_voices=("cowbell",)).fit(X, gmd)
    with pytest.raises(ValueError, match="needs an hvo input"):
        clone(model).fit(gmd[..., :9], gmd)


def test_transfer_with_the_mean_groove_of_a_song(gmd):
    model = GrooveTransfer(**SMALL, max_epochs=1).fit(gmd[..., :9], gmd)
    song = gmd[:7]  # the windows of one "song": any number of them
    out = model.transfer(song, gmd[10:13, :, :9], average=True)
    mean_groove = model.transform(song).mean(axis=0, keepdims=True)
    expected = model._decode(np.repeat(mean_groove, 3, axis=0), 32, hits=gmd[10:13, :, :9], condition=gmd[10:13, :, :9])
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_hit_threshold_trades_precision_for_recall(gmd):
    taps = Tapper().fit_transform(gmd)
    model = GrooveSeq2Seq(**SMALL, condition_on_input=True, max_epochs=2).fit(taps, gmd)
    counts = [split_hvo(model.set_params(hit_threshold=t).predict(taps[:50]))[0].sum() for t in (0.2, 0.5, 0.8)]
    assert counts[0] >= counts[1] >= counts[2] and counts[0] > counts[2]
    with pytest.raises(ValueError, match="hit_threshold"):
        clone(model).set_params(hit_threshold=1.5).fit(taps, gmd)


def _weights(model):
    return np.concatenate([p.detach().numpy().ravel() for p in model.module_.parameters()])


def test_weight_average_trains_the_same_and_predicts_with_the_average(gmd):
    X, y = gmd[:128, :, :9], gmd[:128]
    fit = lambda **params: GrooveSeq2Seq(**{**SMALL, "max_epochs": 3, "lr": 3e-3, **params}).fit(X, y)
    last, averaged, start = fit(), fit(weight_average=0.9), fit(lr=1e-12)
    np.testing.assert_allclose(averaged.net_.history[:, "train_loss"], last.net_.history[:, "train_loss"])
    # the moving average lags behind the trained weights, towards where training began
    lag = np.linalg.norm(_weights(averaged) - _weights(start))
    assert 0 < lag < np.linalg.norm(_weights(last) - _weights(start))
    assert not np.allclose(averaged.predict(X), last.predict(X))
    # validation and early stopping see the averaged weights
    with_validation = GrooveSeq2Seq(**SMALL, max_epochs=2, lr=3e-3, weight_average=0.9, early_stopping=True)
    with_validation.fit(X, y, X_val=gmd[128:192, :, :9], y_val=gmd[128:192])
    plain = GrooveSeq2Seq(**SMALL, max_epochs=2, lr=3e-3, early_stopping=True)
    plain.fit(X, y, X_val=gmd[128:192, :, :9], y_val=gmd[128:192])
    assert with_validation.net_.history[-1, "valid_loss"] != plain.net_.history[-1, "valid_loss"]
    with pytest.raises(ValueError, match="weight_average"):
        GrooveSeq2Seq(weight_average=1.0).fit(X, y)


def test_a_decoder_that_is_not_autoregressive_decodes_as_it_trained(gmd):
    import torch

    X, y = gmd[:64, :, :9], gmd[:64]
    model = GrooveSeq2Seq(**SMALL, autoregressive=False, condition_on_hits=True, max_epochs=2).fit(X, y)
    inputs = {k: torch.as_tensor(v) for k, v in model._inputs(X, y).items()}
    with torch.no_grad():
        raw, _, _ = model.module_(**inputs)
        other, _, _ = model.module_(**{**inputs, "previous": torch.rand_like(inputs["previous"])})
    torch.testing.assert_close(raw, other)  # the previous steps are not read
    # so decoding gives what the network gave in training, on the input's hits
    offsets = 0.5 * torch.tanh(raw[..., 18:27]).numpy() * X
    np.testing.assert_allclose(model.predict(X)[..., 18:], offsets, atol=1e-5)
    autoregressive = GrooveSeq2Seq(**SMALL, condition_on_hits=True, max_epochs=1).fit(X, y)
    assert autoregressive.module_.decoder.input_size == model.module_.decoder.input_size + 27


def test_a_bidirectional_decoder_reads_the_steps_after_each_step(gmd):
    import torch

    X, y = gmd[:64, :, :9], gmd[:64]
    params = dict(SMALL, autoregressive=False, condition_on_hits=True, max_epochs=1)
    later = X.copy()
    later[:, -1] = 1 - later[:, -1]  # other hits at the last step only

    def first_steps(model, hits):
        inputs = {k: torch.as_tensor(v) for k, v in model._inputs(X, y).items()}
        inputs["condition"] = torch.as_tensor(model._condition(hits))
        with torch.no_grad():
            raw, _, _ = model.module_(**{**inputs, "x": torch.as_tensor(model._encoder_input(X, y))})
        return raw[:, :-1]

    forward = GrooveSeq2Seq(**params).fit(X, y)
    torch.testing.assert_close(first_steps(forward, X), first_steps(forward, later))
    both = GrooveSeq2Seq(**params, bidirectional_decoder=True).fit(X, y)
    assert both.module_.decoder.bidirectional
    assert not torch.allclose(first_steps(both, X), first_steps(both, later))
    out = both.predict(X[:5])
    np.testing.assert_array_equal(out[..., :9], X[:5])
    np.testing.assert_array_equal(out, both.predict(X[:5]))
    with pytest.raises(ValueError, match="bidirectional_decoder=True needs autoregressive=False"):
        GrooveSeq2Seq(**SMALL, bidirectional_decoder=True, max_epochs=1).fit(X, y)


def test_laplace_head_is_trained_and_sampled_as_a_laplace_distribution(gmd):
    import torch

    from sklearn_groove.neural._modules import GrooveLoss, generate, split_head

    X, y = gmd[:64, :, :9], gmd[:64]
    model = GrooveSeq2Seq(**SMALL, output="laplace", autoregressive=False, condition_on_hits=True, max_epochs=1)
    model.fit(X, y)
    inputs = {k: torch.as_tensor(v) for k, v in model._inputs(X, y).items()}
    with torch.no_grad():
        raw, _, _ = model.module_(**inputs)
    _, v_hat, o_hat, v_logscale, o_logscale = split_head(raw, 9)
    target = torch.as_tensor(y)
    h = target[..., :9]
    laplace = torch.distributions.Laplace
    log_likelihood = (laplace(v_hat, v_logscale.exp()).log_prob(target[..., 9:18]) * h).sum() + (
        laplace(o_hat, o_logscale.exp()).log_prob(target[..., 18:]) * h
    ).sum()
    loss = GrooveLoss(output="laplace", hit_weight=0.0)((raw, None, None), target)
    constant = 2 * np.log(2.0) * h.sum() / len(X)  # log 2 a note, for velocity and offset
    torch.testing.assert_close(loss, -log_likelihood / len(X) - constant)
    # sampled offsets around the median, in units of the scale: mean absolute value 1 (a Gaussian's: 0.80);
    # a small scale keeps the draws away from the clipping at +-0.5
    with torch.no_grad():
        model.module_.head.weight[36:45] = 0.0
        model.module_.head.bias[36:45] = np.log(0.01)
    z = torch.as_tensor(model._embed(X)).repeat(20, 1)
    hits = torch.ones(len(z), 32, 9)
    drawn = generate(model.module_, z, 32, hits=hits, condition=hits, temperature=1.0,
                     generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        raw, _ = model.module_.decode(z, hits, hits)  # the second argument, the previous steps, is not read
    _, _, o_hat, _, o_logscale = split_head(raw, 9)
    scaled = (drawn[..., 18:] - o_hat) / o_logscale.exp()
    assert abs(scaled.abs().mean().item() - 1.0) < 0.05


def test_hits_ahead(gmd):
    """The decoder reads the hits of the next steps: 9 condition features more a step, none past the end."""
    from sklearn_groove.neural._seq2seq import _hits_and_next

    X, y = gmd[..., :9], gmd
    h = X[:4]
    now, next1, next2 = _hits_and_next(h, 2)
    np.testing.assert_array_equal(next1[:, :-1], h[:, 1:])
    np.testing.assert_array_equal(next2[:, :-2], h[:, 2:])
    assert not next2[:, -2:].any()
    model = GrooveSeq2Seq(**SMALL, condition_on_hits=True, hits_ahead=2, autoregressive=False, max_epochs=1)
    model.fit(X, y)
    assert model.module_.n_condition == 27
    np.testing.assert_array_equal(model.predict(X[:5])[..., :9], X[:5])
    with pytest.raises(ValueError, match="hits_ahead=1 needs condition_on_hits=True"):
        GrooveSeq2Seq(**SMALL, hits_ahead=1, max_epochs=1).fit(X, y)

"""GrooveSeq2Seq and GrooveTransfer on small configurations: learning, contract, sampling."""

import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from sklearn_groove import GrooveQuantized, GrooveSeq2Seq, GrooveTransfer, split_hvo
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.neural import MODULE_PARAMS, WeightAverage
from sklearn_groove.neural._modules import GrooveNet
from sklearn_groove.preprocessing import Tapper, VoiceRemover

SMALL = dict(module__encoder_size=32, module__latent_size=16, module__decoder_size=32, batch_size=32, random_state=0)


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
    model = make_pipeline(Tapper(), GrooveSeq2Seq(**SMALL, output="gaussian", max_epochs=3)).fit(y, y)[-1]
    X = Tapper().fit_transform(y)
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


def test_validation_split_and_early_stopping(gmd):
    from skorch.callbacks import EarlyStopping

    model = GrooveSeq2Seq(**SMALL, max_epochs=3, callbacks=[EarlyStopping(patience=1, load_best=True)])
    model.fit(gmd[:200, :, :9], gmd[:200], X_val=gmd[200:, :, :9], y_val=gmd[200:])
    assert "valid_loss" in model.net_.history[-1]
    model.fit(gmd[:200, :, :9], gmd[:200])  # early stopping without X_val: a tenth of the windows held out
    assert "valid_loss" in model.net_.history[-1]
    assert "valid_loss" not in GrooveSeq2Seq(**SMALL, max_epochs=1).fit(gmd[:50, :, :9], gmd[:50]).net_.history[-1]
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
    model = GrooveSeq2Seq(**SMALL, condition="hits", max_epochs=2).fit(X, y)
    assert model.module_.n_condition == 9
    np.testing.assert_array_equal(split_hvo(model.predict(X))[0], X)
    with pytest.raises(ValueError, match='condition="hits" needs a score input .*split_hvo'):
        make_pipeline(Tapper(), GrooveSeq2Seq(**SMALL, condition="hits", max_epochs=1)).fit(y, y)


def test_condition_on_input_for_tap2drum(gmd):
    model = make_pipeline(Tapper(), GrooveSeq2Seq(**SMALL, condition="input", max_epochs=3)).fit(gmd, gmd)
    seq2seq = model[-1]
    assert seq2seq.module_.n_condition == 3  # the decoder reads the taps
    losses = seq2seq.net_.history[:, "train_loss"]
    assert losses[-1] < losses[0]
    assert model.predict(gmd[:4]).shape == (4, 32, 27)


def test_generate_voices_copies_the_others(gmd):
    remover = VoiceRemover(voices=("closed_hihat",))
    X = remover.fit_transform(gmd)
    model = GrooveSeq2Seq(**SMALL, condition="input", generate_voices=("closed_hihat",), max_epochs=2)
    out = model.fit(X, gmd).predict(X[:10])
    others = [j for j in range(27) if j % 9 != 2]
    np.testing.assert_array_equal(out[..., others], X[:10][..., others])
    with pytest.raises(ValueError, match="generate_voices: unknown voices"):
        clone(model).set_params(generate_voices=("cowbell",)).fit(X, gmd)
    with pytest.raises(ValueError, match="needs an hvo input"):
        clone(model).fit(gmd[..., :9], gmd)


def test_transfer_with_the_mean_groove_of_a_song(gmd):
    model = GrooveTransfer(**SMALL, max_epochs=1).fit(gmd[..., :9], gmd)
    song = gmd[:7]  # the windows of one "song": any number of them
    out = model.transfer(song, gmd[10:13, :, :9], average=True)
    mean_groove = model.transform(song).mean(axis=0, keepdims=True)
    expected = model._perform(gmd[10:13, :, :9], 0.0, None, z=np.repeat(mean_groove, 3, axis=0))
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_hit_threshold_trades_precision_for_recall(gmd):
    taps = Tapper().fit_transform(gmd)
    model = GrooveSeq2Seq(**SMALL, condition="input", max_epochs=2).fit(taps, gmd)
    counts = [split_hvo(model.set_params(hit_threshold=t).predict(taps[:50]))[0].sum() for t in (0.2, 0.5, 0.8)]
    assert counts[0] >= counts[1] >= counts[2] and counts[0] > counts[2]
    with pytest.raises(ValueError, match="hit_threshold"):
        clone(model).set_params(hit_threshold=1.5).fit(taps, gmd)


def _weights(model):
    return np.concatenate([p.detach().numpy().ravel() for p in model.module_.parameters()])


def test_weight_average_trains_the_same_and_predicts_with_the_average(gmd):
    X, y = gmd[:128, :, :9], gmd[:128]
    fit = lambda **params: GrooveSeq2Seq(**{**SMALL, "max_epochs": 3, "lr": 3e-3, **params}).fit(X, y)
    last, averaged, start = fit(), fit(callbacks=[WeightAverage(0.9)]), fit(lr=1e-12)
    np.testing.assert_allclose(averaged.net_.history[:, "train_loss"], last.net_.history[:, "train_loss"])
    # the moving average lags behind the trained weights, towards where training began
    lag = np.linalg.norm(_weights(averaged) - _weights(start))
    assert 0 < lag < np.linalg.norm(_weights(last) - _weights(start))
    assert not np.allclose(averaged.predict(X), last.predict(X))
    # validation and early stopping see the averaged weights
    with_validation = GrooveSeq2Seq(**SMALL, max_epochs=2, lr=3e-3, callbacks=[WeightAverage(0.9)])
    with_validation.fit(X, y, X_val=gmd[128:192, :, :9], y_val=gmd[128:192])
    plain = GrooveSeq2Seq(**SMALL, max_epochs=2, lr=3e-3)
    plain.fit(X, y, X_val=gmd[128:192, :, :9], y_val=gmd[128:192])
    assert with_validation.net_.history[-1, "valid_loss"] != plain.net_.history[-1, "valid_loss"]
    with pytest.raises(ValueError, match=r"decay must lie in \(0, 1\), got 1.0"):
        GrooveSeq2Seq(callbacks=[WeightAverage(1.0)]).fit(X, y)


def test_a_decoder_that_is_not_autoregressive_decodes_as_it_trained(gmd):
    import torch

    X, y = gmd[:64, :, :9], gmd[:64]
    model = GrooveSeq2Seq(**SMALL, decoder="parallel", condition="hits", max_epochs=2).fit(X, y)
    inputs = {k: torch.as_tensor(v) for k, v in model._inputs(X, y).items()}
    with torch.no_grad():
        raw, _, _ = model.module_(**inputs)
        other, _, _ = model.module_(**{**inputs, "previous": torch.rand_like(inputs["previous"])})
    torch.testing.assert_close(raw, other)  # the previous steps are not read
    # so decoding gives what the network gave in training, on the input's hits
    offsets = 0.5 * torch.tanh(raw[..., 18:27]).numpy() * X
    np.testing.assert_allclose(model.predict(X)[..., 18:], offsets, atol=1e-5)
    autoregressive = GrooveSeq2Seq(**SMALL, condition="hits", max_epochs=1).fit(X, y)
    assert autoregressive.module_.decoder.input_size == model.module_.decoder.input_size + 27


def test_hits_ahead(gmd):
    """The decoder reads the hits of the next steps: 9 condition features more a step, none past the end."""
    import torch

    from sklearn_groove.neural._player import conditioned

    X, y = gmd[..., :9], gmd
    h = X[:4]
    now, next1, next2 = conditioned(torch.from_numpy(h), "hits", 2).numpy().reshape(h.shape[:2] + (3, 9)).transpose(
        2, 0, 1, 3)
    np.testing.assert_array_equal(now, h)
    np.testing.assert_array_equal(next1[:, :-1], h[:, 1:])
    np.testing.assert_array_equal(next2[:, :-2], h[:, 2:])
    assert not next2[:, -2:].any()
    model = GrooveSeq2Seq(**SMALL, condition="hits", hits_ahead=2, decoder="parallel", max_epochs=1)
    model.fit(X, y)
    assert model.module_.n_condition == 27
    np.testing.assert_array_equal(model.predict(X[:5])[..., :9], X[:5])
    with pytest.raises(ValueError, match='hits_ahead=1 needs condition="hits"; set hits_ahead=0'):
        GrooveSeq2Seq(**SMALL, hits_ahead=1, max_epochs=1).fit(X, y)


def test_module_settings_are_parameters(gmd):
    """module__* settings reach the network, clone and grid search see them, and a misspelt one is refused."""
    model = GrooveSeq2Seq(**SMALL, max_epochs=1, module__decoder_layers=1)
    params = model.get_params()
    assert params["module__decoder_layers"] == 1 and params["module__encoder_size"] == 32
    assert clone(model).get_params() == params
    fitted = clone(model).set_params(module__latent_size=4).fit(gmd[:32, :, :9], gmd[:32])
    assert fitted.module_.latent_size == 4 and fitted.module_.decoder.num_layers == 1
    assert fitted.module_.settings == {"encoder_size": 32, "latent_size": 4, "decoder_size": 32,
                                       "decoder_layers": 1, "dropout": 0.0, "sampler_size": 128, "sampler_steps": 1}
    assert fitted.net_.module is GrooveNet  # skorch builds the network from its class and the module__* settings
    assert "module__latent_size=4" in repr(fitted)
    with pytest.raises(TypeError, match="unexpected keyword argument 'module__encoder_units'"):
        GrooveSeq2Seq(module__encoder_units=8)
    with pytest.raises(ValueError, match="no setting 'module__encoder_units'; the network's settings are module__"):
        GrooveSeq2Seq().set_params(module__encoder_units=8)
    with pytest.raises(ValueError, match="module__dropout"):
        GrooveSeq2Seq(module__dropout=1.5).fit(gmd[:8, :, :9], gmd[:8])
    with pytest.raises(TypeError, match="unexpected keyword argument 'encoder_size'"):
        GrooveSeq2Seq(encoder_size=8)


def test_fit_leaves_torch_global_generator_alone(gmd):
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    GrooveSeq2Seq(**SMALL, max_epochs=1).fit(gmd[:32, :, :9], gmd[:32])
    torch.testing.assert_close(torch.rand(3), expected)


def test_public_parameters_are_few(gmd):
    """At most 15 parameters each besides the network's sizes (module__*, whose defaults are GrooveNet's); early
    stopping is a callback, calibration a method."""
    import inspect

    defaults = inspect.signature(GrooveNet).parameters
    for cls in (GrooveSeq2Seq, GrooveTransfer):
        names = [n for n in cls._get_param_names() if not n.startswith("module__")]
        assert len(names) <= 15, (cls.__name__, names)
        sizes = {n[len("module__"):]: p.default for n, p in inspect.signature(cls).parameters.items()
                 if n.startswith("module__")}
        assert sizes == {name: defaults[name].default for name in MODULE_PARAMS}, cls.__name__


def test_transform_reads_reversed_and_strided_arrays(gmd):
    model = GrooveTransfer(**SMALL, max_epochs=1).fit(gmd[:32, :, :9], gmd[:32])
    np.testing.assert_allclose(model.transform(gmd[:32][::-1]), model.transform(gmd[:32].copy()[::-1].copy()), atol=1e-6)


def test_models_that_write_hits_promise_no_kept_hits():
    """GrooveSeq2Seq writes hits for Infilling and Tap2Drum: it is a GrooveEstimator, not a GrooveHumanizer."""
    from sklearn_groove._base import GrooveEstimator, GrooveHumanizer

    assert issubclass(GrooveSeq2Seq, GrooveEstimator) and not issubclass(GrooveSeq2Seq, GrooveHumanizer)


def test_training_log_has_no_colour_codes_in_a_file(gmd):
    """verbose=1 writes skorch's table of losses; captured (not a terminal), without ANSI colour codes."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        GrooveSeq2Seq(**SMALL, max_epochs=2, verbose=1).fit(gmd[:64, :, :9], gmd[:64])
    log = buffer.getvalue()
    assert "train_loss" in log and len(log.strip().splitlines()) == 4  # header, rule, two epochs
    assert "\x1b[" not in log
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        GrooveSeq2Seq(**SMALL, max_epochs=1).fit(gmd[:64, :, :9], gmd[:64])
    assert buffer.getvalue() == ""  # verbose=0 prints nothing


def _quantile_distance(a, b):
    q = np.linspace(0, 1, 21)
    return np.abs(np.quantile(a, q) - np.quantile(b, q)).mean()


def test_quantile_calibration_maps_sampled_values_onto_the_drummers(gmd, tmp_path):
    from sklearn_groove import pretrained

    X, y = gmd[..., :9], gmd
    model = GrooveSeq2Seq(**{**SMALL, "random_state": 3}, condition="hits", output="gaussian", max_epochs=2).fit(X, y)
    assert model.calibration_ is None
    likely, raw = model.predict(X), model.sample_y(X, random_state=0)[..., 0]
    assert model.calibrate(X, y) is model
    maps = model.calibration_.maps_
    assert maps.shape == (2, 2, 9, 101)
    assert (np.diff(maps, axis=-1) >= 0).all()  # every map rises
    assert not hasattr(clone(model), "calibration_")
    # temperature 0: the most likely performance, not mapped
    np.testing.assert_array_equal(model.predict(X), likely)
    mapped = model.sample_y(X, random_state=0)[..., 0]
    np.testing.assert_array_equal(split_hvo(mapped)[0], X)
    h = X > 0
    for part in (1, 2):  # velocities, offsets: the drummers' distribution, voice by voice, not a clipped Gaussian's
        values, real, drawn = split_hvo(mapped)[part], split_hvo(y)[part], split_hvo(raw)[part]
        assert not values[~h].any()
        for k in (0, 1, 2):  # kick, snare, closed hi-hat
            at = h[..., k]
            assert _quantile_distance(values[..., k][at], real[..., k][at]) < 0.5 * _quantile_distance(
                drawn[..., k][at], real[..., k][at]), (part, k)
    # saved and loaded with the model
    pretrained.save(model, "calibrated", {}, folder=tmp_path)
    loaded = pretrained.load("calibrated", folder=tmp_path)
    np.testing.assert_array_equal(loaded.calibration_.maps_, maps)
    assert np.abs(loaded.sample_y(X, random_state=0)[..., 0] - mapped).mean() < 1e-3  # int8 weights, the same maps
    assert model.fit(X, y).calibration_ is None  # a new network plays as it learned until calibrated again
    assert model.calibrate(X, y).calibration_.hit_bias_ is None  # a humanizer plays the score's hits: no hit bias


def test_hit_calibration_plays_each_voice_as_often_as_the_drummers(gmd, tmp_path):
    """A model that writes hits learns a bias of each voice's hit logit: its takes, at the temperature it was
    calibrated at, play each voice about as often as the drummers; saved and loaded with the model."""
    from sklearn_groove import pretrained
    from sklearn_groove.preprocessing import Tapper

    X, y = Tapper().fit_transform(gmd), gmd
    model = GrooveSeq2Seq(**{**SMALL, "random_state": 4}, condition="input", output="gaussian", hit_threshold=0.3,
                          max_epochs=2).fit(X, y)

    def error(take):  # how far each voice's share of steps played is from the drummers', in log odds, summed
        rates = [np.clip(split_hvo(a)[0].reshape(-1, 9).mean(axis=0), 1e-3, 1 - 1e-3) for a in (take, y)]
        return np.abs(np.diff([np.log(r / (1 - r)) for r in rates], axis=0)).sum()

    before = error(model.sample_y(X, random_state=0, temperature=0.9)[..., 0])
    bias = model.calibrate(X, y, temperature=0.9).calibration_.hit_bias_
    assert bias.shape == (9,) and bias.any()
    after = error(model.sample_y(X, random_state=0, temperature=0.9)[..., 0])
    assert after < 0.5 * before, (before, after)
    np.testing.assert_array_equal(model.predict(X), model.set_params(temperature=0.0).predict(X))  # T=0: no bias
    pretrained.save(model, "hits", {}, folder=tmp_path)
    np.testing.assert_array_equal(pretrained.load("hits", folder=tmp_path).calibration_.hit_bias_, bias)
    with pytest.raises(ValueError, match="temperature must be above 0"):
        model.calibrate(X, y, temperature=0)


def test_a_long_fit_says_how_long_after_its_first_epoch(monkeypatch, capsys):
    """At verbose=0 a fit estimated over LONG_FIT warns once; verbose prints the estimate."""
    import warnings

    from sklearn_groove.neural import _callbacks

    h = (np.random.default_rng(0).random((32, 32, 9)) < 0.2).astype(np.float32)
    y = np.concatenate([h, h * 0.7, h * 0.1], axis=-1)
    tiny = dict(module__encoder_size=8, module__latent_size=4, module__decoder_size=8, max_epochs=3, random_state=0)
    monkeypatch.setattr(_callbacks, "LONG_FIT", 0.0)
    with pytest.warns(UserWarning, match=r"GrooveSeq2Seq.fit: the first epoch took \d+ s; 3 epochs take at most"):
        GrooveSeq2Seq(**tiny).fit(h, y)
    monkeypatch.setattr(_callbacks, "LONG_FIT", 1e9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GrooveSeq2Seq(**tiny).fit(h, y)
        GrooveSeq2Seq(**tiny, verbose=1).fit(h, y)
    assert "3 epochs take at most about" in capsys.readouterr().err


def test_two_decoders_play_temperature_0_and_sample_each_its_own(gmd):
    """decoder="both": the parallel decoder alone plays temperature 0, the autoregressive one alone samples."""
    import torch

    score = gmd[:64, :, :9].copy()
    model = GrooveSeq2Seq(decoder="both", condition="hits", hits_ahead=2, output="gaussian", max_epochs=2,
                          module__sampler_size=8, **SMALL).fit(score, gmd[:64])
    sampler = model.module_.sampler
    assert isinstance(sampler["decoder"], torch.nn.LSTM) and sampler["decoder"].hidden_size == 8
    likeliest, take = model.predict(score), model.sample_y(score, random_state=1)[..., 0]
    with torch.no_grad():  # a different sampler: the same temperature 0, other takes
        for p in sampler.parameters():
            p.add_(0.5)
    np.testing.assert_array_equal(model.predict(score), likeliest)
    assert np.abs(model.sample_y(score, random_state=1)[..., 0] - take).max() > 0.05
    take = model.sample_y(score, random_state=1)[..., 0]
    with torch.no_grad():  # a different first decoder: the same takes
        model.module_.head.bias.add_(0.5)
    np.testing.assert_array_equal(model.sample_y(score, random_state=1)[..., 0], take)
    assert np.abs(model.predict(score) - likeliest).max() > 0.05


def test_fit_likeliest_teaches_temperature_0_again_and_keeps_the_takes(gmd):
    """fit_likeliest: the first decoder learns new targets; the encoder, the sampler and so the takes are kept."""
    from sklearn_groove.metrics import timing_mae_ms

    score, y = gmd[:96, :, :9].copy(), gmd[:96]
    model = GrooveSeq2Seq(decoder="both", condition="hits", output="gaussian", max_epochs=2, module__sampler_size=8,
                          **SMALL).fit(score, y)
    take, before = model.sample_y(score, random_state=1), model.predict(score)
    late = y.copy()
    late[..., 18:] = np.where(y[..., :9] > 0, 0.3, 0.0)  # every note a third of a 16th late
    unchanged = {k: v.clone() for k, v in model.module_.state_dict().items() if k.startswith(("encoder", "sampler"))}
    assert model.set_params(lr=1e-2).fit_likeliest(score, late, n_epochs=10) is model  # at the model's lr
    assert timing_mae_ms(late, model.predict(score)) < 0.5 * timing_mae_ms(late, before)
    np.testing.assert_array_equal(model.sample_y(score, random_state=1), take)
    assert all((model.module_.state_dict()[k] == v).all() for k, v in unchanged.items())
    with pytest.raises(ValueError, match='needs decoder="both"'):
        GrooveSeq2Seq(decoder="parallel", max_epochs=1, **SMALL).fit(score, y).fit_likeliest(score, y)
    with pytest.raises(ValueError, match="n_epochs must be a whole number"):
        model.fit_likeliest(score, y, n_epochs=0)


def test_fit_sampler_teaches_the_takes_again_and_keeps_temperature_0(gmd):
    """fit_sampler: the sampler learns new targets; the encoder and the first decoder, so temperature 0, are kept;
    the calibration, learned from the takes before, is dropped."""
    score, y = gmd[:96, :, :9].copy(), gmd[:96]
    model = GrooveSeq2Seq(decoder="both", condition="hits", output="gaussian", max_epochs=2, module__sampler_size=8,
                          **SMALL).fit(score, y).calibrate(score, y)
    likeliest = model.predict(score)
    late = y.copy()
    late[..., 18:] = np.where(y[..., :9] > 0, 0.3, 0.0)  # every note a third of a 16th late
    hits = y[..., :9] > 0
    lateness = lambda: model.sample_y(score, random_state=1)[..., 18:27, 0][hits].mean()
    before = lateness()
    unchanged = {k: v.clone() for k, v in model.module_.state_dict().items() if not k.startswith("sampler")}
    assert model.set_params(lr=1e-2).fit_sampler(score, late, n_epochs=10) is model
    assert model.calibration_ is None
    assert abs(lateness() - 0.3) < 0.5 * abs(before - 0.3)
    np.testing.assert_array_equal(model.predict(score), likeliest)
    assert all((model.module_.state_dict()[k] == v).all() for k, v in unchanged.items())
    with pytest.raises(ValueError, match='fit_sampler trains one of two decoders: the model needs decoder="both"'):
        GrooveSeq2Seq(decoder="parallel", max_epochs=1, **SMALL).fit(score, y).fit_sampler(score, y)


def test_a_sampler_of_two_steps_a_state_learns_as_one_of_one_and_keeps_temperature_0(gmd, tmp_path):
    """module__sampler_steps=2: fit_sampler makes a new sampler that draws 2 steps from each state (temperature 0
    kept); it learns the takes as the sampler of one step a state does, plays from steps already played, is saved
    and loaded, and refuses windows of an odd number of steps."""
    from sklearn_groove import pretrained

    score, y = gmd[:96, :, :9].copy(), gmd[:96]
    late = y.copy()
    late[..., 18:] = np.where(y[..., :9] > 0, 0.3, 0.0)  # every note a third of a 16th late
    hits = y[..., :9] > 0
    model = GrooveSeq2Seq(decoder="both", condition="hits", output="gaussian", max_epochs=2, module__sampler_size=8,
                          **SMALL).fit(score, y)
    likeliest = model.predict(score)
    model.set_params(lr=1e-2, module__sampler_steps=2).fit_sampler(score, late, n_epochs=10)
    assert model.module_.sampler_steps == 2 and model.module_.sampler["head"].out_features == 2 * 45
    np.testing.assert_array_equal(model.predict(score), likeliest)
    take = model.sample_y(score, random_state=1)[..., 0]
    assert abs(take[..., 18:][hits].mean() - 0.3) < 0.1  # both steps of a state learned: the odd ones too
    assert abs(take[:, 1::2, 18:][hits[:, 1::2]].mean() - 0.3) < 0.1
    went_on = model.sample_y(score, random_state=2, prefix=take[:, :5])[..., 0]  # 5 steps: a state's first given
    np.testing.assert_array_equal(went_on[:, :5], take[:, :5])
    assert np.abs(went_on[:, 5:] - take[:, 5:]).max() > 0.05
    pretrained.save_model(model, tmp_path / "two.json")
    loaded = pretrained.load_model(tmp_path / "two.json")
    assert loaded.module_.sampler_steps == 2  # its weights stored in 8 bits: the same take, to their rounding
    np.testing.assert_allclose(loaded.sample_y(score, random_state=1)[..., 0], take, atol=0.02)
    with pytest.raises(ValueError, match="samples 2 steps at a time: it plays windows of a multiple of 2 steps, got 31"):
        model.sample_y(score[:, :31], random_state=1)


def test_takes_drawn_from_examples_play_the_part_of_one_most_like_the_input(gmd, tmp_path):
    """calibrate(neighbors=k): a sampled take's written voice is that of one of the k examples whose input hits are
    most like the window's (cosine), the seed picking which; a window asked a style draws among that style's
    examples; steps already played pick the examples that go on from them; temperature 0 is the network's; saved
    and loaded, and the same in the ONNX file."""
    import onnxruntime as ort

    from sklearn_groove import pretrained
    from sklearn_groove.neural import export_onnx, onnx_feed
    from sklearn_groove.preprocessing import VoiceRemover

    y = gmd[:96]
    X = VoiceRemover(voices=("closed_hihat",)).fit_transform(y)
    style = np.array(["funk", "jazz"] * 48)
    model = GrooveSeq2Seq(**SMALL, condition="input", decoder="both", module__sampler_size=8, output="gaussian",
                          generate_voices=["closed_hihat"], hit_threshold=0.3, max_epochs=1).fit(X, y, style=style)
    likely = model.predict(X)
    network_take = model.sample_y(X, random_state=0, temperature=0.9)[..., 0]
    assert model.calibrate(X, y, temperature=0.9, neighbors=3, style=style) is model
    q = (X[..., :9] > 0).reshape(len(X), -1).astype(float)
    likeness = q @ q.T / np.sqrt(np.maximum(np.outer(q.sum(1), q.sum(1)), 1))
    likeness -= 9 * np.outer(X[..., 3:9].sum((1, 2)) == 0, y[..., 2].sum(1) == 0)  # no silent part for kick and snare

    def likeliest(score, k=3):  # each window's examples as like it as its k-th likeliest, or more (ties go either way)
        return [np.flatnonzero(row >= np.sort(row)[-k] - 1e-9) for row in score]

    def chosen(take, among):  # for each window, the examples of ``among`` (rows: windows) whose closed hi-hat it plays
        hits, velocities = take[..., 2] > 0, take[..., 11]
        return [[j for j in row if (hits[i] == (y[j, :, 2] > 0)).all() and
                 np.array_equal(velocities[i], y[j, :, 11])] for i, row in enumerate(among)]

    take = model.sample_y(X, random_state=0, temperature=0.9)[..., 0]
    assert all(chosen(take, likeliest(likeness)))  # one of the 3 likeliest examples, each window
    assert np.abs(take - network_take).max() > 0.05  # not the network's draws
    np.testing.assert_array_equal(take[..., [0, 1, 3, 9, 10, 12]], X[..., [0, 1, 3, 9, 10, 12]])  # the rest as given
    picks = {tuple(map(tuple, model.sample_y(X[:8], random_state=seed, temperature=0.9)[..., 0][..., 2]))
             for seed in range(6)}
    assert len(picks) > 1  # the seed picks among them
    jazz = model.sample_y(X, random_state=0, temperature=0.9, style="jazz")[..., 0]
    assert all(chosen(jazz, likeliest(np.where(style == "jazz", likeness, -9))))
    np.testing.assert_array_equal(model.predict(X), likely)  # temperature 0: the network
    # steps already played: the example chosen plays the same written hits there
    going_on = model.set_params(random_state=0).calibrate(X, y, temperature=0.9, neighbors=3, continuity=10.0)
    prefix = y[40:41, :16]
    take = going_on.sample_y(X[7:8], random_state=1, temperature=0.9, prefix=prefix)[..., 0]
    fits = (y[:, :16, 2] > 0) == (prefix[0, :, 2] > 0)
    assert any(fits[j].all() and ((y[j, 16:, 2] > 0) == (take[0, 16:, 2] > 0)).all() for j in range(len(y)))
    np.testing.assert_array_equal(take[0, :16], prefix[0])
    # saved and loaded; in the ONNX file
    pretrained.save(model, "examples", {}, folder=tmp_path)
    loaded = pretrained.load("examples", folder=tmp_path)
    for key, value in model.calibration_.examples_.items():
        np.testing.assert_array_equal(loaded.calibration_.examples_[key], value)
    assert loaded.calibration_.neighbors_ == 3
    session = ort.InferenceSession(export_onnx(model, tmp_path / "examples.onnx"))
    for labels in ({}, {"style": "jazz"}):
        played, = session.run(None, onnx_feed(session, X, 0.9, seed=4, **labels))
        np.testing.assert_array_equal(played, model.sample_y(X, random_state=4, temperature=0.9, **labels)[..., 0])
    played, = session.run(None, onnx_feed(session, X[7:8], 0.9, seed=1, prefix=prefix))
    np.testing.assert_array_equal(played, model.sample_y(X[7:8], random_state=1, temperature=0.9, prefix=prefix)[..., 0])
    # a plain kick and snare beat gets a part, even where its likeliest examples play none
    plain = y.copy()
    plain[..., [3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 16, 17, 21, 22, 23, 24, 25, 26]] = 0
    silent = plain[:3].copy()
    silent[..., [2, 11, 20]] = 0
    model.calibrate(np.concatenate([X, silent]), np.concatenate([y, silent]), temperature=0.9, neighbors=3)
    for seed in range(3):
        assert (model.sample_y(silent, random_state=seed, temperature=0.9)[..., 0][..., 2].sum(axis=1) > 0).all()
    drums = silent.copy()
    drums[:, ::4, 4] = 1.0  # a tom: the same examples may then play none
    assert not model.sample_y(drums, random_state=0, temperature=0.9)[..., 0][..., 2].any(axis=1).all()
    for settings, message in ((dict(neighbors=97), "more than the 96 windows"), (dict(neighbors=-1), "0 or more"),
                              (dict(neighbors=2, continuity=-1.0), "continuity must be")):
        with pytest.raises(ValueError, match=message):
            model.calibrate(X, y, **settings)
    humanizer = GrooveSeq2Seq(**SMALL, max_epochs=1).fit(y[..., :9], y)
    with pytest.raises(ValueError, match="neighbors is for a model that writes hits"):
        humanizer.calibrate(y[..., :9], y, neighbors=2)

"""Sampling is a method: sample_y draws takes without touching the model, so threads may share one."""

import threading

import numpy as np
import pytest

from sklearn_groove import GrooveEnsemble, GrooveKNN, GrooveSeq2Seq, GrooveTransfer, join_hvo

TINY = dict(output="gaussian", module__encoder_size=8, module__latent_size=4, module__decoder_size=8, max_epochs=1)


@pytest.fixture(scope="module")
def data():
    h = (np.random.default_rng(0).random((24, 32, 9)) < 0.25).astype(np.float32)
    return h, join_hvo(h, h * 0.7, h * 0.05)


@pytest.fixture(scope="module")
def models(data):
    h, y = data
    seq = GrooveSeq2Seq(random_state=0, **TINY).fit(h, y)
    auto = GrooveSeq2Seq(decoder="parallel", condition="hits", random_state=1, **TINY).fit(h, y)
    transfer = GrooveTransfer(random_state=0, **TINY).fit(h, y)
    ensemble = GrooveEnsemble.from_fitted([seq, auto, GrooveKNN(n_neighbors=2).fit(h, y)])
    return {"seq2seq": seq, "parallel": auto, "transfer": transfer, "ensemble": ensemble}


@pytest.mark.parametrize("name", ["seq2seq", "parallel", "transfer", "ensemble"])
def test_the_first_take_of_a_seed_is_what_predict_played(models, data, name):
    import copy

    model, h = models[name], data[0]
    before = model.get_params()
    takes = model.sample_y(h, n_samples=3, random_state=5, temperature=0.8)
    assert takes.shape == h.shape[:2] + (27, 3) and model.get_params() == before  # nothing set, nothing restored
    old_way = GrooveEnsemble.from_fitted(model.estimators_) if name == "ensemble" else copy.deepcopy(model)
    np.testing.assert_array_equal(takes[..., 0], old_way.set_params(temperature=0.8, random_state=5).predict(h))
    assert not np.array_equal(takes[..., 0], takes[..., 1])  # takes differ
    np.testing.assert_array_equal(model.sample_y(h, 3, 5, temperature=0.8), takes)  # same seed, same takes
    np.testing.assert_array_equal(takes[..., :9, 0], h)  # the score's hits, every take
    zero = model.sample_y(h, 2, 5, temperature=0.0)
    np.testing.assert_array_equal(zero[..., 0], model.predict(h))
    np.testing.assert_array_equal(zero[..., 0], zero[..., 1])


def test_threads_sampling_one_model_get_the_takes_of_one_after_the_other(models, data):
    model, h = models["ensemble"], data[0]
    seeds = list(range(8))
    alone = [model.sample_y(h, 2, seed) for seed in seeds]
    together = [None] * len(seeds)

    def play(k):
        together[k] = model.sample_y(h, 2, seeds[k])

    threads = [threading.Thread(target=play, args=(k,)) for k in range(len(seeds))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for a, b in zip(alone, together):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_n_samples_is_a_whole_number(models, data, bad):
    with pytest.raises(ValueError, match="n_samples must be a whole number"):
        models["seq2seq"].sample_y(data[0], bad)


def test_the_command_line_never_changes_a_loaded_model(tmp_path):
    """A batch shares its loaded model: --temperature and --seed play through sample_y, and the model stays."""
    from sklearn_groove import cli

    from .conftest import REPO

    import shutil

    from sklearn_groove import pretrained

    for command, name in (("infill", "infill_closed_hihat"), ("tap2drum", "tap2drum")):
        for suffix in (".json", ".pt"):  # a model file of the user's: the estimator plays (not the shipped ONNX file)
            shutil.copy(pretrained.WEIGHTS / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
        spec = str(tmp_path / f"{name}.json")
        out = tmp_path / f"{command}.mid"
        args = [command, str(REPO / "examples" / "beat.mid"), "-o", str(out), "-q", "--temperature", "0.7", "--seed", "3",
                "--model", spec]
        assert cli.main(args) == 0
        model = cli._LOADED[(spec, command)]
        assert model.steps[-1][1].get_params()["temperature"] == 0.0  # as it was loaded
        first = out.read_bytes()
        assert cli.main(args) == 0 and out.read_bytes() == first  # same seed, same take


def test_a_take_goes_on_from_a_prefix(models, data):
    """sample_y(prefix=): the first steps are the prefix; an autoregressive decoder reads them, so the rest of the
    take follows them (a parallel decoder's rest is its own)."""
    h, y = data
    prefix = y[:4, :16]
    for name in ("seq2seq", "parallel", "transfer"):
        model = models[name]
        take = model.sample_y(h[:4], 1, 5, prefix=prefix)[..., 0]
        np.testing.assert_array_equal(take[:, :16], prefix)
        rest = np.abs(take[:, 16:] - model.sample_y(h[:4], 1, 5)[:, 16:, :, 0]).max()
        assert (rest > 0) == (name != "parallel"), name
    with pytest.raises(ValueError, match="prefix must give the first steps .* of each of the 4 windows"):
        models["seq2seq"].sample_y(h[:4], prefix=y[:4])


def test_a_song_played_continuing_goes_on_from_the_bars_before():
    """predict_song(blend="continue"): one window after another, each given the bars already played as its prefix
    and adding the bars after them; a window after silence starts afresh."""
    from sklearn_groove.songs import predict_song

    song = np.zeros((8 * 16 + 3, 27), np.float32)
    song[: 2 * 16 : 4, 0] = song[6 * 16 :: 4, 0] = 1  # bars 0-1 and 6-8 play, 2-5 are silent
    calls = []

    def predict(windows, prefix):
        played = np.zeros(windows.shape[:2] + (27,), np.float32)
        played[..., 0], played[..., 9] = 1, (len(calls) + 1) / 10  # each window louder than the one before
        calls.append(None if prefix is None else prefix.copy())
        if prefix is not None:
            played[:, : prefix.shape[1]] = prefix
        return played

    out = predict_song(predict, song, blend="continue")
    velocity = out[::16, 9]  # the first step of each bar: which window played it
    assert [c is None for c in calls] == [True, False, True, False, False]  # windows at bars 0, 1, then 5, 6, 7
    np.testing.assert_allclose(velocity, [0.1, 0.1, 0.2, 0, 0, 0.3, 0.3, 0.4, 0.5])
    assert calls[1].shape == (1, 16, 27) and (calls[1][0] == out[16:32]).all()
    assert (calls[4][0] == out[7 * 16 : 8 * 16]).all() and len(out) == len(song)


def test_velocity_sharing_keeps_each_draw_standard_normal_and_makes_windows_louder_and_softer(models, data):
    """Each drawn velocity is still a standard normal, two steps of a window share ``velocity_sharing`` of it, and a
    take's windows then differ more in loudness (the offsets' draws are untouched)."""
    import copy

    import torch

    from sklearn_groove.neural._player import NetworkPlayer

    h, y = data
    model = copy.deepcopy(models["seq2seq"]).calibrate(h, y, velocity_sharing=0.4)
    player = NetworkPlayer(model)
    noise = torch.from_numpy(np.random.default_rng(0).standard_normal((20000, 32, 18), dtype=np.float32))
    shared = player.shared(noise).numpy()
    velocity = shared[..., :9]
    assert abs(velocity.std() - 1) < 0.02 and abs(np.corrcoef(velocity[:, 3, 0], velocity[:, 20, 0])[0, 1] - 0.4) < 0.03
    np.testing.assert_array_equal(shared[..., 9:], noise.numpy()[..., 9:])
    asked = player.shared(noise[:2], labelled=torch.tensor([True, False])).numpy()  # a label: its own draws
    np.testing.assert_array_equal(asked[0], noise[0].numpy())
    np.testing.assert_array_equal(asked[1], shared[1])

    model.calibration_.maps_ = None  # the maps would play every note at this "drummer's" one velocity, 0.7

    def spread(sharing):  # each window's loudness, over windows
        model.calibration_.velocity_sharing_ = sharing
        return model.sample_y(np.tile(h, (8, 1, 1)), 1, 0)[..., 0][..., 9:18].sum(axis=(1, 2)).std()

    assert spread(0.9) > 1.5 * spread(0.0)
    with pytest.raises(ValueError, match="velocity_sharing"):
        model.calibrate(h, y, velocity_sharing=1.5)


def test_hit_repetition_makes_each_bar_lean_to_the_bar_before(data):
    """Above 0, a drawn hit is likelier where the bar before played it (in the window, or in a prefix already
    played), less likely where it did not; 0 leaves the takes as they were; a negative value is refused."""
    h, y = data
    hihat = 2
    x = y.copy()
    x[..., [hihat, 9 + hihat, 18 + hihat]] = 0  # the closed hi-hat taken out: the model writes it
    model = GrooveSeq2Seq(condition="input", generate_voices=("closed_hihat",), random_state=0, **TINY).fit(x, y)
    model.calibrate(x, y, temperature=1.0)
    windows = np.tile(x, (20, 1, 1))

    def repeated(strength, **prefix):  # the share of the second bar's hi-hat cells that repeat the first bar's
        model.calibration_.hit_repetition_ = strength
        take = model.sample_y(windows, 1, 0, **prefix)[..., 0][..., hihat]
        return float((take[:, 16:] == take[:, :16]).mean())

    model.calibration_.hit_repetition_ = 0.0
    before = model.sample_y(windows, 1, 0)
    assert repeated(0.0) < 0.8 and repeated(6.0) > 0.98 and repeated(6.0) > repeated(0.0) + 0.15
    eighths = (np.arange(16) % 2 == 0)[None, :, None] * np.eye(9, dtype=np.float32)[hihat]
    played = join_hvo(eighths, eighths * 0.5, eighths * 0.0)
    assert repeated(6.0, prefix=np.repeat(played, len(windows), axis=0)) > 0.98  # the bar played leads
    model.calibration_.hit_repetition_ = 0.0
    np.testing.assert_array_equal(model.sample_y(windows, 1, 0), before)
    with pytest.raises(ValueError, match="hit_repetition"):
        model.calibrate(x, y, hit_repetition=-1.0)


def test_repeat_bars_plays_a_bar_again_as_often_as_the_drummers(data):
    """calibrate(..., repeat_bars=True): of the windows whose two bars have the same input hits, a take plays the
    first bar's written hits again as often as the drummers do, where the network alone seldom does; windows whose
    inputs differ, and temperature 0, play as without it; a model that plays its input's hits refuses it."""
    from sklearn_groove.neural._calibration import _repeats

    h, y = data
    hihat = 2
    y = np.concatenate([y[:, :16], y[:, :16]], axis=1)  # each window's first bar twice ...
    y[::2, 16:, [hihat, 9 + hihat, 18 + hihat]] = y[1::2, :16, [hihat, 9 + hihat, 18 + hihat]]  # ... half the hi-hats
    x = y.copy()
    x[..., [hihat, 9 + hihat, 18 + hihat]] = 0  # the model writes the closed hi-hat
    model = GrooveSeq2Seq(condition="input", generate_voices=("closed_hihat",), random_state=0, **TINY).fit(x, y)
    drummers = _repeats(y[..., [hihat]] > 0).mean()
    assert 0.4 <= drummers <= 0.6
    windows = np.tile(x, (20, 1, 1))

    def repeated(repeat, windows=windows):
        model.calibration_.bar_repeat_ = repeat
        take = model.sample_y(windows, 1, 0)[..., 0]
        return _repeats(take[..., [hihat]] > 0).mean(), take

    alone = repeated(model.calibrate(x, y, temperature=1.0).calibration_.bar_repeat_)[0]
    model.calibrate(x, y, temperature=1.0, repeat_bars=True)
    learned = model.calibration_.bar_repeat_
    assert learned > 0.3 and alone < drummers - 0.2
    assert abs(repeated(learned)[0] - drummers) < 0.1
    differ = np.concatenate([x[:, :16], x[::-1, :16]], axis=1)[1:-1]  # bars of two windows: other inputs
    np.testing.assert_array_equal(repeated(learned, differ)[1], repeated(0.0, differ)[1])
    model.calibration_.bar_repeat_ = learned
    np.testing.assert_array_equal(model.predict(windows), model.set_params(temperature=0.0).predict(windows))
    humanizer = GrooveSeq2Seq(random_state=0, **TINY).fit(h, y)
    with pytest.raises(ValueError, match="repeat_bars is for a model that writes hits"):
        humanizer.calibrate(h, y, repeat_bars=True)
    parallel = GrooveSeq2Seq(condition="input", decoder="parallel", generate_voices=("closed_hihat",), **TINY)
    with pytest.raises(ValueError, match="repeat_bars is for a model that decodes step by step"):
        parallel.fit(x, y).calibrate(x, y, repeat_bars=True)
    with pytest.raises(ValueError, match="repeat_bars must be True or False"):
        model.calibrate(x, y, repeat_bars=0.5)

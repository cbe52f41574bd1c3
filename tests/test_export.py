"""ONNX export: every shipped model played by ONNX Runtime as by torch, within 1e-4, on GMD windows."""

import numpy as np
import pytest

from sklearn_groove import GrooveTransfer, pretrained
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.neural import export_onnx, onnx_feed

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


@pytest.fixture(scope="module")
def windows(data_home):
    return fetch_groove(subset="test", data_home=data_home).hvo[::40]  # 53 windows of the test split


def _session(model, path, **options):
    return ort.InferenceSession(export_onnx(model, path, **options))


def _n_members(model):
    return len(getattr(model, "estimators_", [0]))


def _agree(model, x, session, seeds=(3,), atol=1e-5, rtol=0.0, **labels):
    """The file plays the estimator's performance at temperature 0 and its take of each seed above it.

    ``rtol`` for takes of large networks: ONNX Runtime's float rounding (1e-6) is scaled by a drawn spread.
    """
    key = next(k for k in model.get_params() if k == "temperature" or k.endswith("__temperature"))
    seed_key = key.replace("temperature", "random_state")
    played, = session.run(None, onnx_feed(session, x, **labels))
    np.testing.assert_allclose(played, model.set_params(**{key: 0.0}).predict(x, **labels), atol=atol)
    for seed in seeds:
        take, = session.run(None, onnx_feed(session, x, 1.0, seed=seed, n_members=_n_members(model), **labels))
        estimator = model.set_params(**{key: 1.0, seed_key: seed}).predict(x, **labels)
        np.testing.assert_allclose(take, estimator, atol=atol, rtol=rtol, err_msg=f"seed {seed}")
        assert np.abs(take - played).max() > 0.05  # sampled: the take is not the most likely performance
    model.set_params(**{key: 0.0})
    if "given" in [i.name for i in session.get_inputs()]:  # a take that goes on from a bar already played
        prefix = played[:, : x.shape[1] // 2]
        take, = session.run(None, onnx_feed(session, x, 1.0, seed=5, prefix=prefix, **labels))
        network, inputs = (model.steps[-1][1], model[:-1].transform(x)) if hasattr(model, "steps") else (model, x)
        np.testing.assert_allclose(take, network.sample_y(inputs, 1, 5, prefix=prefix, **labels)[..., 0], atol=atol,
                                   rtol=rtol, err_msg="with a prefix")
        np.testing.assert_array_equal(take[:, : prefix.shape[1]], prefix)
    return played


@pytest.mark.parametrize("name", ["humanize", "humanize_paper", "infill_closed_hihat", "tap2drum"])
def test_shipped_models_play_the_same_in_onnx_runtime(name, windows, tmp_path):
    """Deterministic and sampled: the same seed is the same take in the estimator and in its file."""
    model = pretrained.load(name)
    x = windows if hasattr(model, "steps") or name.startswith("infill") else windows[..., :9].copy()
    session = _session(model, tmp_path / f"{name}.onnx")
    labelled = ["labels"] if pretrained.info(name).get("styles") else []
    continues = ["given", "kept"] if pretrained.info(name).get("params", {}).get("decoder") in ("both", "autoregressive") \
        else []
    taps = ["sound_taps"] if hasattr(model, "steps") and type(model[0]).__name__ == "Tapper" else []
    assert [i.name for i in session.get_inputs()] == ["x", "temperature", "noise", "member", *labelled, *continues,
                                                      *taps]
    _agree(model, x, session, seeds=(3, 4), rtol=1e-4)
    if taps:  # a tap may rest where asked, in the file as in the estimator
        network, inputs = model.steps[-1][1], model[:-1].transform(x)
        rest = {"sound_taps": False}
        played, = session.run(None, onnx_feed(session, x, **rest))
        np.testing.assert_allclose(played, model.predict(x, **rest), atol=1e-4)
        take, = session.run(None, onnx_feed(session, x, 1.0, seed=6, **rest))
        np.testing.assert_allclose(take, network.sample_y(inputs, 1, 6, **rest)[..., 0], atol=1e-4, rtol=1e-4)
        tapped = inputs[..., 0] > 0
        assert ((take[..., :9].sum(axis=-1) == 0) & tapped).any()  # some tap rests
    if getattr(model, "sampler", None) is not None:  # one member plays every sampled window, as in the estimator
        feed = onnx_feed(session, x, 1.0, seed=3)
        others = {**feed, "member": np.full(len(x), (model.sampler + 1) % len(model.estimators_), np.int64)}
        np.testing.assert_array_equal(session.run(None, others)[0], session.run(None, feed)[0])


def _calibrated(pipeline, y):
    """A pipeline whose network learned its calibration, hit biases included (at temperature 0.9), leans each bar's
    hits to the bar before's and plays a bar again where its taps are the first's (learned of windows that all play
    their first bar twice)."""
    bar = y.shape[1] // 2
    y = np.concatenate([y[:, :bar], y[:, :bar]], axis=1)
    pipeline[-1].calibrate(pipeline[:-1].transform(y), y, temperature=0.9, hit_repetition=0.5, repeat_bars=True)
    assert pipeline[-1].calibration_.hit_bias_.any() and pipeline[-1].calibration_.bar_repeat_ > 0
    return pipeline


def _small_models(y):
    """Small fitted models of every kind the one player plays, and what each reads."""
    from sklearn.pipeline import make_pipeline

    from sklearn_groove import GrooveEnsemble, GrooveSeq2Seq
    from sklearn_groove.preprocessing import Tapper, VoiceRemover

    tiny = dict(module__encoder_size=8, module__latent_size=4, module__decoder_size=8, max_epochs=1, output="gaussian")
    score = y[..., :9].copy()
    humanizers = [GrooveSeq2Seq(decoder="parallel", condition="hits", hits_ahead=2, random_state=0, **tiny),
                  GrooveSeq2Seq(random_state=1, **tiny)]
    return {
        "parallel": (humanizers[0].fit(score, y), score),
        "autoregressive": (humanizers[1].fit(score, y), score),
        "calibrated": (GrooveSeq2Seq(decoder="parallel", random_state=2, **tiny).fit(score, y).calibrate(score, y), score),
        "two decoders, calibrated": (GrooveSeq2Seq(decoder="both", condition="hits", hits_ahead=2, module__sampler_size=6,
                                                   random_state=6, **tiny).fit(score, y).calibrate(score, y), score),
        "two decoders, 2 steps a state": (GrooveSeq2Seq(
            decoder="both", condition="hits", hits_ahead=2, module__sampler_size=6, module__sampler_steps=2,
            random_state=9, **tiny).fit(score, y).calibrate(score, y), score),
        "ensemble, rotated": (GrooveEnsemble.from_fitted(humanizers, rotate_bars=True), score),
        "ensemble, sampler": (GrooveEnsemble.from_fitted(humanizers, rotate_bars=True, sampler=1), score),
        "infill": (GrooveSeq2Seq(condition="input", generate_voices=("closed_hihat",), hit_threshold=0.3, random_state=3,
                                 **tiny).fit(
            VoiceRemover(voices=("closed_hihat",)).fit_transform(y), y), VoiceRemover(voices=("closed_hihat",))
            .fit_transform(y)),
        "voice remover": (make_pipeline(VoiceRemover(voices=("snare",)), GrooveSeq2Seq(
            condition="input", decoder="parallel", hit_threshold=0.3, random_state=4, **tiny)).fit(y, y), y),
        "tap2drum": (make_pipeline(Tapper(), GrooveSeq2Seq(condition="input", hit_threshold=0.3, random_state=5, **tiny)).fit(y, y), y),
        "tap2drum, no velocity, two decoders": (make_pipeline(Tapper(velocity="none"), GrooveSeq2Seq(
            condition="input", decoder="both", module__sampler_size=6, hit_threshold=0.3, random_state=7, **tiny))
            .fit(y, y), y),
        "tap2drum, two decoders, calibrated hits": (_calibrated(make_pipeline(Tapper(), GrooveSeq2Seq(
            condition="input", decoder="both", module__sampler_size=6, hit_threshold=0.3, random_state=8, **tiny))
            .fit(y, y), y), y),
        "tap2drum, 2 steps a state, calibrated hits": (_calibrated(make_pipeline(Tapper(), GrooveSeq2Seq(
            condition="input", decoder="both", module__sampler_size=6, module__sampler_steps=2, hit_threshold=0.3,
            random_state=10, **tiny)).fit(y, y), y), y),
    }


def _check_kinds(n_steps, data_home, tmp_path, kinds=None):
    y = fetch_groove(subset="validation", data_home=data_home).hvo[:64]
    y = np.concatenate([y, y], axis=1)[:, :n_steps].copy()
    for kind, (model, x) in _small_models(y).items():
        if kinds is not None and kind not in kinds:
            continue
        session = _session(model, tmp_path / f"{n_steps}.onnx", n_steps=n_steps)
        try:
            _agree(model, x, session)
        except AssertionError as error:
            raise AssertionError(f"{kind}, {n_steps} steps") from error
    return y


@pytest.mark.parametrize("n_steps", [48, 64])
def test_rotated_ensembles_play_the_same_in_onnx_runtime(n_steps, data_home, tmp_path):
    """Windows of 3 and 4 bars: every bar rotation in the file as in the estimator (they once differed)."""
    _check_kinds(n_steps, data_home, tmp_path, kinds=("ensemble, rotated",))


@pytest.mark.parametrize("n_steps", [32, pytest.param(48, marks=pytest.mark.slow), pytest.param(64, marks=pytest.mark.slow)])
def test_every_kind_of_model_plays_the_same_in_onnx_runtime(n_steps, data_home, tmp_path):
    """One player: estimator and file agree within 1e-5, at temperature 0 and in the take of a seed."""
    y = _check_kinds(n_steps, data_home, tmp_path)
    transfer = GrooveTransfer(module__encoder_size=8, module__latent_size=4, module__decoder_size=8, max_epochs=1,
                              output="gaussian", random_state=0).fit(y[..., :9], y)
    session = _session(transfer, tmp_path / "transfer.onnx", n_steps=n_steps)
    for temperature, seed in ((0.0, None), (1.0, 6)):
        played, = session.run(None, onnx_feed(session, y[8:, :, :9], temperature, seed=seed, groove=y[:8]))
        transfer.set_params(temperature=temperature, random_state=seed)
        np.testing.assert_allclose(played, transfer.transfer(y[:8], y[8:, :, :9], average=True), atol=1e-5)


def test_groove_transfer_plays_the_same_in_onnx_runtime(windows, tmp_path):
    model = pretrained.load("groove_transfer")
    session = _session(model, tmp_path / "transfer.onnx")
    grooves, scores = windows[:6], windows[6:20, :, :9]
    played, = session.run(None, onnx_feed(session, scores, groove=grooves))
    np.testing.assert_allclose(played, model.transfer(grooves, scores, average=True), atol=1e-4)


def test_calibrated_models_map_sampled_values_in_the_file_too(windows, tmp_path):
    """A model with a learned calibration maps its sampled values in the file, and not at temperature 0."""
    member = pretrained.load("humanize_paper").estimators_[0].set_params(random_state=5)
    x = windows[..., :9].copy()
    plain = member.sample_y(x, random_state=5)[..., 0]
    member.calibrate(x, windows)
    session = _session(member, tmp_path / "calibrated.onnx")
    played = _agree(member, x, session, atol=1e-4)
    take, = session.run(None, onnx_feed(session, x, 1.0, seed=5))
    assert np.abs(take - plain).max() > 0.05  # mapped
    assert np.abs(played - take).max() > 0.05


def test_styles_and_drummers_play_the_same_in_onnx_runtime(windows, tmp_path):
    """humanize (guided: each labelled window also decoded without its labels) in ONNX Runtime."""
    model = pretrained.load("humanize")
    x = windows[..., :9].copy()
    session = _session(model, tmp_path / "styles.onnx")
    assert [i.name for i in session.get_inputs()] == ["x", "temperature", "noise", "member", "labels", "given", "kept"]
    assert session.get_modelmeta().custom_metadata_map["styles"].split(",") == list(model.styles_)
    per_window = ["funk", None] * (len(x) // 2) + ["jazz"] * (len(x) % 2)
    for labels in ({}, {"style": "funk", "drummer": "drummer1"}, {"style": per_window}):
        _agree(model, x, session, atol=1e-4, **labels)  # at temperature 0 and sampled
    with pytest.raises(ValueError, match="style 'polka' is not one this model learned; known: afrobeat"):
        onnx_feed(session, x, style="polka")
    from sklearn_groove import GrooveSeq2Seq

    unlabelled = GrooveSeq2Seq(decoder="parallel", module__encoder_size=4, module__latent_size=2,
                               module__decoder_size=4, max_epochs=1).fit(x, windows)
    plain = _session(unlabelled, tmp_path / "plain.onnx")
    # one decoder guided above 1: its takes are guided, its temperature 0 is not (the file traces both); the
    # velocities of the windows with no label share their draws
    guided = GrooveSeq2Seq(decoder="parallel", output="gaussian", label_strength=3.0, module__encoder_size=4,
                           module__latent_size=2, module__decoder_size=4, max_epochs=1, random_state=0).fit(
        x, windows, style=["funk", "jazz"] * (len(x) // 2) + ["funk"] * (len(x) % 2)).calibrate(
        x, windows, velocity_sharing=0.5)
    session = _session(guided, tmp_path / "guided.onnx")
    for labels in ({"style": "jazz"}, {}, {"style": per_window}):  # guided, not (none has a label), some windows
        _agree(guided, x, session, atol=1e-4, **labels)
    with pytest.raises(ValueError, match="takes no style or drummer"):
        onnx_feed(plain, x, style="funk")
    with pytest.raises(ValueError, match="does not go on from steps already played"):
        onnx_feed(plain, x, prefix=windows[:, :16])


def test_what_cannot_be_exported_is_refused(tmp_path):
    from sklearn_groove import GrooveKNN

    hits = (np.random.default_rng(0).random((10, 32, 9)) < 0.2).astype(np.float32)
    knn = GrooveKNN(n_neighbors=2).fit(hits, np.concatenate([hits, hits * 0.5, hits * 0.0], axis=-1))
    with pytest.raises(ValueError, match="fitted GrooveSeq2Seq"):
        export_onnx(knn, tmp_path / "knn.onnx")


def test_export_command(tmp_path, capsys):
    from sklearn_groove.cli import main

    out = tmp_path / "tap2drum.onnx"
    assert main(["export", "tap2drum", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().err and out.stat().st_size > 1e5
    assert main(["export", "tap2drum", "-o", str(tmp_path / "x.mid")]) == 1
    assert main(["export", "nothing", "-o", str(out)]) == 1
    assert "no such model file" in capsys.readouterr().err
    shared = tmp_path / "tap2drum-40.onnx"  # a file of 2 bars of 5/4 that reads the weights of the one beside it
    assert main(["export", "tap2drum", "-o", str(shared), "--steps", "40", "--weights-from", str(out)]) == 0
    assert shared.stat().st_size < out.stat().st_size / 5


def test_int8_file_plays_the_same_in_a_third_of_the_size(windows, tmp_path):
    from sklearn_groove.neural._runtime import onnx_session

    model = pretrained.load("tap2drum")  # its matrices are stored as int8 rows: the file gives them back exactly
    small = export_onnx(model, tmp_path / "small.onnx", int8=True)
    large = export_onnx(model, tmp_path / "large.onnx")
    # a quarter of the weights; the decoder unrolled over 32 steps also stores small float constants at each step
    assert (tmp_path / "small.onnx").stat().st_size < (tmp_path / "large.onnx").stat().st_size / 3
    sessions = [onnx_session(path) for path in (small, large)]
    played = [session.run(None, onnx_feed(session, windows))[0] for session in sessions]
    np.testing.assert_allclose(played[0], played[1], atol=1e-5)
    np.testing.assert_allclose(played[0], model.predict(windows), atol=1e-4)


def test_onnx_take_draws_a_take_from_a_seed(windows, tmp_path):
    from sklearn_groove.neural._runtime import onnx_session, onnx_take

    member = pretrained.load("humanize_paper").estimators_[0]
    session = onnx_session(export_onnx(member, tmp_path / "member.onnx", int8=True))
    x = windows[..., :9].copy()
    np.testing.assert_allclose(onnx_take(session, temperature=0)(x), member.predict(x), atol=1e-4)
    take = onnx_take(session, seed=3)(x)
    np.testing.assert_array_equal(take, onnx_take(session, seed=3)(x))
    assert np.abs(take - onnx_take(session, seed=4)(x)).max() > 0.05
    np.testing.assert_array_equal(take[..., :9], x)  # the score's hits are kept


def test_a_song_take_is_the_same_from_the_estimator_and_from_its_shipped_file(windows):
    """The command line plays a shipped ONNX file where there is one: it plays the estimator's take of the seed."""
    from sklearn_groove.neural._runtime import onnx_session, onnx_take
    from sklearn_groove.songs import one_take, predict_song

    score = windows[:20, :, :9].reshape(-1, 9)  # a "song" of 640 steps
    session = onnx_session(pretrained.WEIGHTS / "humanize.onnx")
    model = pretrained.load("humanize")
    for seed in (0, 1):
        from_file = predict_song(onnx_take(session, temperature=0.9, seed=seed), score, hits=score, blend="select")
        from_estimator = predict_song(one_take(model, temperature=0.9, seed=seed), score, hits=score, blend="select")
        np.testing.assert_allclose(from_file, from_estimator, atol=1e-5)


def test_a_file_of_two_decoders_plays_only_the_one_asked_for(tmp_path):
    """An If on the temperature: above 0 the sampler's steps, unrolled; at 0 the parallel decoder. What both compute
    alike (the encoder) runs once before it; each branch holds its own copy of the weights it reads (which ONNX Runtime
    prepacks only for the nodes of the graph they are in)."""
    import onnx

    model = pretrained.load("humanize")
    graph = onnx.load(export_onnx(model, tmp_path / "humanize.onnx", int8=True)).graph
    branch, = [node for node in graph.node if node.op_type == "If"]
    assert sum(n.op_type == "LSTM" for n in graph.node) == 1  # the encoder, once, outside the branches
    sampled, likeliest = (next(a.g for a in branch.attribute if a.name == name)
                          for name in ("then_branch", "else_branch"))
    assert sum(n.op_type == "LSTM" for n in likeliest.node) == 1  # the parallel decoder
    # sampled: a second If plays takes guided towards their labels, or, where no window has one, unguided
    labelled, = [node for node in sampled.node if node.op_type == "If"]
    guided, plain = (next(a.g for a in labelled.attribute if a.name == name) for name in ("then_branch", "else_branch"))
    assert [sum(n.op_type == "LSTM" for n in g.node) for g in (guided, plain)] == [32, 32]  # the steps
    assert len(plain.node) < len(guided.node) - 32  # no guidance at each step
    held = lambda g: {i.name.split("@")[0] for i in g.initializer}
    assert not any("sampler" in name for name in held(graph))
    assert any("sampler" in name for name in held(guided)) and held(guided) & held(plain)  # each its own copy
    assert any("to_latent" in name for name in held(graph)) and not any("to_latent" in name for name in held(plain))


def test_a_file_reads_its_weights_from_another_beside_it(windows, tmp_path):
    """weights_from: a file of another window length holds only its graph, reads the weights of the file beside it,
    and plays what the estimator plays; a changed weights file is refused by name, as is one in another folder."""
    import os

    from sklearn_groove.neural._runtime import onnx_session

    model = pretrained.load("humanize")
    own = export_onnx(model, tmp_path / "humanize.onnx", int8=True)
    shared = export_onnx(model, tmp_path / "humanize-40.onnx", n_steps=40, int8=True, weights_from=own)
    assert os.path.getsize(shared) < os.path.getsize(own) / 5
    x = np.concatenate([windows, windows], axis=1)[:12, :40, :9].copy()  # windows of 40 steps: 2 bars of 5/4
    _agree(model, x, onnx_session(shared), atol=1e-4)
    with pytest.raises(ValueError, match="in the folder of"):
        (tmp_path / "elsewhere").mkdir()
        export_onnx(model, tmp_path / "elsewhere" / "humanize-40.onnx", n_steps=40, weights_from=own)
    with pytest.raises(ValueError, match="give another ONNX file"):
        export_onnx(model, own, weights_from=own)
    export_onnx(model, own)  # the weights file written again (float32): the shared file would read other bytes
    with pytest.raises(ValueError, match="humanize-40.onnx: it reads its weights from .*humanize.onnx, which has changed"):
        onnx_session(shared)

"""ONNX export: every shipped model played by ONNX Runtime as by torch, within 1e-4, on GMD windows."""

import numpy as np
import pytest

from sklearn_groove import pretrained
from sklearn_groove.datasets import fetch_groove
from sklearn_groove.neural import export_onnx, onnx_feed

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


@pytest.fixture(scope="module")
def windows(data_home):
    return fetch_groove(subset="test", data_home=data_home).hvo[::40]  # 53 windows of the test split


def _session(model, path):
    return ort.InferenceSession(export_onnx(model, path))


@pytest.mark.parametrize("name", ["humanize", "infill_closed_hihat", "tap2drum"])
def test_shipped_models_play_the_same_in_onnx_runtime(name, windows, tmp_path):
    model = pretrained.load(name)
    x = windows[..., :9].copy() if name == "humanize" else windows
    session = _session(model, tmp_path / f"{name}.onnx")
    assert [i.name for i in session.get_inputs()] == ["x", "temperature", "noise", "member"]
    played, = session.run(None, onnx_feed(session, x))
    np.testing.assert_allclose(played, model.predict(x), atol=1e-4)
    again, = session.run(None, onnx_feed(session, x, 1.0, seed=3, n_members=len(getattr(model, "estimators_", [0]))))
    other, = session.run(None, onnx_feed(session, x, 1.0, seed=4, n_members=len(getattr(model, "estimators_", [0]))))
    assert np.abs(again - played).max() > 0.05 and np.abs(again - other).max() > 0.05  # sampled: seeds differ
    np.testing.assert_array_equal(again, session.run(None, onnx_feed(session, x, 1.0, seed=3,
                                                                      n_members=len(getattr(model, "estimators_", [0]))))[0])
    if getattr(model, "sampler", None) is not None:  # one member plays every sampled window, as in the estimator
        feed = onnx_feed(session, x, 1.0, seed=3)
        others = {**feed, "member": np.full(len(x), (model.sampler + 1) % len(model.estimators_), np.int64)}
        np.testing.assert_array_equal(session.run(None, others)[0], session.run(None, feed)[0])


def test_groove_transfer_plays_the_same_in_onnx_runtime(windows, tmp_path):
    model = pretrained.load("groove_transfer")
    session = _session(model, tmp_path / "transfer.onnx")
    grooves, scores = windows[:6], windows[6:20, :, :9]
    played, = session.run(None, onnx_feed(session, scores, groove=grooves))
    np.testing.assert_allclose(played, model.transfer(grooves, scores, average=True), atol=1e-4)


def _parallel_draws(member, x):
    """The normal draws a parallel decoder's generator makes: all its velocities, then all its offsets."""
    import torch

    generator = torch.Generator()
    generator.manual_seed(member._seed())  # as predict seeds its draws
    noise = np.zeros(x.shape[:2] + (27,), np.float32)
    noise[..., 9:18] = torch.randn(x.shape, generator=generator).numpy()
    noise[..., 18:] = torch.randn(x.shape, generator=generator).numpy()
    return noise


def test_sampling_matches_the_estimator_given_its_draws(windows, tmp_path):
    """At temperature 1 the file plays what the estimator plays, fed the normal draws of its generator."""
    member = pretrained.load("humanize").estimators_[0].set_params(temperature=1.0, random_state=5)
    x = windows[..., :9].copy()
    session = _session(member, tmp_path / "member.onnx")
    feed = {**onnx_feed(session, x, 1.0), "noise": _parallel_draws(member, x)}
    np.testing.assert_allclose(session.run(None, feed)[0], member.predict(x), atol=1e-4)


def test_calibrated_models_play_the_same_in_onnx_runtime(windows, tmp_path):
    """A model with a learned calibration maps its sampled values in the file too, and not at temperature 0."""
    member = pretrained.load("humanize").estimators_[0].set_params(calibration="quantile", random_state=5)
    x = windows[..., :9].copy()
    member.calibration_ = member._learn_calibration(x, windows)
    session = _session(member, tmp_path / "calibrated.onnx")
    np.testing.assert_allclose(session.run(None, onnx_feed(session, x))[0], member.predict(x), atol=1e-4)
    member.set_params(temperature=1.0)
    feed = {**onnx_feed(session, x, 1.0), "noise": _parallel_draws(member, x)}
    played = session.run(None, feed)[0]
    np.testing.assert_allclose(played, member.predict(x), atol=1e-4)
    assert np.abs(played - member.set_params(calibration=None).predict(x)).max() > 0.05  # the map was applied


def test_styles_and_drummers_play_the_same_in_onnx_runtime(windows, tmp_path):
    """humanize_styles (label_strength 2: each labelled window also decoded without its labels) in ONNX Runtime."""
    model = pretrained.load("humanize_styles")
    x = windows[..., :9].copy()
    session = _session(model, tmp_path / "styles.onnx")
    assert [i.name for i in session.get_inputs()] == ["x", "temperature", "noise", "member", "labels"]
    assert session.get_modelmeta().custom_metadata_map["styles"].split(",") == list(model.styles_)
    per_window = ["funk", None] * (len(x) // 2) + ["jazz"] * (len(x) % 2)
    for labels in ({}, {"style": "funk", "drummer": "drummer1"}, {"style": per_window}):
        played, = session.run(None, onnx_feed(session, x, **labels))
        np.testing.assert_allclose(played, model.predict(x, **labels), atol=1e-4)
    with pytest.raises(ValueError, match="style 'polka' is not one this model learned; known: afrobeat"):
        onnx_feed(session, x, style="polka")
    plain = _session(pretrained.load("tap2drum"), tmp_path / "tap2drum.onnx")
    with pytest.raises(ValueError, match="takes no style or drummer"):
        onnx_feed(plain, windows, style="funk")


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


def test_int8_file_plays_the_same_in_a_quarter_of_the_size(windows, tmp_path):
    from sklearn_groove.neural._runtime import onnx_session

    model = pretrained.load("tap2drum")  # its matrices are stored as int8 rows: the file gives them back exactly
    small = export_onnx(model, tmp_path / "small.onnx", int8=True)
    large = export_onnx(model, tmp_path / "large.onnx")
    assert (tmp_path / "small.onnx").stat().st_size < 0.3 * (tmp_path / "large.onnx").stat().st_size
    sessions = [onnx_session(path) for path in (small, large)]
    played = [session.run(None, onnx_feed(session, windows))[0] for session in sessions]
    np.testing.assert_allclose(played[0], played[1], atol=1e-5)
    np.testing.assert_allclose(played[0], model.predict(windows), atol=1e-4)


def test_onnx_take_draws_a_take_from_a_seed(windows, tmp_path):
    from sklearn_groove.neural._runtime import onnx_session, onnx_take

    member = pretrained.load("humanize").estimators_[0]
    session = onnx_session(export_onnx(member, tmp_path / "member.onnx", int8=True))
    x = windows[..., :9].copy()
    np.testing.assert_allclose(onnx_take(session, temperature=0)(x), member.predict(x), atol=1e-4)
    take = onnx_take(session, seed=3)(x)
    np.testing.assert_array_equal(take, onnx_take(session, seed=3)(x))
    assert np.abs(take - onnx_take(session, seed=4)(x)).max() > 0.05
    np.testing.assert_array_equal(take[..., :9], x)  # the score's hits are kept

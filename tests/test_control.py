"""Style and drummer control: labels learned in fit, chosen in predict, routed through scikit-learn's metadata API."""

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_groove import (
    GrooveEnsemble,
    GrooveKNN,
    GrooveSeq2Seq,
    GrooveTransfer,
    pretrained,
    split_hvo,
)
from sklearn_groove.datasets import fetch_groove

SMALL = dict(module__encoder_size=16, module__latent_size=8, module__decoder_size=16, max_epochs=1, random_state=0,
             decoder="parallel", condition="hits")


@pytest.fixture(scope="module")
def labelled(data_home):
    val = fetch_groove(subset="validation", data_home=data_home)
    keep = np.arange(0, len(val.hvo), 4)
    return split_hvo(val.hvo[keep])[0], val.hvo[keep], val.genre[keep], val.drummer[keep]


def test_genre_is_the_top_level_style(data_home):
    val = fetch_groove(subset="validation", data_home=data_home)
    assert all(style.split("/")[0] == genre for style, genre in zip(val.style, val.genre))
    assert {"funk", "rock", "jazz"} <= set(val.genre)


def test_seq2seq_plays_a_style_and_a_drummer(labelled, tmp_path):
    X, y, style, drummer = labelled
    model = GrooveSeq2Seq(**SMALL).fit(X, y, style=style, drummer=drummer)
    assert list(model.styles_) == sorted(set(style)) and list(model.drummers_) == sorted(set(drummer))
    funk, jazz, none = model.predict(X[:6], style="funk"), model.predict(X[:6], style="jazz"), model.predict(X[:6])
    assert np.abs(funk - jazz).max() > 1e-4 and np.abs(funk - none).max() > 1e-4  # the decoder reads them
    per_window = model.predict(X[:2], style=["funk", "jazz"], drummer="drummer1")
    np.testing.assert_allclose(per_window[1], model.predict(X[1:2], style="jazz", drummer="drummer1")[0], atol=1e-6)
    with pytest.raises(ValueError, match="style 'polka' is not one this model learned; known: .*funk"):
        model.predict(X[:2], style="polka")
    with pytest.raises(ValueError, match="2 labels for 3 windows"):
        model.predict(X[:3], style=["funk", "jazz"])
    with pytest.raises(ValueError, match="fitted without styles"):
        GrooveSeq2Seq(**SMALL).fit(X, y).predict(X[:2], style="funk")
    path = tmp_path / "styled.json"
    pretrained.save_model(model, path)
    loaded = pretrained.load_model(path)
    assert list(loaded.styles_) == list(model.styles_)
    np.testing.assert_allclose(loaded.predict(X[:6], style="funk"), funk, atol=2e-3)  # int8 weights


def test_a_window_labelled_none_is_learned_unlabelled(labelled):
    X, y, style, drummer = labelled
    rare = np.where(style == "jazz", None, style.astype(object))
    model = GrooveSeq2Seq(**SMALL).fit(X, y, style=rare)
    assert "jazz" not in model.styles_ and "None" not in model.styles_ and "funk" in model.styles_
    with pytest.raises(ValueError, match="style 'jazz' is not one this model learned"):
        model.predict(X[:2], style="jazz")
    knn = GrooveKNN(n_neighbors=2).fit(X, y, style=rare)
    assert list(knn.styles_) == list(model.styles_)
    with pytest.raises(ValueError, match="style labels no window"):
        GrooveSeq2Seq(**SMALL).fit(X, y, style=[None] * len(X))


@pytest.mark.parametrize("decoder", ["parallel", "autoregressive"])
def test_label_strength_moves_the_labelled_playing_away_from_the_unlabelled(labelled, decoder):
    """0 plays as with no label; above 1 a take moves further from the unlabelled playing, the same way, while
    temperature 0 plays the label as learned."""
    X, y, style, drummer = labelled
    model = GrooveSeq2Seq(**{**SMALL, "decoder": decoder}).fit(X, y, style=style, drummer=drummer)
    label = dict(style="funk", drummer="drummer1")
    np.testing.assert_allclose(model.set_params(label_strength=0.0).predict(X[:8], style="funk"),
                               model.predict(X[:8]), atol=1e-6)
    learned = model.set_params(label_strength=1.0).predict(X[:8], **label)
    np.testing.assert_array_equal(model.set_params(label_strength=2.0).predict(X[:8], **label), learned)
    # a take (the heads give means: nothing is drawn but the strength is a take's)
    take = lambda strength, **asked: model.set_params(label_strength=strength).sample_y(X[:8], 1, 3, **asked)[..., 0]
    plain, asked, strong = take(1.0), take(1.0, **label), take(2.0, **label)
    np.testing.assert_array_equal(take(2.0), plain)  # no label asked: nothing to move
    hits = np.concatenate([X[:8]] * 2, axis=-1) > 0
    moved, learned = (strong - asked)[..., 9:][hits], (asked - plain)[..., 9:][hits]
    assert np.abs(moved).max() > 1e-4 and np.all(moved * learned >= -1e-6)  # further, the same way
    with pytest.raises(ValueError, match="label_strength"):
        GrooveSeq2Seq(**SMALL, label_strength=-1.0).fit(X, y, style=style)


def test_guidance_moves_only_the_windows_that_have_a_label(labelled):
    """In a batch where some windows have a style, each plays as in a batch of its own kind: guidance decodes again
    only the labelled windows, at temperature 0 and in a take."""
    X, y, style, _ = labelled
    model = GrooveSeq2Seq(**{**SMALL, "decoder": "both", "module__sampler_size": 8, "label_strength": 2.0}).fit(
        X, y, style=style)
    mixed = np.array(["funk", None] * 4, dtype=object)
    for play in (model.predict, lambda windows, **label: model.sample_y(windows, 1, 3, **label)[..., 0]):
        both = play(X[:8], style=mixed)
        np.testing.assert_allclose(both[1::2], play(X[:8])[1::2], atol=1e-5)
        np.testing.assert_allclose(both[::2], play(X[:8], style="funk")[::2], atol=1e-5)
        assert np.abs(both[::2] - play(X[:8])[::2]).max() > 1e-3  # the labelled windows moved


def test_label_strength_moves_the_hits_a_model_writes(labelled):
    """Tap2Drum with a style: guidance moves the hit logits too, so that at strength 0 the hits are the
    unlabelled ones (they once stayed the labelled ones) and a style asked changes which hits are played."""
    from sklearn_groove.preprocessing import Tapper

    _, y, style, _ = labelled
    taps = Tapper().fit_transform(y)
    model = GrooveSeq2Seq(**{**SMALL, "condition": "input", "decoder": "both", "module__sampler_size": 8,
                             "max_epochs": 3, "hit_threshold": 0.3}).fit(taps, y, style=style)
    take = lambda strength, **label: model.set_params(label_strength=strength).sample_y(taps[:64], 1, 3, **label)[..., 0]
    plain = take(1.0)
    np.testing.assert_allclose(take(0.0, style="funk"), plain, atol=1e-6)
    asked, strong = take(1.0, style="funk"), take(8.0, style="funk")
    hits = lambda a: a[..., :9] > 0
    assert (hits(strong) != hits(plain)).sum() > (hits(asked) != hits(plain)).sum()


def test_validation_labels_are_required_with_a_validation_set(labelled):
    X, y, style, _ = labelled
    with pytest.raises(ValueError, match="give style_val"):
        GrooveSeq2Seq(**SMALL).fit(X[:100], y[:100], X[100:150], y[100:150], style=style[:100])
    GrooveSeq2Seq(**SMALL).fit(X[:100], y[:100], X[100:150], y[100:150], style=style[:100], style_val=style[100:150])


def test_labels_are_routed_through_pipelines_and_searches(labelled):
    X, y, style, drummer = labelled
    with sklearn.config_context(enable_metadata_routing=True):
        model = GrooveSeq2Seq(**SMALL).set_fit_request(style=True, drummer=True).set_predict_request(style=True)
        pipe = make_pipeline(model).fit(X, y, style=style, drummer=drummer)
        assert list(pipe[-1].styles_) == sorted(set(style))
        np.testing.assert_array_equal(pipe.predict(X[:4], style="rock"), pipe[-1].predict(X[:4], style="rock"))
        search = GridSearchCV(GrooveSeq2Seq(**SMALL).set_fit_request(style=True), {"lr": [1e-3, 2e-3]}, cv=2)
        search.fit(X, y, style=style)
        assert list(search.best_estimator_.styles_) == sorted(set(style))


def test_knn_looks_among_windows_of_the_style(labelled):
    X, y, style, _ = labelled
    knn = GrooveKNN(n_neighbors=5).fit(X, y, style=style)
    only_funk = GrooveKNN(n_neighbors=5).fit(X[style == "funk"], y[style == "funk"])
    np.testing.assert_allclose(knn.predict(X[:10], style="funk"), only_funk.predict(X[:10]), atol=1e-6)
    with pytest.raises(ValueError, match="known: afrobeat"):
        knn.predict(X[:2], style="polka")


def test_ensembles_and_transfer_pass_the_labels_on(labelled):
    X, y, style, drummer = labelled
    members = [GrooveSeq2Seq(**SMALL), GrooveSeq2Seq(**{**SMALL, "random_state": 1})]
    ensemble = GrooveEnsemble(members, rotate_bars=True).fit(X, y, style=style, drummer=drummer)
    by_hand = np.mean([m.predict(X[:3], style="funk") for m in ensemble.estimators_], axis=0)
    rotated = ensemble.set_params(rotate_bars=False).predict(X[:3], style="funk")
    np.testing.assert_allclose(rotated[..., 9:], by_hand[..., 9:], atol=1e-6)
    transfer = GrooveTransfer(**{k: v for k, v in SMALL.items() if k not in ("decoder", "condition")}).fit(
        X, y, style=style)
    assert transfer.transfer(y[:2], X[:3], average=True, style="jazz").shape == (3, 32, 27)


def test_command_line_style_drummer_and_styles(labelled, tmp_path, capsys):
    from sklearn_groove.cli import main

    from .conftest import hit, write_midi

    X, y, style, drummer = labelled
    path = tmp_path / "styled.json"
    pretrained.save_model(GrooveSeq2Seq(**{**SMALL, "output": "gaussian"}).fit(X, y, style=style, drummer=drummer),
                          path)
    assert main(["styles", "--model", str(path)]) == 0
    listed = capsys.readouterr().out
    assert "funk" in listed and "drummer1" in listed
    source = tmp_path / "beat.mid"
    events = []
    for i in range(32):
        events += hit([36, 42, 38, 42][i % 4], velocity=100, time=120 if i else 0, length=0)
    source.write_bytes(write_midi([events], tempo_bpm=100))
    outs = []
    for extra in (["--style", "funk"], ["--style", "jazz"], ["--style", "funk", "--drummer", "drummer1"]):
        outs.append(tmp_path / f"out{len(outs)}.mid")
        assert main(["humanize", str(source), "-o", str(outs[-1]), "--model", str(path), "-q"] + extra) == 0
    assert outs[0].read_bytes() != outs[1].read_bytes()
    assert main(["humanize", str(source), "-o", str(outs[0]), "--model", str(path), "--style", "polka"]) == 1
    assert "offers these styles: afrobeat" in capsys.readouterr().err
    # without --model, the shipped humanize plays a style or drummer
    assert main(["humanize", str(source), "-o", str(outs[0]), "-q", "--style", "funk"]) == 0
    assert main(["humanize", str(source), "-o", str(outs[1]), "-q", "--style", "funk", "--model", "humanize"]) == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()
    assert main(["humanize", str(source), "-o", str(outs[0]), "--style", "polka"]) == 1
    assert "offers these styles: afrobeat" in capsys.readouterr().err
    assert main(["humanize", str(source), "-o", str(outs[0]), "--model", "humanize_paper", "--style", "funk"]) == 1
    assert "humanize_paper was trained without styles" in capsys.readouterr().err

"""The shipped models: names, metadata, loading without pickle, size."""

import numpy as np
import pytest

from sklearn_groove import pretrained, split_hvo
from sklearn_groove.pretrained import WEIGHTS


def test_unknown_name_lists_known():
    with pytest.raises(ValueError, match="unknown pretrained model 'nope'; known models: .*humanize.*or a task: "):
        pretrained.load("nope")


def test_a_task_name_loads_its_shipped_model():
    assert pretrained.info("infill") == pretrained.info("infill_closed_hihat")
    assert type(pretrained.load("transfer")).__name__ == "GrooveTransfer"


def test_shipped_files_are_small_and_documented():
    files = list(WEIGHTS.glob("*.pt"))
    assert files and sum(f.stat().st_size for f in files) <= 28 * 2**20  # the package stays a small download
    # the default humanizer, all its files (its description, weights and ONNX files of every meter): 5 MB at most
    assert sum(f.stat().st_size for f in WEIGHTS.glob("humanize[.-]*")) <= 5e6
    for name in pretrained.available():
        meta = pretrained.info(name)
        for key in ("params", "training_data", "library_version", "test_metrics", "command"):
            assert key in meta, (name, key)
        for member in meta.get("members", [meta]):  # an ensemble: how each member was trained
            for key in ("params", "seconds_per_epoch", "epochs", "command"):
                assert key in member, (name, key)


@pytest.mark.parametrize("name", pretrained.available())
def test_load_and_predict(name, data_home):
    from sklearn_groove.datasets import fetch_groove

    model = pretrained.load(name)
    y = fetch_groove(subset="test", data_home=data_home).hvo[:16]
    X = y if hasattr(model, "steps") else y[..., :9]
    out = model.predict(X)
    assert out.shape == y.shape
    if name in ("humanize", "groove_transfer"):
        np.testing.assert_array_equal(split_hvo(out)[0], y[..., :9])


def test_grooves_are_stored_as_principal_components(tmp_path, data_home):
    """save() keeps the grooves' leading components: the restored grooves and predictions barely move."""
    from sklearn_groove import GrooveTransfer
    from sklearn_groove.datasets import fetch_groove
    from sklearn_groove.pretrained import save

    y = fetch_groove(subset="test", data_home=data_home).hvo[:200]
    model = GrooveTransfer(module__encoder_size=16, module__latent_size=32, module__decoder_size=16, max_epochs=2, random_state=0)
    model.fit(y[..., :9], y)
    save(model, "small", {"note": "test"}, folder=tmp_path, groove_variance=0.999)
    loaded = pretrained.load("small", folder=tmp_path)
    error = np.linalg.norm(loaded.train_grooves_ - model.train_grooves_) ** 2
    total = np.linalg.norm(model.train_grooves_ - model.train_grooves_.mean(axis=0)) ** 2
    assert error <= 0.002 * total  # 0.1% of the variance left out, plus float16 rounding
    np.testing.assert_allclose(loaded.predict(y[:5, :, :9]), model.predict(y[:5, :, :9]), atol=0.02)


def test_int8_storage_and_ensembles_round_trip(tmp_path, data_home):
    """int8 matrices take about half the room of float16 and barely move predictions; an ensemble loads as one."""
    from sklearn_groove import GrooveEnsemble, GrooveSeq2Seq
    from sklearn_groove.datasets import fetch_groove
    from sklearn_groove.pretrained import save

    y = fetch_groove(subset="test", data_home=data_home).hvo[:100]
    small = dict(module__encoder_size=32, module__latent_size=16, module__decoder_size=32, max_epochs=2, output="gaussian")
    members = [GrooveSeq2Seq(**small, random_state=0), GrooveSeq2Seq(**small, decoder="parallel", random_state=1)]
    model = GrooveEnsemble(members, rotate_bars=True, random_state=3).fit(y[..., :9], y)
    save(model, "pair", {"command": "test"}, folder=tmp_path, members=[{"command": "a"}, {"command": "b"}])
    save(model.estimators_[0], "one16", {"command": "test"}, folder=tmp_path, int8=False)
    save(model.estimators_[0], "one8", {"command": "test"}, folder=tmp_path)
    size = lambda name: (tmp_path / f"{name}.pt").stat().st_size
    assert size("one8") < 0.7 * size("one16")
    loaded = pretrained.load("pair", folder=tmp_path)
    assert isinstance(loaded, GrooveEnsemble) and loaded.random_state == 3 and loaded.rotate_bars
    assert [m.decoder for m in loaded.estimators_] == ["autoregressive", "parallel"]
    assert [m.random_state for m in loaded.estimators] == [0, 1] and not hasattr(loaded.estimators[0], "module_")
    np.testing.assert_allclose(loaded.predict(y[:10, :, :9]), model.predict(y[:10, :, :9]), atol=0.01)
    members = pretrained.info("pair", folder=tmp_path)["members"]
    assert [m["command"] for m in members] == ["a", "b"] and members[1]["params"]["decoder"] == "parallel"
    # save the ensemble's first member again with the pair's metadata, as train_pretrained.py --from does:
    # what the metadata says of the model (an ensemble's params and members) gives way to the model itself
    save(model.estimators_[0], "again", pretrained.info("pair", folder=tmp_path), folder=tmp_path)
    again = pretrained.info("again", folder=tmp_path)
    assert again["estimator"] == "GrooveSeq2Seq" and "members" not in again and again["command"] == "test"
    assert isinstance(pretrained.load("again", folder=tmp_path), GrooveSeq2Seq)


def test_format_is_versioned_and_every_parameter_is_written():
    """Shipped files carry the format and every parameter, module__* settings included."""
    from sklearn_groove.neural import MODULE_PARAMS

    for name in pretrained.available():
        meta = pretrained.info(name)
        assert meta["format"] == pretrained.FORMAT
        for member in meta.get("members", [meta]):
            model_cls = getattr(__import__("sklearn_groove"), member["estimator"])
            written = set(member["params"])
            expected = set(model_cls._get_param_names()) - {"callbacks", "verbose", "device"}
            assert written == expected | {"module__" + k for k in MODULE_PARAMS}, name


def test_loaded_models_own_a_net():
    model = pretrained.load("tap2drum")[-1]
    assert model.net_.module_ is model.module_ and model.net_.initialized_


def test_a_loaded_model_plays_without_an_optimizer_and_trains_with_one(tmp_path):
    """Loading spares the optimizer (its first creation imports much of torch); fitting again makes one."""
    from sklearn_groove import GrooveSeq2Seq

    hits = (np.random.default_rng(0).random((12, 32, 9)) < 0.2).astype(np.float32)
    y = np.concatenate([hits, hits * 0.7, hits * 0.05], axis=-1)
    small = dict(module__encoder_size=8, module__latent_size=4, module__decoder_size=8, max_epochs=1, random_state=0)
    path = tmp_path / "small.json"
    pretrained.save_model(GrooveSeq2Seq(**small).fit(hits, y), path)
    loaded = pretrained.load_model(path)
    assert loaded.net_.playing and not hasattr(loaded.net_, "optimizer_")
    assert loaded.predict(hits).shape == y.shape
    loaded.fit(hits, y)
    assert not loaded.net_.playing and hasattr(loaded.net_, "optimizer_")


def test_format_1_is_upgraded_and_removed_settings_are_refused():
    old = {"estimator": "GrooveSeq2Seq", "params": {
        "autoregressive": False, "bidirectional_decoder": False, "condition_on_hits": True, "condition_on_input": False,
        "keep_hits": "auto", "early_stopping": True, "patience": 3, "weight_average": 0.998, "encoder_size": 512,
        "dropout": 0.3, "output": "gaussian", "hits_ahead": 2}}
    params = pretrained.upgrade(old, "old.json")["params"]
    assert params == {"decoder": "parallel", "condition": "hits", "module__encoder_size": 512,
                      "module__dropout": 0.3, "output": "gaussian", "hits_ahead": 2, "label_strength": 1.0,
                      "module__sampler_size": 128, "module__sampler_steps": 1}
    with pytest.raises(ValueError, match="old.json: bidirectional_decoder other than False is no longer supported"):
        pretrained.upgrade({**old, "params": {**old["params"], "bidirectional_decoder": True}}, "old.json")
    with pytest.raises(ValueError, match="old.json: output='laplace' is no longer supported"):
        pretrained.upgrade({**old, "params": {**old["params"], "output": "laplace"}}, "old.json")
    with pytest.raises(ValueError, match="new.json: model format 99 is newer"):
        pretrained.upgrade({**old, "format": 99}, "new.json")


def test_parameters_added_since_a_file_was_saved_get_the_value_it_played_with(tmp_path):
    """A file saved before label_strength existed loads, and plays as it did; one of format 2 and 3 too; a Tapper
    saved before its velocity option reads no velocity, as it did; a sampler saved before sampler_steps draws one
    step from each state, as it did."""
    import json
    import shutil

    for name in ("groove_transfer", "tap2drum"):
        for suffix in (".json", ".pt"):
            shutil.copy(WEIGHTS / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    meta = json.loads((tmp_path / "groove_transfer.json").read_text())
    for added in ("label_strength", "module__sampler_size", "module__sampler_steps"):  # in formats 3, 4 and 9
        del meta["params"][added]
    meta["params"].update(patience=3, calibration=None)  # parameters of format 2 that format 3 has not
    (tmp_path / "groove_transfer.json").write_text(json.dumps({**meta, "format": 2}))
    older = pretrained.load("groove_transfer", folder=tmp_path)
    assert older.label_strength == 1.0 and older.calibration_ is None
    h = (np.random.default_rng(0).random((4, 32, 9)) < 0.2).astype(np.float32)
    np.testing.assert_array_equal(older.predict(h), pretrained.load("groove_transfer").predict(h))
    meta = json.loads((tmp_path / "tap2drum.json").read_text())
    meta["pipeline"] = [{"class": "Tapper", "params": {}}]  # as format 4 wrote it
    (tmp_path / "tap2drum.json").write_text(json.dumps({**meta, "format": 4}))
    assert pretrained.load("tap2drum", folder=tmp_path)[0].velocity == "none"
    assert pretrained.load("tap2drum")[0].velocity == "loudest"
    meta = json.loads((WEIGHTS / "tap2drum.json").read_text())
    del meta["params"]["module__sampler_steps"]  # as format 8 wrote it: its sampler drew a step from each state
    (tmp_path / "tap2drum.json").write_text(json.dumps({**meta, "format": 8}))
    assert pretrained.load("tap2drum", folder=tmp_path)[-1].module_.sampler_steps == 1


def test_a_parameter_missing_from_the_file_is_refused_not_defaulted(tmp_path):
    """A default changed later can never change a saved model: every parameter must be in the file."""
    import json
    import shutil

    for suffix in (".json", ".pt"):
        shutil.copy(WEIGHTS / f"tap2drum{suffix}", tmp_path / f"tap2drum{suffix}")
    meta = json.loads((tmp_path / "tap2drum.json").read_text())
    del meta["params"]["module__dropout"]
    (tmp_path / "tap2drum.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="does not say module__dropout: every parameter must be saved"):
        pretrained.load("tap2drum", folder=tmp_path)


def test_a_merged_model_name_loads_the_model_it_became():
    """humanize_live and humanize_styles of earlier versions are the default humanize now: their names load it, with
    a warning that says so."""
    for old in ("humanize_live", "humanize_styles"):
        with pytest.warns(FutureWarning, match=f"'{old}' is merged into 'humanize'"):
            model = pretrained.load(old)
        assert type(model) is type(pretrained.load("humanize")) and "funk" in model.styles_

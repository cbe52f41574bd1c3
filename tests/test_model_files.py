"""Model files never run code: payloads naming functions are refused before anything is built; bad files say why."""

import inspect
import json
import os
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from sklearn_groove import GrooveKNN, GrooveLinear, GrooveMLP, GrooveMostFrequent, GrooveNearestWindow, join_hvo
from sklearn_groove import GrooveQuantized
from sklearn_groove.preprocessing import Quantizer, Tapper, VoiceRemover
from sklearn_groove.pretrained import load_model, save_model
from sklearn_groove.pretrained._trusted import TRUSTED, check_skops_file


def _windows(n=24, seed=0):
    h = (np.random.default_rng(seed).random((n, 32, 9)) < 0.25).astype(np.float32)
    return h, join_hvo(h, h * 0.7, h * 0.05)


def _every_kind():
    h, y = _windows()
    yield GrooveKNN(n_neighbors=3).fit(h, y)
    yield GrooveLinear().fit(h, y)
    yield GrooveQuantized().fit(h, y)
    yield GrooveMLP(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(h, y)
    yield GrooveMLP(hidden_layer_sizes=(8,), max_iter=3, random_state=np.random.RandomState(0)).fit(h, y)
    yield make_pipeline(Quantizer(), GrooveKNN(n_neighbors=3)).fit(y, y)
    yield make_pipeline(Tapper(), GrooveMostFrequent()).fit(y, y)
    yield make_pipeline(VoiceRemover(voices=("closed_hihat",)), GrooveNearestWindow()).fit(y, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_every_model_the_library_saves_holds_only_trusted_types(tmp_path):
    """The allow-list is complete: each kind saves, passes the check, loads and predicts as before."""
    h, y = _windows(seed=1)
    for k, model in enumerate(_every_kind()):
        path = tmp_path / f"m{k}.skops"
        save_model(model, path)
        assert check_skops_file(path)
        X = y if hasattr(model, "steps") else h
        np.testing.assert_array_equal(load_model(path).predict(X), model.predict(X))


def _schema(path):
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _write(path, files):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)


def _json_node(value):
    return {"__class__": type(value).__name__, "__module__": "builtins", "__loader__": "JsonNode",
            "content": json.dumps(value), "is_json": True}


def _payload_nodes(module, name, argument):
    """Nodes that make skops call (or return) ``module.name`` with ``argument``, one per way of building."""
    args = {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode",
            "content": [_json_node(argument)]}
    base = {"__class__": name, "__module__": module}
    return [
        {**base, "__loader__": "ConstructorFromReduceNode", "content": args},
        {**base, "__loader__": "ObjectNode", "content": {"__class__": "dict", "__module__": "builtins",
                                                         "__loader__": "DictNode", "content": {},
                                                         "key_types": {"__class__": "list", "__module__": "builtins",
                                                                       "__loader__": "ListNode", "content": []}}},
        {**base, "__loader__": "TypeNode"},
        {**base, "__loader__": "FunctionNode", "content": {"module_path": module, "function": name}},
    ]


def _with_payload(clean, path, node):
    """A real GrooveKNN file with ``node`` as one more attribute."""
    files = dict(clean)
    schema = json.loads(files["schema.json"])
    schema["content"]["content"]["payload"] = node
    key_types = schema["content"]["key_types"]["content"]
    key_types.append({"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"})
    files["schema.json"] = json.dumps(schema)
    _write(path, files)
    return path


def _functions(*modules):
    """(module, name) of the plain functions that ``modules`` import or define, as a payload would name them."""
    for module in modules:
        for name, value in sorted(vars(module).items()):
            if isinstance(value, (types.FunctionType, types.BuiltinFunctionType)) and not name.startswith("__"):
                yield module.__name__, name


def test_payloads_are_refused_and_none_runs(tmp_path):
    import sklearn.datasets._base
    import sklearn.utils._testing
    import skops.io
    import scipy.io

    import sklearn_groove.cli
    import sklearn_groove.pretrained

    h, y = _windows()
    save_model(GrooveKNN(n_neighbors=3).fit(h, y), tmp_path / "clean.skops")
    clean = _schema(tmp_path / "clean.skops")

    # control: the payload is live, skops runs it where the name is trusted (the former prefix rule trusted it)
    target = tmp_path / "made_by_control"
    live = _with_payload(clean, tmp_path / "live.skops",
                         _payload_nodes("sklearn.datasets._base", "makedirs", str(target))[0])
    skops.io.load(live, trusted=skops.io.get_untrusted_types(file=live))
    assert target.is_dir()

    named = list(_functions(sklearn.utils._testing, sklearn.datasets._base, np, scipy.io, os, sklearn_groove.cli,
                            sklearn_groove.pretrained))
    assert len(named) > 100 and ("sklearn.utils._testing", "check_output") in named
    for k, (module, name) in enumerate(named):
        target = tmp_path / f"made_{k}"
        for j, node in enumerate(_payload_nodes(module, name, str(target))):
            path = _with_payload(clean, tmp_path / f"p{k}_{j}.skops", node)
            with pytest.raises(ValueError, match=f"{path}: refusing .*{module}.{name}"):
                load_model(path)
            path.unlink()
        assert not target.exists(), (module, name)


def test_a_function_as_a_numpy_scalar_type_is_refused(tmp_path):
    """skops calls the type of a numpy scalar with the array's content: that name must be a numpy type."""
    h, y = _windows()
    save_model(GrooveKNN(n_neighbors=3).fit(h, y), tmp_path / "clean.skops")
    node = {"__class__": "check_output", "__module__": "sklearn.utils._testing", "__loader__": "NdArrayNode",
            "type": "json", "content": [], "shape": _json_node([0])}
    path = _with_payload(_schema(tmp_path / "clean.skops"), tmp_path / "p.skops", node)
    with pytest.raises(ValueError, match="check_output"):
        load_model(path)


def test_trusted_names_are_exact():
    for loader, names in TRUSTED.items():
        for name in names:
            module, _, cls = name.rpartition(".")
            assert cls and not name.endswith("*"), name
            if loader == "ObjectNode":
                obj = getattr(__import__(module, fromlist=[cls]), cls)
                assert inspect.isclass(obj), name  # classes only, never a function


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a zip", "not a skops model file"),
        ({"other.json": b"{}"}, "not a skops model file"),
        ({"schema.json": b"{" * 100000}, "not readable JSON|nests deeper"),
        ({"schema.json": b"[" * 300 + b"]" * 300}, "nests deeper"),
        ({"schema.json": json.dumps({"__class__": 3}).encode()}, "without a loader"),
    ],
)
def test_bad_skops_files_say_why_in_one_line(tmp_path, content, message):
    path = tmp_path / "bad.skops"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        _write(path, content)
    with pytest.raises(ValueError, match=f"{path}: .*({message})") as info:
        load_model(path)
    assert "\n" not in str(info.value)


def test_only_regular_files_are_read_as_models(tmp_path):
    with pytest.raises(ValueError, match="not a regular file"):
        load_model(tmp_path / "folder.skops" if (tmp_path / "folder.skops").mkdir() is None else None)
    fifo = tmp_path / "pipe.skops"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        load_model(fifo)  # returns at once: a FIFO is never opened


@pytest.fixture
def live_copy(tmp_path):
    """The shipped humanize, copied: (its description, the folder)."""
    import shutil

    from sklearn_groove.pretrained import WEIGHTS

    for suffix in (".json", ".pt"):
        shutil.copy(WEIGHTS / f"humanize{suffix}", tmp_path / f"m{suffix}")
    return json.loads((tmp_path / "m.json").read_text()), tmp_path


def _edited(meta, **changes):
    meta = json.loads(json.dumps(meta))
    for key, value in changes.items():
        target = meta
        *parents, last = key.split("__", 1) if key.startswith("params__") else [key]
        for parent in parents:
            target = target[parent]
        if value is None:
            target.pop(last)
        else:
            target[last] = value
    return meta


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(estimator=None), "no estimator and params"),
        (dict(params=[1, 2]), "no estimator and params"),
        (dict(estimator="os.system"), "unknown estimator 'os.system'"),
        (dict(params__no_such=1), "not a model this version reads .*no_such"),
        (dict(pipeline=[{"class": "subprocess.Popen", "params": {}}]), "unknown pipeline step 'subprocess.Popen'"),
        (dict(pipeline=[{"class": "Tapper", "params": {"bogus": 1}}]), "not a model this version reads"),
        (dict(params__module__encoder_size=2**20), "described network does not match the stored weights"),
        (dict(n_encoder_features=10**9), "described network does not match the stored weights"),
        (dict(n_steps="x"), "n_steps must be a whole number"),
    ],
)
def test_bad_descriptions_say_why_in_one_line(live_copy, change, message):
    meta, folder = live_copy
    (folder / "m.json").write_text(json.dumps(_edited(meta, **change)))
    with pytest.raises(ValueError, match=message) as info:
        load_model(folder / "m.json")
    assert str(info.value).startswith(str(folder / "m.json")) and "\n" not in str(info.value)


@pytest.mark.parametrize("change, message", [
    (lambda state: state.update(example_offsets=state["example_offsets"].short()), "offsets must be torch.int8"),
    (lambda state: state.update(example_hits=state["example_hits"][:-1]), "velocities must be torch.uint8 of shape"),
    (lambda state: state.pop("example_labels"), "labels must be torch.int16"),
    (lambda state: state.update(neighbors=state["neighbors"] * 0 + 10**6), "neighbors must be from 1 to the"),
])
def test_bad_stored_examples_say_why(tmp_path, data_home, change, message):
    """A calibration's examples (calibrate(..., neighbors=)), stored wrong: refused in one line, by name."""
    import torch

    from sklearn_groove import GrooveSeq2Seq, pretrained
    from sklearn_groove.datasets import fetch_groove

    y = fetch_groove(subset="test", data_home=data_home).hvo[:32]
    X = VoiceRemover(voices=("closed_hihat",)).fit_transform(y)
    model = GrooveSeq2Seq(condition="input", generate_voices=["closed_hihat"], module__encoder_size=4,
                          module__latent_size=2, module__decoder_size=4, max_epochs=1, random_state=0).fit(X, y)
    pretrained.save(model.calibrate(X, y, neighbors=2), "m", {}, folder=tmp_path)
    state = torch.load(tmp_path / "m.pt", weights_only=True)
    change(state)
    torch.save(state, tmp_path / "m.pt")
    with pytest.raises(ValueError, match=message) as info:
        load_model(tmp_path / "m.json")
    assert "\n" not in str(info.value)


def test_a_huge_network_is_refused_without_allocating_it(live_copy):
    """25 GB asked for: refused in well under a second, against the file's own tensors."""
    import resource
    import time

    meta, folder = live_copy
    (folder / "m.json").write_text(json.dumps(_edited(meta, params__module__decoder_size=80_000)))
    before, start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter()
    with pytest.raises(ValueError, match="does not match the stored weights"):
        load_model(folder / "m.json")
    assert time.perf_counter() - start < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500 * 1024  # kB


@pytest.mark.parametrize("content", [b"{" * 100000, b"[" * 100000 + b"]" * 100000, b"\xff\xfe", b"null", b"[]"])
def test_unreadable_descriptions(live_copy, content):
    _, folder = live_copy
    (folder / "m.json").write_bytes(content)
    with pytest.raises(ValueError, match="not a model description"):
        load_model(folder / "m.json")


def test_weights_holding_a_pickle_are_refused_and_never_unpickled(live_copy):
    import pickle

    _, folder = live_copy
    target = folder / "made_by_pickle"
    (folder / "m.pt").write_bytes(pickle.dumps(_Payload(str(target))))
    with pytest.raises(ValueError, match="not a weights file .* never unpickled") as info:
        load_model(folder / "m.json")
    assert "weights_only=False" not in str(info.value)
    assert not target.exists()


class _Payload:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return os.makedirs, (self.path,)


def test_a_missing_model_path_is_not_read_as_path_onnx(tmp_path, capsys):
    """--model PATH names that file: PATH.onnx beside a missing PATH is never loaded instead."""
    import shutil

    from sklearn_groove.cli import main
    from sklearn_groove.pretrained import WEIGHTS

    shutil.copy(WEIGHTS / "humanize.onnx", tmp_path / "model.onnx")
    example = Path(__file__).resolve().parent.parent / "examples" / "beat.mid"
    code = main(["humanize", str(example), "-o", str(tmp_path / "o.mid"), "--model", str(tmp_path / "model")])
    assert code == 1 and "no such model file" in capsys.readouterr().err
    assert not (tmp_path / "o.mid").exists()

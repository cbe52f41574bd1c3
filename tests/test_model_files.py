"""Model files never run code: payloads naming functions are refused before anything is built; bad files say why."""

import inspect
import json
import os
import types
import zipfile

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

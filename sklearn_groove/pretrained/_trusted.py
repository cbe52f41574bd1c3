"""Which types a ``.skops`` model file may hold: an exact list, checked before skops builds anything.

skops builds a model from a JSON schema in which every node names a type (or a
function) and how to build it. A name is trusted here only if it is one of the
types that the models this library saves are made of, for the one way of
building it that those files use; no prefix rule, so that no function of
scikit-learn, NumPy, SciPy or this library can be named to run while loading.
``tests/test_model_files.py`` checks both directions: every model the
library can save holds only these types, and payloads naming others are
refused with nothing run.
"""

import json
import zipfile

__all__ = ["TRUSTED", "MAX_SCHEMA_BYTES", "check_skops_file"]

_ESTIMATORS = (
    "sklearn_groove.baseline._baselines.GrooveQuantized",
    "sklearn_groove.baseline._baselines.GrooveLinear",
    "sklearn_groove.baseline._tasks.GrooveMostFrequent",
    "sklearn_groove.baseline._tasks.GrooveNearestWindow",
    "sklearn_groove.neighbors._knn.GrooveKNN",
    "sklearn_groove.neural._mlp.GrooveMLP",
    "sklearn_groove.preprocessing._transformers.Quantizer",
    "sklearn_groove.preprocessing._transformers.VoiceRemover",
    "sklearn_groove.preprocessing._transformers.Tapper",
    "sklearn.pipeline.Pipeline",
    # what the baselines hold when fitted
    "sklearn.linear_model._base.LinearRegression",
    "sklearn.neural_network._multilayer_perceptron.MLPRegressor",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
)
_NUMBERS = tuple(f"numpy.{t}" for t in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                                          "bool_", "bool"))

#: For each of skops' ways of building (its loaders), the exact types a model file may name.
TRUSTED = {
    "ObjectNode": frozenset(_ESTIMATORS),
    "DictNode": frozenset({"builtins.dict"}),
    "ListNode": frozenset({"builtins.list"}),
    "TupleNode": frozenset({"builtins.tuple"}),
    "JsonNode": frozenset({f"builtins.{t}" for t in ("str", "int", "float", "bool", "NoneType")}),
    "TypeNode": frozenset({"builtins.str", "builtins.int"}),  # the key types of a dict
    "NdArrayNode": frozenset({"numpy.ndarray", *_NUMBERS}),
    "RandomStateNode": frozenset({"numpy.random.mtrand.RandomState"}),
}

#: Largest schema read (the arrays are stored beside it, so a model's schema is small).
MAX_SCHEMA_BYTES = 16 * 2**20
_MAX_DEPTH = 200


def _nodes(schema, name):
    """Every node of the schema that names a type, walked without recursion (a deep file is refused, not a crash)."""
    stack = [(schema, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > _MAX_DEPTH:
            raise ValueError(f"{name}: not a model file of this library (its schema nests deeper than {_MAX_DEPTH})")
        if isinstance(node, dict):
            if "__class__" in node or "__loader__" in node:
                yield node
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def check_skops_file(path):
    """The types of the ``.skops`` file ``path``, all on :data:`TRUSTED`; a ValueError naming the file otherwise.

    Only the zip's directory and its JSON schema are read: nothing is built,
    imported or called.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("schema.json")
            if info.file_size > MAX_SCHEMA_BYTES:
                raise ValueError(f"{path}: its schema is {info.file_size} bytes, more than a model's "
                                 f"({MAX_SCHEMA_BYTES})")
            text = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise ValueError(f"{path}: not a skops model file ({exc})") from None
    try:
        schema = json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError, bad UTF-8, or nested too deep for the parser
        raise ValueError(f"{path}: not a skops model file (its schema is not readable JSON)") from None
    found, refused = set(), set()
    for node in _nodes(schema, path):
        loader, module, cls = (node.get(k) for k in ("__loader__", "__module__", "__class__"))
        if not all(isinstance(x, str) for x in (loader, module, cls)):
            raise ValueError(f"{path}: not a skops model file (a node without a loader, module and class)")
        name = f"{module}.{cls}"
        (found if name in TRUSTED.get(loader, ()) else refused).add((loader, name))
    if refused:
        listed = ", ".join(f"{name} ({loader})" for loader, name in sorted(refused, key=lambda x: x[1]))
        raise ValueError(f"{path}: refusing to load a model file that names types this library's models do not "
                         f"hold: {listed}")
    return sorted({name for _, name in found})

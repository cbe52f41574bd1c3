"""Neural models: GrooveMLP (scikit-learn), GrooveSeq2Seq and GrooveTransfer (torch, skorch).

Each name is imported when first asked for: scikit-learn and torch take seconds to import, and
the command line plays a shipped ONNX file with neither.
"""

import importlib

_WHERE = {
    "MODULE_PARAMS": "._recurrent",
    "GrooveMLP": "._mlp",
    "GrooveSeq2Seq": "._seq2seq",
    "GrooveTransfer": "._transfer",
    "WeightAverage": "._callbacks",
    "export_onnx": "._export",
    "onnx_feed": "._export",
}

__all__ = [
    "MODULE_PARAMS",
    "GrooveMLP",
    "GrooveSeq2Seq",
    "GrooveTransfer",
    "WeightAverage",
    "export_onnx",
    "onnx_feed",
]


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))

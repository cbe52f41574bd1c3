"""Neural models: GrooveMLP (scikit-learn), GrooveSeq2Seq and GrooveTransfer (torch, skorch)."""

from ._export import export_onnx, onnx_feed, onnx_noise
from ._mlp import GrooveMLP
from ._seq2seq import MODULE_PARAMS, GrooveSeq2Seq, GrooveTransfer

__all__ = [
    "MODULE_PARAMS",
    "GrooveMLP",
    "GrooveSeq2Seq",
    "GrooveTransfer",
    "WeightAverage",
    "export_onnx",
    "onnx_feed",
    "onnx_noise",
]


def __getattr__(name):
    # WeightAverage is a skorch callback: skorch and torch are imported only when it is asked for
    if name == "WeightAverage":
        from ._callbacks import WeightAverage

        return WeightAverage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

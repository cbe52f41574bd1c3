"""Neural models: GrooveMLP (scikit-learn), GrooveSeq2Seq and GrooveTransfer (torch, skorch)."""

from ._mlp import GrooveMLP
from ._seq2seq import GrooveSeq2Seq, GrooveTransfer

__all__ = ["GrooveMLP", "GrooveSeq2Seq", "GrooveTransfer"]

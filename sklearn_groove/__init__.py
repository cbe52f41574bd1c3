"""sklearn_groove: expressive drum performances with scikit-learn estimators.

The array layout is documented in :mod:`sklearn_groove._hvo`; see
:func:`split_hvo` and :func:`join_hvo`.
"""

from ._hvo import N_VOICES, STEPS_PER_BAR, STEPS_PER_BEAT, VOICES, check_hvo, hits_of, join_hvo, split_hvo

from .baseline import GrooveLinear, GrooveMostFrequent, GrooveNearestWindow, GrooveQuantized
from .ensemble import GrooveEnsemble
from .neighbors import GrooveKNN
from .neural import GrooveMLP, GrooveSeq2Seq, GrooveTransfer

__version__ = "0.1.0"

__all__ = [
    "VOICES",
    "N_VOICES",
    "STEPS_PER_BEAT",
    "STEPS_PER_BAR",
    "split_hvo",
    "join_hvo",
    "check_hvo",
    "hits_of",
    "GrooveQuantized",
    "GrooveLinear",
    "GrooveMostFrequent",
    "GrooveNearestWindow",
    "GrooveKNN",
    "GrooveMLP",
    "GrooveSeq2Seq",
    "GrooveTransfer",
    "GrooveEnsemble",
]

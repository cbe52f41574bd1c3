"""sklearn_groove: expressive drum performances with scikit-learn estimators.

The array layout is documented in :mod:`sklearn_groove._hvo`; see
:func:`split_hvo` and :func:`join_hvo`.
"""

import importlib

from ._hvo import N_VOICES, STEPS_PER_BAR, STEPS_PER_BEAT, VOICES, check_hvo, hits_of, join_hvo, keep_voices, split_hvo

# The estimators are imported when first asked for (scikit-learn takes most of a second to
# import), so that ``import sklearn_groove`` and ``sklearn-groove --help`` stay quick.
_ESTIMATORS = {
    "GrooveQuantized": ".baseline",
    "GrooveLinear": ".baseline",
    "GrooveMostFrequent": ".baseline",
    "GrooveNearestWindow": ".baseline",
    "GrooveKNN": ".neighbors",
    "GrooveMLP": ".neural",
    "GrooveSeq2Seq": ".neural",
    "GrooveTransfer": ".neural",
    "GrooveEnsemble": ".ensemble",
}

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
    "keep_voices",
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


def __getattr__(name):
    if name in _ESTIMATORS:
        return getattr(importlib.import_module(_ESTIMATORS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))

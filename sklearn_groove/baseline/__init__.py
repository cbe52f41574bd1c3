"""Baselines: GrooveQuantized and GrooveLinear (Humanization), GrooveMostFrequent and GrooveNearestWindow (Infilling, Tap2Drum)."""

from ._baselines import GrooveLinear, GrooveQuantized
from ._tasks import GrooveMostFrequent, GrooveNearestWindow

__all__ = ["GrooveQuantized", "GrooveLinear", "GrooveMostFrequent", "GrooveNearestWindow"]

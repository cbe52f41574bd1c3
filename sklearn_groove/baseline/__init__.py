"""Baselines: GrooveQuantized and GrooveLinear."""

from ._baselines import GrooveLinear, GrooveQuantized

__all__ = ["GrooveQuantized", "GrooveLinear"]

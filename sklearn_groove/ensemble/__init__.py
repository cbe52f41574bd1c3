"""Ensembles of humanizers: GrooveEnsemble."""

from ._average import GrooveEnsemble

__all__ = ["GrooveEnsemble"]

"""Nearest-neighbour Humanization: GrooveKNN and the Hadamard similarity."""

from ._knn import GrooveKNN, hadamard_similarity

__all__ = ["GrooveKNN", "hadamard_similarity"]

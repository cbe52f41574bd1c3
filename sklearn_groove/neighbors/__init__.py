"""Nearest-neighbour Humanization: GrooveKNN and the Hadamard similarity."""

from ._knn import GrooveKNN, hadamard_similarity, top_k_similar

__all__ = ["GrooveKNN", "hadamard_similarity", "top_k_similar"]

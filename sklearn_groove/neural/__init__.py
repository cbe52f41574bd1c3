"""Neural Humanization models: GrooveMLP."""

from ._mlp import GrooveMLP

__all__ = ["GrooveMLP"]

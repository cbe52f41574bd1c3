"""Transformers that make paired data: Quantizer, VoiceRemover, Tapper."""

from ._transformers import Quantizer, Tapper, VoiceRemover

__all__ = ["Quantizer", "VoiceRemover", "Tapper"]

"""Datasets: the Groove MIDI Dataset."""

from ._groove import DESCR, PARSER_VERSION, fetch_groove, get_data_home

__all__ = ["fetch_groove", "get_data_home", "DESCR", "PARSER_VERSION"]

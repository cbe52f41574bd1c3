"""Drum pitch maps: which MIDI pitches each of the nine voices reads and writes."""


import numpy as np

from ._hvo import VOICES

__all__ = ["GMD_PITCH_MAP", "GM_PITCH_MAP", "pitch_table"]

#: Roland TD-11 pitches of the Groove MIDI Dataset, per voice. The first
#: pitch of each voice is the one :func:`hvo_to_midi` writes.
GMD_PITCH_MAP = {
    "kick": (36,),
    "snare": (38, 37, 40),
    "closed_hihat": (42, 22, 44),
    "open_hihat": (46, 26),
    "low_tom": (43, 58),
    "mid_tom": (47, 45),
    "high_tom": (50, 48),
    "crash": (49, 52, 55, 57),
    "ride": (51, 53, 59),
}


#: The TD-11 map extended to every General MIDI percussion pitch (35-81),
#: each added pitch given to the voice closest in sound and role: short
#: shakers and clicks to the closed hi-hat, sustained shakers and whistles to
#: the open hi-hat, bongos / congas / timbales / agogos / woodblocks to the
#: toms by register, bells to the ride. Pitch 58 keeps its TD-11 meaning (tom
#: rim) rather than GM's vibraslap, since the models are trained on TD-11 data.
GM_PITCH_MAP = {
    "kick": (36, 35),
    "snare": (38, 37, 39, 40),
    "closed_hihat": (42, 22, 44, 54, 69, 70, 73, 75, 78, 80),
    "open_hihat": (46, 26, 71, 72, 74, 79, 81),
    "low_tom": (43, 58, 41, 61, 64, 66, 68, 77),
    "mid_tom": (47, 45, 60, 63, 65, 67, 76),
    "high_tom": (50, 48, 62),
    "crash": (49, 52, 55, 57),
    "ride": (51, 53, 59, 56),
}


_PITCH_MAPS = {"gm": GM_PITCH_MAP, "gmd": GMD_PITCH_MAP}


def pitch_table(pitch_map):
    """Return an array of 128 voice indices (-1 = unmapped) for a pitch map."""
    if isinstance(pitch_map, str):
        if pitch_map not in _PITCH_MAPS:
            raise ValueError(f"pitch_map must be one of {sorted(_PITCH_MAPS)} or a dict, got {pitch_map!r}")
        pitch_map = _PITCH_MAPS[pitch_map]
    unknown = set(pitch_map) - set(VOICES)
    if unknown:
        raise ValueError(f"pitch_map names unknown voices {sorted(unknown)}; voices are {VOICES}")
    table = np.full(128, -1, dtype=np.int64)
    for voice, pitches in pitch_map.items():
        for p in pitches:
            if not 0 <= int(p) < 128:
                raise ValueError(f"pitch_map pitch {p!r} for {voice!r} is not a MIDI pitch 0..127")
            table[int(p)] = VOICES.index(voice)
    return table, pitch_map

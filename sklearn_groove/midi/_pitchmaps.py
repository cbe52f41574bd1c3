"""Drum pitch maps: which MIDI pitches each of the nine voices reads and writes."""


import numpy as np

from .._hvo import VOICES

__all__ = ["GMD_PITCH_MAP", "GM_PITCH_MAP", "OTHER_PERCUSSION", "pitch_table"]

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


# General MIDI: each voice reads only its own sounds (and the TD-11 articulations of the hi-hat,
# 22 and 26, which no General MIDI file uses). Every other percussion pitch (side stick 37, hand
# clap 39, Chinese cymbal 52, tambourine 54, splash 55, cowbell 56, vibraslap 58, the Latin
# percussion 60-81...) is no voice: a command leaves its notes as they were. Per pitch:
# kick 35 acoustic bass drum, 36 bass drum 1; snare 38 acoustic, 40 electric; closed hi-hat 42
# closed, 44 pedal; open hi-hat 46; low tom 41 and 43 floor toms; mid tom 45 low, 47 low-mid;
# high tom 48 hi-mid, 50 high; crash 49 and 57; ride 51 and 59, 53 ride bell.
GM_PITCH_MAP = {
    "kick": (36, 35),
    "snare": (38, 40),
    "closed_hihat": (42, 22, 44),
    "open_hihat": (46, 26),
    "low_tom": (43, 41),
    "mid_tom": (47, 45),
    "high_tom": (50, 48),
    "crash": (49, 57),
    "ride": (51, 53, 59),
}

#: The General MIDI pitches that are no voice's own sound, left as they were (35-81 but the voices').
OTHER_PERCUSSION = tuple(p for p in range(35, 82) if not any(p in ps for ps in GM_PITCH_MAP.values()))


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

"""Write a performance back into its own MIDI file, keeping every other event.

:func:`sklearn_groove.midi.rewrite_drums` is the public entry point.
"""

import io
from dataclasses import dataclass

import numpy as np

from ._hvo import N_VOICES, STEPS_PER_BEAT, VOICES, check_hvo, split_hvo
from ._midifile import DRUM_CHANNEL, nearest_step, step_tick


@dataclass
class _Note:
    track: int
    on: int  # index of the note-on in its track
    off: int  # index of its note-off, or -1 when never released
    tick: int
    velocity: int
    voice: int  # -1: a pitch of no voice (other percussion)
    pitch: int


def _read_mido(data, name):
    import mido

    try:
        return mido.MidiFile(file=io.BytesIO(data), clip=True)
    except (OSError, EOFError, ValueError, KeyError, IndexError) as exc:
        raise ValueError(f"{name}: cannot be rewritten, MIDI data is corrupt ({exc})") from None


def _absolute(track):
    return np.cumsum([msg.time for msg in track], dtype=np.int64)


def _drum_notes(midi, table):
    """The drum notes of the channel (10), their note-offs paired first in, first out; voice -1: no voice's pitch."""
    notes = []
    for t, track in enumerate(midi.tracks):
        ticks = _absolute(track)
        open_notes = {}
        for i, msg in enumerate(track):
            if msg.type not in ("note_on", "note_off") or msg.channel != DRUM_CHANNEL:
                continue
            key = msg.note
            if msg.type == "note_on" and msg.velocity > 0:
                note = _Note(t, i, -1, int(ticks[i]), msg.velocity, int(table[key]), key)
                notes.append(note)
                open_notes.setdefault(key, []).append(note)
            elif open_notes.get(key):
                open_notes[key].pop(0).off = i
    return notes


def rewrite_drums(data, name, hvo, table, pitch_map, *, voices, amount, replace, other="keep"):
    """See :func:`sklearn_groove.midi.rewrite_drums`; returns ``(mido.MidiFile, counts)``."""
    import mido

    h, v, o = split_hvo(check_hvo(hvo, ndim=2))
    midi = _read_mido(data, name)
    step_ticks = midi.ticks_per_beat / STEPS_PER_BEAT
    chosen = np.isin(np.arange(N_VOICES), [VOICES.index(x) for x in voices])
    drum_notes = _drum_notes(midi, table)
    notes = [n for n in drum_notes if n.voice >= 0 and chosen[n.voice]]
    h = h * chosen  # hits of other voices are neither played nor added
    step, offset = nearest_step([n.tick for n in notes], midi.ticks_per_beat)
    if len(step) and step.max() >= len(h):
        raise ValueError(
            f"{name}: hvo has {len(h)} steps, but the file's drums run to step {step.max() + 1}: "
            "give a performance of the whole file"
        )

    # per track: new ticks of note-ons, shifts of their note-offs, new velocities, events removed
    edits = [dict(ticks={}, shifts={}, velocities={}, dropped=set()) for _ in midi.tracks]
    by_cell = {}
    for k, n in enumerate(notes):
        by_cell.setdefault((int(step[k]), n.voice), []).append(k)
    counts = dict(moved=0, removed=0, added=0, kept=0, followed=0)
    moves = {}  # (step, voice) played -> (its shift in steps, its velocity factor): what other percussion follows
    for (s, j), members in by_cell.items():
        if not h[s, j] > 0:
            if replace:
                for k in members:
                    edits[notes[k].track]["dropped"].update(i for i in (notes[k].on, notes[k].off) if i >= 0)
                counts["removed"] += len(members)
            else:
                counts["kept"] += len(members)
            continue
        loudest = max(members, key=lambda k: (notes[k].velocity, -notes[k].tick))
        own = float(offset[loudest])  # amount blends from the file's own timing to the performance's
        target = own + amount * (float(o[s, j]) - own)
        new_velocity = notes[loudest].velocity + amount * (127.0 * float(v[s, j]) - notes[loudest].velocity)
        moves[(s, j)] = (target - own, new_velocity / notes[loudest].velocity)
        for k in members:
            n = notes[k]
            tick = step_tick(s, offset[k] - offset[loudest] + target, step_ticks)
            _move(edits, n, tick, new_velocity * n.velocity / notes[loudest].velocity)
        counts["moved"] += len(members)
        h[s, j] = 0  # played by an existing note: nothing to add there
    added = _new_notes(h, v, o, step_ticks, pitch_map, amount)
    counts["added"] = len(added) // 2
    moves.update({(int(s), int(j)): (amount * float(o[s, j]), 1.0) for s, j in zip(*np.nonzero(h > 0))})
    others = [n for n in drum_notes if n.voice < 0]
    if other == "follow":
        counts["followed"] = _follow(others, moves, edits, midi.ticks_per_beat)
    drum_track = next((n.track for n in notes), _first_drum_track(midi))
    for t, track in enumerate(midi.tracks):
        midi.tracks[t] = _rebuild(track, **edits[t], added=added if t == drum_track else [])
    if drum_track >= len(midi.tracks):
        midi.tracks.append(_rebuild(mido.MidiTrack(), {}, {}, {}, set(), added))
    return midi, counts


# Other percussion follows the voice whose sound is nearest (a tambourine the hi-hat, a clap the snare...);
# where that voice is not played on the note's step, the first of these that is.
_FOLLOWS = {37: "snare", 39: "snare", 52: "crash", 54: "closed_hihat", 55: "crash", 56: "ride", 69: "closed_hihat",
            70: "closed_hihat", 75: "snare", 81: "closed_hihat", 80: "closed_hihat"}
_NEAREST = [VOICES.index(x) for x in ("closed_hihat", "ride", "snare", "kick", "open_hihat", "high_tom", "mid_tom",
                                      "low_tom", "crash")]


def _follow(others, moves, edits, ticks_per_beat):
    """Move notes of no voice with the voice they follow on their step; the number moved.

    ``moves`` holds the changed voices' played cells only, so a voice left as it is never leads.
    """
    step_ticks = ticks_per_beat / STEPS_PER_BEAT
    step, offset = nearest_step([n.tick for n in others], ticks_per_beat)
    moved = 0
    for k, n in enumerate(others):
        s = int(step[k])
        order = [VOICES.index(_FOLLOWS[n.pitch])] if n.pitch in _FOLLOWS else []
        leader = next((j for j in order + _NEAREST if (s, j) in moves), None)
        if leader is None:
            continue
        shift, factor = moves[(s, leader)]
        _move(edits, n, step_tick(s, float(offset[k]) + shift, step_ticks), n.velocity * factor)
        moved += 1
    return moved


def _move(edits, note, tick, velocity):
    """Edit a note: its note-on to ``tick`` (its note-off keeps its length) at ``velocity`` (rounded, 1-127)."""
    edit = edits[note.track]
    edit["ticks"][note.on] = tick
    if note.off >= 0:
        edit["shifts"][note.off] = (tick - note.tick, tick)
    edit["velocities"][note.on] = int(np.clip(round(velocity), 1, 127))


def _first_drum_track(midi):
    for t, track in enumerate(midi.tracks):
        if any(m.type in ("note_on", "note_off") and m.channel == DRUM_CHANNEL for m in track):
            return t
    return 0 if midi.type == 0 else len(midi.tracks)


def _new_notes(h, v, o, step_ticks, pitch_map, amount):
    """(tick, message) pairs for hits with no input note: each voice's first pitch, half a step long."""
    import mido

    events = []
    for s, j in zip(*np.nonzero(h > 0)):
        pitch = pitch_map[VOICES[j]][0]
        tick = step_tick(s, amount * float(o[s, j]), step_ticks)
        velocity = int(np.clip(round(127 * float(v[s, j])), 1, 127))
        events.append((tick, mido.Message("note_on", channel=DRUM_CHANNEL, note=pitch, velocity=velocity)))
        off = tick + max(int(step_ticks / 2), 1)
        events.append((off, mido.Message("note_off", channel=DRUM_CHANNEL, note=pitch, velocity=0)))
    return events


def _is_off(msg):
    return msg.type == "note_off" or (msg.type == "note_on" and msg.velocity == 0)


def _copy(msg, **values):
    """``msg.copy(**values)``; mido's checks are skipped for a channel message (a song's copies took a second
    with them), whose values here are ints this module computed, within MIDI's ranges."""
    import mido

    return msg.copy(skip_checks=True, **values) if isinstance(msg, mido.Message) else msg.copy(**values)


def _rebuild(track, ticks, shifts, velocities, dropped, added):
    """The track in time order, with new note-on ticks, shifted note-offs, new velocities, events dropped and added.

    ``shifts`` maps a note-off to its note's shift and new start. At one tick,
    the release of an earlier moved note comes before the moved note-ons, so
    that it does not cut them, and a note that starts and ends on one tick
    keeps its note-on first; events that do not move keep their order.
    """
    import mido

    old = _absolute(track)
    rows = []  # (tick, rank, order, message)
    end = None
    for i, msg in enumerate(track):
        tick = int(old[i])
        if i in dropped:
            continue
        if msg.type == "end_of_track":
            end = (tick, msg)
            continue
        rank = 1
        if i in ticks:
            tick = ticks[i]
        elif i in shifts:
            shift, start = shifts[i]
            tick = max(tick + shift, start)
            rank = 0 if tick > start else 2
        if i in velocities:
            msg = _copy(msg, velocity=velocities[i])
        rows.append((tick, rank, i, msg))
    rows += [(tick, 0 if _is_off(msg) else 1, len(track) + k, msg) for k, (tick, msg) in enumerate(added)]
    rows.sort(key=lambda r: r[:3])
    out = mido.MidiTrack()
    last = 0
    for tick, _, _, msg in rows:
        out.append(_copy(msg, time=tick - last))
        last = tick
    end_tick, end_msg = end if end is not None else (last, mido.MetaMessage("end_of_track"))
    out.append(end_msg.copy(time=max(end_tick, last) - last))
    return out

"""Write a performance back into its own MIDI file, keeping every other event.

:func:`sklearn_groove.midi.rewrite_drums` is the public entry point. The file
is parsed once, by the reader (:func:`sklearn_groove.midi._midifile.read_smf`), and
written from that parse: every event it does not change is copied byte for
byte (a channel message under running status gets its status byte written
out), so every file the reader accepts is written, and nothing it did not read
is. Everything is computed on arrays, so time and memory grow with the number
of events.
"""

import numpy as np

from .._hvo import N_VOICES, STEPS_PER_BEAT, VOICES, check_hvo, split_hvo
from ._midifile import DRUM_CHANNEL, Info, _cat, is_drum_event, loudest_in_cells, nearest_step

#: Largest delta-time a MIDI file can hold (4 bytes of 7 bits).
MAX_DELTA = 0x0FFFFFFF
_FILLER = b"\xff\x01\x00"  # an empty text event: carries time where a gap is longer than MAX_DELTA
_END_OF_TRACK = b"\xff\x2f\x00"
#: Ticks a beat a file gets at least where notes move: GMD's drummers were recorded at 480 (a tick is about 1 ms at
#: 120 bpm); a coarser file (pretty_midi writes 220, some DAWs export 96: 5 ms) would round the performance's timing
#: onto its own coarse grid, which a classifier tells from a drummer's.
FINEST_TICKS_PER_BEAT = 480


def step_ticks(step, offset, ticks_per_step):
    """Tick of each note ``offset`` steps off ``step``: the nearest one read back on ``step``, and at 0 or later.

    Rounded to the nearest tick, clipped to the half steps around its step
    (tick rounding included: a note exactly half a step late would be read on
    the next step).
    """
    step = np.asarray(step, dtype=np.float64)
    low, high = np.ceil((step - 0.5) * ticks_per_step), np.ceil((step + 0.5) * ticks_per_step) - 1
    tick = np.clip(np.rint((step + np.asarray(offset, dtype=np.float64)) * ticks_per_step), low, high)
    return np.maximum(tick, 0).astype(np.int64)


def _drum_notes(tracks, table):
    """The drum notes (channel 10) of all tracks as arrays, each note-on paired with its note-off.

    Note-offs pair first in, first out per track and pitch; a note never
    released has ``off`` -1. ``voice`` -1: a pitch of no voice.
    """
    parts = []
    for t, track in enumerate(tracks):
        status = track["event_status"]
        drum = np.flatnonzero(is_drum_event(status)).astype(np.int32)
        data = track["bytes"]
        first = track["event_start"][drum] + (~track["event_running"][drum])
        pitch, velocity = data[first].astype(np.int16), data[first + 1].astype(np.int16)
        is_on = (status[drum] >> 4 == 0x9) & (velocity > 0)
        del first
        on, off = _pair(pitch, is_on)
        parts.append(Info(track=np.full(len(on), t, dtype=np.int16), on=drum[on],
                          off=np.where(off >= 0, drum[np.maximum(off, 0)], -1).astype(np.int32),
                          tick=track["event_tick"][drum[on]], velocity=velocity[on], pitch=pitch[on]))
    notes = Info({k: _cat([p[k] for p in parts]) for k in parts[0]})
    notes.voice = table[notes.pitch].astype(np.int8)
    return notes


def _pair(pitch, is_on):
    """Indices of the note-ons, and of the note-off each is released by (-1: never), first in, first out a pitch.

    A note-off with no note of its pitch sounding is ignored. With ``E`` the
    note-offs that released a note so far and ``C`` the note-ons so far, the
    ``j``-th note-off releases one iff ``E`` grows there, where
    ``E_j = min(E_{j-1} + 1, C_j)``, that is ``E_j = j + min_{i<=j}(C_i - i)``.
    """
    order = np.argsort(pitch, kind="stable").astype(np.int32)  # by pitch, in file order within a pitch
    p, ons = pitch[order], is_on[order]
    starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]]) if len(p) else np.zeros(0, dtype=np.int64)
    group = np.cumsum(np.r_[False, p[1:] != p[:-1]]) if len(p) else np.zeros(0, dtype=np.int64)
    group = group.astype(np.int32)
    ons_before = np.cumsum(ons, dtype=np.int32)
    ons_before -= np.r_[0, ons_before][starts][group]  # note-ons so far in the pitch
    offs = ~ons
    off_index = np.cumsum(offs, dtype=np.int32)
    off_index -= np.r_[0, off_index][starts][group]  # 1-based count of note-offs in the pitch
    # scan over note-offs only: E_j = j + min_{i<=j}(C_i - i), restarted at each pitch
    where_off = np.flatnonzero(offs)
    released = np.zeros(len(p), dtype=bool)
    paired_on = np.full(len(p), -1, dtype=np.int64)
    if len(where_off):
        c, j, g = ons_before[where_off], off_index[where_off], group[where_off]
        key = c - j
        new_group = np.r_[True, g[1:] != g[:-1]]
        # a minimum accumulated within groups: offset each group far below the previous ones
        shift = np.cumsum(new_group) * (2 * (len(p) + 2))
        running = np.minimum.accumulate(key - shift) + shift
        e = j + np.minimum(running, 0)  # E_0 = 0: min over i of (C_i - i) and 0
        previous = np.r_[0, e[:-1]]
        previous[new_group] = 0
        grew = e > previous
        released[where_off[grew]] = True
        paired_on[where_off[grew]] = e[grew]  # the E-th note-on of the pitch
    on_rank = ons_before  # at a note-on: its 1-based rank in its pitch
    on_positions = np.flatnonzero(ons)
    # the note-off of each note-on: the released note-off with the same (pitch group, rank)
    key_on = group[on_positions] * (len(p) + 1) + on_rank[on_positions]
    rel = np.flatnonzero(released)
    key_off = group[rel] * (len(p) + 1) + paired_on[rel]
    off_of_on = np.full(len(on_positions), -1, dtype=np.int64)
    if len(rel):
        sorter = np.argsort(key_off)
        found = np.searchsorted(key_off, key_on, sorter=sorter)
        found = np.minimum(found, len(rel) - 1)
        match = key_off[sorter[found]] == key_on
        off_of_on[match] = order[rel[sorter[found[match]]]]
    on_index = order[on_positions]
    back = np.argsort(on_index, kind="stable")  # note-ons in file order
    return on_index[back], off_of_on[back]


class _Edits:
    """What changes in each track, as arrays of event indices: note-ons moved (new tick and velocity), their
    note-offs shifted (by how much, and the new start they may not precede), events dropped."""

    def __init__(self, n_tracks):
        self.ons = [[] for _ in range(n_tracks)]  # (event index, tick, velocity)
        self.offs = [[] for _ in range(n_tracks)]  # (event index, shift, new start)
        self.dropped = [[] for _ in range(n_tracks)]

    def move(self, notes, which, tick, velocity):
        """Move notes ``which`` to ``tick`` (their note-offs keep their lengths) at ``velocity`` (rounded, 1-127)."""
        velocity = np.clip(np.rint(velocity), 1, 127).astype(np.int64)
        for t in np.unique(notes.track[which]):
            mine = notes.track[which] == t
            idx, new = which[mine], tick[mine]
            self.ons[t].append(np.stack([notes.on[idx], new, velocity[mine]], axis=1))
            released = notes.off[idx] >= 0
            self.offs[t].append(np.stack([notes.off[idx], new - notes.tick[idx], new], axis=1)[released])

    def drop(self, notes, which):
        for t in np.unique(notes.track[which]):
            idx = which[notes.track[which] == t]
            self.dropped[t] += [notes.on[idx], notes.off[idx][notes.off[idx] >= 0]]

    def of(self, t):
        """The edits of track ``t``: (ons (k, 3), offs (k, 3), dropped indices)."""
        def cat(parts, width):
            return np.concatenate(parts) if parts else np.zeros((0, width) if width else 0, dtype=np.int64)

        return cat(self.ons[t], 3), cat(self.offs[t], 3), cat(self.dropped[t], 0).astype(np.int64)


def rewrite_drums(smf, data, name, hvo, table, pitch_map, *, voices, amount, replace, other="keep"):
    """See :func:`sklearn_groove.midi.rewrite_drums`; ``smf`` is :func:`read_smf`'s parse; returns ``(bytes, counts)``."""
    h, v, o = split_hvo(check_hvo(hvo, ndim=2))
    if amount > 0:  # at 0 nothing moves: the file stays as it was, to the byte
        smf = finer(smf)
    tpb = smf.ticks_per_beat
    ticks_per_step = tpb / STEPS_PER_BEAT
    chosen = np.isin(np.arange(N_VOICES), [VOICES.index(x) for x in voices])
    drum = _drum_notes(smf.tracks, table)
    played = np.flatnonzero((drum.voice >= 0) & chosen[np.maximum(drum.voice, 0)]).astype(np.int32)
    first_played = int(played[0]) if len(played) else None
    h = h * chosen  # hits of other voices are neither played nor added (a copy: cells played are cleared below)
    step, offset = nearest_step(drum.tick[played], tpb)
    step = step.astype(np.int32)
    if len(step) and step.max() >= len(h):
        raise ValueError(
            f"{name}: hvo has {len(h)} steps, but the file's drums run to step {step.max() + 1}: "
            "give a performance of the whole file"
        )
    edits = _Edits(len(smf.tracks))
    counts = dict(moved=0, removed=0, added=0, kept=0, followed=0)
    cell_hit = h[step, drum.voice[played]] > 0 if len(step) else np.zeros(0, dtype=bool)

    silent = played[~cell_hit]  # notes on cells the performance does not play
    if replace:
        edits.drop(drum, silent)
        counts["removed"] = len(silent)
    else:
        counts["kept"] = len(silent)

    k, step, offset = played[cell_hit], step[cell_hit], offset[cell_hit]
    del played, cell_hit, silent
    moved_cells = np.zeros(h.shape, dtype=bool)
    shift, factor = np.zeros(h.shape), np.ones(h.shape)
    _play(drum, k, step, offset, h, v, o, amount, ticks_per_step, edits, moved_cells, shift, factor)
    del step, offset
    counts["moved"] = len(k)
    h[moved_cells] = 0  # played by an existing note: nothing to add there

    added = _new_notes(h, v, o, ticks_per_step, pitch_map, amount)
    counts["added"] = len(added[0]) // 2
    new = h > 0
    moved_cells |= new
    shift[new] = amount * o[new]
    factor[new] = 1.0
    if other == "follow":
        others = np.flatnonzero(drum.voice < 0)
        counts["followed"] = _follow(drum, others, moved_cells, shift, factor, edits, tpb)
    drum_track = int(drum.track[first_played]) if first_played is not None else _first_drum_track(smf)
    tracks = [_rebuild(track, edits, t, added if t == drum_track else None) for t, track in enumerate(smf.tracks)]
    if drum_track >= len(smf.tracks):
        tracks.append(_rebuild(None, edits, None, added))
    return _assemble(smf, data, tracks), dict(counts, ticks_per_beat=tpb)


def finer(smf):
    """``smf`` with every tick multiplied by the smallest whole number that gives it at least
    :data:`FINEST_TICKS_PER_BEAT` ticks a beat: every event at the same time as before, exactly (tempi are in
    microseconds a beat), with room for the performance's timing."""
    factor = -(-FINEST_TICKS_PER_BEAT // smf.ticks_per_beat)
    if factor == 1:
        return smf
    header = bytearray(smf.header)
    header[12:14] = (smf.ticks_per_beat * factor).to_bytes(2, "big")
    tracks = [dict(track, event_tick=track["event_tick"] * factor) for track in smf.tracks]
    return Info(smf, ticks_per_beat=smf.ticks_per_beat * factor, header=bytes(header), tracks=tracks)


def _play(drum, k, step, offset, h, v, o, amount, ticks_per_step, edits, moved_cells, shift, factor, chunk=1 << 17):
    """Move the notes ``k`` of the played cells, on ``step`` at ``offset`` (one of each a note of ``k``).

    The loudest note of each cell leads it (ties: the earliest, then the
    first in the file): it gets the cell's offset and velocity (blended by
    ``amount`` from its own), and the others keep their distance and their
    velocity ratio to it. ``moved_cells``, ``shift`` and ``factor`` get each
    cell's move, for the notes that follow a voice. Per-note work is done
    ``chunk`` notes at a time, so that memory stays small.
    """
    voice = drum.voice[k]
    vel = drum.velocity[k]
    lead = loudest_in_cells(step.astype(np.int64) * N_VOICES + voice, vel, drum.tick[k])  # as indices into k
    s, j = step[lead], voice[lead]
    moved_cells[s, j] = True
    own = offset[lead]  # amount blends from the leader's own timing and velocity to the performance's
    shift[s, j] = amount * (o[s, j].astype(np.float64) - own)
    lead_velocity = vel[lead].astype(np.float64)
    factor[s, j] = 1 + amount * (127.0 * v[s, j].astype(np.float64) - lead_velocity) / lead_velocity
    del s, j, own, lead_velocity, lead
    for i in range(0, len(k), chunk):  # each note keeps its distance and velocity ratio to its cell's leader
        part = slice(i, i + chunk)
        s, j = step[part], voice[part]
        edits.move(drum, k[part], step_ticks(s, offset[part] + shift[s, j], ticks_per_step), factor[s, j] * vel[part])


# Other percussion follows the voice whose sound is nearest (a tambourine the hi-hat, a clap the snare...);
# where that voice is not played on the note's step, the first of these that is.
_FOLLOWS = {37: "snare", 39: "snare", 52: "crash", 54: "closed_hihat", 55: "crash", 56: "ride", 69: "closed_hihat",
            70: "closed_hihat", 75: "snare", 81: "closed_hihat", 80: "closed_hihat"}
_NEAREST = [VOICES.index(x) for x in ("closed_hihat", "ride", "snare", "kick", "open_hihat", "high_tom", "mid_tom",
                                      "low_tom", "crash")]


def _follow(drum, others, moved_cells, shift, factor, edits, ticks_per_beat):
    """Move notes of no voice with the voice they follow on their step; the number moved.

    ``moved_cells`` holds the changed voices' played cells only, so a voice left as it is never leads.
    """
    step, offset = nearest_step(drum.tick[others], ticks_per_beat)
    inside = step < len(moved_cells)
    others, step, offset = others[inside], step[inside], offset[inside]
    leader = np.full(len(others), -1, dtype=np.int64)
    preferred = np.array([VOICES.index(_FOLLOWS[p]) if p in _FOLLOWS else -1 for p in range(128)])[drum.pitch[others]]
    for candidate in [preferred] + [np.full(len(others), j) for j in _NEAREST]:
        free = (leader < 0) & (candidate >= 0)
        free[free] = moved_cells[step[free], candidate[free]]
        leader[free] = candidate[free]
    lead = leader >= 0
    s, j = step[lead], leader[lead]
    tick = step_ticks(s, offset[lead] + shift[s, j], ticks_per_beat / STEPS_PER_BEAT)
    edits.move(drum, others[lead], tick, drum.velocity[others[lead]] * factor[s, j])
    return int(lead.sum())


def _first_drum_track(smf):
    """The first track with a drum note-on or note-off; else 0 for a type-0 file, or a new track."""
    for t, track in enumerate(smf.tracks):
        if is_drum_event(track["event_status"]).any():
            return t
    return 0 if smf.format == 0 else len(smf.tracks)


def _new_notes(h, v, o, ticks_per_step, pitch_map, amount):
    """(ticks, messages) of notes for hits with no input note: each voice's first pitch, half a step long.

    The note-on and its note-off follow each other, hits in step then voice order.
    """
    s, j = np.nonzero(h > 0)
    on = step_ticks(s, amount * o[s, j].astype(np.float64), ticks_per_step)
    off = on + max(int(ticks_per_step / 2), 1)
    pitch = np.array([pitch_map[voice][0] for voice in VOICES])[j]
    velocity = np.clip(np.rint(127 * v[s, j].astype(np.float64)), 1, 127).astype(np.int64)
    ticks = np.stack([on, off], axis=1).ravel()
    messages = np.zeros((len(s), 2, 3), dtype=np.uint8)
    messages[:, 0] = np.stack([np.full(len(s), 0x90 | DRUM_CHANNEL), pitch, velocity], axis=1)
    messages[:, 1] = np.stack([np.full(len(s), 0x80 | DRUM_CHANNEL), pitch, np.zeros(len(s))], axis=1)
    return ticks, messages.reshape(-1, 3)


def _rebuild(track, edits, t, added):
    """The bytes of a track chunk's body, in time order, with the edits of track ``t`` and ``added`` notes.

    At one tick, the release of an earlier moved note comes before the moved
    note-ons, so that it does not cut them, and a note that starts and ends on
    one tick keeps its note-on first; events that do not move keep their order.
    """
    if track is None:  # a new track for added notes
        data, n = np.zeros(0, dtype=np.uint8), 0
        tick = start = end = np.zeros(0, dtype=np.int64)
        status, running, keep = np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
        end_tick = 0
    else:
        data = track["bytes"].copy()
        tick, start, end = track["event_tick"].copy(), track["event_start"], track["event_end"]
        status, running = track["event_status"], track["event_running"]
        n = len(tick)
        is_end = (status == 0xFF) & (data[np.minimum(start + 1, len(data) - 1)] == 0x2F)
        end_tick = int(tick[is_end][0]) if is_end.any() else (int(tick[-1]) if n else 0)
        ons, offs, dropped = edits.of(t)
        keep = ~is_end
        keep[dropped] = False
    rank = np.ones(n, dtype=np.int8)
    if t is not None:
        tick[ons[:, 0]] = ons[:, 1]
        data[start[ons[:, 0]] + (~running[ons[:, 0]]) + 1] = ons[:, 2]  # the velocity: a note-on's second data byte
        new = np.maximum(tick[offs[:, 0]] + offs[:, 1], offs[:, 2])
        rank[offs[:, 0]] = np.where(new > offs[:, 2], 0, 2)
        tick[offs[:, 0]] = new
    # the bytes of each kept event: a status byte written out under running status, then its own bytes
    head = np.where(running & keep, status, 0).astype(np.uint8)
    rows_tick, rows_rank, rows_order = tick[keep], rank[keep], np.flatnonzero(keep)
    src_start, src_end, rows_head = start[keep], end[keep], head[keep]
    has_head = running[keep]
    if added is not None and len(added[0]):
        added_ticks, messages = added
        base = len(data)
        data = np.concatenate([data, messages.ravel()])
        k = np.arange(len(added_ticks))
        rows_tick = np.r_[rows_tick, added_ticks]
        rows_rank = np.r_[rows_rank, np.where(messages[:, 0] >> 4 == 0x8, 0, 1)]
        rows_order = np.r_[rows_order, n + k]
        src_start = np.r_[src_start, base + 3 * k]
        src_end = np.r_[src_end, base + 3 * k + 3]
        rows_head = np.r_[rows_head, np.zeros(len(k), dtype=np.uint8)]
        has_head = np.r_[has_head, np.zeros(len(k), dtype=bool)]
    order = np.lexsort((rows_order, rows_rank, rows_tick))
    rows_tick, src_start, src_end = rows_tick[order], src_start[order], src_end[order]
    rows_head, has_head = rows_head[order], has_head[order]
    last = int(rows_tick[-1]) if len(rows_tick) else 0
    # end of track, at its own tick or after the last event
    data = np.concatenate([data, np.frombuffer(_END_OF_TRACK, dtype=np.uint8)])
    rows_tick = np.r_[rows_tick, max(end_tick, last)]
    src_start, src_end = np.r_[src_start, len(data) - 3], np.r_[src_end, len(data)]
    rows_head, has_head = np.r_[rows_head, 0].astype(np.uint8), np.r_[has_head, False]
    return _encode(data, np.diff(rows_tick, prepend=0), rows_head, has_head, src_start, src_end)


def _vlq_bytes(values):
    """Each value as a MIDI variable-length quantity: (length 1-4 of each, bytes (n, 4) left-aligned)."""
    values = np.asarray(values, dtype=np.int64)
    length = 1 + (values >= 1 << 7) + (values >= 1 << 14) + (values >= 1 << 21)
    out = np.zeros((len(values), 4), dtype=np.uint8)
    for k in range(4):  # byte k of a quantity of length L holds bits 7 * (L - 1 - k) and up
        shift = 7 * (length - 1 - k)
        inside = k < length
        byte = (values >> np.maximum(shift, 0)) & 0x7F
        out[inside, k] = (byte | np.where(k < length - 1, 0x80, 0))[inside]
    return length, out


def _encode(data, delta, head, has_head, src_start, src_end, chunk=1 << 16):
    """A track body: for each event its delta-time, its written-out status byte (if any), then ``data[start:end]``.

    Written ``chunk`` events at a time, so that the index arrays stay small whatever the track's length.
    """
    if (delta > MAX_DELTA).any():  # a gap longer than a delta-time can say: carried by empty text events
        return _encode_long_gaps(data, delta, head, has_head, src_start, src_end)
    parts = []
    for i in range(0, len(delta), chunk):
        part = slice(i, i + chunk)
        parts.append(_encode_part(data, delta[part], head[part], has_head[part], src_start[part], src_end[part]))
    return b"".join(parts)


def _encode_part(data, delta, head, has_head, src_start, src_end):
    vlq_length, vlq = _vlq_bytes(delta)
    size = src_end - src_start
    length = vlq_length + has_head + size
    at = np.r_[0, np.cumsum(length)]
    out = np.empty(int(at[-1]), dtype=np.uint8)
    for k in range(4):
        inside = k < vlq_length
        out[at[:-1][inside] + k] = vlq[inside, k]
    out[(at[:-1] + vlq_length)[has_head]] = head[has_head]
    body_at = at[:-1] + vlq_length + has_head
    within = np.arange(int(size.sum())) - np.repeat(np.r_[0, np.cumsum(size)][:-1], size)  # byte k of its event
    out[np.repeat(body_at, size) + within] = data[np.repeat(src_start, size) + within]
    return out.tobytes()


def _encode_long_gaps(data, delta, head, has_head, src_start, src_end):
    base = len(data)
    data = np.concatenate([data, np.frombuffer(_FILLER, dtype=np.uint8)])
    rows = []
    for d, hd, hh, s, e in zip(delta.tolist(), head.tolist(), has_head.tolist(), src_start.tolist(), src_end.tolist()):
        while d > MAX_DELTA:
            rows.append((MAX_DELTA, 0, False, base, base + 3))
            d -= MAX_DELTA
        rows.append((d, hd, hh, s, e))
    d, hd, hh, s, e = (np.array(c) for c in zip(*rows))
    return _encode(data, d.astype(np.int64), hd.astype(np.uint8), hh.astype(bool), s.astype(np.int64),
                   e.astype(np.int64))


def _assemble(smf, data, tracks):
    """The file: its header and chunks as they were, each track chunk read replaced by its rebuilt body.

    A track added for new drum notes goes after the last track read, and the
    header counts it; chunks of other types and bytes after the last chunk read
    are copied as they are.
    """
    header = bytearray(smf.header)
    added = tracks[len(smf.tracks):]
    if added:
        header[10:12] = (len(tracks)).to_bytes(2, "big")
    parts = [bytes(header)]
    last_track = max(i for i, (_, _, t) in enumerate(smf.chunks) if t >= 0)
    for i, (start, end, t) in enumerate(smf.chunks):
        parts.append(data[start:end] if t < 0 else _chunk(tracks[t]))
        if i == last_track:
            parts += [_chunk(body) for body in added]
    parts.append(data[smf.end:])
    return b"".join(parts)


def _chunk(body):
    return b"MTrk" + len(body).to_bytes(4, "big") + body

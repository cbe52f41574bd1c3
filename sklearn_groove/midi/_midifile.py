"""A small, fast, lossless reader of Standard MIDI Files (note-ons, tempo, meter).

Why not pretty_midi or another parser: they pair note-ons with note-offs and
drop what does not pair (zero-length notes, a note struck again before its
note-off, a note never released), and drum kits write all three. Here every
note-on with velocity > 0 is an onset.

How it stays fast without a loop over bytes: for each byte position of a
block of a track, numpy computes where the next event would start if an
event started there, under each of the two running statuses that change an
event's length (the last channel status has two data bytes, or one: program
change, channel pressure). A short Python loop then follows these links,
many events a step (pointer doubling), from the start of the block, and
numpy reads the events on the chain. A block is a fixed number of bytes, so
memory grows with the notes a file holds, not with its size or quirks.

Every malformed input ends in a ``ValueError``.
"""

from collections import namedtuple

import numpy as np

from .._hvo import MAX_OFFSET, STEPS_PER_BEAT

__all__ = ["Info", "MidiEvents", "read_smf", "read_midi_bytes", "summarize", "nearest_step", "loudest_in_cells",
           "is_drum_event", "DRUM_CHANNEL"]

class Info(dict):
    """What a reading or writing function says of a file: a dict whose keys are also attributes.

    As scikit-learn's ``Bunch``, without importing scikit-learn (a second or
    more of the command line's start).
    """

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value

    def __dir__(self):
        return list(self)


#: MIDI channel 10, counted from 0: the General MIDI drum channel.
DRUM_CHANNEL = 9

#: What a file holds, as flat arrays. ``note_*`` arrays have one entry per
#: note-on with velocity > 0 (all channels, all tracks), in file order.
MidiEvents = namedtuple(
    "MidiEvents",
    "ticks_per_beat note_tick note_channel note_pitch note_velocity "
    "tempo_tick tempo_us timesig_tick timesig_numerator timesig_denominator",
)

def nearest_step(tick, ticks_per_beat):
    """Nearest 16th-note step of each tick and the offset from it, in steps (``[-0.5, MAX_OFFSET]``)."""
    exact = np.asarray(tick, dtype=np.float64) * (STEPS_PER_BEAT / ticks_per_beat)
    step = np.floor(exact + 0.5).astype(np.int64)
    return step, np.minimum(exact - step, MAX_OFFSET)


def is_drum_event(status):
    """Which events of a track (their resolved status bytes) are note-ons or note-offs of the drum channel."""
    kind = status >> 4
    return ((kind == 0x8) | (kind == 0x9)) & (status & 0xF == DRUM_CHANNEL) & (status < 0xF0)


def loudest_in_cells(cell, velocity, earliest):
    """Indices of the loudest note of each grid cell (``step * n_voices + voice``): ties go to the smallest
    ``earliest`` (a tick or an offset), then to the first given. The reader keeps it; the writer leads with it."""
    order = np.lexsort((earliest, -np.asarray(velocity, dtype=np.int64), cell))  # stable: the first given on a tie
    first = np.r_[True, cell[order][1:] != cell[order][:-1]] if len(order) else np.zeros(0, dtype=bool)
    return order[first]


#: Most track chunks read from one file.
MAX_TRACKS = 1024
_PAD = 16  # zeros after a track so that fixed look-aheads stay in bounds
# Data bytes of system common messages (0xF1-0xFE), by low nibble.
_SYSTEM_LENGTH = np.array([0, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])


def _vlq(b, n):
    """Variable-length quantity at every position ``< n`` of ``b``: (length, value).

    A length of 5 marks an invalid quantity (more than 4 bytes).
    """
    low = (b & 0x7F).astype(np.int32)
    c0, c1, c2, c3 = (b[k : n + k] >= 0x80 for k in range(4))
    c1 &= c0
    c2 &= c1
    c3 &= c2
    length = 1 + c0.view(np.int8) + c1.view(np.int8) + c2.view(np.int8) + c3.view(np.int8)
    value = low[:n].copy()
    if c0.any():  # rare at most positions: take the slow path only if needed
        for k, more in enumerate((c0, c1, c2), start=1):
            value = np.where(more, (value << 7) | low[k : n + k], value)
    return length.astype(np.int32), value


#: Bytes of a track read at a time: memory stays bounded by it, whatever the file's size.
_BLOCK = 1 << 18
# Where an event leads, besides the next event's position: the track's end, an invalid length, past the end.
_END, _INVALID, _PAST = -1, -2, -3


def _chain(nxt, start, levels=5):
    """Follow next-event links from index ``start`` until the absorbing last index; return the chain.

    Pointer doubling lets Python walk ``2 ** levels`` events a step; numpy
    then fills in the events in between.
    """
    end = len(nxt) - 1
    jumps = [nxt]
    for _ in range(levels):
        jumps.append(jumps[-1][jumps[-1]])
    far, walked, pos = jumps[-1], [], start
    while pos != end:
        walked.append(pos)
        pos = far.item(pos)
    chain = np.asarray(walked, dtype=np.int64)
    for jump in reversed(jumps[:-1]):
        chain = np.stack([chain, jump[chain]], axis=1).ravel()
    return chain[chain != end]  # the end state absorbs: the events are a prefix


def _block_links(bb, m, n_left):
    """For each of the ``m`` first positions of ``bb`` (a block of a track, with look-ahead bytes): the position of
    its status byte, that byte, its delta-time, and the next event's position under each running status
    (state 0: the last channel status has two data bytes, 1: one). ``n_left``: bytes of the track from the block's
    start; a next position may be one of the codes ``_END``, ``_INVALID``, ``_PAST``.
    """
    vl, vv = _vlq(bb, m + _PAD - 4)
    s = np.arange(m, dtype=np.int64) + vl[:m]  # where each event's status (or first data) byte is
    c = bb[s].astype(np.int32)
    hi = c >> 4
    two = np.where(c < 0x80, s + 2, s + 1 + np.where((hi == 0xC) | (hi == 0xD), 1, 2))
    meta = c == 0xFF
    two[meta] = (s + 2 + vl[s + 2] + vv[s + 2])[meta]
    sysex = (c == 0xF0) | (c == 0xF7)
    two[sysex] = (s + 1 + vl[s + 1] + vv[s + 1])[sysex]
    system = (c > 0xF0) & (c < 0xFF) & (c != 0xF7)
    two[system] = (s + 1 + _SYSTEM_LENGTH[c & 0xF])[system]
    one = np.where(c < 0x80, s + 1, two)  # under a one-data-byte running status
    invalid = (vl[:m] > 4) | (meta & (vl[s + 2] > 4)) | (sysex & (vl[s + 1] > 4))
    end = meta & (bb[s + 1] == 0x2F)
    for nxt in (two, one):
        nxt[nxt > n_left] = _PAST
        nxt[nxt == n_left] = _END
        nxt[invalid] = _INVALID
        nxt[end] = _END
    return s, c, vv[:m], two, one


def _read_track(data, name, index, keep_events=False):
    """Events of one MTrk chunk's bytes, as arrays along its event chain, read a block at a time.

    The chain follows (position, running status) pairs: an event's length
    depends on its bytes and, under running status, on whether the last
    channel status has one data byte (program change, channel pressure) or
    two. ``keep_events``: also every event's tick, bytes and status (for the
    writer); else only the notes and meta events.
    """
    n = len(data)
    b = np.zeros(n + _PAD, dtype=np.uint8)
    b[:n] = np.frombuffer(data, dtype=np.uint8)
    if n == 0:
        nothing = np.zeros(1, dtype=np.int64)
        parts = [_block_events(b, 0, nothing[:0], nothing, nothing, nothing, 0, 0, name, index, keep_events)]
        parts[0].pop("carry")
        return _join_blocks(parts, b, n, keep_events)
    parts = []
    pos, state, tick, status = 0, 0, 0, 0  # status: the last explicit channel status (0: none yet)
    while pos < n:
        m = min(_BLOCK, n - pos)
        s, c, delta, two, one = _block_links(b[pos : pos + m + _PAD], m, n - pos)
        # links between (position, state) pairs, index 2 * position + state; 2m: out of the block, or an end code
        new_state = np.where((c >= 0x80) & (c < 0xF0), ((c >> 4) == 0xC) | ((c >> 4) == 0xD), -1)
        links = np.empty(2 * m + 1, dtype=np.int64)
        for st, nxt in ((0, two), (1, one)):
            following = np.where(new_state >= 0, new_state, st)
            inside = (nxt >= 0) & (nxt < m)
            links[st : 2 * m : 2] = np.where(inside, 2 * nxt + following, 2 * m)
        links[2 * m] = 2 * m
        chain = _chain(links, state)  # from the block's first position, index 2 * 0 + state
        at, states = chain >> 1, chain & 1
        last_next = (one if states[-1] else two)[at[-1]]
        parts.append(_block_events(b, pos, at, s, c, delta, tick, status, name, index, keep_events))
        tick, status = parts[-1].pop("carry")
        if last_next < 0:
            if last_next != _END:
                what = "corrupt (an invalid length)" if last_next == _INVALID else "truncated (an event runs past its end)"
                raise ValueError(f"{name}: track {index} is {what}")
            break
        last_state = new_state[at[-1]]
        pos, state = pos + int(last_next), int(states[-1] if last_state < 0 else last_state)
    return _join_blocks(parts, b, n, keep_events)


def _block_events(b, pos, at, s, c, delta, tick, status, name, index, keep_events):
    """The events of one block's chain (``at``: local positions) as arrays; ``carry``: the tick and running
    status after them."""
    cs = c[at]
    channel_msg = (cs >= 0x80) & (cs < 0xF0)
    running = cs < 0x80
    source = np.maximum.accumulate(np.where(channel_msg, np.arange(len(cs)), -1))
    resolved = np.where(source >= 0, cs[np.maximum(source, 0)], status)
    if (resolved[running] == 0).any():
        raise ValueError(f"{name}: track {index} is corrupt (running status with no status byte)")
    ticks = tick + np.cumsum(delta[at], dtype=np.int64)
    ss = pos + s[at]  # in the track
    first = ss + (~running)  # first data byte of channel messages
    channel_event = channel_msg | running
    kind = resolved >> 4
    two = channel_event & (kind != 0xC) & (kind != 0xD)
    if (b[first[channel_event]] >= 0x80).any() or (b[first[two] + 1] >= 0x80).any():
        raise ValueError(f"{name}: track {index} is corrupt (a data byte above 127)")
    note_on = channel_event & (kind == 0x9) & (b[first + 1] > 0)
    meta = np.flatnonzero(cs == 0xFF)
    out = dict(
        note_tick=ticks[note_on],
        note_channel=(resolved[note_on] & 0xF).astype(np.uint8),
        note_pitch=b[first[note_on]],
        note_velocity=b[first[note_on] + 1],
        meta_tick=ticks[meta],
        meta_type=b[ss[meta] + 1],
        meta_position=ss[meta],
        carry=(int(ticks[-1]) if len(ticks) else tick, int(resolved[-1]) if len(resolved) else status),
    )
    if keep_events:
        out.update(event_tick=ticks, event_at=(pos + at).astype(np.int32), event_start=ss.astype(np.int32),
                   event_status=np.where(channel_event, resolved, cs).astype(np.uint8), event_running=running)
    return out


def _join_blocks(parts, b, n, keep_events):
    """One track's arrays from its blocks'; the meta events' data positions and lengths read from the bytes."""
    track = {key: _cat([p[key] for p in parts]) for key in parts[0]}
    vl, vv = _vlq_at(b, track["meta_position"] + 2)
    track["meta_data"] = track.pop("meta_position") + 2 + vl
    track["meta_length"] = vv
    track["bytes"] = b
    if keep_events:
        start = track["event_start"]
        end = np.empty(len(start), dtype=np.int32)
        end[:-1] = track.pop("event_at")[1:]  # each event ends where the next one's delta-time starts
        if len(start):
            is_end = (b[start[-1]] == 0xFF) & (b[start[-1] + 1] == 0x2F)
            last_meta = track["meta_data"][-1] + track["meta_length"][-1] if is_end else n
            end[-1] = min(int(last_meta), n)
        track["event_end"] = end
    return track


def _cat(arrays):
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _vlq_at(b, positions):
    """The variable-length quantity at each of ``positions`` of ``b``: (length, value)."""
    positions = np.asarray(positions, dtype=np.int64)
    length = np.ones(len(positions), dtype=np.int64)
    value = (b[positions] & 0x7F).astype(np.int64)
    more = b[positions] >= 0x80
    for k in range(1, 4):
        value = np.where(more, (value << 7) | (b[np.minimum(positions + k, len(b) - 1)] & 0x7F), value)
        length += more
        more = more & (b[np.minimum(positions + k, len(b) - 1)] >= 0x80)
    return length, value


def _metas(tracks, kind, length):
    """(tick, data start, bytes) of meta events of one type and length, all tracks."""
    out = []
    for t in tracks:
        hit = (t["meta_type"] == kind) & (t["meta_length"] >= length)
        out.extend(zip(t["meta_tick"][hit].tolist(), t["meta_data"][hit].tolist(), [t["bytes"]] * int(hit.sum())))
    return sorted(out, key=lambda x: x[0])


def read_smf(data, name="<bytes>", keep_events=True):
    """Parse a Standard MIDI File into its header and chunks, its tracks' events as arrays.

    The one parse of the library: :func:`read_midi_bytes` summarizes it, and
    :func:`sklearn_groove.midi.rewrite_drums` writes from it, copying the bytes
    of every event it does not change, so that every file read can be written,
    and what is written is what was read.

    Returns
    -------
    Info
        ``ticks_per_beat``, ``format``, ``header`` (the header chunk's bytes),
        ``chunks`` (``(start, end, track)`` of each chunk in file order: the
        index of the track read from it, or -1 for a chunk of another type or
        one after the announced tracks), ``end`` (where the last chunk read
        ends; bytes after it are kept as they are), ``tracks`` (dicts of
        arrays, one entry per event along the track's event chain).

    Raises
    ------
    ValueError
        If ``data`` is not a readable Standard MIDI File.

    With ``keep_events=False`` the tracks hold only their notes and meta
    events (what :func:`read_midi_bytes` needs), in less memory.
    """
    if len(data) == 0:
        raise ValueError(f"{name}: the file is empty")
    if data[:4] != b"MThd":
        raise ValueError(f"{name}: not a MIDI file (it does not start with 'MThd')")
    if len(data) < 14:
        raise ValueError(f"{name}: truncated MIDI file (incomplete header)")
    header_length = int.from_bytes(data[4:8], "big")
    file_format = int.from_bytes(data[8:10], "big")
    n_tracks = int.from_bytes(data[10:12], "big")
    division = int.from_bytes(data[12:14], "big")
    if header_length < 6:
        raise ValueError(f"{name}: corrupt MIDI header (length {header_length})")
    if 8 + header_length > len(data):
        raise ValueError(f"{name}: truncated MIDI file (incomplete header)")
    if file_format > 2:
        raise ValueError(f"{name}: unknown MIDI file format {file_format}")
    if file_format == 2:
        raise ValueError(f"{name}: MIDI format 2 (independent sequences) is not supported")
    if division & 0x8000:
        raise ValueError(f"{name}: SMPTE time division is not supported, only ticks per beat")
    if division == 0:
        raise ValueError(f"{name}: corrupt MIDI header (0 ticks per beat)")
    if n_tracks > MAX_TRACKS:
        raise ValueError(f"{name}: the header announces {n_tracks} tracks, more than the {MAX_TRACKS} accepted")
    tracks, chunks = [], []
    pos = 8 + header_length
    while pos + 8 <= len(data) and len(tracks) < n_tracks:
        kind, length = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "big")
        if pos + 8 + length > len(data):
            raise ValueError(
                f"{name}: truncated MIDI file (chunk {len(chunks) + 1} claims {length} bytes, "
                f"{len(data) - pos - 8} remain)"
            )
        if kind == b"MTrk":
            chunks.append((pos, pos + 8 + length, len(tracks)))
            tracks.append(_read_track(data[pos + 8 : pos + 8 + length], name, len(tracks) + 1, keep_events))
        else:
            chunks.append((pos, pos + 8 + length, -1))
        pos += 8 + length
    if len(tracks) < n_tracks:
        raise ValueError(f"{name}: truncated MIDI file (the header announces {n_tracks} tracks, found {len(tracks)})")
    if not tracks:
        raise ValueError(f"{name}: the MIDI file has no tracks")
    return Info(ticks_per_beat=division, format=file_format, header=bytes(data[: 8 + header_length]), chunks=chunks,
                end=pos, tracks=tracks)


def read_midi_bytes(data, name="<bytes>"):
    """Read the onsets, tempi and time signatures of a Standard MIDI File.

    Parameters
    ----------
    data : bytes
    name : str
        Used in error messages.

    Returns
    -------
    MidiEvents

    Raises
    ------
    ValueError
        If ``data`` is not a readable Standard MIDI File.
    """
    return summarize(read_smf(data, name, keep_events=False))


def summarize(smf):
    """The :class:`MidiEvents` of a file that :func:`read_smf` parsed."""
    tracks, division = smf.tracks, smf.ticks_per_beat
    tempo = [(t, (int(b[d]) << 16) | (int(b[d + 1]) << 8) | int(b[d + 2])) for t, d, b in _metas(tracks, 0x51, 3)]
    tempo = [(t, us) for t, us in tempo if us > 0]
    sigs = [(t, int(b[d]), 2 ** int(b[d + 1])) for t, d, b in _metas(tracks, 0x58, 2) if b[d + 1] < 8]

    def cat(key, dtype=np.int16):
        return _cat([t[key] for t in tracks]).astype(dtype, copy=False)

    return MidiEvents(
        ticks_per_beat=division,
        note_tick=cat("note_tick", np.int64),
        note_channel=cat("note_channel"),
        note_pitch=cat("note_pitch"),
        note_velocity=cat("note_velocity"),
        tempo_tick=np.array([t for t, _ in tempo], dtype=np.int64),
        tempo_us=np.array([us for _, us in tempo], dtype=np.float64),
        timesig_tick=np.array([t for t, _, _ in sigs], dtype=np.int64),
        timesig_numerator=np.array([n for _, n, _ in sigs], dtype=np.int64),
        timesig_denominator=np.array([d for _, _, d in sigs], dtype=np.int64),
    )

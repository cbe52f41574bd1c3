"""A small, fast, lossless reader of Standard MIDI Files (note-ons, tempo, meter).

Why not pretty_midi or another parser: they pair note-ons with note-offs and
drop what does not pair (zero-length notes, a note struck again before its
note-off, a note never released), and drum kits write all three. Here every
note-on with velocity > 0 is an onset.

How it stays fast without a loop over bytes: for each byte position of a
track, numpy computes where the next event would start if an event started
there (its delta-time and length depend only on the bytes at that position,
given the usual running status of two data bytes). A short Python loop then
follows these links from the start of the track, and numpy reads the events
on the chain. A track with running status on a one-data-byte message
(program change, channel pressure) is walked again with its status tracked.

Every malformed input ends in a ``ValueError``.
"""

from collections import namedtuple

import numpy as np

from ._hvo import MAX_OFFSET, STEPS_PER_BEAT

__all__ = ["Info", "MidiEvents", "read_smf", "read_midi_bytes", "summarize", "nearest_step", "DRUM_CHANNEL"]

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


def _chain(nxt, n, levels=4):
    """Follow the next-event links from position 0; return the chain and where it ends.

    ``nxt`` has ``n + 3`` entries: positions ``n`` (end of track), ``n + 1``
    (invalid event) and ``n + 2`` (event past the end) point to themselves.
    Pointer doubling lets Python walk ``2 ** levels`` events a step; numpy
    then fills in the events in between.
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    jumps = [nxt]
    for _ in range(levels):
        jumps.append(jumps[-1][jumps[-1]])
    far, walked, pos = jumps[-1], [], 0
    while pos < n:
        walked.append(pos)
        pos = far.item(pos)
    chain = np.asarray(walked, dtype=np.int64)
    for jump in reversed(jumps[:-1]):
        chain = np.stack([chain, jump[chain]], axis=1).ravel()
    chain = chain[chain < n]  # the end states absorb: the valid events are a prefix
    return chain, int(nxt[chain[-1]])


def _walk_with_status(nxt, nxt_one, byte_at_status, n):
    """As :func:`_chain`, one event a step, tracking running status for
    one-data-byte messages (program change, channel pressure)."""
    chain = []
    pos, status = 0, 0
    while pos < n:
        chain.append(pos)
        c = byte_at_status[pos]
        if 0x80 <= c < 0xF0:
            status = c
        pos = nxt_one[pos] if (c < 0x80 and status >> 4 in (0xC, 0xD)) else nxt[pos]
    return chain, pos


def _statuses(cs, name, index):
    """For the status bytes along a chain: which are channel messages, the
    position of each event's status (running status: the last explicit one),
    and which events use running status."""
    channel_msg = (cs >= 0x80) & (cs < 0xF0)
    source = np.maximum.accumulate(np.where(channel_msg, np.arange(len(cs)), -1))
    running = cs < 0x80
    if (source[running] < 0).any():
        raise ValueError(f"{name}: track {index} is corrupt (running status with no status byte)")
    return cs, channel_msg, source, running


def _read_track(data, name, index):
    """Events of one MTrk chunk's bytes, as arrays along its event chain."""
    n = len(data)
    b = np.zeros(n + _PAD, dtype=np.uint8)
    b[:n] = np.frombuffer(data, dtype=np.uint8)
    vl, vv = _vlq(b, n + _PAD - 4)
    s = np.arange(n, dtype=np.int32) + vl[:n]  # where each event's status (or first data) byte is
    c = b[s].astype(np.int32)
    hi = c >> 4
    # Lengths, assuming running status has two data bytes.
    nxt = np.where(c < 0x80, s + 2, s + 1 + np.where((hi == 0xC) | (hi == 0xD), 1, 2))
    meta = c == 0xFF
    nxt[meta] = (s + 2 + vl[s + 2] + vv[s + 2])[meta]
    sysex = (c == 0xF0) | (c == 0xF7)
    nxt[sysex] = (s + 1 + vl[s + 1] + vv[s + 1])[sysex]
    system = (c > 0xF0) & (c < 0xFF) & (c != 0xF7)
    nxt[system] = (s + 1 + _SYSTEM_LENGTH[c & 0xF])[system]
    nxt[nxt > n] = n + 2  # an event that runs past the end of the track
    nxt[(vl[:n] > 4) | (meta & (vl[s + 2] > 4)) | (sysex & (vl[s + 1] > 4))] = n + 1
    nxt[meta & (b[s + 1] == 0x2F)] = n  # end of track
    nxt = np.concatenate([nxt, [n, n + 1, n + 2]])

    chain, last = _chain(nxt, n)
    cs, channel_msg, source, running = _statuses(c[chain], name, index)
    if running.any() and np.isin(cs[source[running]] >> 4, (0xC, 0xD)).any():
        nxt_one = nxt.copy()
        nxt_one[:n][c < 0x80] = np.where(s + 1 > n, n + 2, s + 1)[c < 0x80]
        chain, last = _walk_with_status(nxt.tolist(), nxt_one.tolist(), c.tolist(), n)
        chain = np.asarray(chain, dtype=np.int64)
        cs, channel_msg, source, running = _statuses(c[chain], name, index)
    if last != n:
        what = "corrupt (an invalid length)" if last == n + 1 else "truncated (an event runs past its end)"
        raise ValueError(f"{name}: track {index} is {what}")

    tick = np.cumsum(vv[chain], dtype=np.int64)
    status = np.where(source >= 0, cs[np.maximum(source, 0)], 0)
    first = s[chain] + (cs >= 0x80)  # first data byte of channel messages
    channel_event = channel_msg | running
    data_bytes = np.stack([b[first], b[first + 1]], axis=-1)[channel_event]
    two = ~np.isin(status[channel_event] >> 4, (0xC, 0xD))
    if (data_bytes[:, 0] >= 0x80).any() or (data_bytes[two, 1] >= 0x80).any():
        raise ValueError(f"{name}: track {index} is corrupt (a data byte above 127)")
    note_on = channel_event & (status >> 4 == 0x9)
    velocity = b[first + 1][note_on].astype(np.int64)
    on = velocity > 0
    ss = s[chain]
    meta_type = np.where(cs == 0xFF, b[ss + 1], -1)
    meta_data = ss + 2 + vl[ss + 2]
    meta_length = vv[ss + 2]
    # where each event's bytes (after its delta-time) end: where the next one's delta starts; the last one's own end
    end = np.empty(len(chain), dtype=np.int64)
    end[:-1] = chain[1:]
    if len(chain):
        end[-1] = min(int(meta_data[-1] + meta_length[-1]), n) if meta_type[-1] == 0x2F else n
    return dict(
        event_tick=tick,
        event_start=ss.astype(np.int64),  # its status byte, or its first data byte under running status
        event_end=end,
        event_status=np.where(channel_event, status, cs).astype(np.uint8),  # running status resolved
        event_running=running,
        note_tick=tick[note_on][on],
        note_channel=(status[note_on] & 0xF)[on],
        note_pitch=b[first][note_on][on].astype(np.int64),
        note_velocity=velocity[on],
        meta_tick=tick,
        meta_type=meta_type,
        meta_data=meta_data,
        meta_length=meta_length,
        bytes=b,
    )


def _metas(tracks, kind, length):
    """(tick, data start, bytes) of meta events of one type and length, all tracks."""
    out = []
    for t in tracks:
        hit = (t["meta_type"] == kind) & (t["meta_length"] >= length)
        out.extend(zip(t["meta_tick"][hit].tolist(), t["meta_data"][hit].tolist(), [t["bytes"]] * int(hit.sum())))
    return sorted(out, key=lambda x: x[0])


def read_smf(data, name="<bytes>"):
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
            tracks.append(_read_track(data[pos + 8 : pos + 8 + length], name, len(tracks) + 1))
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
    smf = read_smf(data, name)
    return summarize(smf)


def summarize(smf):
    """The :class:`MidiEvents` of a file that :func:`read_smf` parsed."""
    tracks, division = smf.tracks, smf.ticks_per_beat
    tempo = [(t, (int(b[d]) << 16) | (int(b[d + 1]) << 8) | int(b[d + 2])) for t, d, b in _metas(tracks, 0x51, 3)]
    tempo = [(t, us) for t, us in tempo if us > 0]
    sigs = [(t, int(b[d]), 2 ** int(b[d + 1])) for t, d, b in _metas(tracks, 0x58, 2) if b[d + 1] < 8]

    def cat(key, dtype=np.int64):
        return np.concatenate([t[key] for t in tracks]).astype(dtype)

    return MidiEvents(
        ticks_per_beat=division,
        note_tick=cat("note_tick"),
        note_channel=cat("note_channel"),
        note_pitch=cat("note_pitch"),
        note_velocity=cat("note_velocity"),
        tempo_tick=np.array([t for t, _ in tempo], dtype=np.int64),
        tempo_us=np.array([us for _, us in tempo], dtype=np.float64),
        timesig_tick=np.array([t for t, _, _ in sigs], dtype=np.int64),
        timesig_numerator=np.array([n for _, n, _ in sigs], dtype=np.int64),
        timesig_denominator=np.array([d for _, _, d in sigs], dtype=np.int64),
    )

// MIDI files <-> hvo, as sklearn_groove.midi reads and writes them (written once for the page; test/ checks it
// against the command line's files).
//
// The reader keeps every note-on with velocity > 0 (the drum channel's are hits); the writer rebuilds each track
// from the bytes read, copying every event it does not change, so other instruments, the tempo map and the meter
// come back as they were.

export const VOICES = ["kick", "snare", "closed_hihat", "open_hihat", "low_tom", "mid_tom", "high_tom", "crash", "ride"];
export const M = VOICES.length;
export const STEPS_PER_BEAT = 4;
export const MAX_OFFSET = Math.fround(0.5 - 2 ** -25); // the largest float32 below 0.5
export const DRUM_CHANNEL = 9;
const MAX_TRACKS = 1024, MAX_STEPS = 2 ** 18, MAX_DELTA = 0x0fffffff;
// ticks a beat a file gets at least where notes move (GMD's 480), as sklearn_groove.midi rewrites it
const FINEST_TICKS_PER_BEAT = 480;
const SYSTEM_LENGTH = [0, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/** General MIDI pitches of each voice (the first is the one written); other percussion is no voice. */
export const GM_PITCH_MAP = {
  kick: [36, 35], snare: [38, 40], closed_hihat: [42, 22, 44], open_hihat: [46, 26], low_tom: [43, 41],
  mid_tom: [47, 45], high_tom: [50, 48], crash: [49, 57], ride: [51, 53, 59],
};
/** The Roland TD-11 pitches of the Groove MIDI Dataset (``--pitch-map gmd``). */
export const GMD_PITCH_MAP = {
  kick: [36], snare: [38, 37, 40], closed_hihat: [42, 22, 44], open_hihat: [46, 26], low_tom: [43, 58],
  mid_tom: [47, 45], high_tom: [50, 48], crash: [49, 52, 55, 57], ride: [51, 53, 59],
};
export const PITCH_MAPS = { gm: GM_PITCH_MAP, gmd: GMD_PITCH_MAP };

/** 128 voice indices (-1: no voice) of a pitch map's name. */
function pitchTable(name) {
  const map = PITCH_MAPS[name];
  if (!map) throw new MidiError(`pitch map must be one of ${Object.keys(PITCH_MAPS).join(", ")}, got ${name}`);
  const table = new Int8Array(128).fill(-1);
  VOICES.forEach((v, j) => map[v].forEach((p) => { table[p] = j; }));
  return table;
}

/** numpy.rint: to the nearest integer, halves to even. */
export function rint(x) {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export class MidiError extends Error {}
const fail = (message) => { throw new MidiError(message); };

function vlq(b, at, n) {
  let value = 0;
  for (let k = 0; k < 4; k++) {
    const byte = at + k < n ? b[at + k] : 0;
    value = (value << 7) | (byte & 0x7f);
    if (byte < 0x80) return [k + 1, value];
  }
  return [5, value];
}

function readTrack(b, name, index) {
  const n = b.length, events = [], notes = [], metas = [];
  let pos = 0, tick = 0, status = 0;
  while (pos < n) {
    const [vl, delta] = vlq(b, pos, n);
    if (vl > 4) fail(`${name}: track ${index} is corrupt (an invalid length)`);
    const s = pos + vl, c = s < n ? b[s] : 0;
    let end, resolved = c, endOfTrack = false;
    if (c < 0xf0) {
      if (c >= 0x80) status = c;
      else if (!status) fail(`${name}: track ${index} is corrupt (running status with no status byte)`);
      resolved = status;
      const first = s + (c >= 0x80 ? 1 : 0), kind = status >> 4, size = kind === 0xc || kind === 0xd ? 1 : 2;
      end = first + size;
      if (end <= n && (b[first] >= 0x80 || (size === 2 && b[first + 1] >= 0x80)))
        fail(`${name}: track ${index} is corrupt (a data byte above 127)`);
      if (end <= n && kind === 0x9 && b[first + 1] > 0)
        notes.push({ tick: tick + delta, channel: status & 0xf, pitch: b[first], velocity: b[first + 1] });
    } else if (c === 0xff) {
      const [ml, length] = vlq(b, s + 2, n);
      if (ml > 4) fail(`${name}: track ${index} is corrupt (an invalid length)`);
      end = s + 2 + ml + length;
      endOfTrack = s + 1 < n && b[s + 1] === 0x2f;
      if (end <= n) metas.push({ tick: tick + delta, type: b[s + 1], data: s + 2 + ml, length });
    } else if (c === 0xf0 || c === 0xf7) {
      const [ml, length] = vlq(b, s + 1, n);
      if (ml > 4) fail(`${name}: track ${index} is corrupt (an invalid length)`);
      end = s + 1 + ml + length;
    } else {
      end = s + 1 + SYSTEM_LENGTH[c & 0xf];
    }
    if (end > n) fail(`${name}: track ${index} is truncated (an event runs past its end)`);
    tick += delta;
    events.push({ tick, start: s, end, status: resolved, running: c < 0x80 });
    if (endOfTrack) break;
    pos = end;
  }
  return { bytes: b, events, notes, metas };
}

/** A Standard MIDI File's header, chunks and tracks (events, notes, meta events); a MidiError naming the file. */
export function readSmf(data, name) {
  const d = data, u32 = (at) => ((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0;
  const u16 = (at) => (d[at] << 8) | d[at + 1];
  if (d.length === 0) fail(`${name}: the file is empty`);
  if (String.fromCharCode(...d.subarray(0, 4)) !== "MThd") fail(`${name}: not a MIDI file (it does not start with 'MThd')`);
  if (d.length < 14) fail(`${name}: truncated MIDI file (incomplete header)`);
  const headerLength = u32(4), format = u16(8), nTracks = u16(10), division = u16(12);
  if (headerLength < 6) fail(`${name}: corrupt MIDI header (length ${headerLength})`);
  if (8 + headerLength > d.length) fail(`${name}: truncated MIDI file (incomplete header)`);
  if (format > 2) fail(`${name}: unknown MIDI file format ${format}`);
  if (format === 2) fail(`${name}: MIDI format 2 (independent sequences) is not supported`);
  if (division & 0x8000) fail(`${name}: SMPTE time division is not supported, only ticks per beat`);
  if (division === 0) fail(`${name}: corrupt MIDI header (0 ticks per beat)`);
  if (nTracks > MAX_TRACKS) fail(`${name}: the header announces ${nTracks} tracks, more than the ${MAX_TRACKS} accepted`);
  const tracks = [], chunks = [];
  let pos = 8 + headerLength;
  while (pos + 8 <= d.length && tracks.length < nTracks) {
    const kind = String.fromCharCode(...d.subarray(pos, pos + 4)), length = u32(pos + 4);
    if (pos + 8 + length > d.length)
      fail(`${name}: truncated MIDI file (chunk ${chunks.length + 1} claims ${length} bytes, ${d.length - pos - 8} remain)`);
    if (kind === "MTrk") {
      chunks.push([pos, pos + 8 + length, tracks.length]);
      tracks.push(readTrack(d.subarray(pos + 8, pos + 8 + length), name, tracks.length + 1));
    } else chunks.push([pos, pos + 8 + length, -1]);
    pos += 8 + length;
  }
  if (tracks.length < nTracks) fail(`${name}: truncated MIDI file (the header announces ${nTracks} tracks, found ${tracks.length})`);
  if (!tracks.length) fail(`${name}: the MIDI file has no tracks`);
  return { name, ticksPerBeat: division, format, header: d.subarray(0, 8 + headerLength), chunks, end: pos, tracks, data: d };
}

function metasOf(smf, type, length) {
  const out = [];
  for (const t of smf.tracks) for (const m of t.metas) if (m.type === type && m.length >= length) out.push([m.tick, m.data, t.bytes]);
  return out.sort((a, b) => a[0] - b[0]); // stable: tracks in order at one tick
}

/** Tempo changes [tick, microseconds a beat] and time signatures [tick, numerator, denominator] of a parse. */
export function tempoAndMeter(smf) {
  const tempo = metasOf(smf, 0x51, 3).map(([t, at, b]) => [t, (b[at] << 16) | (b[at + 1] << 8) | b[at + 2]]).filter(([, us]) => us > 0);
  const meters = metasOf(smf, 0x58, 2).filter(([, at, b]) => b[at + 1] < 8).map(([t, at, b]) => [t, b[at], 2 ** b[at + 1]]);
  return { tempo, meters };
}

/** Nearest 16th-note step of a tick and the offset from it, in steps. */
export function nearestStep(tick, ticksPerBeat) {
  const exact = tick * (STEPS_PER_BEAT / ticksPerBeat), step = Math.floor(exact + 0.5);
  return [step, Math.min(exact - step, MAX_OFFSET)];
}

/**
 * The drum part of a parsed file as an hvo (Float32Array of steps * 27), as ``midi_to_hvo`` reads it: each hit on
 * its nearest 16th note, the loudest of a voice's hits on a step kept (ties: the earliest, then the first);
 * ``pitchMap``: "gm" (General MIDI, the default) or "gmd" (the Groove MIDI Dataset's Roland TD-11).
 */
export function midiToHvo(smf, pitchMap = "gm") {
  const table = pitchTable(pitchMap), name = smf.name, onsets = smf.tracks.flatMap((t) => t.notes);
  const drums = onsets.filter((x) => x.channel === DRUM_CHANNEL);
  if (!drums.length) fail(`${name}: no drum notes (no note-on with velocity > 0 on MIDI channel 10)`);
  const { tempo, meters } = tempoAndMeter(smf);
  const bad = meters.find(([, num, den]) => num !== 4 || den !== 4);
  if (bad) fail(`${name}: time signature ${bad[1]}/${bad[2]} found; only 4/4 is supported`);
  const mapped = drums.filter((x) => table[x.pitch] >= 0);
  if (!mapped.length) {
    const pitches = [...new Set(drums.map((x) => x.pitch))].sort((a, b) => a - b).slice(0, 20);
    fail(`${name}: none of the ${drums.length} drum notes has a pitch of the 9 voices (pitches found: [${pitches.join(", ")}])`);
  }
  const tpb = smf.ticksPerBeat;
  const steps = nearestStep(Math.max(...mapped.map((x) => x.tick)), tpb)[0] + 1;
  if (steps > MAX_STEPS) fail(`${name}: the last note is ${steps} 16th notes from the start, more than the ${MAX_STEPS} accepted (MAX_STEPS)`);
  const vel = new Int16Array(steps * M).fill(-1), off = new Float64Array(steps * M);
  for (const x of mapped) {
    const [s, o] = nearestStep(x.tick, tpb), cell = s * M + table[x.pitch];
    if (x.velocity > vel[cell] || (x.velocity === vel[cell] && o < off[cell])) { vel[cell] = x.velocity; off[cell] = o; }
  }
  const hvo = new Float32Array(steps * 3 * M);
  let hits = 0;
  for (let s = 0; s < steps; s++) for (let j = 0; j < M; j++) {
    const cell = s * M + j;
    if (vel[cell] < 0) continue;
    hits++;
    hvo[s * 3 * M + j] = 1;
    hvo[s * 3 * M + M + j] = Math.min(vel[cell], 127) / 127;
    hvo[s * 3 * M + 2 * M + j] = off[cell];
  }
  const bpm = tempo.length ? 60e6 / tempo.filter(([t]) => t <= 0).concat([tempo[0]]).slice(-1)[0][1] : 120;
  return { hvo, steps, info: { bpm, tempo, meters, ticksPerBeat: tpb, nOnsets: drums.length, nUnmapped: drums.length - mapped.length, nHits: hits } };
}

/** ``step_ticks``: the tick of a note ``offset`` steps off ``step``, read back on ``step``, at 0 or later. */
export function stepTicks(step, offset, ticksPerStep) {
  const low = Math.ceil((step - 0.5) * ticksPerStep), high = Math.ceil((step + 0.5) * ticksPerStep) - 1;
  return Math.max(Math.min(Math.max(rint((step + offset) * ticksPerStep), low), high), 0);
}

// The drum notes (note-ons of channel 10) of every track, each paired with the note-off that releases it (first
// in, first out a pitch; -1: never released).
function drumNotes(smf, table) {
  const notes = [];
  smf.tracks.forEach((track, t) => {
    const sounding = new Map();
    track.events.forEach((e, i) => {
      if (!isDrum(e.status)) return;
      const kind = e.status >> 4, first = e.start + (e.running ? 0 : 1);
      const pitch = track.bytes[first], velocity = track.bytes[first + 1];
      if (kind === 0x9 && velocity > 0) {
        const note = { track: t, on: i, off: -1, tick: e.tick, velocity, pitch, voice: table[pitch] };
        notes.push(note);
        if (!sounding.has(pitch)) sounding.set(pitch, []);
        sounding.get(pitch).push(note);
      } else {
        const queue = sounding.get(pitch);
        if (queue && queue.length) queue.shift().off = i;
      }
    });
  });
  return notes;
}

/**
 * The file with its drum notes played as ``hvo`` says, as ``sklearn_groove.midi.rewrite_drums`` writes it.
 *
 * ``voices``: the voices changed; ``amount``: 0 the file as it was, 1 as played; ``replace``: notes on cells the
 * performance does not play are removed (a task that writes hits); ``pitchMap``: "gm" or "gmd", as read.
 * Returns { bytes, counts }.
 */
export function rewriteDrums(smf, hvo, steps, { voices = VOICES, amount = 1, replace = false, pitchMap = "gm" } = {}) {
  if (amount > 0) smf = finer(smf); // at 0 nothing moves: the file stays as it was
  const tpb = smf.ticksPerBeat, tps = tpb / STEPS_PER_BEAT, W = 3 * M;
  const chosen = VOICES.map((v) => voices.includes(v));
  const h = new Float32Array(steps * M);
  for (let s = 0; s < steps; s++) for (let j = 0; j < M; j++) h[s * M + j] = chosen[j] ? hvo[s * W + j] : 0;
  const v = (s, j) => hvo[s * W + M + j], o = (s, j) => hvo[s * W + 2 * M + j];
  const drum = drumNotes(smf, pitchTable(pitchMap));
  const played = drum.filter((x) => x.voice >= 0 && chosen[x.voice]);
  const edits = smf.tracks.map(() => ({ ons: [], offs: [], dropped: new Set() }));
  const counts = { moved: 0, removed: 0, added: 0, kept: 0 };
  const placed = played.map((x) => nearestStep(x.tick, tpb));
  const last = Math.max(-1, ...placed.map(([s]) => s));
  if (last >= steps) fail(`${smf.name}: hvo has ${steps} steps, but the file's drums run to step ${last + 1}: give a performance of the whole file`);
  const hit = [];
  played.forEach((x, i) => {
    const [s] = placed[i];
    if (h[s * M + x.voice] > 0) hit.push(i);
    else if (replace) { edits[x.track].dropped.add(x.on); if (x.off >= 0) edits[x.track].dropped.add(x.off); counts.removed++; }
    else counts.kept++;
  });
  // the loudest note of each cell leads it (ties: the earliest, then the first); the others keep their distance
  const leader = new Map();
  for (const i of hit) {
    const x = played[i], cell = placed[i][0] * M + x.voice, best = leader.get(cell);
    if (best === undefined || x.velocity > played[best].velocity || (x.velocity === played[best].velocity && x.tick < played[best].tick))
      leader.set(cell, i);
  }
  const shift = new Map(), factor = new Map();
  for (const [cell, i] of leader) {
    const s = Math.floor(cell / M), j = cell % M, lead = played[i].velocity;
    shift.set(cell, amount * (o(s, j) - placed[i][1]));
    factor.set(cell, 1 + (amount * (127 * v(s, j) - lead)) / lead);
  }
  for (const i of hit) {
    const x = played[i], [s, offset] = placed[i], cell = s * M + x.voice;
    const tick = stepTicks(s, offset + shift.get(cell), tps);
    const velocity = Math.min(Math.max(rint(factor.get(cell) * x.velocity), 1), 127);
    edits[x.track].ons.push([x.on, tick, velocity]);
    if (x.off >= 0) edits[x.track].offs.push([x.off, tick - x.tick, tick]);
    h[cell] = 0; // played by a note of the file: nothing to add there
  }
  counts.moved = hit.length;
  const added = [], half = Math.max(Math.trunc(tps / 2), 1);
  for (let s = 0; s < steps; s++) for (let j = 0; j < M; j++) {
    if (!(h[s * M + j] > 0)) continue;
    const on = stepTicks(s, amount * o(s, j), tps), pitch = PITCH_MAPS[pitchMap][VOICES[j]][0];
    const velocity = Math.min(Math.max(rint(127 * v(s, j)), 1), 127);
    added.push([on, 0x90 | DRUM_CHANNEL, pitch, velocity], [on + half, 0x80 | DRUM_CHANNEL, pitch, 0]);
  }
  counts.added = added.length / 2;
  let drumTrack = played.length ? played[0].track : smf.tracks.findIndex((t) => t.events.some((e) => isDrum(e.status)));
  if (drumTrack < 0) drumTrack = smf.format === 0 ? 0 : smf.tracks.length;
  const bodies = smf.tracks.map((track, t) => rebuild(track, edits[t], t === drumTrack ? added : []));
  if (drumTrack >= smf.tracks.length) bodies.push(rebuild(null, null, added));
  return { bytes: assemble(smf, bodies), counts };
}

/** ``finer``: the file with every tick multiplied by the smallest whole number giving at least FINEST_TICKS_PER_BEAT. */
function finer(smf) {
  const factor = Math.ceil(FINEST_TICKS_PER_BEAT / smf.ticksPerBeat), tpb = smf.ticksPerBeat * factor;
  if (factor === 1) return smf;
  const header = Uint8Array.from(smf.header), scaled = (list) => list.map((e) => ({ ...e, tick: e.tick * factor }));
  header[12] = tpb >> 8;
  header[13] = tpb & 0xff;
  const tracks = smf.tracks.map((t) => ({ ...t, events: scaled(t.events), notes: scaled(t.notes), metas: scaled(t.metas) }));
  return { ...smf, ticksPerBeat: tpb, header, tracks };
}

function isDrum(status) {
  const kind = status >> 4;
  return (kind === 0x8 || kind === 0x9) && (status & 0xf) === DRUM_CHANNEL && status < 0xf0;
}

// A track's body in time order with its edits and added notes: at one tick a moved note's release before the
// moved note-ons, a note that starts and ends on one tick keeps its note-on first; the others keep their order.
function rebuild(track, edits, added) {
  const rows = [];
  let endTick = 0;
  if (track) {
    const b = track.bytes, events = track.events;
    const tick = events.map((e) => e.tick), rank = new Int8Array(events.length).fill(1), velocity = new Map();
    const isEnd = events.map((e) => e.status === 0xff && b[e.start + 1] === 0x2f);
    const firstEnd = isEnd.indexOf(true);
    endTick = firstEnd >= 0 ? events[firstEnd].tick : events.length ? events[events.length - 1].tick : 0;
    for (const [i, t, vel] of edits.ons) { tick[i] = t; velocity.set(i, vel); }
    for (const [i, by, start] of edits.offs) {
      const moved = Math.max(tick[i] + by, start);
      rank[i] = moved > start ? 0 : 2;
      tick[i] = moved;
    }
    events.forEach((e, i) => {
      if (isEnd[i] || edits.dropped.has(i)) return;
      const bytes = Array.from(b.subarray(e.start, e.end));
      if (velocity.has(i)) bytes[(e.running ? 0 : 1) + 1] = velocity.get(i);
      rows.push({ tick: tick[i], rank: rank[i], order: i, bytes: e.running ? [e.status, ...bytes] : bytes });
    });
  }
  const n = track ? track.events.length : 0;
  added.forEach(([t, status, pitch, vel], k) => rows.push({ tick: t, rank: status >> 4 === 0x8 ? 0 : 1, order: n + k, bytes: [status, pitch, vel] }));
  rows.sort((a, b) => a.tick - b.tick || a.rank - b.rank || a.order - b.order);
  const lastTick = rows.length ? rows[rows.length - 1].tick : 0;
  rows.push({ tick: Math.max(endTick, lastTick), bytes: [0xff, 0x2f, 0x00] });
  const out = [];
  let at = 0;
  for (const row of rows) {
    let delta = row.tick - at;
    at = row.tick;
    while (delta > MAX_DELTA) { out.push(...vlqBytes(MAX_DELTA), 0xff, 0x01, 0x00); delta -= MAX_DELTA; }
    out.push(...vlqBytes(delta));
    for (const x of row.bytes) out.push(x);
  }
  return Uint8Array.from(out);
}

function vlqBytes(value) {
  const out = [value & 0x7f];
  while ((value >>= 7) > 0) out.unshift((value & 0x7f) | 0x80);
  return out;
}

// The file: its header and chunks as they were, each track chunk rebuilt, a new track after the last one read.
function assemble(smf, bodies) {
  const header = Uint8Array.from(smf.header), added = bodies.slice(smf.tracks.length);
  if (added.length) { header[10] = bodies.length >> 8; header[11] = bodies.length & 0xff; }
  const parts = [header];
  const lastTrack = smf.chunks.reduce((last, [, , t], i) => (t >= 0 ? i : last), -1);
  const chunk = (body) => {
    const out = new Uint8Array(8 + body.length);
    out.set([0x4d, 0x54, 0x72, 0x6b, body.length >>> 24, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff]);
    out.set(body, 8);
    return out;
  };
  smf.chunks.forEach(([start, end, t], i) => {
    parts.push(t < 0 ? smf.data.subarray(start, end) : chunk(bodies[t]));
    if (i === lastTrack) for (const body of added) parts.push(chunk(body));
  });
  parts.push(smf.data.subarray(smf.end));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

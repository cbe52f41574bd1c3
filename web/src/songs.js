// Whole songs through 2-bar models, as sklearn_groove.songs plays them for the command line: windows in, one
// performance out, then the file's own feel and rhythm kept and no note softer than drummers play.
// hvo: Float32Array of steps * 27 (hits, velocities, offsets of the 9 voices).

import { M, MAX_OFFSET, STEPS_PER_BEAT, VOICES } from "./midi.js";

const W = 3 * M, f = Math.fround, STEPS_PER_BAR = 16, BATCH = 32;
const PERFORMED = 0.02, OFF_GRID = f(0.06);
const VELOCITY_FLOOR = { kick: 8, snare: 7, closed_hihat: 11, open_hihat: 7, low_tom: 26, mid_tom: 29, high_tom: 32, crash: 6, ride: 13 };
const clip = (x, lo, hi) => Math.min(Math.max(x, lo), hi);

/** ``window_hvo(song, bars=2, hop_bars=1)``: windows (Float32Array n * length * width) and their first bars. */
export function windowHvo(song, steps, width, bars = 2) {
  let nBars = Math.ceil(steps / STEPS_PER_BAR);
  nBars = bars + Math.max(nBars - bars, 0);
  const starts = [];
  for (let b = 0; b <= nBars - bars; b++) starts.push(b);
  const length = bars * STEPS_PER_BAR, out = new Float32Array(starts.length * length * width);
  starts.forEach((b, k) => {
    const from = b * STEPS_PER_BAR * width, to = Math.min((b * STEPS_PER_BAR + length) * width, steps * width);
    if (to > from) out.set(song.subarray(from, to), k * length * width);
  });
  return { windows: out, starts, length };
}

/**
 * ``predict_song``: the song played by ``predict`` (async: windows Float32Array (n, length, width), n, prefix ->
 * Float32Array (n, length, 27)), window after window ("continue": each goes on from the steps played before) or
 * in batches, blended back ("select": each step from the window where it is most central; "mean": their weighted
 * mean and a vote for the hits). ``hits``: the hits to play (steps * 9), or null.
 */
export async function predictSong(predict, song, steps, width, { hits = null, blend = "mean", progress = null } = {}) {
  const { windows, starts, length } = windowHvo(song, steps, width);
  const size = length * width, sounding = [];
  starts.forEach((_, k) => { if (windows.subarray(k * size, (k + 1) * size).some((x) => x !== 0)) sounding.push(k); });
  if (blend === "continue") {
    const played = await continued(predict, windows, sounding, starts, length, width, steps, progress);
    return hits ? withHits(played, hits, steps) : played;
  }
  const played = new Float32Array(starts.length * length * W);
  for (let i = 0; i < sounding.length; i += BATCH) {
    const batch = sounding.slice(i, i + BATCH), x = new Float32Array(batch.length * size);
    batch.forEach((k, r) => x.set(windows.subarray(k * size, (k + 1) * size), r * size));
    const out = await predict(x, batch.length, null);
    batch.forEach((k, r) => played.set(out.subarray(r * length * W, (r + 1) * length * W), k * length * W));
    if (progress) progress(Math.min(i + BATCH, sounding.length), sounding.length);
  }
  const stitched = stitch(played, starts, length, steps, blend);
  const out = new Float32Array(steps * W);
  for (let s = 0; s < steps; s++) for (let j = 0; j < M; j++) {
    const vote = stitched[s * W + j];
    let v = stitched[s * W + M + j], o = stitched[s * W + 2 * M + j];
    if (blend === "mean") { const by = f(Math.max(vote, 1e-6)); v = f(v / by); o = f(o / by); }
    const hit = hits ? hits[s * M + j] : vote > 0.5 ? 1 : 0;
    if (hit) { out[s * W + j] = 1; out[s * W + M + j] = clip(v, 0, 1); out[s * W + 2 * M + j] = clip(o, -0.5, MAX_OFFSET); }
  }
  return out;
}

function withHits(played, hits, steps) {
  const out = new Float32Array(steps * W);
  for (let s = 0; s < steps; s++) for (let j = 0; j < M; j++) if (hits[s * M + j]) {
    out[s * W + j] = 1; out[s * W + M + j] = played[s * W + M + j]; out[s * W + 2 * M + j] = played[s * W + 2 * M + j];
  }
  return out;
}

// ``stitch_hvo`` of the three parts at once: each step's 27 values from the windows that hold it.
function stitch(played, starts, length, steps, blend) {
  const total = Math.max(steps, Math.max(0, ...starts) * STEPS_PER_BAR + length);
  const sum = new Float64Array(total * W), norm = new Float64Array(total);
  starts.forEach((b, k) => {
    for (let t = 0; t < length; t++) {
      const weight = Math.min(t + 0.5, length - t - 0.5), at = b * STEPS_PER_BAR + t, from = (k * length + t) * W;
      if (blend === "select") {
        if (weight > norm[at]) { norm[at] = weight; for (let c = 0; c < W; c++) sum[at * W + c] = played[from + c]; }
      } else {
        norm[at] += weight;
        for (let c = 0; c < W; c++) sum[at * W + c] += weight * played[from + c];
      }
    }
  });
  const out = new Float32Array(steps * W);
  for (let s = 0; s < steps; s++) for (let c = 0; c < W; c++)
    out[s * W + c] = blend === "select" ? sum[s * W + c] : sum[s * W + c] / Math.max(norm[s], 1e-12);
  return out;
}

async function continued(predict, windows, sounding, starts, length, width, steps, progress) {
  const out = new Float32Array(Math.max(steps, Math.max(0, ...starts) * STEPS_PER_BAR + length) * W);
  let until = 0, done = 0;
  for (const k of sounding) {
    const begin = starts[k] * STEPS_PER_BAR;
    const prefix = begin < until ? out.slice(begin * W, until * W) : null;
    const performance = await predict(windows.slice(k * length * width, (k + 1) * length * width), 1, prefix);
    const from = Math.max(until - begin, 0);
    out.set(performance.subarray(from * W, length * W), (begin + from) * W);
    until = begin + length;
    if (progress) progress(++done, sounding.length);
  }
  return out.slice(0, steps * W);
}

/** ``feel``: the mean offset of each voice at each 16th of the beat (4 * 9, float32). */
export function feel(hvo, steps) {
  const total = new Float64Array(STEPS_PER_BEAT * M), count = new Float64Array(STEPS_PER_BEAT * M);
  for (let s = 0; s < steps; s++) for (let j = 0; j < M; j++) {
    const h = hvo[s * W + j], p = (s % STEPS_PER_BEAT) * M + j;
    total[p] += f(hvo[s * W + 2 * M + j] * h);
    count[p] += h;
  }
  return Float32Array.from(total, (x, i) => x / Math.max(count[i], 1));
}

/** ``is_performed``: whether the notes already sit off the grid (mean distance above 0.02 steps). */
export function isPerformed(hvo, steps) {
  let sum = 0, n = 0;
  for (let s = 0; s < steps; s++) for (let j = 0; j < M; j++) if (hvo[s * W + j] > 0) { sum += Math.abs(hvo[s * W + 2 * M + j]); n++; }
  return n > 0 && sum / n > PERFORMED;
}

/** ``keep_feel``: the performance on the original's feel, with the performance's note-to-note variation. */
export function keepFeel(original, performance, steps) {
  const a = feel(original, steps), b = feel(performance, steps), out = performance.slice();
  for (let s = 0; s < steps; s++) for (let j = 0; j < M; j++) {
    const p = (s % STEPS_PER_BEAT) * M + j, at = s * W + 2 * M + j;
    out[at] = f(clip(f(f(a[p] + performance[at]) - b[p]), -0.5, MAX_OFFSET) * performance[s * W + j]);
  }
  return out;
}

// numpy's sum of 9 float32 values (its pairwise summation: 8 lanes, then the ninth)
const sum9 = (x) => f(f(f(f(x[0] + x[1]) + f(x[2] + x[3])) + f(f(x[4] + x[5]) + f(x[6] + x[7]))) + x[8]);

/** ``keep_rhythm``: off-grid notes keep their place, and the notes of a step written apart their order. */
export function keepRhythm(original, performance, steps) {
  const out = performance.slice(), performed = isPerformed(original, steps);
  for (let s = 0; s < steps; s++) {
    const row = s * W, written = original.subarray(row + 2 * M, row + W), o = performance.subarray(row + 2 * M, row + W);
    if (performed) {
      for (let j = 0; j < M; j++)
        out[row + 2 * M + j] = performance[row + j] > 0
          ? clip(o[j], Math.max(f(written[j] - 0.5), -0.5), Math.min(f(written[j] + 0.5), MAX_OFFSET)) : 0;
      continue;
    }
    const shift = new Array(M), played = [];
    let low = Infinity, high = -Infinity;
    for (let j = 0; j < M; j++) {
      shift[j] = Math.abs(written[j]) > OFF_GRID ? o[j] : f(o[j] - written[j]);
      if (performance[row + j] > 0) { played.push(j); low = Math.min(low, written[j]); high = Math.max(high, written[j]); }
    }
    const apart = played.length > 1 && f(high - low) > OFF_GRID;
    let common = 0;
    if (apart) {
      common = sum9(shift.map((x, j) => (performance[row + j] > 0 ? x : 0))) / played.length;
      common = clip(common, f(-0.5 - low), f(MAX_OFFSET - high));
    }
    for (let j = 0; j < M; j++)
      out[row + 2 * M + j] = performance[row + j] > 0 ? clip(written[j] + (apart ? common : shift[j]), -0.5, MAX_OFFSET) : 0;
  }
  return out;
}

/** ``floor_velocities``: no hit softer than drummers play its voice, unless the original asked for it. */
export function floorVelocities(performance, steps, original = null) {
  const floor = VOICES.map((v) => f(f(VELOCITY_FLOOR[v]) / 127)), out = performance.slice();
  for (let s = 0; s < steps; s++) for (let j = 0; j < M; j++) {
    let low = floor[j];
    if (original && original[s * W + j] > 0) low = Math.min(low, original[s * W + M + j]);
    out[s * W + M + j] = f(Math.max(performance[s * W + M + j], low) * performance[s * W + j]);
  }
  return out;
}

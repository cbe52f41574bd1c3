// One performing command of sklearn-groove, in the page: a MIDI file in, the file performed out, played from the
// task's shipped ONNX file as the command line plays it (sklearn_groove.cli._commands._perform): same windows,
// same draws for a seed, same stitching, the same notes written. ``ort`` is ONNX Runtime (Web in the page).

import { Generator, legacyRandint } from "./rng.js";
import { M, VOICES, midiToHvo, readSmf, rewriteDrums, MidiError } from "./midi.js";
import { floorVelocities, isPerformed, keepFeel, keepRhythm, predictSong, windowHvo } from "./songs.js";

const W = 3 * M, SEEDS = 2 ** 31 - 1;

/** ONNX Runtime session options of the command line (sklearn_groove.neural._runtime.onnx_session). */
export const SESSION_OPTIONS = { graphOptimizationLevel: "basic", extra: { session: { disable_quant_qdq: "1" } } };

/**
 * The inputs of a model's session for ``n`` windows ``x``, as ``onnx_feed`` makes them: the noise and members
 * drawn from ``seed``; ``labels`` (a one-hot row for every window), ``prefix`` (the first steps already played),
 * ``soundTaps`` (false: a tap may rest, in a file that reads taps).
 */
export function onnxFeed(ort, session, x, n, width, temperature, seed,
  { labels = null, prefix = null, groove = null, soundTaps = true } = {}) {
  const steps = x.length / n / width, draws = new Generator(legacyRandint(seed, SEEDS));
  const member = new BigInt64Array(n);
  for (let i = 0; i < n; i++) member[i] = BigInt(draws.integers(1));
  const values = {
    x: new ort.Tensor("float32", x, [n, steps, width]),
    temperature: new ort.Tensor("float32", Float32Array.of(temperature), []),
    noise: new ort.Tensor("float32", draws.standardNormal(n * steps * W), [n, steps, W]),
    member: new ort.Tensor("int64", member, [n]),
  };
  if (groove) values.groove = new ort.Tensor("float32", groove.windows, [groove.n, steps, W]);
  if (session.inputNames.includes("labels")) {
    const row = labels || new Float32Array(0), all = new Float32Array(n * row.length);
    for (let i = 0; i < n; i++) all.set(row, i * row.length);
    values.labels = new ort.Tensor("float32", all, [n, row.length]);
  }
  if (session.inputNames.includes("given")) {
    const given = new Float32Array(n * steps * W), kept = new Float32Array(n * steps);
    if (prefix) { given.set(prefix); kept.fill(1, 0, prefix.length / W); }
    values.given = new ort.Tensor("float32", given, [n, steps, W]);
    values.kept = new ort.Tensor("float32", kept, [n, steps, 1]);
  }
  if (session.inputNames.includes("sound_taps"))
    values.sound_taps = new ort.Tensor("float32", new Float32Array(n).fill(soundTaps ? 1 : 0), [n]);
  else if (!soundTaps) throw new MidiError("this model reads no taps: only Tap2Drum lets a tap rest");
  return Object.fromEntries(session.inputNames.map((name) => [name, values[name]]));
}

/** The style and drummer asked as the model's one-hot row; a MidiError naming what it offers. */
export function labelRow(model, style, drummer) {
  const parts = [];
  for (const [kind, asked, known] of [["style", style, model.styles], ["drummer", drummer, model.drummers]]) {
    if (asked && !known.includes(asked))
      throw new MidiError(known.length ? `${kind} ${asked}: the model offers ${known.join(", ")}` : `the model was trained without ${kind}s`);
    parts.push(...known.map((k) => (k === asked ? 1 : 0)));
  }
  return Float32Array.from(parts);
}

/**
 * The performed file: ``options`` as the command's (task, temperature: null for the task's, seed, style, drummer,
 * amount, voices, pitchMap, groove: {bytes, name} for transfer, soundTaps: false as --taps-may-rest); ``model``: the manifest's entry of the task; ``session``:
 * its ONNX file's session. Returns { bytes, counts, hvo, steps, info, temperature }.
 */
export async function perform(ort, session, model, bytes, name, options = {}) {
  const { seed = 0, style = null, drummer = null, amount = 1, progress = null, pitchMap = "gm", soundTaps = true } =
    checkOptions(options);
  const smf = readSmf(bytes, name);
  const { hvo, steps, info } = midiToHvo(smf, pitchMap);
  const labels = labelRow(model, style, drummer);
  const score = new Float32Array(steps * M);
  for (let s = 0; s < steps; s++) score.set(hvo.subarray(s * W, s * W + M), s * M);
  let predict, blend, temperature;
  if (model.readsGroove) {
    if (!options.groove) throw new MidiError("transfer needs a groove: give a second MIDI file whose groove is taken");
    const groove = midiToHvo(readSmf(options.groove.bytes, options.groove.name), pitchMap);
    const g = windowHvo(groove.hvo, groove.steps, W);
    temperature = options.temperature ?? model.temperature;
    const fixed = options.seed ?? model.randomState;
    predict = async (x, n) => run(ort, session, onnxFeed(ort, session, x, n, M, temperature, fixed,
      { groove: { windows: g.windows, n: g.starts.length } }));
    blend = "mean";
  } else {
    temperature = options.temperature ?? model.takeTemperature;
    const draws = new Generator(seed), width = model.transformer ? W : M;
    predict = async (x, n, prefix) => run(ort, session, onnxFeed(ort, session, x, n, width, temperature,
      draws.integers(SEEDS), { labels, prefix, soundTaps }));
    blend = temperature > 0 ? (session.inputNames.includes("given") ? "continue" : "select") : "mean";
  }
  const input = model.transformer ? hvo : score;
  let out = await predictSong(predict, input, steps, model.transformer ? W : M,
    { hits: model.writesHits ? null : score, blend, progress });
  if (model.keepsFeel) {
    if (isPerformed(hvo, steps)) out = keepFeel(hvo, out, steps);
    out = keepRhythm(hvo, out, steps);
  }
  out = floorVelocities(out, steps, model.transformer === "Tapper" ? null : hvo);
  const voices = model.writesHits ? model.voices : options.voices ?? VOICES;
  const written = rewriteDrums(smf, out, steps, { voices, amount, replace: model.writesHits, pitchMap });
  return { ...written, hvo: out, steps, info, temperature };
}

const MAX_AMOUNT = 1.3;

/** The options as the command line's parser checks them: a MidiError saying what is needed. */
export function checkOptions(options) {
  const need = (ok, what, needed, value) => {
    if (!ok) throw new MidiError(`${what}: ${needed} is needed, got ${JSON.stringify(value)}`);
  };
  const { seed = 0, temperature = null, amount = 1, voices = null } = options;
  need(Number.isSafeInteger(seed) && seed >= 0, "seed", "a whole number, 0 or more", seed);
  need(temperature === null || (Number.isFinite(temperature) && temperature >= 0), "temperature",
    "a finite number, 0 or more", temperature);
  need(Number.isFinite(amount) && amount >= 0 && amount <= MAX_AMOUNT, "amount", `a number from 0 to ${MAX_AMOUNT}`, amount);
  need(voices === null || (voices.length > 0 && voices.every((v) => VOICES.includes(v))), "voices",
    `one or more of ${VOICES.join(", ")}`, voices);
  return options;
}

async function run(ort, session, feed) {
  const result = await session.run(feed);
  return result[session.outputNames[0]].data;
}

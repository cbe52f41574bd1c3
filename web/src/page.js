// The page: a MIDI file in, a performance out, played and drawn. Everything runs here, in the browser.
import * as ort from "onnxruntime-web/wasm";
import { Midi } from "@tonejs/midi";
import { M, VOICES, midiToHvo, readSmf } from "./midi.js";
import { labelRow, onnxFeed, perform, SESSION_OPTIONS } from "./perform.js";
import { playMidi, stopPlaying } from "./sound.js";

const $ = (id) => document.getElementById(id);
const state = { manifest: null, models: {}, sessions: {}, file: null, input: null, groove: null, output: null, url: null };

ort.env.wasm.wasmPaths = new URL("./", document.baseURI).href;
ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(navigator.hardwareConcurrency || 1, 4) : 1;

function say(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
}

async function load() {
  state.manifest = await (await fetch("models/manifest.json")).json();
  for (const [name, task] of Object.entries(state.manifest.tasks)) $("task").add(new Option(`${name}: ${task.help}`, name));
  $("voices").innerHTML = VOICES.map((v) => `<label><input type="checkbox" value="${v}" checked>${v.replace("_", " ")}</label>`).join(" ");
  // every model is fetched now, so that the page goes on working offline
  await Promise.all(Object.entries(state.manifest.tasks).map(async ([name, task]) => {
    state.models[name] = new Uint8Array(await (await fetch(task.file)).arrayBuffer());
  }));
  await session($("task").value); // ONNX Runtime's WebAssembly is fetched with the first model, now
  taskChanged();
  say("Choose or drop a MIDI file with drums.");
  document.body.dataset.ready = "1";
}

function task() { return state.manifest.tasks[$("task").value]; }

function taskChanged() {
  const t = task();
  for (const [id, known] of [["style", t.styles], ["drummer", t.drummers]]) {
    $(id).replaceChildren(new Option("any", ""), ...known.map((k) => new Option(k, k)));
    $(id).disabled = !known.length;
  }
  $("temperature").value = t.readsGroove ? t.temperature : t.takeTemperature;
  $("groove-label").hidden = !t.readsGroove;
  $("rest-label").hidden = t.transformer !== "Tapper"; // every tap sounds unless this is ticked (--taps-may-rest)
  $("voices-box").disabled = t.writesHits;
  ready();
}

function ready() {
  const ok = state.input && (!task().readsGroove || state.groove);
  $("run").disabled = $("another").disabled = !ok;
}

async function session(name) {
  if (!state.sessions[name]) {
    const s = await ort.InferenceSession.create(state.models[name], SESSION_OPTIONS);
    // one silent window played once, now: WebAssembly's first run is the slowest, and a first file should not pay it
    const t = state.manifest.tasks[name], width = t.transformer ? 3 * M : M;
    const groove = t.readsGroove ? { windows: new Float32Array(32 * 3 * M), n: 1 } : null;
    await s.run(onnxFeed(ort, s, new Float32Array(32 * width), 1, width, 0, 0, { labels: labelRow(t, null, null), groove }));
    state.sessions[name] = s;
  }
  return state.sessions[name];
}

async function readFile(file) {
  return { bytes: new Uint8Array(await file.arrayBuffer()), name: file.name };
}

function clearOutput() {
  state.output = null;
  if (state.url) URL.revokeObjectURL(state.url);
  state.url = null;
  $("download").removeAttribute("href");
  $("download").classList.add("disabled");
  $("play-after").disabled = true;
  draw($("after"), null);
}

// The chosen file, read with the pitch map asked: drawn and ready to perform, or refused with its one line.
function showInput() {
  clearOutput();
  const file = state.file;
  state.input = null;
  try {
    draw($("before"), midiToHvo(readSmf(file.bytes, file.name), $("pitch-map").value));
    state.input = file;
    say(`${file.name}: ready. Press Perform.`);
  } catch (error) {
    draw($("before"), null);
    say(error.message, true);
  }
  $("play-before").disabled = !state.input;
  ready();
}

async function chooseInput(file) {
  $("file-name").textContent = `${file.name} (${file.size} bytes)`;
  state.file = await readFile(file);
  showInput();
}

async function run() {
  const name = $("task").value, t = task();
  clearOutput();
  const options = {
    task: name, seed: Number($("seed").value || 0), temperature: Number($("temperature").value),
    amount: Number($("amount").value), style: $("style").value || null, drummer: $("drummer").value || null,
    voices: [...$("voices").querySelectorAll("input:checked")].map((x) => x.value), groove: state.groove,
    pitchMap: $("pitch-map").value, soundTaps: !(t.transformer === "Tapper" && $("taps-may-rest").checked),
    progress: (done, total) => say(`${name}: playing ${done}/${total} windows`),
  };
  $("run").disabled = true;
  try {
    const s = await session(name);
    const start = performance.now();
    const result = await perform(ort, s, t, state.input.bytes, state.input.name, options);
    const ms = performance.now() - start;
    state.output = result.bytes;
    state.url = URL.createObjectURL(new Blob([result.bytes], { type: "audio/midi" }));
    $("download").href = state.url;
    $("download").download = state.input.name.replace(/\.midi?$/i, "") + `_${name}.mid`;
    $("download").classList.remove("disabled");
    $("play-after").disabled = false;
    draw($("after"), midiToHvo(readSmf(result.bytes, "the performance"), options.pitchMap));
    const c = result.counts;
    say(`${name} (seed ${options.seed}, temperature ${result.temperature}): ${c.moved} notes performed, ${c.added} added, `
      + `${c.removed} removed, ${c.kept} left as they were; other instruments, tempo and meter unchanged `
      + `(${ms.toFixed(0)} ms)`);
    document.body.dataset.lastMs = ms.toFixed(1);
  } catch (error) {
    say(error.message, true);
  } finally {
    ready();
  }
}

// A piano roll of the drum part: a row a voice, each hit where it was played (its offset off the grid) and as
// dark as it is loud; the bars' lines behind.
function draw(canvas, song) {
  const g = canvas.getContext("2d"), w = canvas.width, h = canvas.height, row = h / M;
  g.clearRect(0, 0, w, h);
  if (!song) return;
  const steps = Math.max(song.steps, 16), left = 80, x = (step) => left + (step / steps) * (w - left);
  g.fillStyle = "#888";
  g.font = "10px sans-serif";
  for (let bar = 0; bar < steps; bar += 16) g.fillRect(x(bar), 0, 1, h);
  VOICES.forEach((v, j) => g.fillText(v.replace("_", " "), 2, h - j * row - 5));
  for (let s = 0; s < song.steps; s++) for (let j = 0; j < M; j++) {
    const at = s * 3 * M;
    if (!song.hvo[at + j]) continue;
    g.fillStyle = `rgba(30, 60, 160, ${0.25 + 0.75 * song.hvo[at + M + j]})`;
    g.fillRect(x(s + song.hvo[at + 2 * M + j]), h - (j + 1) * row + 1, Math.max(x(0.8) - left, 2), row - 2);
  }
}

function play(bytes, button) {
  stopPlaying();
  playMidi(new Midi(bytes), () => { button.textContent = "▶ play"; });
  button.textContent = "■ stop";
}

$("task").addEventListener("change", () => { clearOutput(); taskChanged(); });
$("pitch-map").addEventListener("change", () => (state.file ? showInput() : clearOutput()));
$("file").addEventListener("change", (e) => e.target.files[0] && chooseInput(e.target.files[0]));
$("groove").addEventListener("change", async (e) => { state.groove = e.target.files[0] ? await readFile(e.target.files[0]) : null; ready(); });
$("run").addEventListener("click", run);
$("another").addEventListener("click", () => { $("seed").value = (Number($("seed").value) || 0) + 1; run(); });
for (const [id, source] of [["play-before", () => state.input.bytes], ["play-after", () => state.output]])
  $(id).addEventListener("click", (e) => (e.target.textContent.startsWith("■") ? (stopPlaying(), (e.target.textContent = "▶ play")) : play(source(), e.target)));
$("drop").addEventListener("dragover", (e) => { e.preventDefault(); $("drop").classList.add("over"); });
$("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
$("drop").addEventListener("drop", (e) => {
  e.preventDefault();
  $("drop").classList.remove("over");
  if (e.dataTransfer.files[0]) chooseInput(e.dataTransfer.files[0]);
});
load().catch((error) => say(`the models could not be loaded: ${error.message}`, true));

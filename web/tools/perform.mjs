// The page's performing code run by Node.js, for the tests that hold it to the command line:
//   node tools/perform.mjs MANIFEST.json MODELS_DIR IN.mid OUT.mid '{"task": "humanize", "seed": 3}'
// writes OUT.mid as the page would download it, and prints its counts as JSON.
import fs from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-web";
import { perform, SESSION_OPTIONS } from "../src/perform.js";

const [manifestPath, models, input, output, json] = process.argv.slice(2);
const options = JSON.parse(json || "{}");
const model = JSON.parse(fs.readFileSync(manifestPath)).tasks[options.task || "humanize"];
ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create(fs.readFileSync(path.join(models, path.basename(model.file))), SESSION_OPTIONS);
const read = (p) => new Uint8Array(fs.readFileSync(p));
if (options.groove) options.groove = { bytes: read(options.groove), name: options.groove };
try {
  const result = await perform(ort, session, model, read(input), input, options);
  fs.writeFileSync(output, result.bytes);
  console.log(JSON.stringify({ counts: result.counts, temperature: result.temperature }));
} catch (error) {
  console.error(`error: ${error.message}`);
  process.exit(1);
}

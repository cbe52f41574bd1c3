// npm run build: the page into dist/ (its script bundled by esbuild, ONNX Runtime Web's WebAssembly beside it).
// The models are not copied: `sklearn-groove web` serves the installed package's files, and
// `sklearn-groove web --export DIR` writes page and models together for static hosting.
import { build } from "esbuild";
import fs from "node:fs";

fs.rmSync("dist", { recursive: true, force: true });
fs.mkdirSync("dist");
await build({
  entryPoints: ["src/page.js"], bundle: true, format: "esm", minify: true, sourcemap: true,
  outfile: "dist/app.js", target: "es2022", logLevel: "warning",
  external: ["./ort-wasm-simd-threaded.mjs"],
});
for (const file of ["index.html", "style.css"]) fs.copyFileSync(file, `dist/${file}`);
const ort = "node_modules/onnxruntime-web/dist";
for (const file of ["ort-wasm-simd-threaded.wasm", "ort-wasm-simd-threaded.mjs"]) fs.copyFileSync(`${ort}/${file}`, `dist/${file}`);
console.log("built dist/");

// scripts/size.mjs: raw and gzip sizes of what each entry loads — core (JS + wasm), and what an ONNX model adds.
// Fails (exit 1) when the core passes its budget. Run after npm run build: npm run size
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 60 * 1024; // core JS + wasm, gzip
const size = (files) => files.reduce((a, f) => {
  const b = readFileSync(f);
  return { raw: a.raw + b.length, gzip: a.gzip + gzipSync(b, { level: 9 }).length };
}, { raw: 0, gzip: 0 });

/** Files a module loads: static imports (always) and dynamic ones (on demand), followed transitively. */
function graph(entry) {
  const staticFiles = new Set(), dynamicFiles = new Set();
  const walk = (file, set) => {
    if (set.has(file) || staticFiles.has(file)) return;
    set.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*"(\.[^"]+)"/g)) walk(join(dirname(file), m[1]), set);
    for (const m of src.matchAll(/import\("(\.[^"]+)"\)/g)) walk(join(dirname(file), m[1]), dynamicFiles);
  };
  walk(entry, staticFiles);
  for (const f of staticFiles) dynamicFiles.delete(f);
  return { staticFiles: [...staticFiles], dynamicFiles: [...dynamicFiles] };
}

const core = graph('dist/index.js');
const onnx = graph('dist/onnx.js');
const rows = [
  ['core (dist/index.js + chunks it imports)', size(core.staticFiles)],
  ['core wasm (dist/lstm.wasm)', size(['dist/lstm.wasm'])],
  ['core total', size([...core.staticFiles, 'dist/lstm.wasm'])],
  ['ONNX importer (loaded when an ONNX model arrives)', size(core.dynamicFiles)],
  ['lstm-wasm/onnx entry (its own chunks)', size(onnx.staticFiles.filter((f) => !core.staticFiles.includes(f)))],
];
for (const [name, s] of rows) console.log(`${name.padEnd(52)} ${(s.raw / 1024).toFixed(1).padStart(7)} KiB  ${(s.gzip / 1024).toFixed(1).padStart(6)} KiB gzip`);
const total = rows[2][1].gzip;
if (total > BUDGET) {
  console.error(`core is ${(total / 1024).toFixed(1)} KiB gzip, over the ${BUDGET / 1024} KiB budget`);
  process.exit(1);
}

// scripts/size.mjs: raw and gzip sizes of what each entry loads — core (JS + wasm), and what an ONNX model adds.
// Fails (exit 1) when the core passes its budget. Run after npm run build: npm run size
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 60 * 1024; // core JS + wasm, gzip
const size = (files) => files.reduce((a, f) => {
  const b = readFileSync(f);
  return { raw: a.raw + b.length, gzip: a.gzip + gzipSync(b, { level: 9 }).length };
}, { raw: 0, gzip: 0 });

/** Files a module loads: its static imports, followed transitively; and the modules it imports on demand. */
function graph(entry) {
  const files = new Set(), lazy = new Set();
  const walk = (file) => {
    if (files.has(file)) return;
    files.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*"(\.[^"]+)"/g)) walk(join(dirname(file), m[1]));
    for (const m of src.matchAll(/import\("(\.[^"]+)"\)/g)) lazy.add(join(dirname(file), m[1]));
  };
  walk(entry);
  return { files: [...files], lazy: [...lazy].filter((f) => !files.has(f)) };
}

const core = graph('dist/index.js');
const extra = (entry) => graph(entry).files.filter((f) => !core.files.includes(f)); // what an importer adds to the core
const names = { onnx: 'ONNX importer', keras: 'Keras / TF.js importer' };
const rows = [
  ['core (dist/index.js + chunks it imports)', size(core.files)],
  ['core wasm (dist/lstm.wasm)', size(['dist/lstm.wasm'])],
  ['core total', size([...core.files, 'dist/lstm.wasm'])],
  ...core.lazy.map((f) => {
    const kind = Object.keys(names).find((k) => basename(f).startsWith(k)) ?? basename(f);
    return [`${names[kind] ?? kind} (loaded when such a model arrives; also lstm-wasm/${kind})`, size(extra(f))];
  }),
];
for (const [name, s] of rows) console.log(`${name.padEnd(68)} ${(s.raw / 1024).toFixed(1).padStart(7)} KiB  ${(s.gzip / 1024).toFixed(1).padStart(6)} KiB gzip`);
const total = rows[2][1].gzip;
if (total > BUDGET) {
  console.error(`core is ${(total / 1024).toFixed(1)} KiB gzip, over the ${BUDGET / 1024} KiB budget`);
  process.exit(1);
}

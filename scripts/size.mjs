// scripts/size.mjs: raw and gzip sizes of what each entry loads — core (JS + wasm), what an importer adds, the single-file
// inline entry — beside onnxruntime-web's and TF.js's, measured from their installed npm packages.
// Fails (exit 1) when the core passes its budget. Run after npm run build: npm run size
import { existsSync, readFileSync } from 'node:fs';
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
const names = { onnx: 'ONNX importer', keras: 'Keras / TF.js importer', vad: 'VAD, WAV, resampling' };
const rows = [
  ['core (dist/index.js + chunks it imports)', size(core.files)],
  ['core wasm (dist/lstm.wasm)', size(['dist/lstm.wasm'])],
  ['core total', size([...core.files, 'dist/lstm.wasm'])],
  ...core.lazy.map((f) => {
    const kind = Object.keys(names).find((k) => basename(f).startsWith(k)) ?? basename(f);
    return [`${names[kind] ?? kind} (loaded when such a model arrives; also lstm-wasm/${kind})`, size(extra(f))];
  }),
];
rows.push(['lstm-wasm/vad (Silero VAD, WAV, resampling: what it adds to the core)', size(extra('dist/vad.js'))]);
rows.push(['lstm-wasm/seq2seq (encoder-decoder with attention, batched decoding: what it adds to the core)', size(extra('dist/seq2seq.js'))]);
rows.push(['lstm-wasm/text (tokenizer, vectorizers, word2vec, KeyedVectors: what it adds to the core)', size(extra('dist/text.js'))]);
rows.push(['lstm-wasm/train (layers, BPTT, optimizers: the JS and dist/lstm-train.wasm it loads)', size(['dist/train.js', 'dist/lstm-train.wasm'])]);
rows.push(['inline entry (dist/inline.js: one file, importers and both wasm builds embedded)', size(['dist/inline.js'])]);

const kib = (n) => `${(n / 1024).toFixed(1).padStart(8)} KiB`;

// The peers, as a bundler would take them from node_modules: the JS file an `import` resolves to, and the wasm it loads.
const pkg = (name) => {
  const dir = `node_modules/${name}`;
  return existsSync(`${dir}/package.json`) ? { dir, json: JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) } : undefined;
};
const peers = [];
const ort = pkg('onnxruntime-web');
if (ort) {
  for (const sub of ['.', './wasm']) {
    const js = join(ort.dir, ort.json.exports[sub].import.default); // the browser ESM bundle (wasm glue inlined)
    const wasm = [...new Set(readFileSync(js, 'utf8').match(/ort-wasm[\w.-]*\.wasm/g))].map((w) => join(ort.dir, 'dist', w));
    peers.push([`onnxruntime-web ${ort.json.version} ('onnxruntime-web${sub.slice(1)}': ${[js, ...wasm].map((f) => basename(f)).join(' + ')})`, size([js, ...wasm])]);
  }
}
const tf = pkg('@tensorflow/tfjs'), tfWasm = pkg('@tensorflow/tfjs-backend-wasm');
if (tf) {
  const js = join(tf.dir, tf.json.unpkg); // dist/tf.min.js: layers, converter, cpu and webgl backends
  peers.push([`TF.js ${tf.json.version} (${basename(js)})`, size([js])]);
  if (tfWasm) {
    const files = [join(tfWasm.dir, tfWasm.json.unpkg), join(tfWasm.dir, 'dist/tfjs-backend-wasm-simd.wasm')];
    peers.push([`TF.js ${tf.json.version} + wasm backend (+ ${files.map((f) => basename(f)).join(' + ')})`, size([js, ...files])]);
  }
}
const width = Math.max(...[...rows, ...peers].map(([name]) => name.length)) + 2;
const print = (name, s) => console.log(`${name.padEnd(width)} ${kib(s.raw)}  ${kib(s.gzip)} gzip`);
for (const [name, s] of rows) print(name, s);
if (peers.length) console.log('peers, from their npm packages:');
for (const [name, s] of peers) print(`  ${name}`, s);
if (!ort || !tf || !tfWasm) console.log('  (onnxruntime-web / @tensorflow/tfjs / @tensorflow/tfjs-backend-wasm not installed: npm ci)');

const total = rows[2][1].gzip;
if (total > BUDGET) {
  console.error(`core is ${(total / 1024).toFixed(1)} KiB gzip, over the ${BUDGET / 1024} KiB budget`);
  process.exit(1);
}

// bench/run.mjs: npm run bench — lstm-wasm beside onnxruntime-web, tfjs-backend-wasm and native onnxruntime-node,
// single-threaded, interleaved in one process, outputs checked against onnxruntime-node before timing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { CONFIGS, recurrentModel } from './models.mjs';
import { encodeModel } from './onnx_writer.mjs';
import { lstmWasm, ortNode, ortWeb, tfjsWasm } from './peers.mjs';

const RUNS = Number(process.env.RUNS ?? 20);
const ONLY = process.env.ONLY?.split(',');
const CASES = [
  ...Object.entries(CONFIGS).map(([c, cfg]) => ({ name: `LSTM ${c}`, op: 'LSTM', cfg })),
  ...Object.entries(CONFIGS).map(([c, cfg]) => ({ name: `GRU ${c}`, op: 'GRU', cfg })),
  { name: 'BiLSTM x2 C2', op: 'LSTM', cfg: CONFIGS.C2, layers: [{ D: 2 }, { D: 2 }] },
  { name: 'LSTM C2 one step (T=1)', op: 'LSTM', cfg: { ...CONFIGS.C2, T: 1 } },
  // batch throughput: the recurrent step is a GEMM over the batch
  ...[1, 8, 32, 128].map((B) => ({ name: `LSTM I128 H256 T64 B${B}`, op: 'LSTM', cfg: { B, T: 64, I: 128, H: 256 }, throughput: true })),
].filter((c) => !ONLY || ONLY.some((o) => c.name.includes(o)));

const stats = (ts) => {
  const s = [...ts].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p10: q(0.1), p90: q(0.9) };
};
function maxErr(a, ref) {
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(a[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
  return m;
}

const results = [];
for (const c of CASES) {
  const m = recurrentModel(c.op, c.cfg, c.layers);
  const bytes = encodeModel(m.onnx);
  const systems = {
    'lstm-wasm': await lstmWasm(m, bytes),
    'lstm-wasm int8': await lstmWasm(m, bytes, { weights: 'int8' }),
    'onnxruntime-web': await ortWeb(m, bytes),
    'tfjs-wasm': await tfjsWasm(m, c.op, c.cfg),
    'onnxruntime-node': await ortNode(m, bytes),
  };
  const ref = await systems['onnxruntime-node'].run();
  const check = {};
  for (const [name, s] of Object.entries(systems)) {
    const y = await s.run();
    check[name] = maxErr(s.toOnnx ? s.toOnnx(y) : y, ref);
    const tol = name.endsWith('int8') ? 2e-2 : 1e-4; // int8 weights: within 2e-2 of float32
    if (!(check[name] <= tol)) throw new Error(`${c.name}: ${name} differs from onnxruntime-node by ${check[name]}`);
  }
  const times = Object.fromEntries(Object.keys(systems).map((n) => [n, []]));
  for (let r = -3; r < RUNS; r++) {
    for (const [name, s] of Object.entries(systems)) {
      const t0 = performance.now();
      await s.run();
      if (r >= 0) times[name].push(performance.now() - t0);
    }
  }
  const row = { case: c.name, ...c.cfg, layers: c.layers?.length ?? 1, flops: m.flops, throughput: !!c.throughput, systems: {} };
  for (const [name, ts] of Object.entries(times)) {
    const st = stats(ts);
    row.systems[name] = { ...st, gflops: m.flops / st.median / 1e6, seqPerSec: (c.cfg.B * 1000) / st.median, maxErrVsNative: check[name] };
  }
  const ours = row.systems['lstm-wasm'].median;
  row.vsOrtWeb = row.systems['onnxruntime-web'].median / ours;
  row.vsTfjs = row.systems['tfjs-wasm'].median / ours;
  row.vsNative = row.systems['onnxruntime-node'].median / ours;
  row.int8VsNative = row.systems['onnxruntime-node'].median / row.systems['lstm-wasm int8'].median;
  row.int8VsOrtWeb = row.systems['onnxruntime-web'].median / row.systems['lstm-wasm int8'].median;
  results.push(row);
  console.log(`${c.name.padEnd(24)} ours ${ours.toFixed(3)} ms (${row.systems['lstm-wasm'].gflops.toFixed(1)} GF/s)  int8 ${row.systems['lstm-wasm int8'].median.toFixed(3)}  ort-web ${row.systems['onnxruntime-web'].median.toFixed(3)}  tfjs ${row.systems['tfjs-wasm'].median.toFixed(3)}  native ${row.systems['onnxruntime-node'].median.toFixed(3)}  | x${row.vsOrtWeb.toFixed(2)} ort-web, x${row.vsTfjs.toFixed(2)} tfjs, x${row.vsNative.toFixed(2)} native; int8 x${row.int8VsNative.toFixed(2)} native`);
  for (const s of Object.values(systems)) await s.release();
}

const { hasRelaxedSimd } = await import('../dist/index.js');
const machine = { cpu: cpus()[0].model, cores: cpus().length, node: process.version, wasm: hasRelaxedSimd() ? 'lstm-relaxed.wasm' : 'lstm.wasm', date: new Date().toISOString().slice(0, 10) };
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/latest.json', import.meta.url), JSON.stringify({ machine, runs: RUNS, results }, null, 2) + '\n');
const md = [
  `${machine.cpu}, ${machine.cores} cores, Node ${machine.node} (${machine.wasm}), single thread, median of ${RUNS} interleaved runs, ${machine.date}`,
  '',
  '| case | lstm-wasm ms (GFLOP/s) | onnxruntime-web ms | tfjs-wasm ms | onnxruntime-node ms | vs ort-web | vs tfjs | vs native | lstm-wasm int8 ms | int8 vs native |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...results.filter((r) => !r.throughput).map((r) => `| ${r.case} | ${r.systems['lstm-wasm'].median.toFixed(3)} (${r.systems['lstm-wasm'].gflops.toFixed(1)}) | ${r.systems['onnxruntime-web'].median.toFixed(3)} | ${r.systems['tfjs-wasm'].median.toFixed(3)} | ${r.systems['onnxruntime-node'].median.toFixed(3)} | ${r.vsOrtWeb.toFixed(2)}× | ${r.vsTfjs.toFixed(2)}× | ${r.vsNative.toFixed(2)}× | ${r.systems['lstm-wasm int8'].median.toFixed(3)} | ${r.int8VsNative.toFixed(2)}× |`),
  '',
  'Batch throughput, sequences per second (LSTM I128 H256, T64):',
  '',
  '| B | lstm-wasm | lstm-wasm int8 | onnxruntime-web | tfjs-wasm | onnxruntime-node |',
  '|---|---|---|---|---|---|',
  ...results.filter((r) => r.throughput).map((r) => `| ${r.B} | ${['lstm-wasm', 'lstm-wasm int8', 'onnxruntime-web', 'tfjs-wasm', 'onnxruntime-node'].map((n) => r.systems[n].seqPerSec.toFixed(0)).join(' | ')} |`),
];
writeFileSync(new URL('results/latest.md', import.meta.url), md.join('\n') + '\n');
console.log('\n' + md.join('\n'));

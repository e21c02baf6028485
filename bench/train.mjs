// bench/train.mjs: npm run bench:train — one training step (forward, loss, BPTT, Adam) of a 2-layer character LSTM
// language model (B32 T64 E128 H256 V96) and of the C1-C4 shapes, lstm-wasm beside single-thread PyTorch (Debian's
// python3-torch, rounds interleaved with ours) and TF.js (wasm and cpu backends). Writes bench/results/train.{md,json}.
// Env: ROUNDS (3), REPS per round (4), TFJS=0 skips TF.js, TFJS_CPU=0 skips its slow cpu backend, PYTHON (/usr/bin/python3),
// RELAXED=0 skips the relaxed-SIMD column (lstm-train-relaxed.wasm, fused multiply-add: Chromium, Node >= 22; here a child
// node with --experimental-wasm-relaxed-simd).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Tensor, hasRelaxedSimd } from '../dist/index.js';
import { adam, dense, embedding, lstm, sequential, trainStep } from '../dist/train.js';
import { CONFIGS } from './models.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 3), REPS = Number(process.env.REPS ?? 4);
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const LM = { name: 'LM 2-layer LSTM B32 T64 E128 H256 V96', V: 96, E: 128, H: 256, L: 2, O: 96, B: 32, T: 64, head: 'sequence', loss: 'ce' };
const CASES = [LM, ...Object.entries(CONFIGS).map(([c, { B, T, I, H }]) => ({ name: `${c} LSTM B${B} T${T} I${I} H${H} -> dense(1), MSE`, I, H, L: 1, O: 1, B, T, head: 'sequence', loss: 'mse' }))];

/** Forward multiply-adds x2 of the network; a training step is about three times that (forward, two backward products). */
function flops(c) {
  let f = 0, I = c.V ? c.E : c.I;
  for (let l = 0; l < c.L; l++, I = c.H) f += 2 * 4 * c.H * (I + c.H) * c.T * c.B;
  return 3 * (f + 2 * c.H * c.O * c.T * c.B);
}

function seeded(n, seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s / 2 ** 32) * n;
  };
}

function data(c) {
  const r = seeded(1, 7), n = c.B * c.T;
  const x = c.V ? new Tensor('int32', Int32Array.from({ length: n }, () => Math.floor(r() * c.V)), [c.B, c.T])
    : new Tensor('float32', Float32Array.from({ length: n * c.I }, () => r() * 2 - 1), [c.B, c.T, c.I]);
  const y = c.loss === 'ce' ? new Tensor('int32', Int32Array.from({ length: n }, () => Math.floor(r() * c.O)), [c.B, c.T])
    : new Tensor('float32', Float32Array.from({ length: n * c.O }, () => r() * 2 - 1), [c.B, c.T, c.O]);
  return { x, y };
}

const median = (ts) => [...ts].sort((a, b) => a - b)[Math.floor(ts.length / 2)];

// lstm-wasm: one network per case, kept across rounds
const ours = [];
for (const c of CASES) {
  const layers = [...(c.V ? [embedding(c.V, c.E)] : []), lstm(c.H, { layers: c.L }), dense(c.O)];
  const net = await sequential(layers, { inputSize: c.I, seed: 1 });
  const { x, y } = data(c), optimizer = adam({ lr: 1e-3 });
  const step = () => trainStep(net, x, y, { loss: c.loss, optimizer });
  step();
  ours.push({ c, step, times: [] });
}

if (process.env.OURS_ONLY) {
  // child mode: REPS steps of every case, times as one JSON line
  for (const o of ours) {
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now();
      o.step();
      o.times.push(performance.now() - t0);
    }
  }
  console.log(JSON.stringify({ relaxed: hasRelaxedSimd(), times: Object.fromEntries(ours.map((o) => [o.c.name, o.times])) }));
  process.exit(0);
}
const relaxedTimes = Object.fromEntries(CASES.map((c) => [c.name, []]));
const relaxed = !hasRelaxedSimd() && process.env.RELAXED !== '0';

const torchTimes = Object.fromEntries(CASES.map((c) => [c.name, []]));
let torchVersion;
const haveTorch = existsSync(PYTHON) && (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
for (let round = 0; round < ROUNDS; round++) {
  if (haveTorch) {
    const out = execFileSync(PYTHON, ['bench/train_torch.py', JSON.stringify({ cases: CASES, reps: REPS, warmup: 1 })],
      { env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' }, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop());
    torchVersion = r.torch;
    for (const c of CASES) torchTimes[c.name].push(...r.results[c.name].ms);
  }
  for (const o of ours) {
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now();
      o.step();
      o.times.push(performance.now() - t0);
    }
  }
  if (relaxed) {
    const out = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', 'bench/train.mjs'], { env: { ...process.env, OURS_ONLY: '1', REPS: String(REPS) }, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop());
    if (r.relaxed) for (const c of CASES) relaxedTimes[c.name].push(...r.times[c.name]);
  }
  console.error(`round ${round + 1}/${ROUNDS} done`);
}

// TF.js: the same networks trained by optimizer.minimize (tf.variableGrads underneath); its wasm backend cannot
// train an embedding (UnsortedSegmentSum is not implemented), so there the LM reads E floats per step instead of ids.
const tfjs = {};
if (process.env.TFJS !== '0') {
  const tf = await import('@tensorflow/tfjs');
  const { setThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  setThreadsCount(1);
  const run = async (backend, c, withEmbedding, reps) => {
    await tf.setBackend(backend);
    await tf.ready();
    const model = tf.sequential();
    if (withEmbedding) model.add(tf.layers.embedding({ inputDim: c.V, outputDim: c.E, inputLength: c.T }));
    for (let l = 0; l < c.L; l++) {
      const first = l === 0 && !withEmbedding ? { inputShape: [c.T, c.V ? c.E : c.I] } : {};
      model.add(tf.layers.lstm({ units: c.H, returnSequences: true, recurrentActivation: 'sigmoid', ...first }));
    }
    model.add(tf.layers.dense({ units: c.O }));
    const r = seeded(1, 7), n = c.B * c.T;
    const x = withEmbedding ? tf.tensor2d(Float32Array.from({ length: n }, () => Math.floor(r() * c.V)), [c.B, c.T])
      : tf.tensor3d(Float32Array.from({ length: n * (c.V ? c.E : c.I) }, () => r() * 2 - 1), [c.B, c.T, c.V ? c.E : c.I]);
    const y = c.loss === 'ce' ? tf.oneHot(tf.tensor2d(Int32Array.from({ length: n }, () => Math.floor(r() * c.O)), [c.B, c.T], 'int32'), c.O)
      : tf.tensor3d(Float32Array.from({ length: n * c.O }, () => r() * 2 - 1), [c.B, c.T, c.O]);
    const opt = tf.train.adam(1e-3);
    const loss = () => (c.loss === 'ce' ? tf.losses.softmaxCrossEntropy(y, model.apply(x)) : tf.losses.meanSquaredError(y, model.apply(x)));
    const step = () => {
      const cost = opt.minimize(loss, true);
      cost.dataSync();
      cost.dispose();
    };
    step();
    const ts = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      step();
      ts.push(performance.now() - t0);
    }
    model.dispose();
    tf.dispose([x, y]);
    return median(ts);
  };
  for (const c of CASES) {
    tfjs[c.name] = { wasm: await run('wasm', c, false, c === LM ? 2 : 3) };
    if (c === LM && process.env.TFJS_CPU !== '0') tfjs[c.name].cpu = await run('cpu', c, true, 1);
    console.error(`tfjs ${c.name} done`);
  }
}

const cpu = cpus()[0].model.trim();
const rows = ours.map(({ c, times }) => {
  const ms = median(times), torch = torchTimes[c.name].length ? median(torchTimes[c.name]) : undefined;
  return {
    case: c.name, ms, gflops: flops(c) / ms / 1e6, tokensPerSec: (c.B * c.T * 1000) / ms, torchMs: torch,
    relaxedMs: relaxedTimes[c.name].length ? median(relaxedTimes[c.name]) : undefined,
    vsTorch: torch && torch / ms, tfjsWasmMs: tfjs[c.name]?.wasm, tfjsCpuMs: tfjs[c.name]?.cpu, vsTfjs: tfjs[c.name]?.wasm && tfjs[c.name].wasm / ms,
  };
});
const f = (v, d = 1) => (v === undefined ? '—' : v.toFixed(d));
const head = `${cpu}, ${cpus().length} cores (shared), Node ${process.version} (lstm-train.wasm, no relaxed SIMD), one thread; ` +
  `PyTorch ${torchVersion ?? '(not found)'} torch.set_num_threads(1); median of ${ROUNDS}x${REPS} interleaved steps; ${new Date().toISOString().slice(0, 10)}`;
const x = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '—');
const md = [head, '', '| case | lstm-wasm ms | GFLOP/s | tokens/s | PyTorch 1 thread ms | lstm-wasm vs PyTorch | relaxed SIMD ms | relaxed vs PyTorch | TF.js wasm ms | TF.js cpu ms | lstm-wasm vs TF.js wasm |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.case} | ${f(r.ms)} | ${f(r.gflops)} | ${Math.round(r.tokensPerSec).toLocaleString('en')} | ${f(r.torchMs)} | ${x(r.torchMs, r.ms)} | ` +
    `${f(r.relaxedMs)} | ${x(r.torchMs, r.relaxedMs)} | ${f(r.tfjsWasmMs, 0)} | ${f(r.tfjsCpuMs, 0)} | ${r.vsTfjs ? `${r.vsTfjs.toFixed(1)}×` : '—'} |`),
  '', 'lstm-wasm vs X = X ms / lstm-wasm ms (above 1: lstm-wasm is faster). TF.js wasm trains the LM on E floats per step (its wasm backend has no',
  'UnsortedSegmentSum, so no Embedding gradient); its cpu backend trains the real LM. brain.js cannot express these networks (no batches, no',
  'embedding layer, no Adam on a stacked LSTM with a softmax head), so it is not in the table.'].join('\n');
console.log(md);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/train.md', `${md}\n`);
writeFileSync('bench/results/train.json', `${JSON.stringify({ cpu, node: process.version, torch: torchVersion, rounds: ROUNDS, reps: REPS, rows }, null, 2)}\n`);

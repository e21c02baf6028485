// bench/stream.mjs: npm run bench:step — latency of one streamed time step (C2: LSTM B1 I128 H256), lstm-wasm's
// step() (state kept in wasm) beside onnxruntime-web / onnxruntime-node (state fed in and read out each call) and a
// stateful tf.layers LSTM on tfjs-backend-wasm. Single thread, systems interleaved in rounds, states checked.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as ortNodeLib from 'onnxruntime-node';
import * as ortWebLib from 'onnxruntime-web';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { InferenceSession, Tensor, hasRelaxedSimd } from '../dist/index.js';
import { randn } from './models.mjs';
import { encodeModel } from './onnx_writer.mjs';

const { I, H } = { I: 128, H: 256 };
const STEPS = Number(process.env.STEPS ?? 200), ROUNDS = Number(process.env.ROUNDS ?? 10);
ortWebLib.env.wasm.numThreads = 1;
ortWebLib.env.logLevel = 'error';
setThreadsCount(1);
await tf.setBackend('wasm');
await tf.ready();

const s = 1 / Math.sqrt(H);
const W = randn(4 * H * I, 1, s), R = randn(4 * H * H, 2, s), Bv = randn(8 * H, 3, s);
const bytes = encodeModel({
  nodes: [{ op: 'LSTM', inputs: ['X', 'W', 'R', 'B', '', 'initial_h', 'initial_c'], outputs: ['Y', 'Y_h', 'Y_c'], attrs: { hidden_size: H } }],
  initializers: [{ name: 'W', dims: [1, 4 * H, I], data: W }, { name: 'R', dims: [1, 4 * H, H], data: R }, { name: 'B', dims: [1, 8 * H], data: Bv }],
  inputs: [{ name: 'X', dims: [1, 1, I] }, { name: 'initial_h', dims: [1, 1, H] }, { name: 'initial_c', dims: [1, 1, H] }],
  outputs: [{ name: 'Y', dims: [1, 1, 1, H] }, { name: 'Y_h', dims: [1, 1, H] }, { name: 'Y_c', dims: [1, 1, H] }],
});
const xs = Array.from({ length: STEPS }, (_, t) => randn(I, 100 + t));
const zeros = new Float32Array(H);

/** Each system: reset() to a zero state, step(x) -> h after the step. */
async function ours() {
  const sess = await InferenceSession.create(bytes);
  const z = new Tensor('float32', zeros, [1, 1, H]);
  let first = true;
  return {
    reset: () => { sess.resetState(); first = true; },
    step: async (x) => {
      const feeds = { X: new Tensor('float32', x, [1, 1, I]) };
      const out = await sess.step(first ? { ...feeds, initial_h: z, initial_c: z } : feeds, ['Y_h']);
      first = false;
      return out.Y_h.data;
    },
  };
}

async function ort(lib, opts) {
  const sess = await lib.InferenceSession.create(bytes, opts);
  let h, c;
  return {
    reset: () => { h = new lib.Tensor('float32', zeros, [1, 1, H]); c = h; },
    step: async (x) => {
      const out = await sess.run({ X: new lib.Tensor('float32', x, [1, 1, I]), initial_h: h, initial_c: c });
      [h, c] = [out.Y_h, out.Y_c];
      return h.data;
    },
  };
}

async function tfjs() {
  const layer = tf.layers.lstm({ units: H, stateful: true, batchInputShape: [1, 1, I], recurrentActivation: 'sigmoid' });
  const model = tf.sequential({ layers: [layer] });
  // ONNX i, o, f, c -> Keras i, f, c, o; kernel (I, 4H), recurrent (H, 4H), bias Wb + Rb
  const kernel = new Float32Array(I * 4 * H), rec = new Float32Array(H * 4 * H), bias = new Float32Array(4 * H);
  [0, 2, 3, 1].forEach((src, k) => {
    for (let u = 0; u < H; u++) {
      const row = src * H + u;
      for (let i = 0; i < I; i++) kernel[i * 4 * H + k * H + u] = W[row * I + i];
      for (let j = 0; j < H; j++) rec[j * 4 * H + k * H + u] = R[row * H + j];
      bias[k * H + u] = Bv[src * H + u] + Bv[4 * H + src * H + u];
    }
  });
  model.setWeights([tf.tensor2d(kernel, [I, 4 * H]), tf.tensor2d(rec, [H, 4 * H]), tf.tensor1d(bias)]);
  return {
    reset: () => model.resetStates(),
    step: async (x) => {
      const y = tf.tidy(() => model.predict(tf.tensor3d(x, [1, 1, I])));
      const d = y.dataSync();
      y.dispose();
      return d;
    },
  };
}

const systems = {
  'lstm-wasm step()': await ours(),
  'onnxruntime-web': await ort(ortWebLib, { executionProviders: ['wasm'] }),
  'tfjs-wasm (stateful)': await tfjs(),
  'onnxruntime-node': await ort(ortNodeLib, { intraOpNumThreads: 1, interOpNumThreads: 1 }),
};

// the same stream through every system: final states must agree
const finals = {};
for (const [name, sys] of Object.entries(systems)) {
  sys.reset();
  let h;
  for (const x of xs) h = await sys.step(x);
  finals[name] = h;
}
const ref = finals['onnxruntime-node'];
for (const [name, h] of Object.entries(finals)) {
  const err = Math.max(...Array.from(ref, (r, i) => Math.abs(h[i] - r) / Math.max(1, Math.abs(r))));
  if (!(err < 1e-4)) throw new Error(`${name}: h after ${STEPS} steps differs from onnxruntime-node by ${err}`);
}

const per = Object.fromEntries(Object.keys(systems).map((n) => [n, []]));
for (let r = -1; r < ROUNDS; r++) {
  for (const [name, sys] of Object.entries(systems)) {
    sys.reset();
    const t0 = performance.now();
    for (const x of xs) await sys.step(x);
    if (r >= 0) per[name].push(((performance.now() - t0) / STEPS) * 1000);
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const ours0 = med(per['lstm-wasm step()']);
const lines = [
  `one streamed step, LSTM I${I} H${H} B1, ${cpus()[0].model}, Node ${process.version} (${hasRelaxedSimd() ? 'lstm-relaxed.wasm' : 'lstm.wasm'}), median of ${ROUNDS} rounds of ${STEPS} steps`,
  '', '| system | µs per step | steps/s | lstm-wasm is |', '|---|---:|---:|---:|',
  ...Object.entries(per).map(([name, a]) => {
    const us = med(a);
    return `| ${name} | ${us.toFixed(1)} | ${Math.round(1e6 / us).toLocaleString('en-US')} | ${name.startsWith('lstm-wasm') ? '—' : `${(us / ours0).toFixed(2)}× faster`} |`;
  }),
];
console.log(lines.join('\n'));
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/step.md', import.meta.url), lines.join('\n') + '\n');
writeFileSync(new URL('results/step.json', import.meta.url), JSON.stringify({ cpu: cpus()[0].model, node: process.version, steps: STEPS, rounds: ROUNDS,
  usPerStep: Object.fromEntries(Object.entries(per).map(([n, a]) => [n, med(a)])) }, null, 2) + '\n');

// bench/peers.mjs: each system under test behind one interface — create from the model, run(x) -> Y in ONNX layout.
import * as ortNodeLib from 'onnxruntime-node';
import * as ortWebLib from 'onnxruntime-web';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { InferenceSession, Tensor } from '../dist/index.js';

ortWebLib.env.wasm.numThreads = 1;
ortWebLib.env.logLevel = 'error';
setThreadsCount(1);
await tf.setBackend('wasm');
await tf.ready();

export async function lstmWasm(m, bytes, options = {}) {
  const s = await InferenceSession.create(bytes, options);
  const x = new Tensor('float32', m.x, m.dims);
  return { run: async () => (await s.run({ X: x }, ['Y'])).Y.data, release: () => s.release() };
}

export async function ortWeb(m, bytes) {
  const s = await ortWebLib.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const x = new ortWebLib.Tensor('float32', m.x, m.dims);
  return { run: async () => (await s.run({ X: x })).Y.data, release: () => s.release() };
}

export async function ortNode(m, bytes) {
  const s = await ortNodeLib.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
  const x = new ortNodeLib.Tensor('float32', m.x, m.dims);
  return { run: async () => (await s.run({ X: x })).Y.data, release: () => s.release() };
}

/** Keras layout of one direction's ONNX weights: kernel (I, G*H), recurrent kernel (H, G*H), one bias. */
function kerasWeights(op, w, d, H) {
  const G = op === 'LSTM' ? 4 : 3, I = w.inputWidth;
  const order = op === 'LSTM' ? [0, 2, 3, 1] : [0, 1, 2]; // Keras i,f,c,o from ONNX i,o,f,c; GRU z,r,h in both
  const kernel = new Float32Array(I * G * H), rec = new Float32Array(H * G * H), bias = new Float32Array(G * H);
  order.forEach((src, k) => {
    for (let u = 0; u < H; u++) {
      const row = (d * G + src) * H + u;
      for (let i = 0; i < I; i++) kernel[i * G * H + k * H + u] = w.W[row * I + i];
      for (let j = 0; j < H; j++) rec[j * G * H + k * H + u] = w.R[row * H + j];
      bias[k * H + u] = w.B[d * 2 * G * H + src * H + u] + w.B[d * 2 * G * H + G * H + src * H + u];
    }
  });
  return [tf.tensor2d(kernel, [I, G * H]), tf.tensor2d(rec, [H, G * H]), tf.tensor1d(bias)];
}

/** The same network as tf.layers on the wasm backend; input and output transposed outside the timing. */
export async function tfjsWasm(m, op, cfg) {
  const { B, T, I, H } = cfg;
  const layer = (o) => (op === 'LSTM' ? tf.layers.lstm(o) : tf.layers.gru(o));
  const base = { units: H, returnSequences: true, recurrentActivation: 'sigmoid', kernelInitializer: 'zeros', recurrentInitializer: 'zeros' };
  const layers = m.weights.map((w, l) => (w.D === 2
    ? tf.layers.bidirectional({ layer: layer(base), mergeMode: 'concat', ...(l === 0 ? { inputShape: [T, I] } : {}) })
    : layer({ ...base, ...(l === 0 ? { inputShape: [T, I] } : {}) })));
  const model = tf.sequential({ layers });
  model.setWeights(m.weights.flatMap((w) => Array.from({ length: w.D }, (_, d) => kerasWeights(op, w, d, H)).flat()));
  const xb = new Float32Array(B * T * I); // [B, T, I]
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) xb.set(m.x.subarray((t * B + b) * I, (t * B + b + 1) * I), (b * T + t) * I);
  const x = tf.tensor3d(xb, [B, T, I]);
  const D = m.weights[m.weights.length - 1].D;
  return {
    run: async () => {
      const y = model.predict(x);
      const data = y.dataSync();
      y.dispose();
      return data;
    },
    /** [B, T, D*H] -> ONNX [T, D, B, H], for the correctness check */
    toOnnx: (data) => {
      const out = new Float32Array(data.length);
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) for (let h = 0; h < H; h++) {
        out[((t * D + d) * B + b) * H + h] = data[((b * T + t) * D + d) * H + h];
      }
      return out;
    },
    release: () => model.dispose(),
  };
}

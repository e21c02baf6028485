// test/train_tfjs.test.ts: gradients against a second autograd — TF.js (tf.variableGrads, cpu backend) on the same
// networks built with tf.layers, weights copied over in Keras' layout, compared by TF.js weight name within
// 1e-4 * max(1, |ref|). Runs TF.js itself (a devDependency), so CI checks it without Python.
import * as tf from '@tensorflow/tfjs';
import { Tensor } from 'lstm-wasm';
import { type LayerConfig, type Network, dense, embedding, gru, lstm, rnn, sequential } from 'lstm-wasm/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { rng } from './helpers';
import { worstError } from './train_helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rand = rng(17);
const floats = (n: number, s = 1) => Float32Array.from({ length: n }, () => rand() * s);

/** Rows of w (G*H, K) regrouped: out gate block j = in block order[j], then transposed to (K, G*H) as Keras keeps kernels. */
function kerasKernel(w: Float32Array, G: number, H: number, K: number, order: number[]): Float32Array {
  const out = new Float32Array(K * G * H);
  order.forEach((src, j) => {
    for (let u = 0; u < H; u++) for (let k = 0; k < K; k++) out[k * G * H + j * H + u] = w[(src * H + u) * K + k];
  });
  return out;
}

interface Case { name: string; cell: 'lstm' | 'gru' | 'rnn'; ids?: boolean; seqOut?: boolean; loss: 'mse' | 'ce' }
const CASES: Case[] = [
  { name: 'LSTM, last state, Dense, MSE', cell: 'lstm', loss: 'mse' },
  { name: 'GRU (reset before the product: TF.js has no reset_after), every step, Dense, MSE', cell: 'gru', seqOut: true, loss: 'mse' },
  { name: 'Embedding, SimpleRNN (tanh), last state, Dense, softmax cross-entropy', cell: 'rnn', ids: true, loss: 'ce' },
];
const ORDER = { lstm: [0, 1, 2, 3], gru: [1, 0, 2], rnn: [0] }; // Keras i,f,c,o = PyTorch i,f,g,o; Keras z,r,h from PyTorch r,z,n
const G = { lstm: 4, gru: 3, rnn: 1 };

describe('gradients against TF.js tf.variableGrads, by TF.js weight name', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const B = 3, T = 5, I = 4, H = 6, O = 3, V = 9, E = 4;
      const cellOf = { lstm, gru: (h: number, o: object) => gru(h, { ...o, resetAfter: false }), rnn }[c.cell] as (h: number, o: object) => LayerConfig;
      const layers: LayerConfig[] = [...(c.ids ? [embedding(V, E)] : []), cellOf(H, { output: c.seqOut ? 'sequence' : 'final_state' }), dense(O)];
      const net: Network = await sequential(layers, { inputSize: c.ids ? undefined : I, seed: 2 });
      const w = net.weights(), g3 = G[c.cell], K = c.ids ? E : I, p = c.cell;
      const tfLayers: tf.layers.Layer[] = [];
      if (c.ids) tfLayers.push(tf.layers.embedding({ inputDim: V, outputDim: E, inputLength: T }));
      const common = { units: H, returnSequences: !!c.seqOut, ...(c.ids ? {} : { inputShape: [T, I] }) };
      tfLayers.push(c.cell === 'lstm' ? tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid' })
        : c.cell === 'gru' ? tf.layers.gru({ ...common, recurrentActivation: 'sigmoid' }) : tf.layers.simpleRNN(common));
      tfLayers.push(tf.layers.dense({ units: O }));
      const model = tf.sequential({ layers: tfLayers });
      // our weights in Keras' layout
      const d = (name: string) => w[name].data as Float32Array;
      const bx = d(`${p}.bias_ih_l0`), bh = d(`${p}.bias_hh_l0`), order = ORDER[c.cell];
      const perm = (b: Float32Array) => Float32Array.from(order.flatMap((src) => Array.from(b.subarray(src * H, (src + 1) * H))));
      const bias = tf.tensor1d(perm(bx).map((v, i) => v + perm(bh)[i])); // one Keras bias: both of ours summed
      const headT = new Float32Array(H * O);
      for (let o = 0; o < O; o++) for (let f = 0; f < H; f++) headT[f * O + o] = d('head.weight')[o * H + f];
      model.setWeights([
        ...(c.ids ? [tf.tensor2d(d('embed.weight'), [V, E])] : []),
        tf.tensor2d(kerasKernel(d(`${p}.weight_ih_l0`), g3, H, K, order), [K, g3 * H]),
        tf.tensor2d(kerasKernel(d(`${p}.weight_hh_l0`), g3, H, H, order), [H, g3 * H]), bias,
        tf.tensor2d(headT, [H, O]), tf.tensor1d(d('head.bias')),
      ]);
      // data and loss
      const xData = c.ids ? Int32Array.from({ length: B * T }, () => Math.floor(((rand() + 1) / 2) * V) % V) : floats(B * T * I);
      const outDims = c.seqOut ? [B, T, O] : [B, O], n = outDims.reduce((a, b) => a * b, 1);
      const yIds = Int32Array.from({ length: n / O }, () => Math.floor(((rand() + 1) / 2) * O) % O), yF = floats(n);
      const xTf = c.ids ? tf.tensor2d(Float32Array.from(xData), [B, T]) : tf.tensor3d(xData as Float32Array, [B, T, I]);
      const target = c.loss === 'ce' ? tf.oneHot(tf.tensor1d(yIds, 'int32'), O) : tf.tensor(yF, outDims);
      const f = () => (c.loss === 'ce' ? tf.losses.softmaxCrossEntropy(target, model.apply(xTf) as tf.Tensor) : tf.losses.meanSquaredError(target, model.apply(xTf) as tf.Tensor)) as tf.Scalar;
      const { value, grads } = tf.variableGrads(f);
      // ours
      net.zeroGrad();
      const x = c.ids ? new Tensor('int32', xData as Int32Array, [B, T]) : new Tensor('float32', xData as Float32Array, [B, T, I]);
      const y = c.loss === 'ce' ? new Tensor('int32', yIds, [B]) : new Tensor('float32', yF, outDims);
      const loss = net.backward(x, y, c.loss);
      expect(Math.abs(loss - value.dataSync()[0])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(loss)));
      const ours = net.gradients(), og = (name: string) => ours[name].data as Float32Array;
      const names = model.weights.map((v) => v.originalName);
      const want: Record<string, Float32Array> = {};
      names.forEach((name) => (want[name] = grads[name].dataSync() as Float32Array));
      const kernel = names.find((n) => /\/kernel$/.test(n) && !n.startsWith('dense'))!, recurrent = names.find((n) => /recurrent_kernel$/.test(n))!;
      const rbias = names.find((n) => /bias$/.test(n) && !n.startsWith('dense'))!, dk = names.find((n) => n.startsWith('dense') && n.endsWith('kernel'))!;
      expect(worstError(kerasKernel(og(`${p}.weight_ih_l0`), g3, H, K, order), want[kernel]), kernel).toBeLessThanOrEqual(1e-4);
      expect(worstError(kerasKernel(og(`${p}.weight_hh_l0`), g3, H, H, order), want[recurrent]), recurrent).toBeLessThanOrEqual(1e-4);
      // the Keras bias is bx + bh: each of ours gets its gradient
      expect(worstError(perm(og(`${p}.bias_ih_l0`)), want[rbias]), rbias).toBeLessThanOrEqual(1e-4);
      expect(worstError(perm(og(`${p}.bias_hh_l0`)), want[rbias]), rbias).toBeLessThanOrEqual(1e-4);
      const dHead = new Float32Array(H * O);
      for (let o = 0; o < O; o++) for (let q = 0; q < H; q++) dHead[q * O + o] = og('head.weight')[o * H + q];
      expect(worstError(dHead, want[dk]), dk).toBeLessThanOrEqual(1e-4);
      expect(worstError(og('head.bias'), want[names.find((n) => n.startsWith('dense') && n.endsWith('bias'))!]), 'dense bias').toBeLessThanOrEqual(1e-4);
      if (c.ids) expect(worstError(og('embed.weight'), want[names.find((n) => n.startsWith('embedding'))!]), 'embeddings').toBeLessThanOrEqual(1e-4);
      model.dispose();
      net.release();
    });
  }
});

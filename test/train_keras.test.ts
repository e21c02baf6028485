// test/train_keras.test.ts: fine-tuning Keras / TF.js layers models — tf.layers models saved by TF.js itself (cpu
// backend, a devDependency) loaded by loadNetwork, gradients by TF.js weight name against tf.variableGrads (GRU
// reset_after, which TF.js cannot build, against Keras's GRUCell equations in TF.js ops, also under tf.variableGrads),
// a few Adam steps saved as model.json + weights.bin and run by tf.loadLayersModel, and models that are not a
// trainable stack refused naming the layer and the option.
import * as tf from '@tensorflow/tfjs';
import { Tensor } from 'lstm-wasm';
import { type Network, adam, loadNetwork, trainStep } from 'lstm-wasm/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectError, fixturePath, npy, rng } from './helpers';
import { worstError } from './train_helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const L = tf.layers;
type Artifacts = { modelTopology: any; weightSpecs: any[]; weightData: ArrayBuffer; format?: string; generatedBy?: string; convertedBy?: string | null };

const rand = rng(29);
const floats = (n: number, s = 1) => Float32Array.from({ length: n }, () => rand() * s);

/** Seeded weights, uniform in ±1.2/sqrt(fan-in) (biases ±0.3), as the inference fixtures set them. */
function seedWeights(model: tf.LayersModel): void {
  model.setWeights(model.getWeights().map((w) => {
    const fan = w.shape.length > 1 ? w.shape[0] : 0;
    return tf.tensor(floats(w.size, fan ? 1.2 / Math.sqrt(fan) : 0.3), w.shape);
  }));
}

/** What model.save hands a save handler: the topology, the weight specs and one buffer. */
async function artifactsOf(model: tf.LayersModel): Promise<Artifacts> {
  let art: any;
  await model.save(tf.io.withSaveHandler(async (a) => {
    art = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return { ...art, weightData: tf.io.CompositeArrayBuffer.join(art.weightData) };
}

/** saveFiles()' model.json + weights.bin, loaded by TF.js. */
async function tfLoad(files: Record<string, Uint8Array>): Promise<tf.LayersModel> {
  const json = JSON.parse(new TextDecoder().decode(files['model.json']));
  expect(json.weightsManifest.length).toBe(1);
  expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
  const bin = files['weights.bin'];
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
  }));
}

const toTf = (t: Tensor) => (t.type === 'float32' ? tf.tensor(t.data as Float32Array, [...t.dims]) : tf.tensor(Float32Array.from(t.data as Int32Array), [...t.dims]));
const fromTf = (t: tf.Tensor) => new Tensor('float32', t.dataSync() as Float32Array, t.shape);

/** The network's output as the file computes it (the network gives logits; the file keeps its softmax / sigmoid). */
function asFile(net: Network, out: Tensor): Tensor {
  const t = net.source?.outputTransform;
  if (!t) return out;
  const y = t === 'softmax' ? tf.softmax(toTf(out)) : tf.sigmoid(toTf(out));
  return fromTf(y);
}

/** The loss the model file defines on its own output, as Keras computes it (categorical cross-entropy on probabilities). */
function tfLoss(kind: 'ce' | 'mse', out: tf.Tensor, target: Tensor, classes: number): tf.Scalar {
  if (kind === 'ce') return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(tf.tensor(target.data as Int32Array, [...target.dims], 'int32'), classes), tf.log(out)), -1))) as tf.Scalar;
  return tf.losses.meanSquaredError(toTf(target), out) as tf.Scalar;
}

/** tf.variableGrads of the loss over the model's trainable weights, by their names in the weights manifest. */
function tfGrads(model: tf.LayersModel, x: Tensor, target: Tensor, kind: 'ce' | 'mse', classes: number) {
  const names = new Map(model.trainableWeights.map((w) => [w.name, w.originalName]));
  const { value, grads } = tf.variableGrads(() => tfLoss(kind, model.apply(toTf(x)) as tf.Tensor, target, classes));
  return { loss: value.dataSync()[0], grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [names.get(k) ?? k, g.dataSync() as Float32Array])) };
}

interface Case {
  name: string;
  build: () => tf.LayersModel;
  x: () => Tensor;
  loss: 'ce' | 'mse';
  classes: number;
  outDims: number[];
}

const B = 3, T = 6;
const CASES: Case[] = [
  {
    name: 'Embedding -> LSTM -> Dense softmax classifier (cross-entropy on the logits)',
    build: () => tf.sequential({ layers: [
      L.embedding({ inputDim: 11, outputDim: 5, batchInputShape: [null, null], name: 'embedding' }),
      L.lstm({ units: 6, recurrentActivation: 'sigmoid', name: 'lstm' }),
      L.dense({ units: 4, activation: 'softmax', name: 'dense' }),
    ] }),
    x: () => new Tensor('int32', Int32Array.from({ length: B * T }, () => Math.floor(((rand() + 1) / 2) * 11) % 11), [B, T]),
    loss: 'ce', classes: 4, outDims: [B],
  },
  {
    name: 'Bidirectional(GRU, reset before: TF.js\'s GRU) -> GRU -> Dense, MSE',
    build: () => tf.sequential({ layers: [
      L.bidirectional({ layer: L.gru({ units: 5, returnSequences: true, recurrentActivation: 'sigmoid', name: 'gru' }) as tf.RNN, inputShape: [T, 4], name: 'bidirectional' }),
      L.gru({ units: 4, recurrentActivation: 'sigmoid', name: 'gru_1' }),
      L.dense({ units: 3, name: 'dense' }),
    ] }),
    x: () => new Tensor('float32', floats(B * T * 4), [B, T, 4]),
    loss: 'mse', classes: 3, outDims: [B, 3],
  },
  {
    name: 'SimpleRNN (relu) -> Dropout -> SimpleRNN (tanh) -> Dense regressor, every step, MSE',
    build: () => tf.sequential({ layers: [
      L.simpleRNN({ units: 8, activation: 'relu', returnSequences: true, inputShape: [null, 3], name: 'rnn1' }),
      L.dropout({ rate: 0.25, name: 'dropout' }),
      L.simpleRNN({ units: 5, returnSequences: true, name: 'rnn2' }),
      L.timeDistributed({ layer: L.dense({ units: 1, name: 'out' }), name: 'td' }),
    ] }),
    x: () => new Tensor('float32', floats(B * T * 3), [B, T, 3]),
    loss: 'mse', classes: 1, outDims: [B, T, 1],
  },
];

function targetOf(c: Case): Tensor {
  if (c.loss === 'ce') return new Tensor('int32', Int32Array.from({ length: c.outDims[0] }, () => Math.floor(((rand() + 1) / 2) * c.classes) % c.classes), c.outDims);
  return new Tensor('float32', floats(c.outDims.reduce((a, b) => a * b, 1)), c.outDims);
}

describe('Keras / TF.js models: gradients by TF.js weight name = tf.variableGrads', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const model = c.build();
      seedWeights(model);
      const art = await artifactsOf(model);
      const net = await loadNetwork(art as any);
      expect(net.source?.format).toBe('tfjs');
      const x = c.x(), y = targetOf(c);
      expectClose(asFile(net, net.forward(x)), fromTf(model.predict(toTf(x)) as tf.Tensor), `${c.name}: forward = model.predict`);
      const ref = tfGrads(model, x, y, c.loss, c.classes);
      net.zeroGrad();
      const loss = net.backward(x, y, c.loss, { training: false });
      expect(Math.abs(loss - ref.loss) / Math.max(1, Math.abs(ref.loss))).toBeLessThanOrEqual(1e-5);
      const grads = net.fileGradients();
      expect(Object.keys(grads)).toEqual(art.weightSpecs.map((s) => s.name)); // every weight, the manifest's names and order
      for (const s of art.weightSpecs) {
        expect(grads[s.name].dims, s.name).toEqual(s.shape);
        expect(worstError(grads[s.name].data as Float32Array, ref.grads[s.name]), s.name).toBeLessThanOrEqual(1e-4);
      }
      model.dispose();
      net.release();
    });
  }
});

describe('Keras / TF.js models fine-tuned and saved: tf.loadLayersModel runs model.json + weights.bin to the network\'s outputs', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const model = c.build();
      seedWeights(model);
      const art = await artifactsOf(model);
      const net = await loadNetwork(art as any, { seed: 3 });
      const x = c.x(), y = targetOf(c), before = net.fileWeights();
      const opt = adam({ lr: 0.05 });
      for (let s = 0; s < 3; s++) trainStep(net, x, y, { loss: c.loss, optimizer: opt }); // dropout on
      const files = net.saveFiles();
      expect(Object.keys(files)).toEqual(['model.json', 'weights.bin']);
      const json = JSON.parse(new TextDecoder().decode(files['model.json']));
      expect(json.modelTopology).toEqual(art.modelTopology); // the topology as it was
      const loaded = await tfLoad(files);
      expectClose(fromTf(loaded.predict(toTf(x)) as tf.Tensor), asFile(net, net.forward(x)), `${c.name}: TF.js on the saved model vs the network`);
      // the weights moved, and the saved files load back to them
      const after = net.fileWeights();
      const again = await loadNetwork({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: files['weights.bin'] } as any);
      for (const [k, t] of Object.entries(again.fileWeights())) {
        expect(t.data, k).toEqual(after[k].data);
        expect(t.data, k).not.toEqual(before[k].data);
      }
      expect(() => net.save()).toThrow(/use saveFiles\(\)/);
      model.dispose();
      loaded.dispose();
      net.release();
      again.release();
    });
  }
});

// GRU reset_after = true (Keras's default): TF.js cannot build it, Keras writes it. The artifacts are TF.js's with
// reset_after set and (2, 3H) biases; the reference is Keras's GRUCell equations in TF.js ops, under tf.variableGrads.
describe('Bidirectional GRU (reset_after) stack: gradients = tf.variableGrads of Keras\'s GRU equations', () => {
  const I = 4, H1 = 5, H2 = 4, O = 3;
  async function resetAfterModel() {
    const model = tf.sequential({ layers: [
      L.bidirectional({ layer: L.gru({ units: H1, returnSequences: true, recurrentActivation: 'sigmoid', name: 'gru' }) as tf.RNN, inputShape: [null, I], name: 'bidirectional' }),
      L.gru({ units: H2, recurrentActivation: 'sigmoid', name: 'gru_1' }),
      L.dense({ units: O, name: 'dense' }),
    ] });
    seedWeights(model);
    const art = await artifactsOf(model);
    const raw = model.getWeights().map((w) => w.dataSync() as Float32Array);
    model.dispose();
    const specs = art.weightSpecs;
    const patch = (l: any) => (l.class_name === 'Bidirectional' ? (l.config.layer.config.reset_after = true) : l.class_name === 'GRU' ? (l.config.reset_after = true) : 0);
    art.modelTopology.config.layers.forEach(patch);
    const data: Float32Array[] = specs.map((s, i) => {
      if (!(/gru/.test(s.name) && s.name.endsWith('/bias'))) return raw[i];
      s.shape = [2, s.shape[0]];
      return floats(2 * raw[i].length, 0.3);
    });
    const all = new Float32Array(data.reduce((a, d) => a + d.length, 0));
    data.reduce((at, d) => (all.set(d, at), at + d.length), 0);
    art.weightData = all.buffer;
    const values: Record<string, { data: Float32Array; shape: number[] }> = Object.fromEntries(specs.map((s, i) => [s.name, { data: data[i], shape: s.shape as number[] }]));
    return { art, values };
  }

  /** Keras's model on TF.js variables by manifest name. */
  function reference(v: Record<string, tf.Variable>, x: tf.Tensor3D): tf.Tensor {
    const gru = (xs: tf.Tensor2D[], pre: string, H: number, backwards: boolean) => {
      const k = v[`${pre}/kernel`], rk = v[`${pre}/recurrent_kernel`], [bi, br] = tf.unstack(v[`${pre}/bias`]);
      let h: tf.Tensor = tf.zeros([xs[0].shape[0], H]);
      const outs: tf.Tensor[] = new Array(xs.length);
      for (let s = 0; s < xs.length; s++) {
        const t = backwards ? xs.length - 1 - s : s;
        const [xz, xr, xh] = tf.split(tf.add(tf.matMul(xs[t], k), bi), 3, -1);
        const [rz, rr, rh] = tf.split(tf.add(tf.matMul(h, rk), br), 3, -1);
        const z = tf.sigmoid(tf.add(xz, rz)), r = tf.sigmoid(tf.add(xr, rr));
        const hh = tf.tanh(tf.add(xh, tf.mul(r, rh)));
        h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
        outs[t] = h;
      }
      return { outs, h };
    };
    const steps = tf.unstack(x, 1) as tf.Tensor2D[];
    const f = gru(steps, 'bidirectional/forward_gru', H1, false), b = gru(steps, 'bidirectional/backward_gru', H1, true);
    const y1 = steps.map((_, t) => tf.concat([f.outs[t], b.outs[t]], -1) as tf.Tensor2D);
    const { h } = gru(y1, 'gru_1', H2, false);
    return tf.add(tf.matMul(h, v['dense/kernel']), v['dense/bias']);
  }

  it('gradients and forward', async () => {
    const { art, values } = await resetAfterModel();
    const net = await loadNetwork(art as any);
    const vars: Record<string, tf.Variable> = {};
    for (const [k, w] of Object.entries(values)) vars[k] = tf.variable(tf.tensor(w.data, w.shape), true, `ref_${k.replace(/\//g, '_')}`);
    const x = new Tensor('float32', floats(B * T * I), [B, T, I]), y = new Tensor('float32', floats(B * O), [B, O]);
    expectClose(net.forward(x), fromTf(reference(vars, toTf(x) as tf.Tensor3D)), 'forward = Keras\'s equations');
    const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(toTf(y), reference(vars, toTf(x) as tf.Tensor3D)) as tf.Scalar, Object.values(vars));
    net.zeroGrad();
    const loss = net.backward(x, y, 'mse');
    expect(Math.abs(loss - value.dataSync()[0])).toBeLessThanOrEqual(1e-5 * Math.max(1, loss));
    const ours = net.fileGradients();
    expect(Object.keys(ours)).toEqual(Object.keys(values));
    for (const k of Object.keys(values)) {
      expect(ours[k].dims, k).toEqual(values[k].shape);
      expect(worstError(ours[k].data as Float32Array, grads[vars[k].name].dataSync()), k).toBeLessThanOrEqual(1e-4);
    }
    // a few steps, saved: Keras's equations on the saved weights give the network's outputs
    const opt = adam({ lr: 0.05 });
    for (let s = 0; s < 3; s++) trainStep(net, x, y, { loss: 'mse', optimizer: opt });
    const files = net.saveFiles(), json = JSON.parse(new TextDecoder().decode(files['model.json']));
    const saved = new Float32Array(files['weights.bin'].slice().buffer);
    let at = 0;
    for (const s of json.weightsManifest[0].weights) {
      const n = s.shape.reduce((a: number, b: number) => a * b, 1);
      vars[s.name].assign(tf.tensor(saved.subarray(at, at + n), s.shape));
      at += n;
    }
    expect(at).toBe(saved.length);
    expectClose(fromTf(reference(vars, toTf(x) as tf.Tensor3D)), net.forward(x), 'Keras\'s equations on the saved weights vs the network');
    Object.values(vars).forEach((v) => v.dispose());
    net.release();
  });
});

describe('model.json from a path, its shards beside it', () => {
  it('tfjs/stacked_simplernn (4 KiB shards): the network gives TF.js\'s outputs, names from the manifest', async () => {
    const net = await loadNetwork(fixturePath('tfjs/stacked_simplernn/model.json'));
    expect(net.source?.inputName).toBe('rnn1_input');
    expect(net.source?.outputName).toBe('out');
    expect(Object.keys(net.fileWeights())).toEqual(['rnn1/kernel', 'rnn1/recurrent_kernel', 'rnn1/bias', 'rnn2/kernel', 'rnn2/recurrent_kernel', 'rnn2/bias', 'out/kernel', 'out/bias']);
    expectClose(net.forward(npy('tfjs/stacked_simplernn/a_in0.npy')), npy('tfjs/stacked_simplernn/a_out0.npy'), 'forward = model.predict');
    net.release();
  });
});

describe('a quantized model.json: trained weights saved as float32 with a manifest saying so', () => {
  it('uint8 weights in, float32 out', async () => {
    const model = CASES[0].build();
    seedWeights(model);
    const art = await artifactsOf(model);
    // quantize every weight to uint8 as the TF.js converter does (q = round((v - min) / scale))
    const all = new Float32Array(art.weightData);
    const bytes: number[] = [];
    let at = 0;
    for (const s of art.weightSpecs) {
      const n = s.shape.reduce((a: number, b: number) => a * b, 1), w = all.subarray(at, at + n);
      at += n;
      const min = Math.min(...w), scale = (Math.max(...w) - min) / 255 || 1;
      s.quantization = { dtype: 'uint8', scale, min };
      for (const v of w) bytes.push(Math.round((v - min) / scale));
    }
    const quantized = { ...art, weightData: Uint8Array.from(bytes).buffer };
    const net = await loadNetwork(quantized as any), x = CASES[0].x();
    const tfQ = await tf.loadLayersModel(tf.io.fromMemory(quantized as any));
    expectClose(asFile(net, net.forward(x)), fromTf(tfQ.predict(toTf(x)) as tf.Tensor), 'dequantized as TF.js does');
    trainStep(net, x, targetOf(CASES[0]), { loss: 'ce', optimizer: adam({ lr: 0.05 }) });
    const files = net.saveFiles(), json = JSON.parse(new TextDecoder().decode(files['model.json']));
    for (const s of json.weightsManifest[0].weights) {
      expect(s.dtype).toBe('float32');
      expect(s.quantization).toBeUndefined();
    }
    const loaded = await tfLoad(files);
    expectClose(fromTf(loaded.predict(toTf(x)) as tf.Tensor), asFile(net, net.forward(x)), 'TF.js on the saved float32 model');
    model.dispose();
    tfQ.dispose();
    loaded.dispose();
    net.release();
  });
});

describe('Keras models that are not a trainable stack: UNSUPPORTED naming the layer, its class and the option', () => {
  const base = () => tf.sequential({ layers: [
    L.embedding({ inputDim: 7, outputDim: 3, batchInputShape: [null, null], name: 'embedding' }),
    L.lstm({ units: 4, recurrentActivation: 'sigmoid', returnSequences: true, name: 'lstm' }),
    L.bidirectional({ layer: L.simpleRNN({ units: 3, name: 'rnn' }) as tf.RNN, name: 'bidirectional' }),
    L.dense({ units: 2, name: 'dense' }),
  ] });
  const patched = async (edit: (layers: any[]) => void) => {
    const m = base(), art = await artifactsOf(m);
    m.dispose();
    edit(art.modelTopology.config.layers);
    return art;
  };
  const cases: [string, (layers: any[]) => void, RegExp][] = [
    ['go_backwards', (l) => (l[1].config.go_backwards = true), /LSTM layer 'lstm': option 'go_backwards' = true cannot be trained/],
    ['TF.js\'s default hard_sigmoid', (l) => delete l[1].config.recurrent_activation, /LSTM layer 'lstm': option 'recurrent_activation' = "hard_sigmoid" cannot be trained/],
    ['a non-default activation', (l) => (l[1].config.activation = 'relu'), /LSTM layer 'lstm': option 'activation' = "relu" cannot be trained/],
    ['mask_zero', (l) => (l[0].config.mask_zero = true), /Embedding layer 'embedding': option 'mask_zero' = true cannot be trained/],
    ['recurrent_dropout', (l) => (l[1].config.recurrent_dropout = 0.2), /LSTM layer 'lstm': option 'recurrent_dropout' = 0.2 cannot be trained/],
    ['a sigmoid SimpleRNN inside Bidirectional', (l) => (l[2].config.layer.config.activation = 'sigmoid'),
      /Bidirectional layer 'bidirectional' \(SimpleRNN 'rnn'\): option 'activation' = "sigmoid" cannot be trained/],
    ['a regularizer', (l) => (l[3].config.kernel_regularizer = { class_name: 'L1L2', config: { l1: 0, l2: 0.01 } }), /Dense layer 'dense': option 'kernel_regularizer' = "L1L2" cannot be trained/],
    ['a frozen recurrent layer', (l) => (l[1].config.trainable = false), /LSTM layer 'lstm': option 'trainable' = false cannot be trained/],
  ];
  for (const [what, edit, re] of cases) {
    it(what, async () => {
      await expectError(async () => loadNetwork((await patched(edit)) as any), 'UNSUPPORTED', re);
    });
  }
  it('stateful (refused by the importer itself, naming the layer and option)', async () => {
    await expectError(async () => loadNetwork((await patched((l) => (l[1].config.stateful = true))) as any), 'UNSUPPORTED', /LSTM layer 'lstm': option 'stateful' = true/);
  });
  it('merge_mode sum', async () => {
    const m = tf.sequential({ layers: [
      L.bidirectional({ layer: L.lstm({ units: 3, recurrentActivation: 'sigmoid', name: 'lstm' }) as tf.RNN, mergeMode: 'sum', inputShape: [null, 2], name: 'bi' }),
    ] });
    await expectError(async () => loadNetwork((await artifactsOf(m)) as any), 'UNSUPPORTED', /Bidirectional layer 'bi': option 'merge_mode' = "sum" cannot be trained \(supported: concat\)/);
    m.dispose();
  });
  it('use_bias false', async () => {
    const m = tf.sequential({ layers: [L.gru({ units: 3, useBias: false, recurrentActivation: 'sigmoid', inputShape: [null, 2], name: 'gru' })] });
    await expectError(async () => loadNetwork((await artifactsOf(m)) as any), 'UNSUPPORTED', /GRU layer 'gru': option 'use_bias' = false cannot be trained/);
    m.dispose();
  });
  it('a layer with no training counterpart', async () => {
    const m = tf.sequential({ layers: [
      L.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true, inputShape: [null, 2], name: 'lstm' }),
      L.globalAveragePooling1d({ name: 'pool' }),
    ] });
    await expectError(async () => loadNetwork((await artifactsOf(m)) as any), 'UNSUPPORTED', /layer GlobalAveragePooling1D 'pool' has no training counterpart/);
    m.dispose();
  });
  it('a Masking layer', async () => {
    const m = tf.sequential({ layers: [
      L.masking({ maskValue: 0, inputShape: [null, 2], name: 'masking' }),
      L.lstm({ units: 3, recurrentActivation: 'sigmoid', name: 'lstm' }),
    ] });
    await expectError(async () => loadNetwork((await artifactsOf(m)) as any), 'UNSUPPORTED', /layer Masking 'masking' has no training counterpart/);
    m.dispose();
  });
  it('two outputs', async () => {
    const x = tf.input({ shape: [null, 2], name: 'x' });
    const h = L.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true, name: 'lstm' }).apply(x) as tf.SymbolicTensor;
    const m = tf.model({ inputs: x, outputs: [h, L.dense({ units: 1, name: 'd' }).apply(h) as tf.SymbolicTensor] });
    await expectError(async () => loadNetwork((await artifactsOf(m)) as any), 'UNSUPPORTED', /it has 1 inputs and 2 outputs/);
    m.dispose();
  });
});

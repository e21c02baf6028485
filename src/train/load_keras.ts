// train/load_keras.ts: a Keras / TF.js layers model (model.json + shards, or in-memory artifacts) as a network to
// fine-tune. Its layers must form a plain stack — [InputLayer] [Embedding ->] LSTM / GRU / SimpleRNN (or Bidirectional
// concat around one)… [-> Dense | TimeDistributed(Dense) | Dropout]… — with the options the training kernels compute
// (sigmoid gates, tanh, biases, no masks …); anything else is refused naming the layer and the option. Every network
// weight is tied to its manifest entry (transposed kernels, Keras gate order, one bias or GRU reset_after's two) and
// saveFiles() writes model.json (the topology as it was) + weights.bin with the trained values, float32.
import { LstmWasmError } from '../errors.js';
import { type KerasArtifacts, type KerasWeightSpec, bytesOf, decodeWeights, kerasToModel } from '../formats/keras.js';
import { type WeightEntry, assignWeights, matchWeights } from '../formats/keras_build.js';
import { type LayerSpec, parseTopology } from '../formats/keras_topology.js';
import type { WasmSource } from '../runtime.js';
import type { FileSource, FileWeight } from './file_source.js';
import { type DenseActivation, type LayerConfig, dense, dropout, embedding, gru, lstm, rnn } from './layers.js';
import { Network } from './network.js';

export interface KerasTrainOptions {
  seed?: number;
  wasm?: WasmSource;
}

/** A manifest entry with the name the manifest gives it (assignWeights shortens `name` to the layer's path). */
type Entry = WeightEntry & { orig: string };

type Cell = 'lstm' | 'gru' | 'rnn';
const CELL_OF: Record<string, Cell> = { LSTM: 'lstm', GRU: 'gru', SimpleRNN: 'rnn' };
const GATES: Record<Cell, number> = { lstm: 4, gru: 3, rnn: 1 };
/** canonical gate g is Keras gate PERM[g]: LSTM i,f,c,o = i,f,g,o; GRU z,r,h -> r,z,n */
const PERM: Record<Cell, number[]> = { lstm: [0, 1, 2, 3], gru: [1, 0, 2], rnn: [0] };
const DENSE_ACTS: Record<string, DenseActivation> = { linear: 'linear', relu: 'relu', tanh: 'tanh', sigmoid: 'sigmoid' };
const FINAL: Record<string, FileSource['outputTransform']> = { softmax: 'softmax', sigmoid: 'sigmoid', logsoftmax: 'log_softmax' };

/** How one Keras layer becomes a network layer, and its weights' way there and back. */
type Step =
  | { kind: 'embedding'; spec: LayerSpec; V: number; E: number; frozen: boolean }
  | { kind: 'recurrent'; spec: LayerSpec; cell: Cell; H: number; D: number; resetAfter: boolean; relu: boolean; sequences: boolean; inner: LayerSpec }
  | { kind: 'dense'; spec: LayerSpec; inner: LayerSpec; U: number; activation: DenseActivation }
  | { kind: 'dropout'; spec: LayerSpec; rate: number };

const actName = (v: unknown) => (typeof v === 'string' ? v.toLowerCase().replace(/_/g, '') : String(v));

/** Reads the artifacts (as loadKeras / kerasFromJson give them) and builds the network; see the file comment. */
export async function loadKerasNetwork(art: KerasArtifacts, file: string, options: KerasTrainOptions): Promise<Network> {
  kerasToModel(art, file); // everything inference checks (options, weights and their shapes) holds here too
  const t = parseTopology(art.modelTopology, file);
  const fail = (why: string): never => {
    throw new LstmWasmError('UNSUPPORTED', `${file}: cannot train this model: ${why}`);
  };
  if (t.inputs.length !== 1 || t.outputs.length !== 1) fail(`it has ${t.inputs.length} inputs and ${t.outputs.length} outputs; a trainable stack has one of each`);
  // the calls as one chain from the input to the output
  const chain: LayerSpec[] = [];
  let at = t.inputs[0], left = [...t.calls];
  while (!(at[0] === t.outputs[0][0] && at[1] === t.outputs[0][1] && at[2] === t.outputs[0][2])) {
    const readers = left.filter((c) => c.inputs.some(([l, n]) => l === at[0] && n === at[1]));
    if (readers.length !== 1) fail(`${readers.length ? 'several layers read' : 'no layer reads'} the output of layer '${at[0]}'; a trainable stack is one chain`);
    const c = readers[0];
    const where = `${c.layer.className} layer '${c.layer.name}'`;
    if (c.inputs.length !== 1) fail(`${where} takes ${c.inputs.length} tensors (initial states, merges); a trainable stack passes one along`);
    if (c.inputs[0][2] !== 0) fail(`${where} reads output ${c.inputs[0][2]} of layer '${at[0]}' (a returned state)`);
    if (t.calls.filter((x) => x.layer.name === c.layer.name).length > 1) fail(`${where} is called more than once (shared weights)`);
    chain.push(c.layer);
    left = left.filter((x) => x !== c);
    at = [c.layer.name, c.node, 0];
  }
  if (left.length) fail(`layer '${left[0].layer.name}' is not on the path from the input to the output`);
  const input = t.layers.find((l) => l.name === t.inputs[0][0])!;

  // each layer checked for what training computes
  const steps: Step[] = [];
  let outputTransform: FileSource['outputTransform'];
  chain.forEach((spec, i) => {
    const last = i === chain.length - 1;
    const where = `${spec.className} layer '${spec.name}'`;
    const refuse = (key: string, value: unknown, supported: string): never =>
      fail(`${where}: option '${key}' = ${JSON.stringify(value)} cannot be trained (supported: ${supported})`);
    const cfg = spec.config;
    for (const [k, v] of Object.entries(cfg)) {
      // they change the loss or the update (initializers are only for new weights: fine)
      if (/_(regularizer|constraint)$/.test(k) && v !== null && v !== undefined) refuse(k, (v as { class_name?: string }).class_name ?? v, 'null');
    }
    if (spec.className !== 'Embedding' && cfg.trainable === false) refuse('trainable', false, 'true (only an Embedding may be frozen)');
    if (outputTransform) fail(`${where} follows the output's ${outputTransform}; only the last layer may end in softmax or sigmoid`);
    switch (spec.className) {
      case 'Embedding': {
        if (i !== 0) fail(`${where}: an Embedding must read the model input`);
        if (cfg.mask_zero) refuse('mask_zero', cfg.mask_zero, 'false (give the training call per-item lengths instead)');
        steps.push({ kind: 'embedding', spec, V: cfg.input_dim as number, E: cfg.output_dim as number, frozen: cfg.trainable === false });
        return;
      }
      case 'LSTM': case 'GRU': case 'SimpleRNN':
        steps.push(recurrentStep(spec, spec, 1, refuse));
        return;
      case 'Bidirectional': {
        const mode = cfg.merge_mode === undefined ? 'concat' : cfg.merge_mode;
        if (mode !== 'concat') refuse('merge_mode', mode, 'concat');
        const raw = cfg.layer as { class_name: string; config: Record<string, unknown> };
        const inner: LayerSpec = { className: raw.class_name, name: String(raw.config.name ?? raw.class_name), config: raw.config };
        const innerWhere = `${where} (${inner.className} '${inner.name}')`;
        steps.push(recurrentStep(spec, inner, 2, (key, value, supported) =>
          fail(`${innerWhere}: option '${key}' = ${JSON.stringify(value)} cannot be trained (supported: ${supported})`)));
        return;
      }
      case 'Dense': case 'TimeDistributed': {
        let inner = spec;
        if (spec.className === 'TimeDistributed') {
          const raw = cfg.layer as { class_name: string; config: Record<string, unknown> };
          if (raw.class_name !== 'Dense') refuse('layer', raw.class_name, 'Dense');
          inner = { className: 'Dense', name: String(raw.config.name ?? 'Dense'), config: raw.config };
        }
        const c = inner.config, w = inner === spec ? where : `${where} (Dense '${inner.name}')`;
        if (c.use_bias === false) fail(`${w}: option 'use_bias' = false cannot be trained (supported: true)`);
        const a = actName(c.activation ?? 'linear');
        let activation = DENSE_ACTS[a];
        if (last && FINAL[a]) {
          outputTransform = FINAL[a];
          activation = 'linear';
        }
        if (!activation) fail(`${w}: option 'activation' = ${JSON.stringify(c.activation)} cannot be trained (supported: linear, relu, tanh, sigmoid; softmax or sigmoid on the last layer, where the loss takes the logits)`);
        steps.push({ kind: 'dense', spec, inner, U: c.units as number, activation });
        return;
      }
      case 'Dropout': {
        if (cfg.noise_shape !== null && cfg.noise_shape !== undefined) refuse('noise_shape', cfg.noise_shape, 'null');
        const rate = (cfg.rate as number | undefined) ?? 0;
        if (!(rate >= 0 && rate < 1)) refuse('rate', rate, 'a number in [0, 1)');
        steps.push({ kind: 'dropout', spec, rate });
        return;
      }
    }
    fail(`layer ${spec.className} '${spec.name}' has no training counterpart (trainable: InputLayer, Embedding, LSTM, GRU, SimpleRNN, Bidirectional, Dense, TimeDistributed(Dense), Dropout)`);
  });
  if (!steps.some((s) => s.kind === 'recurrent')) fail('no LSTM, GRU or SimpleRNN layer');

  // the network, named as the layers API would name it
  const layers: LayerConfig[] = steps.map((s) => {
    if (s.kind === 'embedding') return embedding(s.V, s.E, s.frozen ? { trainable: false, weights: new Float32Array(s.V * s.E) } : undefined);
    if (s.kind === 'dropout') return dropout(s.rate);
    if (s.kind === 'dense') return dense(s.U, { activation: s.activation });
    const common = { bidirectional: s.D === 2, output: s.sequences ? 'sequence' as const : 'final_state' as const, recurrentBias: s.cell === 'gru' && s.resetAfter };
    if (s.cell === 'lstm') return lstm(s.H, common);
    if (s.cell === 'gru') return gru(s.H, { ...common, resetAfter: s.resetAfter });
    return rnn(s.H, { ...common, nonlinearity: s.relu ? 'relu' : 'tanh' });
  });
  const shape = (input.config.batch_input_shape ?? input.config.batch_shape) as (number | null)[];
  const ids = steps[0].kind === 'embedding';
  if (!ids && (shape.length !== 3 || typeof shape[2] !== 'number')) fail(`the input '${input.name}' is ${JSON.stringify(shape)}; a recurrent stack reads (batch, time, features) with the features known`);
  const net = await Network.create(layers, { inputSize: ids ? undefined : shape[2] as number, batchFirst: true, seed: options.seed, wasm: options.wasm });

  // the manifest's entries by layer, with their own names
  const specs = (art.weightSpecs ?? []).filter((w) => w.group !== 'optimizer');
  const decoded = decodeWeights(art.weightSpecs ?? [], bytesOf(art.weightData), file);
  const original = new Map(decoded.map((e) => [e.name, e.data]));
  const byLayer = assignWeights(decoded.map((e) => ({ ...e, orig: e.name })), t.layers.map((l) => l.name), file);
  const values: Record<string, { dims: number[]; data: Float32Array }> = {};
  const weights: FileWeight[] = [];
  steps.forEach((s, i) => {
    const p = net.layers[i].name, key = (k: string) => `${p}.${k}`;
    const where = `${s.spec.className} layer '${s.spec.name}'`;
    if (s.kind === 'dropout') return;
    const paths = s.kind === 'recurrent' && s.D === 2
      ? ['forward/kernel', 'forward/recurrent_kernel', 'forward/bias', 'backward/kernel', 'backward/recurrent_kernel', 'backward/bias']
      : s.kind === 'embedding' ? ['embeddings'] : s.kind === 'dense' ? ['kernel', 'bias'] : ['kernel', 'recurrent_kernel', 'bias'];
    const found = matchWeights(where, paths, byLayer.get(s.spec.name)!) as Map<string, Entry>;
    const w = (path: string) => found.get(path)!;
    if (s.kind === 'embedding') {
      values[key('weight')] = { dims: [s.V, s.E], data: w('embeddings').data };
      if (!s.frozen) weights.push({ name: w('embeddings').orig, dims: [s.V, s.E], fromNetwork: (get) => get(key('weight')) });
    } else if (s.kind === 'dense') {
      const F = w('kernel').shape[0];
      values[key('weight')] = { dims: [s.U, F], data: transpose(w('kernel').data, F, s.U) };
      values[key('bias')] = { dims: [s.U], data: w('bias').data };
      weights.push({ name: w('kernel').orig, dims: [F, s.U], fromNetwork: (get) => transpose(get(key('weight')), s.U, F) });
      weights.push({ name: w('bias').orig, dims: [s.U], fromNetwork: (get) => get(key('bias')) });
    } else {
      const { cell, H } = s, G = GATES[cell], GH = G * H, perm = PERM[cell];
      for (let d = 0; d < s.D; d++) {
        const pre = s.D === 2 ? (d ? 'backward/' : 'forward/') : '';
        const k = (kind: string) => key(`${kind}_l0${d ? '_reverse' : ''}`);
        const kernel = w(`${pre}kernel`), rec = w(`${pre}recurrent_kernel`), bias = w(`${pre}bias`), I = kernel.shape[0];
        values[k('weight_ih')] = { dims: [GH, I], data: gateRows(kernel.data, I, H, perm) };
        values[k('weight_hh')] = { dims: [GH, H], data: gateRows(rec.data, H, H, perm) };
        values[k('bias_ih')] = { dims: [GH], data: gateVector(bias.data.subarray(0, GH), H, perm) };
        values[k('bias_hh')] = { dims: [GH], data: s.resetAfter ? gateVector(bias.data.subarray(GH), H, perm) : new Float32Array(GH) };
        weights.push({ name: kernel.orig, dims: [I, GH], fromNetwork: (get) => gateColumns(get(k('weight_ih')), I, H, perm) });
        weights.push({ name: rec.orig, dims: [H, GH], fromNetwork: (get) => gateColumns(get(k('weight_hh')), H, H, perm) });
        // one bias (bias_hh held at zero), or reset_after's [input; recurrent]
        weights.push({
          name: bias.orig, dims: s.resetAfter ? [2, GH] : [GH],
          fromNetwork: (get) => {
            if (!s.resetAfter) return kerasVector(get(k('bias_ih')), H, perm);
            const out = new Float32Array(2 * GH);
            out.set(kerasVector(get(k('bias_ih')), H, perm));
            out.set(kerasVector(get(k('bias_hh')), H, perm), GH);
            return out;
          },
        });
      }
    }
  });
  net.setWeights(values);

  // model.json as it was, but for one float32 shard with every weight in the manifest's order
  const { modelTopology, weightSpecs: _s, weightData: _d, ...rest } = art as KerasArtifacts & Record<string, unknown>;
  const source: FileSource = {
    format: 'tfjs', inputName: input.name, outputName: chain[chain.length - 1].name, outputTransform, weights,
    write: (v) => {
      const out: KerasWeightSpec[] = [], parts: Float32Array[] = [];
      for (const sp of specs) {
        const data = v.get(sp.name) ?? original.get(sp.name)!;
        out.push({ name: sp.name, shape: sp.shape, dtype: 'float32' });
        parts.push(data);
      }
      const bin = new Uint8Array(parts.reduce((a, p) => a + p.length, 0) * 4);
      let o = 0;
      for (const p of parts) {
        bin.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), o);
        o += p.byteLength;
      }
      const json = { ...rest, modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: out }] };
      return { 'model.json': new TextEncoder().encode(JSON.stringify(json)), 'weights.bin': bin };
    },
  };
  net.source = source;
  return net;

  /** A recurrent layer (spec; `inner` holds its options, the layer itself or the one a Bidirectional wraps). */
  function recurrentStep(spec: LayerSpec, inner: LayerSpec, D: number, refuse: (key: string, value: unknown, supported: string) => never): Step {
    const cell = CELL_OF[inner.className], c = inner.config;
    if (!cell) refuse('layer', inner.className, 'LSTM, GRU, SimpleRNN');
    for (const [k, v] of Object.entries(c)) if (/_(regularizer|constraint)$/.test(k) && v !== null && v !== undefined) refuse(k, (v as { class_name?: string }).class_name ?? v, 'null');
    const act = actName(c.activation ?? 'tanh');
    if (!(act === 'tanh' || (cell === 'rnn' && act === 'relu'))) refuse('activation', c.activation, cell === 'rnn' ? 'tanh, relu' : 'tanh');
    if (cell !== 'rnn') {
      const rec = c.recurrent_activation ?? 'hard_sigmoid'; // TF.js's default; Keras writes it
      if (actName(rec) !== 'sigmoid') refuse('recurrent_activation', rec, 'sigmoid (TF.js defaults to hard_sigmoid: say recurrentActivation: \'sigmoid\')');
    }
    for (const k of ['go_backwards', 'stateful', 'return_state', 'time_major']) if (c[k]) refuse(k, c[k], 'false');
    if (c.use_bias === false) refuse('use_bias', false, 'true');
    for (const k of ['dropout', 'recurrent_dropout']) if (c[k] !== undefined && c[k] !== null && c[k] !== 0) refuse(k, c[k], '0 (put a Dropout layer between the recurrent layers)');
    if (inner !== spec && inner.config.trainable === false) refuse('trainable', false, 'true');
    return {
      kind: 'recurrent', spec, inner, cell, H: c.units as number, D, resetAfter: cell === 'gru' && c.reset_after === true,
      relu: act === 'relu', sequences: c.return_sequences === true,
    };
  }
}

/** (rows, cols) -> (cols, rows). */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

/** Keras's W (K, G*H), gate blocks along columns in Keras order, as canonical (G*H, K) rows in canonical order. */
function gateRows(w: Float32Array, K: number, H: number, perm: number[]): Float32Array {
  const GH = perm.length * H, out = new Float32Array(GH * K);
  perm.forEach((from, g) => {
    for (let j = 0; j < H; j++) for (let k = 0; k < K; k++) out[(g * H + j) * K + k] = w[k * GH + from * H + j];
  });
  return out;
}

/** The inverse of gateRows: canonical (G*H, K) rows as Keras's (K, G*H). */
function gateColumns(w: Float32Array, K: number, H: number, perm: number[]): Float32Array {
  const GH = perm.length * H, out = new Float32Array(GH * K);
  perm.forEach((to, g) => {
    for (let j = 0; j < H; j++) for (let k = 0; k < K; k++) out[k * GH + to * H + j] = w[(g * H + j) * K + k];
  });
  return out;
}

const gateVector = (b: Float32Array, H: number, perm: number[]) => {
  const out = new Float32Array(perm.length * H);
  perm.forEach((from, g) => out.set(b.subarray(from * H, (from + 1) * H), g * H));
  return out;
};

const kerasVector = (b: Float32Array, H: number, perm: number[]) => {
  const out = new Float32Array(perm.length * H);
  perm.forEach((to, g) => out.set(b.subarray(g * H, (g + 1) * H), to * H));
  return out;
};

// formats/torch.ts: a PyTorch state dict (safetensors) as a canonical model — a recurrent module alone, or with
// an nn.Embedding before it and an nn.Linear head after it (the shape of most PyTorch sequence models).
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { recurrentIO } from '../model/layout.js';
import { directionsOf, stateSizeOf } from '../model/recurrent.js';
import type { HostTensor, Model, Node, OpNode, ValueInfo } from '../model/types.js';
import { type SafetensorsFile, type SafetensorsTensor, toFloat32 } from './safetensors.js';
import { KEYS_HELP, RECURRENT_KEY, type TorchRecurrentOptions, setting, torchModuleName, torchRecurrent } from './torch_recurrent.js';

/** How the head reads the recurrent module's outputs (PyTorch code it stands for in the comments). */
export type TorchHead = 'every_step' | 'last_step' | 'final_state' | 'mean';
/** What follows the head's Linear; it also names the output. */
export type TorchHeadOutput = 'logits' | 'linear' | 'softmax' | 'log_softmax' | 'sigmoid';

export interface TorchOptions extends TorchRecurrentOptions {
  /**
   * How an `head.*` nn.Linear reads the recurrent module. Metadata key `head`:
   * - 'every_step': head(y) at every step (language models, taggers, seq-to-seq regression)
   * - 'last_step': head(y[:, -1]) — the last time step of the last layer
   * - 'final_state': head(h_n[-1]), or head(cat(h_n[-2], h_n[-1])) when bidirectional (classifiers)
   * - 'mean': head(y.mean(time))
   */
  head?: TorchHead;
  /** After the head: 'logits' / 'linear' (nothing), 'softmax', 'log_softmax' or 'sigmoid'. Metadata key `output`. Default 'logits'. */
  output?: TorchHeadOutput;
}

export const HEADS: readonly TorchHead[] = ['every_step', 'last_step', 'final_state', 'mean'];
export const OUTPUTS: Record<TorchHeadOutput, { name: string; op?: string }> = {
  logits: { name: 'logits' },
  linear: { name: 'output' },
  softmax: { name: 'probs', op: 'Softmax' },
  log_softmax: { name: 'log_probs', op: 'LogSoftmax' },
  sigmoid: { name: 'probs', op: 'Sigmoid' },
};
/** Module names read as the nn.Embedding before, and the nn.Linear after, the recurrent module. */
const EMBED_NAMES = ['embed', 'embedding', 'embeddings', 'emb', 'encoder']; // encoder/decoder: PyTorch's word_language_model
const HEAD_NAMES = ['head', 'fc', 'linear', 'out', 'classifier', 'decoder'];
const LAYOUT_HELP = `${KEYS_HELP}; optionally an nn.Embedding (${EMBED_NAMES.map((n) => `${n}.weight`).join(', ')}) before it ` +
  `and an nn.Linear (${HEAD_NAMES.map((n) => `${n}.weight`).join(', ')}, with .bias) after it`;

const f32 = (dims: number[], data: Float32Array): HostTensor => ({ dtype: 'float32', dims, data });

/** A weight's values as float32, every one finite (a NaN or an overflow from F64 is a broken file, not a model). */
function weight(t: SafetensorsTensor, name: string, file: string): Float32Array {
  const v = toFloat32(t, name), bad = v.findIndex((x) => !Number.isFinite(x));
  check(bad < 0, 'MODEL', () => `${file}: '${name}' has ${v[bad]} at flat index ${bad}; weights must be finite`);
  return v;
}
const i64 = (dims: number[], values: number[]): HostTensor => ({ dtype: 'int64', dims, data: Float64Array.from(values) });
const op = (type: string, name: string, inputs: string[], outputs: string[], attrs: OpNode['attrs'] = {}): OpNode =>
  ({ op: 'op', type, name, inputs, outputs, attrs });

export function torchToModel(st: SafetensorsFile, options: TorchOptions = {}, file = 'model'): Model {
  const bad = (msg: string) => new LstmWasmError('MODEL', `${file}: ${msg}`);
  if (st.tensors.size === 0) throw bad(`no tensors; expected a PyTorch nn.LSTM, nn.GRU or nn.RNN state dict (${KEYS_HELP})`);

  // sort the keys into the three modules
  const recurrent: [string, SafetensorsTensor][] = [];
  const modules = new Map<string, Map<string, SafetensorsTensor>>();
  for (const [name, t] of st.tensors) {
    if (RECURRENT_KEY.test(name)) {
      recurrent.push([name, t]);
      continue;
    }
    const dot = name.lastIndexOf('.'), mod = name.slice(0, dot), param = name.slice(dot + 1);
    if (dot < 0 || ![...EMBED_NAMES, ...HEAD_NAMES].includes(mod)) throw bad(`unknown key '${name}'; expected ${LAYOUT_HELP}`);
    if (!modules.has(mod)) modules.set(mod, new Map());
    modules.get(mod)!.set(param, t);
  }
  if (recurrent.length === 0) throw bad(`no recurrent module; expected ${LAYOUT_HELP}`);
  const embedNames = [...modules.keys()].filter((m) => EMBED_NAMES.includes(m));
  const headNames = [...modules.keys()].filter((m) => HEAD_NAMES.includes(m));
  check(embedNames.length <= 1, 'MODEL', `${file}: more than one embedding (${embedNames.join(', ')}); expected one`);
  check(headNames.length <= 1, 'MODEL', `${file}: more than one head (${headNames.join(', ')}); expected one nn.Linear`);

  const meta = st.metadata;
  const node = torchRecurrent(recurrent, meta, options, file);
  const headSetting = setting(file, meta, 'head', 'head', options.head, (s) => HEADS.find((h) => h === s), HEADS.map((h) => `'${h}'`).join(', '));
  const outputSetting = setting(file, meta, 'output', 'output', options.output,
    (s) => (Object.hasOwn(OUTPUTS, s) ? (s as TorchHeadOutput) : undefined), Object.keys(OUTPUTS).map((o) => `'${o}'`).join(', '));
  const source = `PyTorch ${torchModuleName(node)} state dict (safetensors)`;
  if (!embedNames.length && !headNames.length) {
    check(headSetting === undefined && outputSetting === undefined, 'OPTION',
      `${file}: head and output describe an nn.Linear after the recurrent module, but the file has none (${HEAD_NAMES.map((n) => `${n}.weight`).join(', ')})`);
    return { source, ...recurrentIO(node), nodes: [node], metadata: { ...meta } };
  }

  const nodes: Node[] = [];
  const constants: Record<string, HostTensor> = {};
  const inputs: ValueInfo[] = [];
  const bf = node.batchFirst;
  const time = bf ? 1 : 0;
  const own = recurrentIO(node).inputs.filter((i) => i.name !== node.inputs.x).map((i) => ({ ...i, ranks: undefined }));

  // nn.Embedding: ids (T, B) or (B, T) -> Gather rows of weight (V, E)
  let parts = '';
  if (embedNames.length) {
    const m = embedNames[0], params = modules.get(m)!;
    const unknown = [...params.keys()].filter((p) => p !== 'weight');
    if (unknown.length) throw bad(`unknown key '${m}.${unknown[0]}'; an nn.Embedding holds only '${m}.weight'`);
    const w = params.get('weight');
    if (!w) throw bad(`missing '${m}.weight' (the nn.Embedding's [num_embeddings, embedding_dim])`);
    check(w.shape.length === 2 && w.shape[1] === node.inputSize, 'MODEL',
      `${file}: '${m}.weight' is ${fmtDims(w.shape)}; expected [num_embeddings, ${node.inputSize}] (the recurrent module's input size)`);
    constants[`${m}.weight`] = f32(w.shape, weight(w, `${m}.weight`, file));
    inputs.push({ name: 'ids', types: ['int64', 'int32'], dims: bf ? ['B', 'T'] : ['T', 'B'], optional: false,
      doc: `token ids of nn.Embedding(${w.shape[0]}, ${w.shape[1]})`, range: [0, w.shape[0] - 1] });
    nodes.push(op('Gather', m, [`${m}.weight`, 'ids'], ['embedded'], { axis: 0 }));
    node.inputs.x = 'embedded';
    parts += `nn.Embedding(${w.shape[0]}, ${w.shape[1]}) -> `;
  } else {
    inputs.push({ name: 'x', types: ['float32'], dims: bf ? ['B', 'T', node.inputSize] : ['T', 'B', node.inputSize], optional: false, doc: 'input sequence' });
  }
  inputs.push(...own);
  nodes.push(node);
  parts += torchModuleName(node);

  const outputs: ValueInfo[] = [];
  const D = directionsOf(node), P = stateSizeOf(node), F = D * P;
  const stateOuts = recurrentIO(node).outputs.filter((o) => o.name !== node.outputs.y);
  if (!headNames.length) {
    check(headSetting === undefined && outputSetting === undefined, 'OPTION',
      `${file}: head and output describe an nn.Linear after the recurrent module, but the file has none (${HEAD_NAMES.map((n) => `${n}.weight`).join(', ')})`);
    const y = recurrentIO(node).outputs.find((o) => o.name === node.outputs.y)!;
    outputs.push({ ...y, dims: bf ? ['B', 'T', F] : ['T', 'B', F] }, ...stateOuts);
    return { source: `PyTorch ${parts} state dict (safetensors)`, inputs, outputs, nodes, constants, opset: 17, metadata: { ...meta } };
  }

  // nn.Linear head: reads y or h_n as `head` says, then the output activation
  const m = headNames[0], params = modules.get(m)!;
  const unknown = [...params.keys()].filter((p) => p !== 'weight' && p !== 'bias');
  if (unknown.length) throw bad(`unknown key '${m}.${unknown[0]}'; an nn.Linear holds only '${m}.weight' and '${m}.bias'`);
  const w = params.get('weight'), b = params.get('bias');
  if (!w) throw bad(`missing '${m}.weight' (the nn.Linear's [out_features, in_features])`);
  check(w.shape.length === 2 && w.shape[1] === F, 'MODEL',
    `${file}: '${m}.weight' is ${fmtDims(w.shape)}; expected [out_features, ${F}] (the recurrent module's output width${D === 2 ? ', both directions' : ''})`);
  const O = w.shape[0];
  check(!b || (b.shape.length === 1 && b.shape[0] === O), 'MODEL', `${file}: '${m}.bias' is ${fmtDims(b?.shape ?? [])}; expected [${O}]`);
  const head = headSetting;
  if (head === undefined) {
    throw new LstmWasmError('MODEL', `${file}: '${m}.weight' is an nn.Linear after the recurrent module; say how it reads it in __metadata__.head ` +
      `(or the head option): ${HEADS.map((h) => `'${h}'`).join(', ')}`);
  }
  const out = OUTPUTS[outputSetting ?? 'logits'];
  const wt = weight(w, `${m}.weight`, file), t = new Float32Array(F * O); // (O, F) -> (F, O) for MatMul
  for (let o = 0; o < O; o++) for (let f = 0; f < F; f++) t[f * O + o] = wt[o * F + f];
  constants[`${m}.weight_t`] = f32([F, O], t);

  node.outputs.y = 'rnn_y';
  let feat = 'rnn_y';
  let dims: (number | string)[] = bf ? ['B', 'T', O] : ['T', 'B', O];
  if (head === 'last_step') {
    constants['last'] = i64([], [-1]);
    nodes.push(op('Gather', 'last_step', ['rnn_y', 'last'], ['features'], { axis: time }));
    feat = 'features';
  } else if (head === 'mean') {
    nodes.push(op('ReduceMean', 'mean', ['rnn_y'], ['features'], { axes: [time], keepdims: 0 }));
    feat = 'features';
  } else if (head === 'final_state') {
    if (D === 1) {
      constants['last'] = i64([], [-1]);
      nodes.push(op('Gather', 'final_state', [node.outputs.hN!, 'last'], ['features'], { axis: 0 }));
    } else {
      // cat(h_n[-2], h_n[-1], dim=1): the last layer's forward and reverse final states
      Object.assign(constants, { 'fs.starts': i64([1], [-2]), 'fs.ends': i64([1], [D * node.numLayers]), 'fs.axes': i64([1], [0]), 'fs.shape': i64([2], [0, -1]) });
      nodes.push(op('Slice', 'final_state', [node.outputs.hN!, 'fs.starts', 'fs.ends', 'fs.axes'], ['fs.last']));
      nodes.push(op('Transpose', 'final_state.t', ['fs.last'], ['fs.bt'], { perm: [1, 0, 2] }));
      nodes.push(op('Reshape', 'final_state.cat', ['fs.bt', 'fs.shape'], ['features']));
    }
    feat = 'features';
  }
  if (head !== 'every_step') dims = ['B', O];
  const linear = out.op ? 'head_out' : out.name;
  nodes.push(op('MatMul', m, [feat, `${m}.weight_t`], [b ? 'head_mm' : linear]));
  if (b) {
    constants[`${m}.bias`] = f32([O], weight(b, `${m}.bias`, file));
    nodes.push(op('Add', `${m}.bias`, ['head_mm', `${m}.bias`], [linear]));
  }
  if (out.op) nodes.push(op(out.op, outputSetting!, [linear], [out.name], out.op === 'Sigmoid' ? {} : { axis: -1 }));
  outputs.push({ name: out.name, types: ['float32'], dims, optional: false,
    doc: `${outputSetting ?? 'logits'} of nn.Linear(${F}, ${O}) ${head === 'every_step' ? 'at every step' : `over the ${head.replace('_', ' ')}`}` });
  outputs.push(...stateOuts);
  parts += ` -> nn.Linear(${F}, ${O}) (${head}${out.op ? `, ${outputSetting}` : ''})`;
  return { source: `PyTorch ${parts} state dict (safetensors)`, inputs, outputs, nodes, constants, opset: 17, metadata: { ...meta } };
}

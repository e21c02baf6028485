// tasks/io.ts: which input a task feeds and which output it reads, and how their axes lie — read off the model.
import { check, fmtDims } from '../errors.js';
import type { Model, ValueInfo } from '../model/types.js';
import type { InferenceSession } from '../session.js';
import { Tensor } from '../tensor.js';

/** Where a task helper finds the sequence in a model; all optional (read off the model when it can be). */
export interface TaskIO {
  /** The input holding the sequence (default: the model's first input). */
  input?: string;
  /** The output to read (default: the one whose shape fits the task). */
  output?: string;
  /** The sequence input is (batch, time, ...) rather than (time, batch, ...). Default: from the model (PyTorch metadata, Keras, dim names). */
  batchFirst?: boolean;
}

export interface SequenceInput {
  info: ValueInfo;
  /** token ids (int) rather than feature vectors (float) */
  ids: boolean;
  batchFirst: boolean;
  /** features per step of a float input */
  features: number;
}

const BATCH = /^(b|n|batch|batch_size|batch_dim|n_batch|unk__\d+)$/i;
const TIME = /^(t|time|times|seq|seq_len|sequence|sequence_length|len|length|steps|timesteps)$/i;

/** Reads the model's own word on batch_first; undefined when it does not say. */
function batchFirstOf(model: Model, info: ValueInfo): boolean | undefined {
  // a PyTorch model: its recurrent module's batch_first (from the metadata or the session option)
  const torch = model.nodes.find((n) => n.op === 'recurrent' && n.layout === 'torch');
  if (torch && torch.op === 'recurrent') return torch.batchFirst;
  if (model.source.startsWith('Keras')) return true; // Keras sequences are always (batch, time, features)
  const [a, b] = info.dims.map(String);
  if (BATCH.test(a) || TIME.test(b)) return true;
  if (TIME.test(a) || BATCH.test(b)) return false;
  return undefined;
}

export function sequenceInput(session: InferenceSession, io: TaskIO, task: string): SequenceInput {
  const inputs = session.inputMetadata;
  const info = io.input === undefined ? inputs[0] : inputs.find((i) => i.name === io.input);
  check(info, 'OPTION', `${task}: the model has no input '${io.input}'; its inputs are ${inputs.map((i) => i.name).join(', ')}`);
  const ids = !info.types.includes('float32');
  check(info.dims.length === (ids ? 2 : 3), 'MODEL',
    `${task}: input '${info.name}' ${fmtDims(info.dims)} is not a batch of sequences (${ids ? 'token ids (time, batch)' : 'features (time, batch, features)'})`);
  const features = ids ? 1 : (info.dims[2] as number);
  check(typeof features === 'number', 'MODEL', `${task}: input '${info.name}' ${fmtDims(info.dims)} has no fixed number of features`);
  const batchFirst = io.batchFirst ?? batchFirstOf(session.model, info);
  check(batchFirst !== undefined, 'OPTION',
    `${task}: cannot tell which axis of input '${info.name}' ${fmtDims(info.dims)} is time and which is batch; pass batchFirst`);
  return { info, ids, batchFirst, features };
}

/** The op that computes a graph output (what a head's scores are: logits, probabilities, log-probabilities). */
export type ScoreKind = 'logits' | 'probs' | 'log_probs' | 'sigmoid';

/** Ops that pass values through unchanged (a Keras output ends Softmax -> Identity). */
const PASS = new Set(['Identity', 'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Cast', 'Dropout']);

export function scoreKind(model: Model, output: string): ScoreKind {
  let name = output;
  for (;;) {
    const node = model.nodes.find((n) => n.op === 'op' && n.outputs.includes(name));
    const type = node && node.op === 'op' ? node.type : '';
    if (node && node.op === 'op' && PASS.has(type)) {
      name = node.inputs[0];
      continue;
    }
    return type === 'Softmax' ? 'probs' : type === 'LogSoftmax' ? 'log_probs' : type === 'Sigmoid' ? 'sigmoid' : 'logits';
  }
}

/** The output a task reads: the named one, or the first whose rank fits (`want` explains the shape in errors). */
export function taskOutput(session: InferenceSession, io: TaskIO, task: string, fits: (o: ValueInfo) => boolean, want: string): ValueInfo {
  const outputs = session.outputMetadata;
  if (io.output !== undefined) {
    const o = outputs.find((x) => x.name === io.output);
    check(o, 'OPTION', `${task}: the model has no output '${io.output}'; its outputs are ${outputs.map((x) => x.name).join(', ')}`);
    check(fits(o), 'MODEL', `${task}: output '${o.name}' ${fmtDims(o.dims)} is not ${want}`);
    return o;
  }
  const o = outputs.find(fits);
  check(o, 'MODEL', `${task}: no output of the model is ${want}; its outputs are ${outputs.map((x) => `${x.name} ${fmtDims(x.dims)}`).join(', ')}`);
  return o;
}

/**
 * Initial-state inputs a first step() must have (an exported model may require h0): zeros, with the free
 * batch dimension set to B.
 */
export function requiredZeros(session: InferenceSession, seq: SequenceInput, B: number): Record<string, Tensor> {
  return Object.fromEntries(session.inputMetadata.filter((i) => i !== seq.info && !i.optional).map((i) => {
    check(i.types.includes('float32'), 'MODEL', `input '${i.name}' ${fmtDims(i.dims)} is required besides the sequence; a task helper can only zero-fill float state inputs`);
    const batchDim = seq.info.dims[seq.batchFirst ? 0 : 1];
    const dims = i.dims.map((d) => (typeof d === 'number' ? d : d === batchDim ? B : NaN));
    check(dims.every((d) => !Number.isNaN(d)), 'MODEL', `input '${i.name}' ${fmtDims(i.dims)} is required besides the sequence and its size cannot be told`);
    return [i.name, new Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims)];
  }));
}

/** One sequence as a batch of one: ids (T) or feature rows (T, F), laid out as the input takes it. */
export function sequenceTensor(seq: SequenceInput, steps: readonly (number | readonly number[])[], task: string): Tensor {
  const T = steps.length;
  if (seq.ids) {
    steps.forEach((v, t) => check(Number.isSafeInteger(v), 'INPUT', `${task}: token ${t} is ${JSON.stringify(v)}, not an integer id`));
    const dims = seq.batchFirst ? [1, T] : [T, 1];
    return seq.info.types.includes('int64')
      ? new Tensor('int64', BigInt64Array.from(steps as number[], (v) => BigInt(v)), dims)
      : new Tensor('int32', Int32Array.from(steps as number[]), dims);
  }
  const F = seq.features, data = new Float32Array(T * F);
  steps.forEach((v, t) => {
    const row = typeof v === 'number' ? [v] : v;
    check(Array.isArray(row) || ArrayBuffer.isView(row), 'INPUT', `${task}: step ${t} is ${JSON.stringify(v)}; expected a number or an array of ${F}`);
    check(row.length === F, 'INPUT', `${task}: step ${t} has ${row.length} values; input '${seq.info.name}' takes ${F} per step`);
    row.forEach((x, f) => check(Number.isFinite(x), 'INPUT', `${task}: step ${t} value ${f} is ${x}`));
    data.set(row, t * F);
  });
  return new Tensor('float32', data, seq.batchFirst ? [1, T, F] : [T, 1, F]);
}

/** Row b at the last time step of an output (T, B, N) / (B, T, N), or row b of (B, N). */
export function lastRow(t: Tensor, b: number, batchFirst: boolean): Float32Array {
  const d = t.dims, data = t.data as Float32Array;
  if (d.length === 2) return data.subarray(b * d[1], (b + 1) * d[1]);
  const [T, B, N] = batchFirst ? [d[1], d[0], d[2]] : d;
  const at = batchFirst ? (b * T + T - 1) * N : ((T - 1) * B + b) * N;
  return data.subarray(at, at + N);
}

// formats/keras_layers.ts: the non-recurrent Keras layers as canonical graph ops (Dense, Embedding, Masking, merges …).
import { LstmWasmError, check } from '../errors.js';
import type { HostTensor } from '../model/types.js';
import { type KTensor, type LayerCtx, type LayerDef, fmtShape, lastDim, needFloat } from './keras_build.js';
import { RECURRENT_LAYERS } from './keras_recurrent.js';

/** TF.js's activation functions on graph ops (TF.js's names and its camelCase spellings). */
export function activate(c: LayerCtx, key: string, x: KTensor): KTensor {
  const raw = c.get(key) ?? 'linear';
  const name = typeof raw === 'string' ? raw.toLowerCase().replace(/_/g, '') : '';
  const op = (type: string, input = x.name, attrs = {}) => c.op(type, [input], attrs);
  const out = (v: string): KTensor => ({ ...x, name: v, host: false, role: undefined });
  switch (name) {
    case 'linear': return x;
    case 'relu': return out(op('Relu'));
    case 'sigmoid': return out(op('Sigmoid'));
    case 'tanh': return out(op('Tanh'));
    case 'softmax': return out(op('Softmax', x.name, { axis: -1 }));
    case 'logsoftmax': return out(op('LogSoftmax', x.name, { axis: -1 }));
    case 'elu': return out(op('Elu', x.name, { alpha: 1 }));
    case 'selu': return out(op('Selu'));
    case 'softplus': return out(op('Softplus'));
    case 'softsign': return out(op('Softsign'));
    case 'hardsigmoid': return out(op('HardSigmoid', x.name, { alpha: 0.2, beta: 0.5 }));
    case 'swish': return out(c.op('Mul', [x.name, op('Sigmoid')]));
    case 'mish': return out(c.op('Mul', [x.name, op('Tanh', op('Softplus'))]));
    default:
      return c.refuse(key, raw, 'linear, relu, sigmoid, tanh, softmax, log_softmax, elu, selu, softplus, softsign, hard_sigmoid, swish, mish');
  }
}

const identity: LayerDef['translate'] = (_c, [x]) => [x];
const noise = (options: string[]): LayerDef => ({ options, translate: identity });

function dense(c: LayerCtx, x: KTensor): KTensor {
  needFloat(c, x);
  const I = lastDim(c, x), U = c.count('units');
  const kernel = c.g.float(c.fresh('kernel'), c.weight('kernel', [I, U]), [I, U]);
  const bias = c.bool('use_bias', true) ? c.g.float(c.fresh('bias'), c.weight('bias', [U]), [U]) : undefined;
  let y: string;
  if (x.shape.length === 2) y = c.op('Gemm', bias ? [x.name, kernel, bias] : [x.name, kernel]);
  else {
    y = c.op('MatMul', [x.name, kernel]); // (…, I) x (I, U) for every leading index
    if (bias) y = c.op('Add', [y, bias]);
  }
  return activate(c, 'activation', { ...x, name: y, shape: [...x.shape.slice(0, -1), U], host: false, role: undefined });
}
const DENSE: LayerDef = {
  options: ['units', 'activation', 'use_bias'],
  weights: (c) => c.paths(...(c.bool('use_bias', true) ? ['kernel', 'bias'] : ['kernel'])),
  translate: (c, [x]) => [dense(c, x)],
};
const ACTIVATION: LayerDef = { options: ['activation'], translate: (c, [x]) => [activate(c, 'activation', x)] };
const NOISE = { Dropout: noise(['rate', 'noise_shape', 'seed']), SpatialDropout1D: noise(['rate', 'noise_shape', 'seed']),
  GaussianNoise: noise(['stddev', 'seed']), GaussianDropout: noise(['rate', 'seed']), AlphaDropout: noise(['rate', 'noise_shape', 'seed']) };

/** Layers TimeDistributed may wrap: they act on the last axis, so the time axis just rides along. */
const PER_STEP: Record<string, LayerDef> = { Dense: DENSE, Activation: ACTIVATION, ...NOISE };

/** The mask of a merge: Keras ANDs the masks there are (TF.js's Merge mask is broken; Keras's is what it means). */
function andMasks(c: LayerCtx, ins: KTensor[]): string | undefined {
  const masks = ins.map((t) => t.mask).filter((m): m is string => m !== undefined);
  return masks.length ? masks.reduce((a, b) => c.op('And', [a, b])) : undefined;
}

function sameRank(c: LayerCtx, ins: KTensor[]): void {
  check(ins.every((t) => t.shape.length === ins[0].shape.length), 'UNSUPPORTED',
    `${c.where}: inputs ${ins.map((t) => fmtShape(t.shape)).join(', ')} differ in rank; only same-rank inputs are supported`);
}

function elementwise(kind: 'Add' | 'Mul' | 'Average'): LayerDef {
  return {
    options: [], inputs: [2, Infinity],
    translate: (c, ins) => {
      ins.forEach((t) => needFloat(c, t));
      sameRank(c, ins);
      const op = kind === 'Average' ? 'Add' : kind;
      let y = ins.map((t) => t.name).reduce((a, b) => c.op(op, [a, b]));
      if (kind === 'Average') y = c.op('Mul', [y, c.g.float(c.fresh('scale'), Float32Array.of(1 / ins.length), [])]);
      const shape = ins[0].shape.map((d, i) => (ins.every((t) => t.shape[i] === d) ? d : d === 1 ? ins.find((t) => t.shape[i] !== 1)!.shape[i] : null));
      return [{ name: y, shape, dtype: 'float32', host: false, mask: andMasks(c, ins) }];
    },
  };
}

const CONCATENATE: LayerDef = {
  options: ['axis'], inputs: [2, Infinity],
  translate: (c, ins) => {
    sameRank(c, ins);
    const r = ins[0].shape.length, raw = c.number('axis', -1), axis = raw < 0 ? raw + r : raw;
    check(axis >= 1 && axis < r, 'MODEL', `${c.where}: axis ${raw} is not a non-batch axis of rank-${r} inputs`);
    check(ins.every((t) => t.dtype === ins[0].dtype), 'UNSUPPORTED', `${c.where}: inputs mix ids and float data`);
    const shape = ins[0].shape.map((d, i) => (i === axis ? ins.reduce<number | null>((a, t) => (a === null || t.shape[i] === null ? null : a + t.shape[i]!), 0) : d));
    let mask: string | undefined;
    if (ins.some((t) => t.mask)) {
      // TF.js: masks (B, T) along the feature axis AND together; along time they would have to be joined
      if (axis === r - 1) mask = andMasks(c, ins);
      else if (axis === 1 && r === 3 && ins.every((t) => t.mask)) mask = c.op('Concat', ins.map((t) => t.mask!), { axis: 1 });
      else c.refuse('axis', raw, `the last axis when some inputs carry a mask, or axis 1 when all do`);
    }
    const y = c.op('Concat', ins.map((t) => t.name), { axis });
    return [{ name: y, shape, dtype: ins[0].dtype, host: ins[0].dtype === 'int32', mask }];
  },
};

function pooling(type: 'ReduceMean' | 'ReduceMax'): LayerDef {
  return {
    options: ['data_format', 'keepdims'],
    translate: (c, [x]) => {
      needFloat(c, x);
      const format = c.get('data_format') ?? 'channels_last';
      if (format !== 'channels_last' && format !== 'channelsLast') c.refuse('data_format', format, 'channels_last');
      check(x.shape.length === 3, 'MODEL', `${c.where}: needs a 3-D input (batch, steps, features), got ${fmtShape(x.shape)}`);
      const keep = c.bool('keepdims', false);
      // as TF.js: the mean / max over every step, a mask notwithstanding
      const y = c.op(type, [x.name], { axes: [1], keepdims: keep ? 1 : 0 });
      return [{ name: y, shape: keep ? [x.shape[0], 1, x.shape[2]] : [x.shape[0], x.shape[2]], dtype: 'float32', host: false }];
    },
  };
}

const EMBEDDING: LayerDef = {
  options: ['input_dim', 'output_dim', 'mask_zero', 'input_length', 'sparse'],
  weights: (c) => c.paths('embeddings'),
  translate: (c, [x]) => {
    check(x.dtype === 'int32' && x.host, 'UNSUPPORTED',
      `${c.where}: its input must be integer ids the host knows before the run (a model input of int32/int64), got ${x.dtype} ${x.host ? 'data' : 'data computed in wasm'}`);
    if (c.get('sparse')) c.refuse('sparse', c.get('sparse'), 'false');
    const V = c.count('input_dim'), E = c.count('output_dim');
    const table = c.g.float(c.fresh('embeddings'), c.weight('embeddings', [V, E]), [V, E]);
    const y = c.op('Gather', [table, x.name], { axis: 0 });
    let mask: string | undefined;
    if (c.bool('mask_zero', false)) {
      const zero: HostTensor = { dtype: 'int32', dims: [], data: Float64Array.of(0) };
      mask = c.op('Not', [c.op('Equal', [x.name, c.g.constant(c.fresh('zero'), zero)])]);
    }
    return [{ name: y, shape: [...x.shape, E], dtype: 'float32', host: false, mask }];
  },
};

const MASKING: LayerDef = {
  options: ['mask_value'],
  translate: (c, [x]) => {
    needFloat(c, x);
    check(x.host, 'UNSUPPORTED',
      `${c.where}: its input must be a model input (the mask is worked out on the host before the run), but it is computed in wasm`);
    const value = c.g.float(c.fresh('mask_value'), Float32Array.of(c.number('mask_value', 0)), []);
    // TF.js: mask = any(x != value, -1); output = x * mask
    const keep = c.op('ReduceMax', [c.op('Not', [c.op('Equal', [x.name, value])])], { axes: [-1], keepdims: 0 });
    const scale = c.op('Cast', [c.unsqueeze(keep, -1)], { to: 1 });
    return [{ ...x, name: c.op('Mul', [x.name, scale]), host: false, mask: keep }];
  },
};

const FLATTEN: LayerDef = {
  options: ['data_format'],
  translate: (c, [x]) => {
    const format = c.get('data_format') ?? 'channels_last';
    if (format !== 'channels_last' && format !== 'channelsLast') c.refuse('data_format', format, 'channels_last');
    const rest = x.shape.slice(1);
    check(rest.every((d) => d !== null), 'MODEL', `${c.where}: all but the batch dimension of its input ${fmtShape(x.shape)} must be known`);
    const y = c.op('Flatten', [x.name], { axis: 1 });
    return [{ name: y, shape: [x.shape[0], rest.reduce<number>((a, b) => a * b!, 1)], dtype: x.dtype, host: x.dtype === 'int32' }];
  },
};

const RESHAPE: LayerDef = {
  options: ['target_shape'],
  translate: (c, [x]) => {
    const target = c.get('target_shape');
    check(Array.isArray(target) && target.every((d) => d === null || Number.isInteger(d)), 'MODEL', `${c.where}: target_shape must be a list of integers, got ${JSON.stringify(target)}`);
    const t = target.map((d) => (d === null || d < 0 ? -1 : d));
    const known = x.shape.slice(1).every((d) => d !== null) ? x.shape.slice(1).reduce<number>((a, b) => a * b!, 1) : null;
    const fixed = t.filter((d) => d >= 0).reduce((a, b) => a * b, 1);
    check(known === null || (t.includes(-1) ? known % fixed === 0 : known === fixed), 'MODEL',
      `${c.where}: cannot reshape ${fmtShape(x.shape)} to ${fmtShape([null, ...target])}`);
    const shape = [x.shape[0], ...t.map((d) => (d >= 0 ? d : known === null ? null : known / fixed))];
    return [{ name: c.reshape(x.name, [0, ...t]), shape, dtype: x.dtype, host: x.dtype === 'int32' }];
  },
};

const REPEAT_VECTOR: LayerDef = {
  options: ['n'],
  translate: (c, [x]) => {
    check(x.shape.length === 2, 'MODEL', `${c.where}: needs a 2-D input (batch, features), got ${fmtShape(x.shape)}`);
    const n = c.count('n');
    const y = c.op('Expand', [c.unsqueeze(x.name, 1), c.ints('shape', [1, n, 1])]);
    return [{ name: y, shape: [x.shape[0], n, x.shape[1]], dtype: x.dtype, host: x.dtype === 'int32' }];
  },
};

const PERMUTE: LayerDef = {
  options: ['dims'],
  translate: (c, [x]) => {
    const p = c.get('dims');
    const ok = Array.isArray(p) && p.length === x.shape.length - 1 && [...p].sort().every((d, i) => d === i + 1);
    check(ok, 'MODEL', `${c.where}: dims ${JSON.stringify(p)} is not a permutation of 1..${x.shape.length - 1}`);
    const perm = [0, ...(p as number[])];
    return [{ name: c.op('Transpose', [x.name], { perm }), shape: perm.map((i) => x.shape[i]), dtype: x.dtype, host: x.dtype === 'int32' }];
  },
};

const TIME_DISTRIBUTED: LayerDef = {
  options: ['layer'],
  weights: (c) => { const [def, inner] = wrapped(c); return def.weights?.(inner) ?? []; },
  translate: (c, [x]) => {
    check(x.shape.length >= 3, 'MODEL', `${c.where}: needs an input of rank 3 or more (batch, time, …), got ${fmtShape(x.shape)}`);
    const [def, inner] = wrapped(c);
    const [y] = def.translate(inner, [x]);
    return [{ ...y, mask: x.mask }];
  },
};

function wrapped(c: LayerCtx): [LayerDef, LayerCtx] {
  const raw = c.get('layer') as { class_name?: unknown; config?: Record<string, unknown> } | undefined;
  const cls = String(raw?.class_name);
  const def = PER_STEP[cls];
  if (!def || !raw?.config) c.refuse('layer', cls, Object.keys(PER_STEP).join(', '));
  const inner = c.inner({ className: cls, name: String(raw.config.name ?? cls), config: raw.config });
  inner.checkOptions(def.options);
  return [def, inner];
}

export const LAYERS: Record<string, LayerDef> = {
  Dense: DENSE, Activation: ACTIVATION, ...NOISE, Embedding: EMBEDDING, Masking: MASKING, Flatten: FLATTEN, Reshape: RESHAPE,
  RepeatVector: REPEAT_VECTOR, Permute: PERMUTE, Concatenate: CONCATENATE, Add: elementwise('Add'),
  Multiply: elementwise('Mul'), Average: elementwise('Average'), GlobalAveragePooling1D: pooling('ReduceMean'),
  GlobalMaxPooling1D: pooling('ReduceMax'), TimeDistributed: TIME_DISTRIBUTED, ...RECURRENT_LAYERS,
};

/** The definition of a layer class, or UNSUPPORTED naming the class and the layer. */
export function layerDef(className: string, name: string): LayerDef {
  const def = LAYERS[className];
  if (!def) {
    throw new LstmWasmError('UNSUPPORTED',
      `layer ${className} '${name}' is not supported; supported layers: InputLayer, ${Object.keys(LAYERS).sort().join(', ')}`);
  }
  return def;
}

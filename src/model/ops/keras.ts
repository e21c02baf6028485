// model/ops/keras.ts: ops the Keras importer needs — masks (Equal, Not, And on the host), more activations.
// (ReduceMax lives with the other reductions in math.ts.)
import { check } from '../../errors.js';
import { broadcast, broadcastStrides, forOuter, sizeOf } from '../strided.js';
import type { DType, OpNode } from '../types.js';
import { attrFloat, hostTensor, register, where } from './registry.js';

// ---- Equal, And (broadcasting, bool out) and Not: mask arithmetic, always on the host ----

const LOGIC: Record<string, (a: number, b: number) => boolean> = { Equal: (a, b) => a === b, And: (a, b) => a !== 0 && b !== 0 };
const EXACT = 2 ** 53; // integers below this are exact doubles; from it on, neighbours round together

register(Object.keys(LOGIC), {
  attrs: {}, inputs: [2, 2], outputs: [1, 1],
  dtypes: (node, [a, b]) => {
    check(a === b, 'MODEL', () => `${where(node)}: inputs are ${a} and ${b}; ${node.type} needs one type`);
    check(node.type !== 'And' || a === 'bool', 'MODEL', () => `${where(node)}: needs bool inputs, got ${a}`);
    return ['bool'];
  },
  infer: (node, [a, b]) => [{ dtype: 'bool', dims: broadcast(a!.dims, b!.dims, where(node)) }],
  host: (node, [a, b]) => {
    const dims = broadcast(a!.dims, b!.dims, where(node));
    const out = hostTensor('bool', dims);
    if (node.type === 'Equal' && a!.dtype !== 'float32') {
      for (const t of [a!, b!]) {
        const i = t.data.findIndex((v) => Math.abs(v) >= EXACT);
        check(i < 0, 'INPUT', () => `${where(node)}: ${t.dtype} value ${t.data[i]} at flat index ${i} is not below 2^53 in magnitude, where doubles cannot tell neighbours apart`);
      }
    }
    const sa = broadcastStrides(a!.dims, dims), sb = broadcastStrides(b!.dims, dims), f = LOGIC[node.type];
    const n0 = dims[dims.length - 1] ?? 1, a0 = sa[sa.length - 1] ?? 0, b0 = sb[sb.length - 1] ?? 0;
    let o = 0;
    forOuter(dims.length ? dims : [1], [sa.length ? sa : [0], sb.length ? sb : [0]], 1, ([pa, pb]) => {
      for (let i = 0; i < n0; i++) out.data[o++] = f(a!.data[pa + i * a0], b!.data[pb + i * b0]) ? 1 : 0;
    });
    return [out];
  },
});

register(['Not'], {
  attrs: {}, inputs: [1, 1], outputs: [1, 1],
  dtypes: (node, [a]) => {
    check(a === 'bool', 'MODEL', () => `${where(node)}: needs a bool input, got ${a}`);
    return ['bool'];
  },
  infer: (_node, [a]) => [{ dtype: 'bool', dims: a!.dims }],
  host: (_node, [a]) => [{ dtype: 'bool', dims: a!.dims, data: a!.data.map((v) => (v ? 0 : 1)) }],
});

// ---- Elu, Selu, Softsign, Softplus, HardSigmoid, LeakyRelu, ThresholdedRelu (ONNX semantics and defaults) ----

interface ActOp {
  code: string;
  attrs: Record<string, number>; // attribute -> ONNX default
  /** kernel alpha and beta from the node's attributes */
  params(a: (name: string) => number): [number, number];
  f(x: number, alpha: number, beta: number): number;
}

const elu = (x: number, alpha: number) => (x >= 0 ? x : alpha * Math.expm1(x));
const ACTS: Record<string, ActOp> = {
  Elu: { code: 'ACT_ELU', attrs: { alpha: 1 }, params: (a) => [a('alpha'), 0], f: elu },
  Selu: {
    code: 'ACT_SELU', attrs: { alpha: 1.67326319217681884765625, gamma: 1.05070102214813232421875 },
    params: (a) => [a('alpha'), a('gamma')], f: (x, alpha, gamma) => gamma * elu(x, alpha),
  },
  Softsign: { code: 'ACT_SOFTSIGN', attrs: {}, params: () => [0, 0], f: (x) => x / (1 + Math.abs(x)) },
  Softplus: { code: 'ACT_SOFTPLUS', attrs: {}, params: () => [0, 0], f: (x) => (x > 30 ? x : Math.log1p(Math.exp(x))) },
  HardSigmoid: {
    code: 'ACT_HARD_SIGMOID', attrs: { alpha: 0.2, beta: 0.5 }, params: (a) => [a('alpha'), a('beta')],
    f: (x, alpha, beta) => Math.min(1, Math.max(0, Math.fround(alpha) * x + Math.fround(beta))),
  },
  LeakyRelu: { code: 'ACT_LEAKY_RELU', attrs: { alpha: 0.01 }, params: (a) => [a('alpha'), 0], f: (x, alpha) => (x >= 0 ? x : alpha * x) },
  ThresholdedRelu: { code: 'ACT_THRESHOLDED_RELU', attrs: { alpha: 1 }, params: (a) => [a('alpha'), 0], f: (x, alpha) => (x > alpha ? x : 0) },
};

for (const [type, op] of Object.entries(ACTS)) {
  const params = (node: OpNode) => op.params((name) => attrFloat(node, name, op.attrs[name]));
  register([type], {
    attrs: Object.fromEntries(Object.keys(op.attrs).map((a) => [a, 'float' as const])), inputs: [1, 1], outputs: [1, 1],
    dtypes: (node, [x]) => {
      check(x === 'float32', 'MODEL', () => `${where(node)}: needs float32, got ${x}`);
      return ['float32' as DType];
    },
    infer: (_node, [x]) => [{ dtype: 'float32', dims: x!.dims }],
    host: (node, [x]) => {
      const [alpha, beta] = params(node);
      return [{ dtype: 'float32', dims: x!.dims, data: (x!.data as Float32Array).map((v) => op.f(v, alpha, beta)) }];
    },
    device: (d, node, [x], [out]) => d.rt.core.act_f32(d.k[op.code], out.ptr, x!.ptr, sizeOf(x!.dims), ...params(node)),
  });
}

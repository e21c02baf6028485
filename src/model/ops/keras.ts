// model/ops/keras.ts: ops the Keras importer needs — masks (Equal, Not, And on the host), ReduceMax, more activations.
import { check } from '../../errors.js';
import type { Device } from '../device.js';
import { axisOf, broadcast, broadcastStrides, contiguous, forOuter, sizeOf } from '../strided.js';
import type { DType, HostTensor, OpNode } from '../types.js';
import { type DevVal, type Val, attrFloat, attrInt, attrInts, hostTensor, ints, register, where } from './registry.js';

// ---- Equal, And (broadcasting, bool out) and Not: mask arithmetic, always on the host ----

const LOGIC: Record<string, (a: number, b: number) => boolean> = { Equal: (a, b) => a === b, And: (a, b) => a !== 0 && b !== 0 };

register(Object.keys(LOGIC), {
  attrs: {}, inputs: [2, 2], outputs: [1, 1],
  dtypes: (node, [a, b]) => {
    check(a === b, 'MODEL', `${where(node)}: inputs are ${a} and ${b}; ${node.type} needs one type`);
    check(node.type !== 'And' || a === 'bool', 'MODEL', `${where(node)}: needs bool inputs, got ${a}`);
    return ['bool'];
  },
  infer: (node, [a, b]) => [{ dtype: 'bool', dims: broadcast(a!.dims, b!.dims, where(node)) }],
  host: (node, [a, b]) => {
    const dims = broadcast(a!.dims, b!.dims, where(node));
    const out = hostTensor('bool', dims);
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
    check(a === 'bool', 'MODEL', `${where(node)}: needs a bool input, got ${a}`);
    return ['bool'];
  },
  infer: (_node, [a]) => [{ dtype: 'bool', dims: a!.dims }],
  host: (_node, [a]) => [{ dtype: 'bool', dims: a!.dims, data: a!.data.map((v) => (v ? 0 : 1)) }],
});

// ---- ReduceMax ----

function maxAxes(node: OpNode, ins: (Val | HostTensor | undefined)[], opset: number) {
  const d = ins[0]!.dims;
  const given = opset >= 18 ? (ins[1] ? ints(node, ins[1], 'axes') : undefined) : attrInts(node, 'axes');
  let axes: number[];
  if (given === undefined || given.length === 0) {
    axes = opset >= 18 && attrInt(node, 'noop_with_empty_axes', 0) === 1 ? [] : d.map((_, i) => i);
  } else {
    axes = [...new Set(given.map((a) => axisOf(a, d.length, where(node))))].sort((x, y) => x - y);
  }
  const keep = attrInt(node, 'keepdims', 1) === 1;
  const dims = keep ? d.map((x, i) => (axes.includes(i) ? 1 : x)) : d.filter((_, i) => !axes.includes(i));
  return { axes, dims };
}

/** (n, M): the reduced axes' total size and the kept axes' total size. */
const maxSizes = (dims: number[], axes: number[]) =>
  [sizeOf(axes.map((a) => dims[a])), sizeOf(dims.filter((_, i) => !axes.includes(i)))] as const;
const align16 = (n: number) => Math.ceil(n / 16) * 16;
const TWO_100 = 2 ** 100;

register(['ReduceMax'], {
  attrs: { axes: 'ints', keepdims: 'int', noop_with_empty_axes: 'int' }, inputs: [1, 2], outputs: [1, 1],
  hostInputs: () => [1],
  infer: (node, ins, opset) => [{ dtype: ins[0]!.dtype, dims: maxAxes(node, ins, opset).dims }],
  host: (node, ins, opset) => {
    const x = ins[0]!, { axes, dims } = maxAxes(node, ins, opset);
    const kept = x.dims.map((v, i) => (axes.includes(i) ? 1 : v));
    const out = hostTensor(x.dtype, dims);
    out.data.fill(-Infinity);
    const os = broadcastStrides(kept, x.dims).map((s, i) => (axes.includes(i) ? 0 : s));
    let i = 0;
    forOuter(x.dims.length ? x.dims : [1], [os.length ? os : [0]], 0, ([o]) => {
      const v = x.data[i++];
      if (v > out.data[o] || Number.isNaN(v)) out.data[o] = v;
    });
    return [out];
  },
  scratch: (node, ins, _outs, opset) => {
    const [n, M] = maxSizes(ins[0]!.dims, maxAxes(node, ins, opset).axes);
    return align16(n * M * 4) + 2 * align16(Math.floor(n / 2) * M * 4) + 16;
  },
  device: (d, node, ins, [out], opset) => reduceMaxDevice(d, ins[0]!, out, maxAxes(node, ins, opset).axes),
});

/**
 * Max over `axes`, exactly, with the kernels at hand (no max kernel yet): the reduced axes are moved to the
 * front by one strided copy, then halves are folded pairwise, a = select(b > a, b, a), log2(n) times. The
 * select uses m = [b - a > 0] as an exact 0/1 — hard_sigmoid(2^100 x) applied twice sends every positive
 * float (down to the smallest subnormal) to 1 and the rest to 0 — and a·(1 - m) + b·m, which is a or b exactly.
 */
function reduceMaxDevice(d: Device, x: DevVal, out: DevVal, axes: number[]): void {
  const rt = d.rt, k = d.k, dims = x.dims;
  const [n0, M] = maxSizes(dims, axes);
  const order = [...axes, ...dims.map((_, i) => i).filter((i) => !axes.includes(i))];
  const s = contiguous(dims), pdims = order.map((i) => dims[i]);
  const buf = d.scratch, t1 = buf + align16(n0 * M * 4), t2 = t1 + align16(Math.floor(n0 / 2) * M * 4);
  const one = t2 + align16(Math.floor(n0 / 2) * M * 4);
  d.copy(buf, contiguous(pdims), x.ptr, order.map((i) => s[i]), pdims);
  rt.f32(one, 1)[0] = 1;
  for (let n = n0; n > 1;) {
    const h = Math.floor(n / 2), K = [h * M], a = buf, b = buf + (n - h) * M * 4; // an odd middle row waits for the next fold
    d.binary(k.BIN_SUB, t1, b, [1], a, [1], K); // b - a
    rt.core.act_f32(k.ACT_HARD_SIGMOID, t1, t1, K[0], TWO_100, 0);
    rt.core.act_f32(k.ACT_HARD_SIGMOID, t1, t1, K[0], TWO_100, 0); // m = [b > a]
    d.binary(k.BIN_MUL, t2, b, [1], t1, [1], K); // b·m
    d.binary(k.BIN_SUB, t1, one, [0], t1, [1], K); // 1 - m
    d.binary(k.BIN_MUL, a, a, [1], t1, [1], K);
    d.binary(k.BIN_ADD, a, a, [1], t2, [1], K);
    n -= h;
  }
  d.copy(out.ptr, [1], buf, [1], [M]);
}

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
      check(x === 'float32', 'MODEL', `${where(node)}: needs float32, got ${x}`);
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

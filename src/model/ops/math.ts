// model/ops/math.ts: arithmetic, Pow, activations, softmax, MatMul/Gemm and reductions — host reference and wasm kernel.
import { check, fmtDims } from '../../errors.js';
import type { Runtime } from '../../runtime.js';
import type { Device } from '../device.js';
import { axisOf, broadcast, broadcastStrides, contiguous, forOuter, sizeOf } from '../strided.js';
import type { HostTensor, OpNode } from '../types.js';
import { type DevVal, type Val, attrFloat, attrInt, attrInts, hostTensor, ints, register, where } from './registry.js';

// ---- Add, Sub, Mul, Div ----

const BIN = { Add: 0, Sub: 1, Mul: 2, Div: 3 } as const;
const binHost: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b,
};

register(Object.keys(BIN), {
  attrs: {}, inputs: [2, 2], outputs: [1, 1],
  dtypes: (node, [a, b]) => {
    check(a === b, 'MODEL', () => `${where(node)}: inputs are ${a} and ${b}; ${node.type} needs one type`);
    return [a!];
  },
  infer: (node, [a, b]) => [{ dtype: a!.dtype, dims: broadcast(a!.dims, b!.dims, where(node)) }],
  host: (node, [a, b]) => {
    const dims = broadcast(a!.dims, b!.dims, where(node));
    const out = hostTensor(a!.dtype, dims);
    const sa = broadcastStrides(a!.dims, dims), sb = broadcastStrides(b!.dims, dims);
    const f = binHost[node.type], integer = a!.dtype !== 'float32';
    let o = 0;
    const n0 = dims[dims.length - 1] ?? 1, a0 = sa[sa.length - 1] ?? 0, b0 = sb[sb.length - 1] ?? 0;
    forOuter(dims.length ? dims : [1], [sa.length ? sa : [0], sb.length ? sb : [0]], 1, ([pa, pb]) => {
      for (let i = 0; i < n0; i++) {
        const v = f(a!.data[pa + i * a0], b!.data[pb + i * b0]);
        out.data[o++] = integer && node.type === 'Div' ? Math.trunc(v) : v; // integer division truncates, as onnxruntime does
      }
    });
    return [out];
  },
  device: (d, node, [a, b], [out]) => {
    d.binary(BIN[node.type as keyof typeof BIN], out.ptr, a!.ptr, broadcastStrides(a!.dims, out.dims), b!.ptr, broadcastStrides(b!.dims, out.dims), out.dims);
  },
});

// ---- Pow: X^Y, broadcasting; Y may be another number type (it is read as float) ----

register(['Pow'], {
  attrs: {}, inputs: [2, 2], outputs: [1, 1],
  dtypes: (node, [a, b]) => {
    check(a !== 'bool' && b !== 'bool', 'MODEL', () => `${where(node)}: needs number inputs, got ${a} and ${b}`);
    return [a!];
  },
  infer: (node, [a, b]) => [{ dtype: a!.dtype, dims: broadcast(a!.dims, b!.dims, where(node)) }],
  host: (node, [a, b]) => {
    const dims = broadcast(a!.dims, b!.dims, where(node));
    const out = hostTensor(a!.dtype, dims);
    const sa = broadcastStrides(a!.dims, dims), sb = broadcastStrides(b!.dims, dims);
    let o = 0;
    forOuter(dims.length ? dims : [1], [sa.length ? sa : [0], sb.length ? sb : [0]], 0, ([pa, pb]) => {
      const x = a!.data[pa], y = b!.data[pb];
      const v = y === 2 ? x * x : x ** y;
      out.data[o++] = a!.dtype === 'float32' ? v : Math.trunc(v);
    });
    return [out];
  },
  device: (d, node, [a, b], [out]) => {
    let bp = b!.ptr;
    if (b!.dtype !== 'float32') { // an integer exponent, known on the host: as floats in scratch
      check(b!.data !== undefined, 'UNSUPPORTED', () => `${where(node)}: an integer exponent must be known before the run`);
      d.rt.f32(d.scratch, b!.data.length).set(b!.data);
      bp = d.scratch;
    }
    d.binary(d.k.BIN_POW, out.ptr, a!.ptr, broadcastStrides(a!.dims, out.dims), bp, broadcastStrides(b!.dims, out.dims), out.dims);
  },
  scratch: (_node, [, b]) => (b!.dtype === 'float32' ? 0 : sizeOf(b!.dims) * 4),
});

// ---- Sigmoid, Tanh, Relu, Sqrt ----

const ACT: Record<string, [string, (x: number) => number]> = {
  Sigmoid: ['ACT_SIGMOID', (x) => 1 / (1 + Math.exp(-x))],
  Tanh: ['ACT_TANH', Math.tanh],
  Relu: ['ACT_RELU', (x) => Math.max(x, 0)],
  Sqrt: ['ACT_SQRT', Math.sqrt],
};
register(Object.keys(ACT), {
  attrs: {}, inputs: [1, 1], outputs: [1, 1],
  infer: (node, [x]) => {
    check(x!.dtype === 'float32', 'MODEL', () => `${where(node)}: needs float32, got ${x!.dtype}`);
    return [{ dtype: 'float32', dims: x!.dims }];
  },
  host: (node, [x]) => [{ dtype: 'float32', dims: x!.dims, data: (x!.data as Float32Array).map(ACT[node.type][1]) }],
  device: (d, node, [x], [out]) => d.rt.core.act_f32(d.k[ACT[node.type][0]], out.ptr, x!.ptr, sizeOf(x!.dims), 0, 0),
});

// ---- Softmax, LogSoftmax ----

/** (outer, n, inner) of the softmax: before opset 13 the input is seen as 2-D at axis (default 1); after, one axis (default -1). */
function softmaxShape(node: OpNode, dims: number[], opset: number): [number, number, number] {
  const r = dims.length;
  if (opset < 13) {
    const axis = attrInt(node, 'axis', 1);
    const a = axis < 0 ? axis + r : axis;
    check(a >= 0 && a <= r, 'INPUT', () => `${where(node)}: axis ${axis} is out of range for rank ${r}`);
    return [sizeOf(dims.slice(0, a)), sizeOf(dims.slice(a)), 1];
  }
  const a = axisOf(attrInt(node, 'axis', -1), r, where(node));
  return [sizeOf(dims.slice(0, a)), dims[a], sizeOf(dims.slice(a + 1))];
}

register(['Softmax', 'LogSoftmax'], {
  attrs: { axis: 'int' }, inputs: [1, 1], outputs: [1, 1],
  infer: (node, [x], opset) => {
    softmaxShape(node, x!.dims, opset);
    return [{ dtype: 'float32', dims: x!.dims }];
  },
  host: (node, [x], opset) => {
    const [outer, n, inner] = softmaxShape(node, x!.dims, opset), log = node.type === 'LogSoftmax';
    const out = hostTensor('float32', x!.dims), v = x!.data;
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < inner; c++) {
        const at = (i: number) => (o * n + i) * inner + c;
        let max = -Infinity, sum = 0;
        for (let i = 0; i < n; i++) max = Math.max(max, v[at(i)]);
        for (let i = 0; i < n; i++) sum += Math.exp(v[at(i)] - max);
        for (let i = 0; i < n; i++) out.data[at(i)] = log ? v[at(i)] - max - Math.log(sum) : Math.exp(v[at(i)] - max) / sum;
      }
    }
    return [out];
  },
  device: (d, node, [x], [out], opset) => {
    const [outer, n, inner] = softmaxShape(node, x!.dims, opset);
    d.rt.core.softmax_f32(out.ptr, x!.ptr, outer, n, inner, node.type === 'LogSoftmax' ? 1 : 0);
  },
});

// ---- MatMul, Gemm ----

/** numpy matmul shapes: 1-D operands are promoted and their axis dropped again from the output. */
function matmulShape(node: OpNode, a: number[], b: number[]) {
  const A = a.length === 1 ? [1, a[0]] : a, B = b.length === 1 ? [b[0], 1] : b;
  const [M, K] = A.slice(-2), [K2, N] = B.slice(-2);
  check(a.length >= 1 && b.length >= 1 && K === K2, 'INPUT', () => `${where(node)}: cannot multiply ${fmtDims(a)} by ${fmtDims(b)}`);
  const batch = broadcast(A.slice(0, -2), B.slice(0, -2), () => where(node));
  const dims = [...batch, ...(a.length === 1 ? [] : [M]), ...(b.length === 1 ? [] : [N])];
  return { M, K, N, batch, A, B, dims };
}

function hostMatmul(a: ArrayLike<number>, b: ArrayLike<number>, out: Float32Array, at: number, M: number, K: number, N: number, rsA: number, csA: number, rsB: number, csB: number, alpha = 1) {
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[m * rsA + k * csA] * b[k * rsB + n * csB];
      out[at + m * N + n] = alpha * s;
    }
  }
}

/** Packs scale * B (K, N), read at strides (rsB, csB), into panels at `panels` for matmul_panel16_f32. */
function packB(d: Device, panels: number, b: number, K: number, N: number, rsB: number, csB: number, scale: number) {
  d.rt.core.pack_panel16_strided_f32(panels, b, N, K, csB, rsB, scale);
}
export const panelBytes = (K: number, N: number) => Math.ceil(N / 16) * 16 * K * 4;
/** MatMul with a B that is not a constant: fewer rows of A than this multiply B unpacked (matmul_small_f32). */
const SMALL_ROWS = 8;

/** Plan time: packs a constant B (K, N) (read at strides rsB, csB, times scale) once into the arena. */
export function packConstant(rt: Runtime, node: OpNode, b: HostTensor, K: number, N: number, rsB: number, csB: number, scale: number): number {
  check(b.dtype === 'float32', 'MODEL', () => `${where(node)}: B must be float32, got ${b.dtype}`);
  const panels = rt.alloc(panelBytes(K, N), `${where(node)} packed weights`);
  const top = rt.mark();
  const staging = rt.alloc(b.data.length * 4, `${where(node)} weights (staging)`);
  rt.f32(staging, b.data.length).set(b.data);
  rt.core.pack_panel16_strided_f32(panels, staging, N, K, csB, rsB, scale);
  rt.reset(top);
  return panels;
}

register(['MatMul'], {
  attrs: {}, inputs: [2, 2], outputs: [1, 1],
  infer: (node, [a, b]) => [{ dtype: 'float32', dims: matmulShape(node, a!.dims, b!.dims).dims }],
  host: (node, [a, b]) => {
    const { M, K, N, batch, A, B, dims } = matmulShape(node, a!.dims, b!.dims);
    const out = hostTensor('float32', dims);
    const sa = broadcastStrides(A.slice(0, -2), batch), sb = broadcastStrides(B.slice(0, -2), batch);
    let i = 0;
    forOuter(batch.length ? batch : [1], [sa.length ? sa : [0], sb.length ? sb : [0]], 0, ([pa, pb]) => {
      hostMatmul(a!.data.subarray(pa * M * K), b!.data.subarray(pb * K * N), out.data as Float32Array, i, M, K, N, K, 1, N, 1);
      i += M * N;
    });
    return [out];
  },
  scratch: (node, [a, b]) => {
    const { K, N } = matmulShape(node, a!.dims, b!.dims);
    return panelBytes(K, N);
  },
  prepare: (rt, node, [, b]) => (b && b.dims.length === 2 ? packConstant(rt, node, b, b.dims[0], b.dims[1], b.dims[1], 1, 1) : undefined),
  prepareConsumes: [1],
  device: (d, node, [a, b], [out]) => {
    const { M, K, N, batch, A, B } = matmulShape(node, a!.dims, b!.dims);
    const sa = broadcastStrides(A.slice(0, -2), batch), sb = broadcastStrides(B.slice(0, -2), batch);
    const packed = d.prepared as number | undefined; // constant 2-D B, packed at plan time
    if (packed && B.length === 2) {
      // every row of A (all batches) against one B
      d.rt.core.matmul_panel16_f32(out.ptr, N, 0, 0, a!.ptr, K, sizeOf(a!.dims) / K, K, packed, N);
      return;
    }
    let o = 0, lastB = -1;
    // a B that changes every run, with a single column or too few rows of A to repay packing it: straight products
    const small = N === 1 || M < SMALL_ROWS;
    forOuter(batch.length ? batch : [1], [sa.length ? sa : [0], sb.length ? sb : [0]], 0, ([pa, pb]) => {
      if (small) {
        d.rt.core.matmul_small_f32(out.ptr + o * 4, a!.ptr + pa * M * K * 4, b!.ptr + pb * K * N * 4, M, K, N);
        o += M * N;
        return;
      }
      if (pb !== lastB) packB(d, d.scratch, b!.ptr + pb * K * N * 4, K, N, N, 1, 1);
      lastB = pb;
      d.rt.core.matmul_panel16_f32(out.ptr + o * 4, N, 0, 0, a!.ptr + pa * M * K * 4, K, M, K, d.scratch, N);
      o += M * N;
    });
  },
});

function gemmShape(node: OpNode, a: number[], b: number[], c?: number[]) {
  check(a.length === 2 && b.length === 2, 'INPUT', () => `${where(node)}: A and B must be 2-D, got ${fmtDims(a)} and ${fmtDims(b)}`);
  const tA = attrInt(node, 'transA', 0) === 1, tB = attrInt(node, 'transB', 0) === 1;
  const [M, K] = tA ? [a[1], a[0]] : a, [K2, N] = tB ? [b[1], b[0]] : b;
  check(K === K2, 'INPUT', () => `${where(node)}: cannot multiply ${fmtDims(a)}${tA ? 'ᵀ' : ''} by ${fmtDims(b)}${tB ? 'ᵀ' : ''}`);
  if (c) broadcast(c, [M, N], () => `${where(node)} (C ${fmtDims(c)} to [${M}, ${N}])`);
  check(!c || c.length <= 2 && c.every((x, i) => x === 1 || x === [M, N][i + 2 - c.length]), 'INPUT',
    () => `${where(node)}: C ${fmtDims(c ?? [])} does not broadcast to [${M}, ${N}]`);
  return { M, K, N, tA, tB, alpha: attrFloat(node, 'alpha', 1), beta: attrFloat(node, 'beta', 1) };
}

register(['Gemm'], {
  attrs: { alpha: 'float', beta: 'float', transA: 'int', transB: 'int', broadcast: 'int' }, inputs: [2, 3], outputs: [1, 1],
  infer: (node, [a, b, c]) => {
    const { M, N } = gemmShape(node, a!.dims, b!.dims, c?.dims);
    return [{ dtype: 'float32', dims: [M, N] }];
  },
  host: (node, [a, b, c]) => {
    const { M, K, N, tA, tB, alpha, beta } = gemmShape(node, a!.dims, b!.dims, c?.dims);
    const out = hostTensor('float32', [M, N]);
    hostMatmul(a!.data, b!.data, out.data as Float32Array, 0, M, K, N, tA ? 1 : K, tA ? M : 1, tB ? 1 : N, tB ? K : 1, alpha);
    if (c) {
      const cs = broadcastStrides(c.dims, [M, N]);
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) out.data[m * N + n] += beta * c.data[m * cs[0] + n * cs[1]];
    }
    return [out];
  },
  prepare: (rt, node, [, b]) => {
    if (!b || b.dims.length !== 2) return undefined;
    const tB = attrInt(node, 'transB', 0) === 1, [K, N] = tB ? [b.dims[1], b.dims[0]] : b.dims;
    return packConstant(rt, node, b, K, N, tB ? 1 : N, tB ? K : 1, attrFloat(node, 'alpha', 1));
  },
  prepareConsumes: [1],
  scratch: (node, [a, b, c]) => {
    const { M, K, N, tA } = gemmShape(node, a!.dims, b!.dims, c?.dims);
    return panelBytes(K, N) + (c ? M * N * 4 : 0) + (tA ? M * K * 4 : 0);
  },
  device: (d, node, [a, b, c], [out]) => {
    const { M, K, N, tA, tB, alpha, beta } = gemmShape(node, a!.dims, b!.dims, c?.dims);
    let panels = d.prepared as number | undefined; // constant B, packed at plan time with alpha
    let at = d.scratch;
    if (!panels) {
      panels = at;
      packB(d, panels, b!.ptr, K, N, tB ? 1 : N, tB ? K : 1, alpha);
      at += panelBytes(K, N);
    }
    let init = 0, ldi = 0;
    if (c) {
      const cs = broadcastStrides(c.dims, [M, N]);
      if (beta === 1 && cs[0] === 0 && cs[1] === 1) {
        init = c.ptr; // a bias row: broadcast by the kernel itself
      } else {
        // beta*C as C + (beta - 1)*C, broadcast to (M, N)
        d.binary(0, at, c.ptr, cs, c.ptr, cs, [M, N], beta - 1);
        [init, ldi] = [at, N];
        at += M * N * 4;
      }
    }
    let ap = a!.ptr;
    if (tA) {
      d.copy(at, [K, 1], a!.ptr, [1, M], [M, K]);
      ap = at;
    }
    d.rt.core.matmul_panel16_f32(out.ptr, N, init, ldi, ap, K, M, K, panels, N);
  },
});

// ---- ReduceMean, ReduceSum, ReduceMax ----

/** ReduceSum takes its axes as an input from opset 13, ReduceMean and ReduceMax from 18. */
const axesInput = (node: OpNode, opset: number) => opset >= (node.type === 'ReduceSum' ? 13 : 18);

function reduceAxes(node: OpNode, ins: (Val | HostTensor | undefined)[], opset: number) {
  const d = ins[0]!.dims;
  const given = axesInput(node, opset) ? (ins[1] ? ints(node, ins[1], 'axes') : undefined) : attrInts(node, 'axes');
  let axes: number[];
  if (given === undefined || given.length === 0) {
    axes = axesInput(node, opset) && attrInt(node, 'noop_with_empty_axes', 0) === 1 ? [] : d.map((_, i) => i);
  } else {
    axes = [...new Set(given.map((a) => axisOf(a, d.length, where(node))))].sort((x, y) => x - y);
  }
  const keep = attrInt(node, 'keepdims', 1) === 1;
  const dims = keep ? d.map((x, i) => (axes.includes(i) ? 1 : x)) : d.filter((_, i) => !axes.includes(i));
  return { axes, dims };
}

type Reduce = 'ReduceMean' | 'ReduceSum' | 'ReduceMax';

register(['ReduceMean', 'ReduceSum', 'ReduceMax'], {
  attrs: { axes: 'ints', keepdims: 'int', noop_with_empty_axes: 'int' }, inputs: [1, 2], outputs: [1, 1],
  hostInputs: () => [1],
  infer: (node, ins, opset) => {
    check(ins[0]!.dtype !== 'bool', 'MODEL', () => `${where(node)}: needs a number type, got bool`);
    return [{ dtype: ins[0]!.dtype, dims: reduceAxes(node, ins, opset).dims }];
  },
  host: (node, ins, opset) => {
    const x = ins[0]!, { axes, dims } = reduceAxes(node, ins, opset);
    const kept = x.dims.map((v, i) => (axes.includes(i) ? 1 : v));
    const out = hostTensor(x.dtype, dims);
    const os = broadcastStrides(kept, x.dims).map((s, i) => (axes.includes(i) ? 0 : s));
    const outer = x.dims.length ? x.dims : [1], sets = [os.length ? os : [0]];
    let i = 0;
    if (node.type === 'ReduceMax') {
      out.data.fill(-Infinity);
      forOuter(outer, sets, 0, ([o]) => {
        const v = x.data[i++];
        if (v > out.data[o] || Number.isNaN(v)) out.data[o] = v;
      });
    } else if (x.dtype !== 'float32') {
      // integers (exact doubles): sum, and a mean truncated toward zero as onnxruntime's integer division
      forOuter(outer, sets, 0, ([o]) => (out.data[o] += x.data[i++]));
      const n = sizeOf(axes.map((a) => x.dims[a]));
      if (node.type === 'ReduceMean') out.data.forEach((v, j) => (out.data[j] = n ? Math.trunc(v / n) : 0));
    } else {
      const n = node.type === 'ReduceMean' ? sizeOf(axes.map((a) => x.dims[a])) : 1;
      if (n > 0) forOuter(outer, sets, 0, ([o]) => (out.data[o] += x.data[i++] / n)); // the mean of nothing is 0, as onnxruntime
    }
    return [out];
  },
  scratch: (_node, ins) => sizeOf(ins[0]!.dims) * 4,
  device: (d, node, ins, [out], opset) => reduceDevice(d, ins[0]!, out, reduceAxes(node, ins, opset).axes, node.type as Reduce),
});

/** Sum, mean or max over the axes one at a time, last first (each a middle-axis pass of a kernel), through scratch. */
function reduceDevice(d: Device, x: DevVal, out: DevVal, all: number[], op: Reduce): void {
  let dims = [...x.dims], src = x.ptr;
  if (all.some((a) => dims[a] === 0)) {
    // reducing over nothing gives what onnxruntime gives: max -inf, sum and mean 0
    d.rt.f32(out.ptr, sizeOf(out.dims)).fill(op === 'ReduceMax' ? -Infinity : 0);
    return;
  }
  const axes = all.filter((a) => dims[a] > 1); // each remaining pass at least halves the data: two halves of scratch suffice
  if (axes.length === 0) {
    d.copy(out.ptr, contiguous(dims), src, contiguous(dims), dims);
    return;
  }
  const half = Math.ceil(sizeOf(dims) / 2) * 4;
  [...axes].reverse().forEach((a, k) => {
    const last = k === axes.length - 1;
    const dst = last ? out.ptr : d.scratch + (k % 2 ? half : 0);
    const outer = sizeOf(dims.slice(0, a)), inner = sizeOf(dims.slice(a + 1));
    if (op === 'ReduceMax') d.rt.core.reduce_max_f32(dst, src, outer, dims[a], inner);
    else d.rt.core.reduce_sum_f32(dst, src, outer, dims[a], inner, op === 'ReduceMean' ? 1 / dims[a] : 1);
    dims = dims.map((v, i) => (i === a ? 1 : v));
    src = dst;
  });
}

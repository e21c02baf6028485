// model/ops/shape.ts: shape and data-movement ops — Reshape, Squeeze, Slice, Concat, Gather, Transpose, Cast …
import { LstmWasmError, check, fmtDims } from '../../errors.js';
import { axisOf, broadcast, broadcastStrides, contiguous, sizeOf } from '../strided.js';
import type { DType, HostTensor, OpNode } from '../types.js';
import { type DevVal, type Val, attrInt, attrInts, hostTensor, ints, register, where } from './registry.js';
import { deviceGather, deviceScatter, hostGather, sliceView } from './views.js';

const withDims = (t: HostTensor, dims: number[]): HostTensor => ({ dtype: t.dtype, dims, data: t.data });

// ---- ops whose output is their input seen with other dims (device: no copy) ----

function reshapeDims(node: OpNode, dims: number[], shape: number[]): number[] {
  const allowzero = attrInt(node, 'allowzero', 0) === 1;
  const out = shape.map((s, i) => (s === 0 && !allowzero ? dims[i] : s));
  const known = out.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
  const free = out.filter((s) => s === -1).length;
  check(free <= 1 && out.every((s) => s >= -1), 'MODEL', () => `${where(node)}: shape ${fmtDims(shape)} is not a valid Reshape shape`);
  if (free) out[out.indexOf(-1)] = known === 0 ? 0 : sizeOf(dims) / known;
  check(out.every((s) => Number.isInteger(s)) && sizeOf(out) === sizeOf(dims), 'INPUT',
    () => `${where(node)}: cannot reshape ${fmtDims(dims)} (${sizeOf(dims)} values) to ${fmtDims(shape)}`);
  return out;
}

function squeezeAxes(node: OpNode, ins: (Val | HostTensor | undefined)[], opset: number): number[] | undefined {
  return opset >= 13 ? (ins[1] ? ints(node, ins[1], 'axes') : undefined) : attrInts(node, 'axes');
}

/** Dims of output 0 for the view ops (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout). */
function viewDims(node: OpNode, ins: (Val | HostTensor | undefined)[], opset: number): number[] {
  const d = ins[0]!.dims;
  switch (node.type) {
    case 'Reshape':
      return reshapeDims(node, d, ints(node, ins[1], 'shape'));
    case 'Flatten': {
      const axis = attrInt(node, 'axis', 1);
      const a = axis < 0 ? axis + d.length : axis;
      check(a >= 0 && a <= d.length, 'INPUT', () => `${where(node)}: axis ${axis} is out of range for rank ${d.length}`);
      return [sizeOf(d.slice(0, a)), sizeOf(d.slice(a))];
    }
    case 'Squeeze': {
      const axes = squeezeAxes(node, ins, opset)?.map((a) => axisOf(a, d.length, where(node)));
      if (!axes) return d.filter((x) => x !== 1);
      for (const a of axes) check(d[a] === 1, 'INPUT', () => `${where(node)}: cannot squeeze axis ${a} of ${fmtDims(d)}: its size is not 1`);
      return d.filter((_, i) => !axes.includes(i));
    }
    case 'Unsqueeze': {
      const raw = squeezeAxes(node, ins, opset);
      check(raw !== undefined, 'MODEL', () => `${where(node)}: axes are required`);
      const r = d.length + raw.length;
      const axes = raw.map((a) => axisOf(a, r, where(node)));
      check(new Set(axes).size === axes.length, 'MODEL', () => `${where(node)}: axes ${fmtDims(raw)} repeat an axis`);
      const out: number[] = [];
      for (let i = 0, j = 0; i < r; i++) out.push(axes.includes(i) ? 1 : d[j++]);
      return out;
    }
    default: // Identity, Dropout
      return d;
  }
}

const viewOp = {
  alias: true,
  infer: (node: OpNode, ins: (Val | undefined)[], opset: number) => [{ dtype: ins[0]!.dtype, dims: viewDims(node, ins, opset) }],
  host: (node: OpNode, ins: (HostTensor | undefined)[], opset: number) => [withDims(ins[0]!, viewDims(node, ins, opset))],
  device: () => {}, // alias: the executor gives output 0 input 0's buffer
};
register(['Reshape'], { ...viewOp, attrs: { allowzero: 'int' }, inputs: [2, 2], outputs: [1, 1], hostInputs: () => [1] });
register(['Flatten'], { ...viewOp, attrs: { axis: 'int' }, inputs: [1, 1], outputs: [1, 1] });
register(['Squeeze', 'Unsqueeze'], {
  ...viewOp, attrs: { axes: 'ints' }, inputs: [1, 2], outputs: [1, 1], hostInputs: (opset) => (opset >= 13 ? [1] : []),
  check: (node, opset) => check(opset < 13 || node.attrs.axes === undefined, 'MODEL', () => `${where(node)}: from opset 13 axes is an input, not an attribute`),
});
register(['Identity'], { ...viewOp, attrs: {}, inputs: [1, 1], outputs: [1, 1] });
/** Dropout at inference: the data unchanged, and a bool mask as onnxruntime gives it (all true from opset 12, all false before). */
function dropout(node: OpNode, ins: (Val | HostTensor | undefined)[], opset: number): Val[] {
  const training = ins[2]?.data?.[0];
  check(!training, 'UNSUPPORTED', () => `${where(node)}: training_mode is true; inference runs Dropout as identity only`);
  const dims = ins[0]!.dims;
  const mask = { dtype: 'bool' as const, dims, data: new Float64Array(sizeOf(dims)).fill(opset >= 12 ? 1 : 0) };
  return node.outputs.length > 1 ? [{ dtype: ins[0]!.dtype, dims }, mask] : [{ dtype: ins[0]!.dtype, dims }];
}
register(['Dropout'], {
  ...viewOp, attrs: { seed: 'int', ratio: 'float', is_test: 'int' }, inputs: [1, 3], outputs: [1, 2], hostInputs: () => [1, 2], hostOutputs: [1],
  dtypes: (node, ins) => [ins[0]!, 'bool'].slice(0, node.outputs.length) as DType[],
  infer: dropout,
  host: (node, ins, opset) => {
    const [out, mask] = dropout(node, ins, opset);
    return [{ ...out, data: ins[0]!.data } as HostTensor, ...(mask ? [mask as HostTensor] : [])];
  },
});

// ---- Shape, ConstantOfShape: host values from shapes ----

/** Shape's output: the input's dims from start to end (opset 15; negative counts from the end, clamped). */
function shapeOf(node: OpNode, dims: number[]): Val {
  const r = dims.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const part = dims.slice(clamp(attrInt(node, 'start', 0)), clamp(attrInt(node, 'end', r)));
  return { dtype: 'int64', dims: [part.length], data: Float64Array.from(part) };
}

register(['Shape'], {
  attrs: { start: 'int', end: 'int' }, inputs: [1, 1], outputs: [1, 1], dimsOnly: true, dtypes: () => ['int64'],
  infer: (node, ins) => [shapeOf(node, ins[0]!.dims)],
  host: (node, ins) => [shapeOf(node, ins[0]!.dims) as HostTensor],
});

register(['Size'], {
  attrs: {}, inputs: [1, 1], outputs: [1, 1], dimsOnly: true, dtypes: () => ['int64'],
  infer: (_node, ins) => [{ dtype: 'int64', dims: [], data: Float64Array.of(sizeOf(ins[0]!.dims)) }],
  host: (_node, ins) => [{ dtype: 'int64', dims: [], data: Float64Array.of(sizeOf(ins[0]!.dims)) }],
});

register(['ConstantOfShape'], {
  attrs: { value: 'tensor' }, inputs: [1, 1], outputs: [1, 1], hostInputs: () => [0],
  dtypes: (node) => [(node.attrs.value as HostTensor | undefined)?.dtype ?? 'float32'],
  check: (node) => {
    const v = node.attrs.value as HostTensor | undefined;
    check(!v || sizeOf(v.dims) === 1, 'MODEL', () => `${where(node)}: value must hold one element, got ${v && fmtDims(v.dims)}`);
  },
  infer: (node, ins) => {
    const dims = ints(node, ins[0], 'shape');
    check(dims.every((x) => Number.isInteger(x) && x >= 0), 'INPUT', () => `${where(node)}: shape ${fmtDims(dims)} has a negative dim`);
    return [{ dtype: (node.attrs.value as HostTensor | undefined)?.dtype ?? 'float32', dims }];
  },
  host: (node, ins) => {
    const v = node.attrs.value as HostTensor | undefined;
    const dims = ints(node, ins[0], 'shape');
    const t = hostTensor(v?.dtype ?? 'float32', dims);
    t.data.fill(v ? v.data[0] : 0);
    return [t];
  },
});

// ---- Cast ----

const ONNX_TYPES: Record<number, DType> = { 1: 'float32', 6: 'int32', 7: 'int64', 9: 'bool', 11: 'float32' };

function castTo(node: OpNode): DType {
  const to = attrInt(node, 'to', 0);
  const t = ONNX_TYPES[to];
  if (!t) throw new LstmWasmError('UNSUPPORTED', `${where(node)}: cast to ONNX type ${to} is not supported (supported: FLOAT 1, INT32 6, INT64 7, BOOL 9, DOUBLE 11 computed as float32)`);
  return t;
}

register(['Cast'], {
  attrs: { to: 'int', saturate: 'int' }, inputs: [1, 1], outputs: [1, 1], alias: true,
  check: (node) => void castTo(node),
  dtypes: (node) => [castTo(node)],
  deviceWhen: (node, ins) => ins[0] === 'float32' && castTo(node) === 'float32',
  infer: (node, ins) => [{ dtype: castTo(node), dims: ins[0]!.dims }],
  host: (node, ins) => {
    const x = ins[0]!, to = castTo(node);
    const out = hostTensor(to, x.dims);
    for (let i = 0; i < x.data.length; i++) {
      const v = x.data[i];
      out.data[i] = to === 'float32' ? v : to === 'bool' ? (v !== 0 ? 1 : 0) : to === 'int32' ? Math.trunc(v) | 0 : Math.trunc(v);
    }
    return [out];
  },
  device: () => {}, // float32 -> float32 is the only cast of device data; the graph refuses the others at load
});

// ---- Transpose, Expand, Slice: views materialized by a strided copy ----

function transposeView(node: OpNode, dims: number[]) {
  const perm = attrInts(node, 'perm') ?? dims.map((_, i) => dims.length - 1 - i);
  check(perm.length === dims.length && [...perm].sort((a, b) => a - b).every((p, i) => p === i), 'INPUT',
    () => `${where(node)}: perm ${fmtDims(perm)} is not a permutation of the ${dims.length} axes of ${fmtDims(dims)}`);
  const s = contiguous(dims);
  return { dims: perm.map((p) => dims[p]), strides: perm.map((p) => s[p]), offset: 0 };
}

function expandView(node: OpNode, dims: number[], shape: number[]) {
  const out = broadcast(dims, shape, where(node));
  return { dims: out, strides: broadcastStrides(dims, out), offset: 0 };
}

function sliceOf(node: OpNode, ins: (Val | HostTensor | undefined)[], opset: number) {
  const d = ins[0]!.dims;
  if (opset < 10) {
    const starts = attrInts(node, 'starts')!, ends = attrInts(node, 'ends')!;
    return sliceView(d, starts, ends, attrInts(node, 'axes') ?? starts.map((_, i) => i), [], where(node));
  }
  const starts = ints(node, ins[1], 'starts'), ends = ints(node, ins[2], 'ends');
  const axes = ins[3] ? ints(node, ins[3], 'axes') : starts.map((_, i) => i);
  const steps = ins[4] ? ints(node, ins[4], 'steps') : [];
  check(ends.length === starts.length && axes.length === starts.length && (!steps.length || steps.length === starts.length), 'MODEL',
    () => `${where(node)}: starts, ends, axes and steps must have the same length`);
  return sliceView(d, starts, ends, axes, steps, where(node));
}

const viewCopy = (view: (node: OpNode, ins: (Val | HostTensor | undefined)[], opset: number) => ReturnType<typeof sliceView>) => ({
  infer: (node: OpNode, ins: (Val | undefined)[], opset: number) => [{ dtype: ins[0]!.dtype, dims: view(node, ins, opset).dims }],
  host: (node: OpNode, ins: (HostTensor | undefined)[], opset: number) => [hostGather(ins[0]!, view(node, ins, opset))],
  device: (d: import('../device.js').Device, node: OpNode, ins: (DevVal | undefined)[], outs: DevVal[], opset: number) =>
    deviceGather(d, outs[0], ins[0]!, view(node, ins, opset)),
});
register(['Transpose'], { attrs: { perm: 'ints' }, inputs: [1, 1], outputs: [1, 1], ...viewCopy((n, ins) => transposeView(n, ins[0]!.dims)) });
register(['Expand'], { attrs: {}, inputs: [2, 2], outputs: [1, 1], hostInputs: () => [1], ...viewCopy((n, ins) => expandView(n, ins[0]!.dims, ints(n, ins[1], 'shape'))) });
register(['Slice'], {
  attrs: { starts: 'ints', ends: 'ints', axes: 'ints' }, inputs: [1, 5], outputs: [1, 1], hostInputs: () => [1, 2, 3, 4],
  check: (node, opset) => {
    if (opset < 10) check(node.attrs.starts && node.attrs.ends, 'MODEL', () => `${where(node)}: starts and ends attributes are required before opset 10`);
    else check(node.inputs.length >= 3 && !node.attrs.starts, 'MODEL', () => `${where(node)}: from opset 10 starts and ends are inputs`);
  },
  ...viewCopy(sliceOf),
});

// ---- Concat, Split, Gather ----

function concatDims(node: OpNode, ins: (Val | HostTensor | undefined)[]) {
  const parts = ins.filter((v): v is Val => v !== undefined);
  const r = parts[0].dims.length;
  const axis = axisOf(attrInt(node, 'axis', 0), r, where(node));
  for (const p of parts) {
    check(p.dims.length === r && p.dims.every((x, i) => i === axis || x === parts[0].dims[i]), 'INPUT',
      () => `${where(node)}: cannot concatenate ${parts.map((q) => fmtDims(q.dims)).join(' and ')} along axis ${axis}`);
  }
  const dims = [...parts[0].dims];
  dims[axis] = parts.reduce((a, p) => a + p.dims[axis], 0);
  return { parts, axis, dims };
}

register(['Concat'], {
  attrs: { axis: 'int' }, inputs: [1, Infinity], outputs: [1, 1],
  check: (node) => check(node.attrs.axis !== undefined, 'MODEL', () => `${where(node)}: axis is required`),
  infer: (node, ins) => [{ dtype: ins[0]!.dtype, dims: concatDims(node, ins).dims }],
  host: (node, ins) => {
    const { parts, axis, dims } = concatDims(node, ins);
    const out = hostTensor(parts[0].dtype, dims);
    const outer = sizeOf(dims.slice(0, axis)), inner = sizeOf(dims.slice(axis + 1));
    let at = 0;
    for (const p of parts as HostTensor[]) {
      const w = p.dims[axis] * inner;
      for (let o = 0; o < outer; o++) out.data.set(p.data.subarray(o * w, (o + 1) * w), o * dims[axis] * inner + at);
      at += w;
    }
    return [out];
  },
  device: (d, node, ins, outs) => {
    const { parts, axis, dims } = concatDims(node, ins);
    const strides = contiguous(dims);
    let at = 0;
    for (const p of parts as DevVal[]) {
      deviceScatter(d, outs[0], p, at * strides[axis], strides);
      at += p.dims[axis];
    }
  },
});

function splitParts(node: OpNode, ins: (Val | HostTensor | undefined)[], opset: number) {
  const d = ins[0]!.dims;
  const axis = axisOf(attrInt(node, 'axis', 0), d.length, where(node));
  let sizes = opset >= 13 ? (ins[1] ? ints(node, ins[1], 'split') : undefined) : attrInts(node, 'split');
  const n = node.outputs.length;
  if (!sizes) {
    const each = Math.ceil(d[axis] / n);
    check(opset >= 18 || d[axis] % n === 0, 'INPUT', () => `${where(node)}: axis ${axis} of ${fmtDims(d)} does not split evenly into ${n}`);
    sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(each, d[axis] - i * each)));
  }
  check(sizes.length === n && sizes.reduce((a, b) => a + b, 0) === d[axis], 'INPUT',
    () => `${where(node)}: split ${fmtDims(sizes)} does not cover axis ${axis} of ${fmtDims(d)} with ${n} outputs`);
  let at = 0;
  return sizes.map((s) => {
    const v = sliceView(d, [at], [at + s], [axis], [1], where(node));
    at += s;
    return v;
  });
}

register(['Split'], {
  attrs: { axis: 'int', split: 'ints', num_outputs: 'int' }, inputs: [1, 2], outputs: [1, Infinity], hostInputs: () => [1],
  infer: (node, ins, opset) => splitParts(node, ins, opset).map((v) => ({ dtype: ins[0]!.dtype, dims: v.dims })),
  host: (node, ins, opset) => splitParts(node, ins, opset).map((v) => hostGather(ins[0]!, v)),
  device: (d, node, ins, outs, opset) => splitParts(node, ins, opset).forEach((v, i) => deviceGather(d, outs[i], ins[0]!, v)),
});

/** Gather's indices, made non-negative and checked against the axis length (run-time input: INPUT error). */
function gatherIndices(node: OpNode, ins: (Val | HostTensor | undefined)[]) {
  const d = ins[0]!.dims;
  const axis = axisOf(attrInt(node, 'axis', 0), d.length, where(node));
  const idx = ints(node, ins[1], 'indices').map((i, k) => {
    const j = i < 0 ? i + d[axis] : i;
    check(j >= 0 && j < d[axis], 'INPUT', () => `${where(node)}: index ${i} (at ${k}) is out of range for axis ${axis} of size ${d[axis]}`);
    return j;
  });
  const dims = [...d.slice(0, axis), ...ins[1]!.dims, ...d.slice(axis + 1)];
  return { axis, idx, dims, outer: sizeOf(d.slice(0, axis)), inner: sizeOf(d.slice(axis + 1)) };
}

register(['Gather'], {
  attrs: { axis: 'int' }, inputs: [2, 2], outputs: [1, 1], hostInputs: () => [1], runValues: [1],
  infer: (node, ins) => [{ dtype: ins[0]!.dtype, dims: gatherIndices(node, ins).dims }],
  host: (node, ins) => {
    const { idx, dims, outer, inner, axis } = gatherIndices(node, ins);
    const x = ins[0]!, out = hostTensor(x.dtype, dims), n = x.dims[axis];
    for (let o = 0; o < outer; o++) {
      idx.forEach((j, k) => out.data.set(x.data.subarray((o * n + j) * inner, (o * n + j + 1) * inner), (o * idx.length + k) * inner));
    }
    return [out];
  },
  device: (d, node, ins, outs) => {
    const { idx, outer, inner, axis } = gatherIndices(node, ins);
    d.rt.i32(d.scratch, idx.length).set(idx);
    d.rt.core.gather_f32(outs[0].ptr, ins[0]!.ptr, d.scratch, outer, ins[0]!.dims[axis], inner, idx.length);
  },
  scratch: (_node, ins) => sizeOf(ins[1]!.dims) * 4,
});


// ---- Constant (folded at load) ----

register(['Constant'], {
  attrs: { value: 'tensor', value_float: 'float', value_floats: 'floats', value_int: 'int', value_ints: 'ints' },
  inputs: [0, 0], outputs: [1, 1],
  check: (node) => check(Object.keys(node.attrs).length === 1, 'MODEL', () => `${where(node)}: needs exactly one value attribute, has ${Object.keys(node.attrs).join(', ') || 'none'}`),
  dtypes: (node) => [constantOf(node).dtype],
  infer: (node) => [constantOf(node)],
  host: (node) => [constantOf(node)],
});

function constantOf(node: OpNode): HostTensor {
  const a = node.attrs;
  if (a.value) return a.value as HostTensor;
  if (a.value_float !== undefined) return hostTensor('float32', [], Float32Array.of(a.value_float as number));
  if (a.value_floats) return hostTensor('float32', [(a.value_floats as number[]).length], Float32Array.from(a.value_floats as number[]));
  if (a.value_int !== undefined) return hostTensor('int64', [], Float64Array.of(a.value_int as number));
  return hostTensor('int64', [(a.value_ints as number[]).length], Float64Array.from(a.value_ints as number[]));
}

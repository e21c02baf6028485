// model/ops/conv.ts: Pad (constant, reflect, edge, wrap) and 1-D Conv — the front ends of audio models (Silero VAD).
import { LstmWasmError, check, fmtDims } from '../../errors.js';
import type { Device } from '../device.js';
import { contiguous, sizeOf } from '../strided.js';
import type { HostTensor, OpNode } from '../types.js';
import { type DevVal, type Val, attrFloat, attrInt, attrInts, hostTensor, ints, register, where } from './registry.js';
import { packConstant } from './math.js';

// ---- Pad ----

const PAD_MODES = ['constant', 'reflect', 'edge', 'wrap'];

interface PadPlan {
  /** per axis: [begin, end] (negative crops) */
  pads: [number, number][];
  mode: number;
  value: number;
  dims: number[];
}

function padPlan(node: OpNode, ins: (Val | HostTensor | undefined)[], opset: number): PadPlan {
  const x = ins[0]!, r = x.dims.length;
  const mode = String(node.attrs.mode ?? 'constant');
  const m = PAD_MODES.indexOf(mode);
  check(m >= 0 && (m < 3 || opset >= 19), 'UNSUPPORTED', () => `${where(node)}: mode '${mode}' is not supported (supported: constant, reflect, edge${opset >= 19 ? ', wrap' : ''})`);
  let raw: number[], value: number, axes = Array.from({ length: r }, (_, i) => i);
  if (opset < 11) {
    raw = attrInts(node, 'pads') ?? [];
    value = attrFloat(node, 'value', 0);
  } else {
    raw = ints(node, ins[1], 'pads');
    const cv = ins[2];
    check(!cv || cv.data !== undefined, 'MODEL', () => `${where(node)}: constant_value must be known before the run`);
    value = cv?.data?.[0] ?? 0;
    if (ins[3]) axes = ints(node, ins[3], 'axes').map((a) => (a < 0 ? a + r : a));
  }
  check(raw.length === 2 * axes.length, 'INPUT', () => `${where(node)}: pads has ${raw.length} values; ${2 * axes.length} expected (begin and end for ${axes.length} axes)`);
  const pads: [number, number][] = x.dims.map(() => [0, 0]);
  axes.forEach((a, i) => {
    check(a >= 0 && a < r, 'INPUT', () => `${where(node)}: axis ${a} is out of range for rank ${r}`);
    pads[a] = [raw[i], raw[i + axes.length]];
  });
  const dims = x.dims.map((d, i) => d + pads[i][0] + pads[i][1]);
  check(dims.every((d) => d >= 0), 'INPUT', () => `${where(node)}: pads ${fmtDims(raw)} crop ${fmtDims(x.dims)} below zero`);
  pads.forEach(([b, e], i) => {
    if (m === 1) check(b < x.dims[i] && e < x.dims[i], 'INPUT', () => `${where(node)}: reflect pads [${b}, ${e}] on axis ${i} must be smaller than its size ${x.dims[i]}`);
    if (m !== 0 && (b > 0 || e > 0)) check(x.dims[i] > 0, 'INPUT', () => `${where(node)}: cannot ${mode}-pad the empty axis ${i}`);
  });
  return { pads, mode: m, value, dims };
}

/** The source index of output position p along an axis of size L padded by `begin` (-1: the constant). */
function padSource(p: number, L: number, begin: number, mode: number): number {
  const i = p - begin;
  if (i >= 0 && i < L) return i;
  if (mode === 0) return -1;
  if (mode === 1) return i < 0 ? -i : 2 * (L - 1) - i;
  if (mode === 2) return i < 0 ? 0 : L - 1;
  return ((i % L) + L) % L;
}

register(['Pad'], {
  attrs: { mode: 'string', pads: 'ints', value: 'float' }, inputs: [1, 4], outputs: [1, 1], hostInputs: (opset) => (opset < 11 ? [] : [1, 2, 3]),
  infer: (node, ins, opset) => [{ dtype: ins[0]!.dtype, dims: padPlan(node, ins, opset).dims }],
  host: (node, ins, opset) => {
    const x = ins[0]!, { pads, mode, value, dims } = padPlan(node, ins, opset);
    const out = hostTensor(x.dtype, dims), xs = contiguous(x.dims);
    out.data.forEach((_, o) => {
      let rem = o, src = 0;
      for (let a = dims.length - 1; a >= 0; a--) {
        const p = rem % dims[a];
        rem = Math.floor(rem / dims[a]);
        const i = padSource(p, x.dims[a], pads[a][0], mode);
        if (i < 0) return void (out.data[o] = value);
        src += i * xs[a];
      }
      out.data[o] = x.data[src];
    });
    return [out];
  },
  device: (d, node, ins, [out], opset) => {
    const x = ins[0]!, { pads, mode, value } = padPlan(node, ins, opset);
    const axes = pads.map((_p, a) => a).filter((a) => pads[a][0] !== 0 || pads[a][1] !== 0);
    if (!axes.length) return void d.copy(out.ptr, contiguous(x.dims), x.ptr, contiguous(x.dims), x.dims);
    let dims = [...x.dims], src = x.ptr;
    const stride = align16(padScratch(x.dims, pads)); // two buffers, at scratch and scratch + stride, for the axes before the last
    axes.forEach((a, k) => {
      const last = k === axes.length - 1;
      const dst = last ? out.ptr : d.scratch + (k % 2) * stride;
      d.rt.core.pad_axis_f32(dst, src, sizeOf(dims.slice(0, a)), dims[a], sizeOf(dims.slice(a + 1)), pads[a][0], pads[a][1], mode, value);
      dims = dims.map((v, i) => (i === a ? v + pads[a][0] + pads[a][1] : v));
      src = dst;
    });
  },
  scratch: (node, ins, _outs, opset) => 2 * align16(padScratch(ins[0]!.dims, padPlan(node, ins, opset).pads)),
});

const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** The largest intermediate of padding axis by axis, in bytes. */
function padScratch(dims: number[], pads: [number, number][]): number {
  let cur = [...dims], most = 0;
  pads.forEach(([b, e], a) => {
    if (b === 0 && e === 0) return;
    cur = cur.map((v, i) => (i === a ? v + b + e : v));
    most = Math.max(most, sizeOf(cur));
  });
  return most * 4;
}

// ---- Conv (1-D) ----

interface ConvPlan {
  N: number; C: number; L: number; M: number; K: number; group: number;
  stride: number; dilation: number; padL: number; Lout: number;
}

function convPlan(node: OpNode, x: number[], w: number[]): ConvPlan {
  check(x.length === 3, 'UNSUPPORTED', () => `${where(node)}: only 1-D convolution (input [N, C, L]) is supported, got ${fmtDims(x)}`);
  check(w.length === 3, 'MODEL', () => `${where(node)}: W must be [M, C/group, K], got ${fmtDims(w)}`);
  const [N, C, L] = x, [M, Cg, K] = w;
  const group = attrInt(node, 'group', 1);
  check(group >= 1 && C % group === 0 && M % group === 0 && Cg === C / group, 'INPUT',
    () => `${where(node)}: X ${fmtDims(x)} and W ${fmtDims(w)} do not fit group ${group} (W must be [M, C/group, K] with M and C divisible by group)`);
  const ks = attrInts(node, 'kernel_shape');
  check(!ks || (ks.length === 1 && ks[0] === K), 'MODEL', () => `${where(node)}: kernel_shape ${fmtDims(ks ?? [])} does not match W ${fmtDims(w)}`);
  const stride = attrInts(node, 'strides')?.[0] ?? 1, dilation = attrInts(node, 'dilations')?.[0] ?? 1;
  check(stride >= 1 && dilation >= 1, 'MODEL', () => `${where(node)}: strides and dilations must be >= 1`);
  const span = (K - 1) * dilation + 1;
  const auto = String(node.attrs.auto_pad ?? 'NOTSET');
  let padL = 0, padR = 0;
  if (auto === 'NOTSET') [padL, padR] = attrInts(node, 'pads') ?? [0, 0];
  else if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const total = Math.max(0, (Math.ceil(L / stride) - 1) * stride + span - L);
    padL = auto === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
    padR = total - padL;
  } else check(auto === 'VALID', 'UNSUPPORTED', () => `${where(node)}: auto_pad '${auto}' is not supported (NOTSET, SAME_UPPER, SAME_LOWER, VALID)`);
  check(padL >= 0 && padR >= 0, 'MODEL', () => `${where(node)}: pads must be >= 0`);
  const Lout = Math.floor((L + padL + padR - span) / stride) + 1;
  check(Lout >= 1, 'INPUT', () => `${where(node)}: input length ${L} (padded ${L + padL + padR}) is shorter than the kernel's span ${span}`);
  return { N, C, L, M, K, group, stride, dilation, padL, Lout };
}

register(['Conv'], {
  attrs: { auto_pad: 'string', dilations: 'ints', group: 'int', kernel_shape: 'ints', pads: 'ints', strides: 'ints' },
  inputs: [2, 3], outputs: [1, 1],
  infer: (node, [x, w, b]) => {
    check(x!.dtype === 'float32' && w!.dtype === 'float32', 'MODEL', () => `${where(node)}: needs float32 X and W`);
    const p = convPlan(node, x!.dims, w!.dims);
    check(!b || (b.dims.length === 1 && b.dims[0] === p.M), 'INPUT', () => `${where(node)}: B must be [${p.M}], got ${fmtDims(b!.dims)}`);
    return [{ dtype: 'float32', dims: [p.N, p.M, p.Lout] }];
  },
  host: (node, [x, w, b]) => {
    const p = convPlan(node, x!.dims, w!.dims), Mg = p.M / p.group, Cg = p.C / p.group;
    const out = hostTensor('float32', [p.N, p.M, p.Lout]);
    for (let n = 0; n < p.N; n++) for (let m = 0; m < p.M; m++) {
      const g = Math.floor(m / Mg);
      for (let l = 0; l < p.Lout; l++) {
        let s = b ? b.data[m] : 0;
        for (let c = 0; c < Cg; c++) for (let k = 0; k < p.K; k++) {
          const i = l * p.stride + k * p.dilation - p.padL;
          if (i >= 0 && i < p.L) s += x!.data[(n * p.C + g * Cg + c) * p.L + i] * w!.data[(m * Cg + c) * p.K + k];
        }
        out.data[(n * p.M + m) * p.Lout + l] = s;
      }
    }
    return [out];
  },
  // plan time: each group's W (Mg, Cg*K) packed as the B of out (Lout, Mg) = cols (Lout, Cg*K) @ W_g^T
  prepare: (rt, node, [, w]) => {
    if (!w) throw new LstmWasmError('UNSUPPORTED', `${where(node)}: W must be a constant (an initializer)`);
    const [M, Cg, K] = w.dims, group = attrInt(node, 'group', 1), Mg = M / group, CK = Cg * K;
    return Array.from({ length: group }, (_, g) => packConstant(rt, node,
      { dtype: 'float32', dims: [Mg, CK], data: (w.data as Float32Array).subarray(g * Mg * CK, (g + 1) * Mg * CK) }, CK, Mg, 1, CK, 1));
  },
  prepareConsumes: [1],
  scratch: (node, [x, w]) => {
    const p = convPlan(node, x!.dims, w!.dims);
    return p.Lout * (p.C / p.group) * p.K * 4 + p.Lout * (p.M / p.group) * 4 + 16;
  },
  device: (d: Device, node, [x, w, b]: (DevVal | undefined)[], [out]) => {
    const p = convPlan(node, x!.dims, w!.dims), Mg = p.M / p.group, Cg = p.C / p.group, CK = Cg * p.K;
    const panels = d.prepared as number[];
    const cols = d.scratch, tmp = cols + Math.ceil((p.Lout * CK * 4) / 16) * 16;
    for (let n = 0; n < p.N; n++) {
      for (let g = 0; g < p.group; g++) {
        d.rt.core.im2col1d_f32(cols, x!.ptr + (n * p.C + g * Cg) * p.L * 4, Cg, p.L, p.K, p.stride, p.dilation, p.padL, p.Lout);
        d.rt.core.matmul_panel16_f32(tmp, Mg, b ? b.ptr + g * Mg * 4 : 0, 0, cols, CK, p.Lout, CK, panels[g], Mg);
        // (Lout, Mg) -> out[n, g*Mg + m, l]
        d.copy(out.ptr + (n * p.M + g * Mg) * p.Lout * 4, [1, p.Lout], tmp, [Mg, 1], [p.Lout, Mg]);
      }
    }
  },
});

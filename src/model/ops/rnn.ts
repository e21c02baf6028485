// model/ops/rnn.ts: a recurrent node (stack of LSTM/GRU/RNN layers) in the graph: shapes, workspace, kernel calls.
import { check, fmtDims } from '../../errors.js';
import type { Runtime } from '../../runtime.js';
import type { Device } from '../device.js';
import { type RunShape, ioDims, strides } from '../layout.js';
import { type PackedRecurrent, packRecurrent, recurrentWorkspaceBytes } from '../plan.js';
import { directionsOf, stateSizeOf } from '../recurrent.js';
import type { RecurrentNode } from '../types.js';
import type { DevVal, Val } from './registry.js';

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** The node's inputs and outputs by position: [x, h0, c0, lengths, mask(, W, R, B, P)] and [y, hN, cN] ('' when absent). */
export const recurrentInputs = (n: RecurrentNode) => {
  const w = n.runtimeWeights;
  return [n.inputs.x, n.inputs.h0 ?? '', n.inputs.c0 ?? '', n.inputs.lengths ?? '', n.inputs.mask ?? '',
    ...(w ? [w.W, w.R, w.B ?? '', w.P ?? ''] : [])];
};
export const recurrentOutputs = (n: RecurrentNode) => [n.outputs.y ?? '', n.outputs.hN ?? '', n.outputs.cN ?? ''];

/** Reads T and B off x and checks the other inputs against them (INPUT errors name the tensor). */
export function runShape(n: RecurrentNode, [x, h0, c0, lens, mask]: (Val | undefined)[]): RunShape {
  const [xn, h0n, c0n, lensn, maskn] = recurrentInputs(n);
  const torch = n.layout === 'torch';
  const named = ioDims(n, 'T', 'B');
  check(x!.dtype === 'float32', 'INPUT', () => `input '${xn}' must be float32, got ${x!.dtype}`);
  check(x!.dims.length === 3 || (torch && x!.dims.length === 2), 'INPUT',
    () => `input '${xn}' must be 3-D ${fmtDims(named.x)}${torch ? ` or 2-D [T, ${n.inputSize}]` : ''}, got ${fmtDims(x!.dims)}`);
  const unbatched = x!.dims.length === 2;
  const [T, B] = unbatched ? [x!.dims[0], 1] : n.batchFirst ? [x!.dims[1], x!.dims[0]] : [x!.dims[0], x!.dims[1]];
  check(x!.dims[x!.dims.length - 1] === n.inputSize, 'INPUT', () => `input '${xn}' ${fmtDims(x!.dims)}: last dim must be the input size ${n.inputSize}`);
  check(T >= 1, 'INPUT', () => `input '${xn}' ${fmtDims(x!.dims)}: needs at least one time step`);
  check(B >= 1, 'INPUT', () => `input '${xn}' ${fmtDims(x!.dims)}: needs at least one batch item`);
  const dims = ioDims(n, T, B, unbatched);
  for (const [v, name, want] of [[h0, h0n, dims.h], [c0, c0n, dims.c]] as const) {
    check(!v || same(v.dims, want), 'INPUT', () => `input '${name}' must be ${fmtDims(want)} for ${xn} ${fmtDims(x!.dims)}, got ${fmtDims(v!.dims)}`);
    check(!v || v.dtype === 'float32', 'INPUT', () => `input '${name}' must be float32, got ${v!.dtype}`);
  }
  if (lens) {
    check(lens.dtype !== 'float32', 'INPUT', () => `input '${lensn}' must be an integer tensor, got float32`);
    check(same(lens.dims, [B]), 'INPUT', () => `input '${lensn}' must be [${B}] (one length per batch item), got ${fmtDims(lens.dims)}`);
    check(lens.data !== undefined, 'MODEL', () => `input '${lensn}' must be known before the run`);
    for (let b = 0; b < B; b++) {
      const v = lens.data[b];
      check(v >= 0 && v <= T, 'INPUT', () => `input '${lensn}'[${b}] = ${v} is outside 0..${T} (T)`);
    }
  }
  if (mask) {
    check(mask.dtype !== 'float32', 'INPUT', () => `input '${maskn}' must be bool or integer, got float32`);
    check(same(mask.dims, [B, T]), 'INPUT', () => `input '${maskn}' must be [${B}, ${T}] (batch, time), got ${fmtDims(mask.dims)}`);
  }
  return { T, B, unbatched };
}

export const recurrentDef = {
  infer(n: RecurrentNode, ins: (Val | undefined)[]): Val[] {
    const shape = runShape(n, ins);
    const dims = ioDims(n, shape.T, shape.B, shape.unbatched);
    return [dims.y, dims.h, dims.c].map((d) => ({ dtype: 'float32' as const, dims: d as number[] }));
  },

  prepare(rt: Runtime, n: RecurrentNode, int8 = false): PackedRecurrent {
    return packRecurrent(rt, n, int8);
  },

  /** Workspace of one layer direction, two buffers between layers (one time chunk), the carried state, the io block. */
  scratch(rt: Runtime, n: RecurrentNode, ins: (Val | undefined)[]): number {
    const { T, B } = runShape(n, ins);
    const TC = chunkSteps(n, T);
    const mid = align16(TC * B * directionsOf(n) * stateSizeOf(n) * 4);
    const carry = TC < T ? stateBytes(n, B) : 0;
    return align16(recurrentWorkspaceBytes(rt, n, B)) + (n.numLayers > 1 ? mid : 0) + (n.numLayers > 2 ? mid : 0) + carry + rt.k.IO_WORDS * 4 + align16(B * 4);
  },

  device(d: Device, n: RecurrentNode, ins: (DevVal | undefined)[], outs: (DevVal | undefined)[]): void {
    for (const _ of recurrentChunks(d, n, ins, outs)); // eslint-disable-line no-empty
  },
};

/** Steps per call into the kernel: a long single-direction sequence goes in chunks (memory bounded, abortable). */
export const CHUNK_STEPS = 512;
const chunkSteps = (n: RecurrentNode, T: number) => (n.direction === 'bidirectional' ? T : Math.min(T, CHUNK_STEPS));
/** Bytes of every layer's h and c for B items, laid out as h_n / c_n. */
const stateBytes = (n: RecurrentNode, B: number) => align16(n.numLayers * directionsOf(n) * B * stateSizeOf(n) * 4) + align16(n.numLayers * directionsOf(n) * B * n.hiddenSize * 4);

/**
 * Runs the node, yielding after each time chunk. A bidirectional stack runs whole (layer k+1 reads both directions
 * of layer k over all steps); one direction runs chunk by chunk through every layer, each layer's (h, c) carried
 * from chunk to chunk in scratch, so memory does not grow with T and a run can be stopped between chunks.
 */
export function* recurrentChunks(d: Device, n: RecurrentNode, ins: (DevVal | undefined)[], outs: (DevVal | undefined)[]): Generator<void> {
  const rt = d.rt, k = d.k, pk = d.prepared as PackedRecurrent;
  const [x, h0, c0, lens, mask] = ins, [y, hN, cN] = outs;
  const shape = runShape(n, ins);
  const { T, B } = shape, st = strides(n, shape);
  const L = n.numLayers, D = directionsOf(n), P = stateSizeOf(n), DP = D * P;
  const TC = chunkSteps(n, T), chunks = Math.ceil(T / TC), reverse = n.direction === 'reverse';
  const mid = align16(TC * B * DP * 4);
  const midA = d.scratch + align16(recurrentWorkspaceBytes(rt, n, B)), midB = midA + mid;
  const carry = midA + (L > 1 ? mid : 0) + (L > 2 ? mid : 0); // h of every layer, then c (chunked runs only)
  const carryC = carry + align16(L * D * B * P * 4);
  const ioP = carry + (chunks > 1 ? stateBytes(n, B) : 0), lensP = ioP + k.IO_WORDS * 4;
  for (let c = 0; c < chunks; c++) {
    const ci = reverse ? chunks - 1 - c : c, t0 = ci * TC, steps = Math.min(TC, T - t0);
    const first = c === 0, lastChunk = c === chunks - 1;
    if (lens && chunks > 1) { // each item's length, counted from this chunk's first step
      const l = rt.i32(lensP, B);
      for (let b = 0; b < B; b++) l[b] = Math.max(0, Math.min(steps, lens.data![b] - t0));
    }
    for (let l = 0; l < L; l++) {
      const last = l === L - 1;
      const inP = l === 0 ? x!.ptr + t0 * st.xst * 4 : (l - 1) % 2 ? midB : midA;
      const outP = last ? (y ? y.ptr + t0 * st.yst * 4 : 0) : l % 2 ? midB : midA;
      for (let dir = 0; dir < D; dir++) {
        const s = l * D + dir;
        const io = rt.i32(ioP, k.IO_WORDS);
        io.fill(0);
        io[k.IO_T] = steps;
        io[k.IO_B] = B;
        io[k.IO_X] = inP;
        [io[k.IO_XST], io[k.IO_XSB]] = l === 0 ? [st.xst, st.xsb] : [B * DP, DP];
        io[k.IO_Y] = outP ? outP + (last ? dir * st.yDir : dir * P) * 4 : 0;
        [io[k.IO_YST], io[k.IO_YSB]] = last ? [st.yst, st.ysb] : [B * DP, DP];
        io[k.IO_LENS] = lens ? (chunks > 1 ? lensP : lens.ptr) : 0;
        // state: the node's h0 / c0 into the first chunk, the carried state between chunks, h_n / c_n out of the last
        const hC = carry + s * st.hStep * 4, cC = carryC + s * st.cStep * 4;
        io[k.IO_H0] = !first ? hC : h0 ? h0.ptr + s * st.hStep * 4 : 0;
        io[k.IO_C0] = !first ? cC : c0 ? c0.ptr + s * st.cStep * 4 : 0;
        io[k.IO_HN] = !lastChunk ? hC : hN ? hN.ptr + s * st.hStep * 4 : 0;
        io[k.IO_CN] = !lastChunk ? cC : cN ? cN.ptr + s * st.cStep * 4 : 0;
        io[k.IO_HSB] = st.hsb;
        io[k.IO_CSB] = st.csb;
        io[k.IO_MASK] = mask ? mask.ptr + t0 * 4 : 0; // (B, T): this chunk's columns
        [io[k.IO_MST], io[k.IO_MSB]] = [1, T];
        io[k.IO_HOLD] = n.holdSkipped ? 1 : 0;
        rt.core.recurrent_seq_f32(pk.specs[s], ioP, d.scratch);
      }
    }
    if (!lastChunk) yield;
  }
  // onnxruntime ends an item of length 0 with zero states, not its initial state; the onnx layout follows it
  if (lens?.data && n.layout === 'onnx') {
    for (let b = 0; b < B; b++) {
      if (lens.data[b] !== 0) continue;
      for (let dir = 0; dir < D; dir++) {
        if (hN) rt.f32(hN.ptr + (dir * st.hStep + b * st.hsb) * 4, n.hiddenSize).fill(0);
        if (cN) rt.f32(cN.ptr + (dir * st.cStep + b * st.csb) * 4, n.hiddenSize).fill(0);
      }
    }
  }
}

// model/layout.ts: where a recurrent node's tensors live — their dims for users, their strides for the kernel.
import { directionsOf, stateSizeOf } from './recurrent.js';
import type { Dim, RecurrentNode, ValueInfo } from './types.js';

/** Sizes of one run, read off x. */
export interface RunShape {
  T: number;
  B: number;
  /** torch only: x was 2-D (T, I) and the outputs drop the batch axis, as PyTorch does. */
  unbatched: boolean;
}

/**
 * Strides in floats. x(t, b) at x + t*xst + b*xsb; y(t, b) of direction d at y + d*yDir + t*yst + b*ysb;
 * the state of layer l, direction d, item b at h + (l*D + d)*hStep + b*hsb (c likewise with cStep, csb).
 */
export interface Strides {
  xst: number; xsb: number;
  yst: number; ysb: number; yDir: number;
  hStep: number; hsb: number;
  cStep: number; csb: number;
}

export interface IoDims<T> {
  x: T[];
  y: T[];
  h: T[];
  c: T[];
}

/** Dims of x, y and the states, with T and B as given (numbers for a run, names for documentation). */
export function ioDims<T extends Dim>(n: RecurrentNode, T: T, B: T, unbatched = false): IoDims<T | number> {
  const D = directionsOf(n), P = stateSizeOf(n), H = n.hiddenSize, I = n.inputSize;
  const bf = n.batchFirst;
  if (n.layout === 'onnx') {
    return {
      x: bf ? [B, T, I] : [T, B, I],
      y: bf ? [B, T, D, H] : [T, D, B, H],
      h: bf ? [B, D, H] : [D, B, H],
      c: bf ? [B, D, H] : [D, B, H],
    };
  }
  const LD = n.numLayers * D;
  if (unbatched) return { x: [T, I], y: [T, D * P], h: [LD, P], c: [LD, H] };
  return { x: bf ? [B, T, I] : [T, B, I], y: bf ? [B, T, D * P] : [T, B, D * P], h: [LD, B, P], c: [LD, B, H] };
}

export function strides(n: RecurrentNode, { T, B, unbatched }: RunShape): Strides {
  const D = directionsOf(n), P = stateSizeOf(n), H = n.hiddenSize, I = n.inputSize;
  const bf = n.batchFirst && !unbatched;
  const [xst, xsb] = bf ? [I, T * I] : [B * I, I];
  if (n.layout === 'onnx') {
    return bf
      ? { xst, xsb, yst: D * H, ysb: T * D * H, yDir: H, hStep: H, hsb: D * H, cStep: H, csb: D * H }
      : { xst, xsb, yst: D * B * H, ysb: H, yDir: B * H, hStep: B * H, hsb: H, cStep: B * H, csb: H };
  }
  const DP = D * P;
  const [yst, ysb] = bf ? [DP, T * DP] : [B * DP, DP];
  return { xst, xsb, yst, ysb, yDir: P, hStep: B * P, hsb: P, cStep: B * H, csb: H };
}

/** The node's inputs and outputs as a graph sees them (free dims T and B). */
export function recurrentIO(n: RecurrentNode): { inputs: ValueInfo[]; outputs: ValueInfo[] } {
  const dims = ioDims(n, 'T', 'B');
  const f32 = ['float32'] as const;
  const ranks = n.layout === 'torch' ? { ranks: [3, 2] } : {}; // PyTorch also takes one unbatched sequence
  const inputs: ValueInfo[] = [{ name: n.inputs.x, types: f32, dims: dims.x, optional: false, doc: 'input sequence', ...ranks }];
  const outputs: ValueInfo[] = [];
  if (n.inputs.h0) inputs.push({ name: n.inputs.h0, types: f32, dims: dims.h, optional: true, doc: 'initial hidden state (zeros when omitted)', ...ranks });
  if (n.inputs.c0) inputs.push({ name: n.inputs.c0, types: f32, dims: dims.c, optional: true, doc: 'initial cell state (zeros when omitted)', ...ranks });
  if (n.inputs.lengths) inputs.push({ name: n.inputs.lengths, types: ['int64', 'int32'], dims: ['B'], optional: true, doc: 'valid steps per item, 0..T (all T when omitted)' });
  if (n.outputs.y) outputs.push({ name: n.outputs.y, types: f32, dims: dims.y, optional: false, doc: 'hidden state of the last layer at every step', ...ranks });
  if (n.outputs.hN) outputs.push({ name: n.outputs.hN, types: f32, dims: dims.h, optional: false, doc: 'final hidden state of every layer and direction', ...ranks });
  if (n.outputs.cN) outputs.push({ name: n.outputs.cN, types: f32, dims: dims.c, optional: false, doc: 'final cell state of every layer and direction', ...ranks });
  return { inputs, outputs };
}

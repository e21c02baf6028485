// model/strided.ts: shapes, broadcasting and strided views — one vocabulary for host loops and wasm calls.
import { LstmWasmError } from '../errors.js';

/** Row-major strides (in elements) of a contiguous tensor. */
export function contiguous(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

export const sizeOf = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** Normalizes axis (negative counts from the end) or throws naming `what`. */
export function axisOf(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new LstmWasmError('INPUT', `${what}: axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

/** Numpy-style broadcast of two shapes, or an error naming both. */
export function broadcast(a: readonly number[], b: readonly number[], what: string | (() => string)): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1, y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new LstmWasmError('INPUT', `${typeof what === 'string' ? what : what()}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    }
    out[i] = x === 1 ? y : x;
  }
  return out;
}

/** Strides that read a tensor of `dims` as if broadcast to `to` (0 along broadcast axes). */
export function broadcastStrides(dims: readonly number[], to: readonly number[]): number[] {
  const own = contiguous(dims);
  return to.map((_, i) => {
    const j = i - (to.length - dims.length);
    return j < 0 || dims[j] === 1 ? 0 : own[j];
  });
}

/**
 * Merges axes that every stride set walks as one (s[i] = s[i+1] * dims[i+1]) and drops size-1 axes:
 * fewer, longer loops. Returns at least one axis.
 */
export function merge(dims: readonly number[], sets: number[][]): { dims: number[]; sets: number[][] } {
  const d: number[] = [];
  const out: number[][] = sets.map(() => []);
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] === 1) continue;
    const last = d.length - 1;
    if (last >= 0 && sets.every((s, k) => out[k][last] === s[i] * dims[i])) {
      d[last] *= dims[i];
      sets.forEach((s, k) => (out[k][last] = s[i]));
    } else {
      d.push(dims[i]);
      sets.forEach((s, k) => out[k].push(s[i]));
    }
  }
  if (d.length === 0) return { dims: [1], sets: sets.map(() => [0]) };
  return { dims: d, sets: out };
}

/**
 * Calls fn(offsets) for every index of the leading axes of `dims` beyond the last `keep` (the caller
 * handles those `keep` inner axes itself); offsets[k] = sum(index * sets[k]).
 */
export function forOuter(dims: readonly number[], sets: number[][], keep: number, fn: (offsets: number[]) => void): void {
  const outer = Math.max(0, dims.length - keep);
  const idx = new Array<number>(outer).fill(0);
  const total = sizeOf(dims.slice(0, outer));
  for (let n = 0; n < total; n++) {
    fn(sets.map((s) => idx.reduce((acc, v, i) => acc + v * s[i], 0)));
    for (let i = outer - 1; i >= 0; i--) {
      if (++idx[i] < dims[i]) break;
      idx[i] = 0;
    }
  }
}

// attention.ts: attention over one sentence's encoder states — dot and additive scores, masked softmax, context.
import { exp4_nonpos, tanh4 } from './activations';
import { madd } from './simd';
import { dot } from './vec';

/** Score kinds of a decoder spec (DEC_SCORE): dot (Luong dot and general: keys precomputed), additive (Bahdanau, Luong concat). */
export const ATT_DOT: i32 = 0;
export const ATT_ADDITIVE: i32 = 1;

// sum of the four lanes, in a fixed order
@inline function hsum(a: v128): f32 {
  return (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
}

/** scores (n) = keys (n, K) @ q (K): score j = keys[j] . q, key rows ldk floats apart (Luong dot / general). */
export function attn_dot_f32(scores: usize, q: usize, keys: usize, n: i32, K: i32, ldk: i32): void {
  for (let j = 0; j < n; j++) store<f32>(scores + (<usize>j << 2), dot(keys + <usize>j * ldk * 4, q, K));
}

const tail = memory.data(16, 16);

/**
 * scores (n): score j = v (A) . tanh(qp (A) + keys[j] (A)), key rows ldk floats apart (Bahdanau; Luong concat with
 * W [h; s] split into a query part and a key part). The tail of fewer than 4 goes through the same vector tanh.
 */
export function attn_additive_f32(scores: usize, qp: usize, keys: usize, v: usize, n: i32, A: i32, ldk: i32): void {
  const A4 = A & ~3, rest = A - A4;
  for (let j = 0; j < n; j++) {
    const kj = keys + <usize>j * ldk * 4;
    let acc = f32x4.splat(0);
    for (let a = 0; a < A4; a += 4) {
      const o = <usize>a << 2;
      acc = madd(v128.load(v + o), tanh4(f32x4.add(v128.load(qp + o), v128.load(kj + o))), acc);
    }
    let s = hsum(acc);
    if (rest) {
      const o = <usize>A4 << 2;
      memory.fill(tail, 0, 16);
      for (let r = 0; r < rest; r++) {
        store<f32>(tail + (<usize>r << 2), load<f32>(qp + o + (<usize>r << 2)) + load<f32>(kj + o + (<usize>r << 2)));
      }
      v128.store(tail, tanh4(v128.load(tail)));
      for (let r = 0; r < rest; r++) s += load<f32>(v + o + (<usize>r << 2)) * load<f32>(tail + (<usize>r << 2));
    }
    store<f32>(scores + (<usize>j << 2), s);
  }
}

/**
 * w (total) = softmax of x over its first n entries; entries n .. total-1 (padding past the sentence) get exactly 0.
 * w may be x. n = 0 gives all zeros (the host never asks for it).
 */
export function masked_softmax_f32(w: usize, x: usize, n: i32, total: i32): void {
  let top = -Infinity as f32;
  for (let j = 0; j < n; j++) top = Mathf.max(top, load<f32>(x + (<usize>j << 2)));
  const vm = f32x4.splat(top);
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const e = exp4_nonpos(f32x4.sub(v128.load(x + (<usize>j << 2)), vm));
    v128.store(w + (<usize>j << 2), e);
    acc = f32x4.add(acc, e);
  }
  let sum = hsum(acc);
  for (; j < n; j++) {
    const e = f32x4.extract_lane(exp4_nonpos(f32x4.splat(load<f32>(x + (<usize>j << 2)) - top)), 0);
    store<f32>(w + (<usize>j << 2), e);
    sum += e;
  }
  const inv: f32 = 1 / sum;
  for (j = 0; j < n; j++) store<f32>(w + (<usize>j << 2), load<f32>(w + (<usize>j << 2)) * inv);
  for (j = max(n, 0); j < total; j++) store<f32>(w + (<usize>j << 2), 0);
}

/** ctx (D) = sum over j < n of w[j] * mem[j] (D), memory rows ldm floats apart. */
export function attn_context_f32(ctx: usize, w: usize, mem: usize, n: i32, D: i32, ldm: i32): void {
  // four columns at a time summed over j in a register (j in order, as a row-by-row accumulation would); sixteen
  // columns (four sums) per pass over w while they last, so the additions of one sum do not wait on each other
  const D16 = D & ~15, D4 = D & ~3, row = <usize>ldm << 2, wend = w + (<usize>n << 2);
  for (let d = 0; d < D16; d += 16) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (let wj = w, m = mem + (<usize>d << 2); wj < wend; wj += 4, m += row) {
      const wv = v128.load32_splat(wj);
      a0 = madd(wv, v128.load(m), a0);
      a1 = madd(wv, v128.load(m, 16), a1);
      a2 = madd(wv, v128.load(m, 32), a2);
      a3 = madd(wv, v128.load(m, 48), a3);
    }
    const o = ctx + (<usize>d << 2);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (let d = D16; d < D4; d += 4) {
    let acc = f32x4.splat(0);
    for (let wj = w, m = mem + (<usize>d << 2); wj < wend; wj += 4, m += row) acc = madd(v128.load32_splat(wj), v128.load(m), acc);
    v128.store(ctx + (<usize>d << 2), acc);
  }
  for (let d = D4; d < D; d++) {
    let acc: f32 = 0;
    for (let j = 0; j < n; j++) acc += load<f32>(w + (<usize>j << 2)) * load<f32>(mem + (<usize>j * ldm + d) * 4);
    store<f32>(ctx + (<usize>d << 2), acc);
  }
}

// activations.ts: activation functions over f32x4 under one accuracy contract (DESIGN.md, Numerics).
// sigmoid/tanh: |error| <= 5e-7 against float64 on [-30, 30], exact 0/1/±1 at the ends, NaN in -> NaN out.
import { clamp4, madd, relu4 } from './simd';

export const ACT_SIGMOID: i32 = 0;
export const ACT_TANH: i32 = 1;
export const ACT_RELU: i32 = 2;
export const ACT_HARD_SIGMOID: i32 = 3; // max(0, min(1, alpha*x + beta))
export const ACT_LEAKY_RELU: i32 = 4; // x >= 0 ? x : alpha*x
export const ACT_THRESHOLDED_RELU: i32 = 5; // x > alpha ? x : 0
export const ACT_SCALED_TANH: i32 = 6; // alpha * tanh(beta*x)
export const ACT_AFFINE: i32 = 7; // alpha*x + beta
export const ACT_ELU: i32 = 8; // x >= 0 ? x : alpha*(e^x - 1)
export const ACT_SOFTSIGN: i32 = 9; // x / (1 + |x|)
export const ACT_SOFTPLUS: i32 = 10; // log(1 + e^x)
export const ACT_SELU: i32 = 11; // beta * (x >= 0 ? x : alpha*(e^x - 1))
export const ACT_SQRT: i32 = 12; // sqrt(x); NaN below 0
export const ACT_COUNT: i32 = 13;

@inline function splat(v: f32): v128 {
  return f32x4.splat(v);
}

// Constants the hot functions use, as a table in linear memory: V8 rebuilds a v128.const with three
// instructions at every use, while a load from here is one (and folds into the arithmetic).
const C = memory.data<f32>([
  -87.33654, -87.33654, -87.33654, -87.33654, // 0: below, e^x is not a normal float
  1.44269504, 1.44269504, 1.44269504, 1.44269504, // 1: log2(e)
  12582912.0, 12582912.0, 12582912.0, 12582912.0, // 2: 1.5 * 2^23, rounds a float to an integer in its low bits
  0.693359375, 0.693359375, 0.693359375, 0.693359375, // 3: ln2, high part (Cody-Waite)
  -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, // 4: ln2, low part
  1.3814577726e-03, 1.3814577726e-03, 1.3814577726e-03, 1.3814577726e-03, // 5..9: e^r = 1 + r + r^2 P(r), P of degree 4 fitted to 3.1e-9 relative on |r| <= ln2/2
  8.3687004104e-03, 8.3687004104e-03, 8.3687004104e-03, 8.3687004104e-03,
  4.1668387165e-02, 4.1668387165e-02, 4.1668387165e-02, 4.1668387165e-02,
  1.6666520769e-01, 1.6666520769e-01, 1.6666520769e-01, 1.6666520769e-01,
  4.9999993455e-01, 4.9999993455e-01, 4.9999993455e-01, 4.9999993455e-01,
  1, 1, 1, 1, // 10
  -2, -2, -2, -2, // 11
], 16);
const SIGN = memory.data<u32>([0x80000000, 0x80000000, 0x80000000, 0x80000000], 16);
const BIAS127 = memory.data<i32>([127, 127, 127, 127], 16);

@inline function c(i: usize): v128 {
  return v128.load(C + (i << 4));
}

@inline function abs4(x: v128): v128 {
  return v128.andnot(x, v128.load(SIGN));
}

// e^x = 2^n (1 + q) for x <= 0 (every caller needs only this half, so nothing can overflow), in three steps that
// tanh shares: t holds n = round(x log2e) in its low mantissa bits; q = e^r - 1 for the rest r = x - n ln2,
// |r| <= ln2/2 (Cody-Waite reduction, then a degree-6 polynomial); 2^n from t's bits.
// x is clamped to -87.34 first, so below that the result is e^-87.34, a normal float, not 0.
@inline function exp4_t(xc: v128): v128 {
  return madd(xc, c(1), c(2));
}

@inline function exp4_q(xc: v128, t: v128): v128 {
  const n = f32x4.sub(t, c(2));
  let r = f32x4.sub(xc, f32x4.mul(n, c(3)));
  r = f32x4.sub(r, f32x4.mul(n, c(4)));
  let p = c(5);
  p = madd(p, r, c(6));
  p = madd(p, r, c(7));
  p = madd(p, r, c(8));
  p = madd(p, r, c(9));
  return madd(f32x4.mul(p, r), r, r);
}

@inline function exp4_scale(t: v128): v128 {
  return i32x4.shl(i32x4.add(t, v128.load(BIAS127)), 23); // t's bits are those of 1.5 * 2^23 plus n; the shift drops the first
}

@inline function clamp_exp(x: v128): v128 {
  return f32x4.pmax(x, c(0)); // pmax(x, lo) = x < lo ? lo : x: one instruction, and NaN stays NaN
}

// e^x for x <= 0, 0 below -87.34: no clamp needed first, as whatever the steps make of such an x (2^n out of range,
// NaN from -inf) is masked to 0 at the end.
@inline export function exp4_nonpos(x: v128): v128 {
  const t = exp4_t(x);
  return v128.andnot(f32x4.mul(f32x4.add(exp4_q(x, t), c(10)), exp4_scale(t)), f32x4.lt(x, c(0)));
}

// sigmoid(x) = 1/(1+e^-x) for x >= 0 and e^x/(1+e^x) below, so small results keep their relative accuracy.
@inline export function sigmoid4(x: v128): v128 {
  const e = exp4_nonpos(v128.or(x, v128.load(SIGN))); // -|x|
  return f32x4.div(v128.bitselect(e, c(10), i32x4.shr_s(x, 31)), f32x4.add(c(10), e)); // x's sign bit: e^x / (1 + e^x)
}

// tanh(a) = (1 - e^-2a) / (1 + e^-2a) with e^-2a = 2^n + 2^n q, the numerator as (1 - 2^n) - 2^n q: exact where
// n = 0 (a < 0.17), so small results keep their relative accuracy without a second polynomial; sign restored last.
@inline export function tanh4(x: v128): v128 {
  const xc = clamp_exp(f32x4.mul(abs4(x), c(11))), t = exp4_t(xc), s = exp4_scale(t);
  const m = f32x4.mul(s, exp4_q(xc, t)); // e^-2a = s + m
  const th = f32x4.div(f32x4.sub(f32x4.sub(c(10), s), m), f32x4.add(f32x4.add(c(10), s), m));
  return v128.or(th, v128.and(x, v128.load(SIGN))); // copy x's sign
}

// log(1 + e) for e in [0, 1]: 2*atanh(s) with s = e/(2+e) in [0, 1/3], series to s^13 (tail < 1e-8).
@inline function log1p4_unit(e: v128): v128 {
  const s = f32x4.div(e, f32x4.add(splat(2), e));
  const w = f32x4.mul(s, s);
  let p = splat(1.0 / 13.0);
  p = madd(p, w, splat(1.0 / 11.0));
  p = madd(p, w, splat(1.0 / 9.0));
  p = madd(p, w, splat(1.0 / 7.0));
  p = madd(p, w, splat(1.0 / 5.0));
  p = madd(p, w, splat(1.0 / 3.0));
  p = madd(p, w, splat(1));
  return f32x4.mul(f32x4.mul(p, s), splat(2));
}

// x >= 0 ? x : alpha*(e^x - 1); NaN falls to the second branch and stays NaN.
@inline function elu4(x: v128, alpha: f32): v128 {
  const neg = f32x4.mul(splat(alpha), f32x4.sub(exp4_nonpos(f32x4.pmin(x, splat(0))), splat(1)));
  return v128.bitselect(x, neg, f32x4.ge(x, splat(0)));
}

/** Applies activation `code` (ACT_*) with its alpha and beta to four lanes. */
@inline export function act4(code: i32, x: v128, alpha: f32, beta: f32): v128 {
  switch (code) {
    case ACT_SIGMOID:
      return sigmoid4(x);
    case ACT_TANH:
      return tanh4(x);
    case ACT_RELU:
      return relu4(x);
    case ACT_HARD_SIGMOID:
      return clamp4(madd(x, splat(alpha), splat(beta)), splat(0), splat(1));
    case ACT_LEAKY_RELU:
      return v128.bitselect(x, f32x4.mul(x, splat(alpha)), f32x4.ge(x, splat(0)));
    case ACT_THRESHOLDED_RELU:
      return v128.andnot(x, f32x4.le(x, splat(alpha))); // NaN is not <= alpha, so it passes through
    case ACT_SCALED_TANH:
      return f32x4.mul(splat(alpha), tanh4(f32x4.mul(x, splat(beta))));
    case ACT_AFFINE:
      return f32x4.add(f32x4.mul(x, splat(alpha)), splat(beta));
    case ACT_ELU:
      return elu4(x, alpha);
    case ACT_SOFTSIGN:
      return f32x4.div(x, f32x4.add(splat(1), abs4(x)));
    case ACT_SOFTPLUS:
      return f32x4.add(relu4(x), log1p4_unit(exp4_nonpos(v128.or(x, v128.load(SIGN)))));
    case ACT_SELU:
      return f32x4.mul(splat(beta), elu4(x, alpha));
    case ACT_SQRT:
      return f32x4.sqrt(x);
  }
  return x; // the host accepts only the codes above
}

const tail = memory.data(16, 16);

// out (n) = act(x (n)), whole vectors; one loop per activation, so the choice is made once, not per vector
// (pointer increments, as the products in gemm.ts: V8 keeps them in registers)
@inline function act_body(code: i32, out: usize, x: usize, n: i32, alpha: f32, beta: f32): void {
  const end = x + (<usize>n << 2), d = out - x; // out = x + d, wrapping as the addresses do
  switch (code) {
    case ACT_SIGMOID:
      for (let p = x; p < end; p += 16) v128.store(p + d, sigmoid4(v128.load(p)));
      return;
    case ACT_TANH:
      for (let p = x; p < end; p += 16) v128.store(p + d, tanh4(v128.load(p)));
      return;
    case ACT_RELU:
      for (let p = x; p < end; p += 16) v128.store(p + d, relu4(v128.load(p)));
      return;
  }
  for (let p = x; p < end; p += 16) v128.store(p + d, act4(code, v128.load(p), alpha, beta));
}

/** out (n) = act(x (n)); out may be x. A tail of fewer than 4 goes through the same lanes, so results do not depend on position. */
export function act_f32(code: i32, out: usize, x: usize, n: i32, alpha: f32, beta: f32): void {
  const whole = n & ~3;
  act_body(code, out, x, whole, alpha, beta);
  const rest = n - whole;
  if (rest > 0) {
    memory.copy(tail, x + (<usize>whole << 2), <usize>rest << 2);
    act_body(code, tail, tail, 4, alpha, beta);
    memory.copy(out + (<usize>whole << 2), tail, <usize>rest << 2);
  }
}

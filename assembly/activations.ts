// activations.ts: activation functions over f32x4 under one accuracy contract (DESIGN.md, Numerics).
// sigmoid/tanh: |error| <= 5e-7 against float64 on [-30, 30], exact 0/1/±1 at the ends, NaN in -> NaN out.

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
export const ACT_COUNT: i32 = 12;

@inline function splat(v: f32): v128 {
  return f32x4.splat(v);
}

// e^x for x <= 0 (every caller needs only this half, so nothing can overflow).
// Cody-Waite reduction x = n*ln2 + r, |r| <= ln2/2, then Cephes' degree-6 polynomial for e^r.
@inline export function exp4_nonpos(x: v128): v128 {
  const lo = splat(-87.33654); // below, e^x is not a normal float: return 0
  const xc = f32x4.max(x, lo); // NaN stays NaN
  const n = f32x4.nearest(f32x4.mul(xc, splat(1.44269504)));
  let r = f32x4.sub(xc, f32x4.mul(n, splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, splat(-2.12194440e-4)));
  let p = splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23); // 2^n
  return v128.andnot(f32x4.mul(p, scale), f32x4.lt(x, lo));
}

// sigmoid(x) = 1/(1+e^-x) for x >= 0 and e^x/(1+e^x) below, so small results keep their relative accuracy.
@inline export function sigmoid4(x: v128): v128 {
  const e = exp4_nonpos(f32x4.neg(f32x4.abs(x)));
  const q = f32x4.div(splat(1), f32x4.add(splat(1), e));
  return v128.bitselect(q, f32x4.mul(e, q), f32x4.ge(x, splat(0)));
}

// tanh: odd polynomial (Cephes tanhf) below |x| = 0.625, (1 - e^-2a)/(1 + e^-2a) above; sign restored last.
@inline export function tanh4(x: v128): v128 {
  const a = f32x4.abs(x);
  const z = f32x4.mul(a, a);
  let p = splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), a), a);
  const e = exp4_nonpos(f32x4.mul(a, splat(-2)));
  const large = f32x4.div(f32x4.sub(splat(1), e), f32x4.add(splat(1), e));
  const t = v128.bitselect(small, large, f32x4.lt(a, splat(0.625)));
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000))); // copy x's sign
}

// log(1 + e) for e in [0, 1]: 2*atanh(s) with s = e/(2+e) in [0, 1/3], series to s^13 (tail < 1e-8).
@inline function log1p4_unit(e: v128): v128 {
  const s = f32x4.div(e, f32x4.add(splat(2), e));
  const w = f32x4.mul(s, s);
  let p = splat(1.0 / 13.0);
  p = f32x4.add(f32x4.mul(p, w), splat(1.0 / 11.0));
  p = f32x4.add(f32x4.mul(p, w), splat(1.0 / 9.0));
  p = f32x4.add(f32x4.mul(p, w), splat(1.0 / 7.0));
  p = f32x4.add(f32x4.mul(p, w), splat(1.0 / 5.0));
  p = f32x4.add(f32x4.mul(p, w), splat(1.0 / 3.0));
  p = f32x4.add(f32x4.mul(p, w), splat(1));
  return f32x4.mul(f32x4.mul(p, s), splat(2));
}

// x >= 0 ? x : alpha*(e^x - 1); NaN falls to the second branch and stays NaN.
@inline function elu4(x: v128, alpha: f32): v128 {
  const neg = f32x4.mul(splat(alpha), f32x4.sub(exp4_nonpos(f32x4.min(x, splat(0))), splat(1)));
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
      return f32x4.max(x, splat(0));
    case ACT_HARD_SIGMOID:
      return f32x4.min(f32x4.max(f32x4.add(f32x4.mul(x, splat(alpha)), splat(beta)), splat(0)), splat(1));
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
      return f32x4.div(x, f32x4.add(splat(1), f32x4.abs(x)));
    case ACT_SOFTPLUS:
      return f32x4.add(f32x4.max(x, splat(0)), log1p4_unit(exp4_nonpos(f32x4.neg(f32x4.abs(x)))));
    case ACT_SELU:
      return f32x4.mul(splat(beta), elu4(x, alpha));
  }
  return x; // the host accepts only the codes above
}

const tail = memory.data(16, 16);

/** out (n) = act(x (n)); a tail of fewer than 4 goes through the same lanes, so results do not depend on position. */
export function act_f32(code: i32, out: usize, x: usize, n: i32, alpha: f32, beta: f32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(out + (<usize>i << 2), act4(code, v128.load(x + (<usize>i << 2)), alpha, beta));
  }
  const rest = n - i;
  if (rest > 0) {
    memory.copy(tail, x + (<usize>i << 2), <usize>rest << 2);
    v128.store(tail, act4(code, v128.load(tail), alpha, beta));
    memory.copy(out + (<usize>i << 2), tail, <usize>rest << 2);
  }
}

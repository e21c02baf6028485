// train/optim.ts: optimizer updates over flat parameter buffers with PyTorch's formulas (torch.optim, 1.13), and the
// gradient clipping of torch.nn.utils. Scalars arrive as f32 already rounded by the host, as PyTorch's kernels use them.
import { clamp4 } from '../simd';

const stage = memory.data(64, 16); // up to four vectors of a tail shorter than 4 lanes, zero-padded

@inline function sgd4(p: usize, g: usize, buf: usize, lr: f32, momentum: f32, keep: f32, wd: f32, nesterov: bool, first: bool): void {
  const pv = v128.load(p);
  let d = v128.load(g);
  if (wd != 0) d = f32x4.add(d, f32x4.mul(f32x4.splat(wd), pv));
  if (momentum != 0) {
    let b = d;
    if (!first) b = f32x4.add(f32x4.mul(v128.load(buf), f32x4.splat(momentum)), f32x4.mul(f32x4.splat(keep), d));
    v128.store(buf, b);
    d = nesterov ? f32x4.add(d, f32x4.mul(f32x4.splat(momentum), b)) : b;
  }
  v128.store(p, f32x4.add(pv, f32x4.mul(f32x4.splat(-lr), d)));
}

/**
 * torch.optim.SGD on n values: d = g + wd*p; with momentum, buf = d on the first step, else momentum*buf + keep*d
 * (keep = 1 - dampening), and d = d + momentum*buf (nesterov) or buf; p -= lr*d. buf: n floats (unused without momentum).
 */
export function sgd_f32(p: usize, g: usize, buf: usize, n: i32, lr: f32, momentum: f32, keep: f32, wd: f32, nesterov: i32, first: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    sgd4(p + o, g + o, buf + o, lr, momentum, keep, wd, nesterov != 0, first != 0);
  }
  if (i == n) return;
  const o = <usize>i << 2, rest = <usize>(n - i) << 2;
  memory.fill(stage, 0, 64);
  memory.copy(stage, p + o, rest);
  memory.copy(stage + 16, g + o, rest);
  if (momentum != 0) memory.copy(stage + 32, buf + o, rest);
  sgd4(stage, stage + 16, stage + 32, lr, momentum, keep, wd, nesterov != 0, first != 0);
  memory.copy(p + o, stage, rest);
  if (momentum != 0) memory.copy(buf + o, stage + 32, rest);
}

@inline function adam4(
  p: usize, g: usize, m: usize, v: usize, decay: f32, b1: f32, c1: f32, b2: f32, c2: f32, eps: f32, wd: f32, step: f32, bc2: f32,
): void {
  let pv = v128.load(p), gv = v128.load(g);
  if (decay != 1) pv = f32x4.mul(pv, f32x4.splat(decay)); // AdamW: p *= 1 - lr*wd
  if (wd != 0) gv = f32x4.add(gv, f32x4.mul(f32x4.splat(wd), pv)); // Adam: g += wd*p
  const mv = f32x4.add(f32x4.mul(v128.load(m), f32x4.splat(b1)), f32x4.mul(f32x4.splat(c1), gv));
  const vv = f32x4.add(f32x4.mul(v128.load(v), f32x4.splat(b2)), f32x4.mul(f32x4.mul(f32x4.splat(c2), gv), gv));
  v128.store(m, mv);
  v128.store(v, vv);
  const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), f32x4.splat(bc2)), f32x4.splat(eps));
  v128.store(p, f32x4.add(pv, f32x4.div(f32x4.mul(f32x4.splat(-step), mv), denom))); // addcdiv: p + (value*m)/denom
}

/**
 * torch.optim.Adam (decay = 1; wd added to the gradient) or AdamW (decay = 1 - lr*wd multiplies p first; wd = 0):
 *   m = b1*m + c1*g   v = b2*v + c2*g*g   p += (-step*m) / (sqrt(v)/bc2 + eps)
 * with c1 = 1 - b1, c2 = 1 - b2, step = lr / (1 - b1^t) and bc2 = sqrt(1 - b2^t) computed by the host in float64, as PyTorch does.
 */
export function adam_f32(
  p: usize, g: usize, m: usize, v: usize, n: i32, decay: f32, b1: f32, c1: f32, b2: f32, c2: f32, eps: f32, wd: f32, step: f32, bc2: f32,
): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    adam4(p + o, g + o, m + o, v + o, decay, b1, c1, b2, c2, eps, wd, step, bc2);
  }
  if (i == n) return;
  const o = <usize>i << 2, rest = <usize>(n - i) << 2;
  memory.fill(stage, 0, 64);
  memory.copy(stage, p + o, rest);
  memory.copy(stage + 16, g + o, rest);
  memory.copy(stage + 32, m + o, rest);
  memory.copy(stage + 48, v + o, rest);
  adam4(stage, stage + 16, stage + 32, stage + 48, decay, b1, c1, b2, c2, eps, wd, step, bc2);
  memory.copy(p + o, stage, rest);
  memory.copy(m + o, stage + 32, rest);
  memory.copy(v + o, stage + 48, rest);
}

/** Sum of squares of x (n), accumulated in float64 per block of 4 lanes. */
export function sumsq_f32(x: usize, n: i32): f64 {
  let s: f64 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const q = f32x4.mul(v, v);
    s += <f64>f32x4.extract_lane(q, 0) + <f64>f32x4.extract_lane(q, 1) + <f64>f32x4.extract_lane(q, 2) + <f64>f32x4.extract_lane(q, 3);
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    s += <f64>(v * v);
  }
  return s;
}

/** x (n) *= s */
export function scale_f32(x: usize, n: i32, s: f32): void {
  const k = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), f32x4.mul(v128.load(x + (<usize>i << 2)), k));
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) * s);
}

/** x (n) = min(max(x, lo), hi), as torch.nn.utils.clip_grad_value_ (NaN stays NaN). */
export function clamp_f32(x: usize, n: i32, lo: f32, hi: f32): void {
  const l = f32x4.splat(lo), h = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), clamp4(v128.load(x + (<usize>i << 2)), l, h));
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(x + (<usize>i << 2), v < lo ? lo : v > hi ? hi : v);
  }
}

// train/loss.ts: loss functions with their gradients in one pass — softmax cross-entropy, MSE, BCE with logits.
// Each returns the loss summed over the elements it counts (f64) and writes d loss / d input scaled by `scale`
// (the caller passes 1/count for a mean, as PyTorch's default reduction).
import { exp4_nonpos } from '../activations';

@inline function exp1_nonpos(x: f32): f32 {
  return f32x4.extract_lane(exp4_nonpos(f32x4.splat(x)), 0);
}

/**
 * Cross-entropy of softmax(logits) against class ids: logits (N, C) rows at ld floats, ids (N) i32. Rows whose id is
 * `ignore` count nothing and get a zero gradient. dl rows (at ld) = (softmax - onehot) * scale. Returns the sum of
 * logsumexp(row) - row[id] over the counted rows. Ids are checked by the host (0 <= id < C).
 */
export function softmax_xent_f32(dl: usize, logits: usize, ids: usize, N: i32, C: i32, ld: i32, ignore: i32, scale: f32): f64 {
  let loss: f64 = 0;
  const C4 = C & ~3;
  for (let n = 0; n < N; n++) {
    const x = logits + <usize>n * ld * 4, d = dl + <usize>n * ld * 4;
    const id = load<i32>(ids + (<usize>n << 2));
    if (id == ignore) {
      memory.fill(d, 0, <usize>C << 2);
      continue;
    }
    let max = -Infinity as f32;
    for (let c = 0; c < C; c++) max = Mathf.max(max, load<f32>(x + (<usize>c << 2)));
    const vm = f32x4.splat(max);
    let acc = f32x4.splat(0);
    for (let c = 0; c < C4; c += 4) {
      const e = exp4_nonpos(f32x4.sub(v128.load(x + (<usize>c << 2)), vm));
      v128.store(d + (<usize>c << 2), e);
      acc = f32x4.add(acc, e);
    }
    let sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (let c = C4; c < C; c++) {
      const e = exp1_nonpos(load<f32>(x + (<usize>c << 2)) - max);
      store<f32>(d + (<usize>c << 2), e);
      sum += e;
    }
    loss += <f64>max + Math.log(<f64>sum) - <f64>load<f32>(x + (<usize>id << 2));
    const k = f32x4.splat(scale / sum);
    for (let c = 0; c < C4; c += 4) v128.store(d + (<usize>c << 2), f32x4.mul(v128.load(d + (<usize>c << 2)), k));
    for (let c = C4; c < C; c++) store<f32>(d + (<usize>c << 2), load<f32>(d + (<usize>c << 2)) * (scale / sum));
    store<f32>(d + (<usize>id << 2), load<f32>(d + (<usize>id << 2)) - scale);
  }
  return loss;
}

/** Squared error: returns sum (y - t)^2 over n; dy = 2*(y - t)*scale. */
export function mse_f32(dy: usize, y: usize, t: usize, n: i32, scale: f32): f64 {
  let loss: f64 = 0;
  const k = f32x4.splat(2 * scale);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const e = f32x4.sub(v128.load(y + o), v128.load(t + o));
    v128.store(dy + o, f32x4.mul(e, k));
    const s = f32x4.mul(e, e);
    loss += <f64>f32x4.extract_lane(s, 0) + <f64>f32x4.extract_lane(s, 1) + <f64>f32x4.extract_lane(s, 2) + <f64>f32x4.extract_lane(s, 3);
  }
  for (; i < n; i++) {
    const e = load<f32>(y + (<usize>i << 2)) - load<f32>(t + (<usize>i << 2));
    store<f32>(dy + (<usize>i << 2), e * (2 * scale));
    loss += <f64>(e * e);
  }
  return loss;
}

/**
 * Binary cross-entropy of sigmoid(x) against targets t in [0, 1], from the logits (stable for any x):
 * returns sum max(x, 0) - x*t + log(1 + e^-|x|); dx = (sigmoid(x) - t)*scale.
 */
export function bce_logits_f32(dx: usize, x: usize, t: usize, n: i32, scale: f32): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2)), tv = <f64>load<f32>(t + (<usize>i << 2));
    const a = Math.abs(v), e = Math.exp(-a);
    loss += Math.max(v, 0) - v * tv + Math.log1p(e);
    const sig = v >= 0 ? 1 / (1 + e) : e / (1 + e);
    store<f32>(dx + (<usize>i << 2), <f32>(sig - tv) * scale);
  }
  return loss;
}

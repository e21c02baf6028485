// train/ops.ts: forward and backward of the small layers around the recurrent ones — embedding rows, pooling over
// valid steps, activations, elementwise products (dropout masks) and sums. Each backward sits beside its forward.
import { ACT_RELU, ACT_SIGMOID, ACT_TANH } from '../activations';

export const POOL_MEAN: i32 = 0; // mean over the valid steps of each item
export const POOL_MAX: i32 = 1; // max over the valid steps (the first step holding it gets the gradient)
export const POOL_LAST: i32 = 2; // the last valid step

@inline function steps_of(lens: usize, b: i32, T: i32): i32 {
  return lens ? load<i32>(lens + (<usize>b << 2)) : T;
}

/** Embedding backward: dw[ids[n]] (E floats, rows at ldw) += dx[n] (rows at ldx), n < N: only the rows used are touched. */
export function scatter_add_rows_f32(dw: usize, ldw: i32, dx: usize, ldx: i32, ids: usize, N: i32, E: i32): void {
  for (let n = 0; n < N; n++) {
    const d = dw + <usize>load<i32>(ids + (<usize>n << 2)) * ldw * 4, s = dx + <usize>n * ldx * 4;
    let e = 0;
    for (; e + 4 <= E; e += 4) v128.store(d + (<usize>e << 2), f32x4.add(v128.load(d + (<usize>e << 2)), v128.load(s + (<usize>e << 2))));
    for (; e < E; e++) store<f32>(d + (<usize>e << 2), load<f32>(d + (<usize>e << 2)) + load<f32>(s + (<usize>e << 2)));
  }
}

/**
 * out (B, F) = pool over t < len[b] of y (T, B, F) (time-major, contiguous); lens i32 (B) or 0 (all T), each >= 1.
 * POOL_MAX writes the step of each maximum to arg (B, F) i32.
 */
export function pool_f32(mode: i32, out: usize, arg: usize, y: usize, lens: usize, T: i32, B: i32, F: i32): void {
  for (let b = 0; b < B; b++) {
    const L = steps_of(lens, b, T);
    const o = out + <usize>b * F * 4;
    if (mode == POOL_LAST) {
      memory.copy(o, y + (<usize>(L - 1) * B + b) * F * 4, <usize>F << 2);
      continue;
    }
    memory.copy(o, y + <usize>b * F * 4, <usize>F << 2);
    if (mode == POOL_MAX) memory.fill(arg + <usize>b * F * 4, 0, <usize>F << 2);
    for (let t = 1; t < L; t++) {
      const r = y + (<usize>t * B + b) * F * 4;
      for (let f = 0; f < F; f++) {
        const v = load<f32>(r + (<usize>f << 2)), p = o + (<usize>f << 2);
        if (mode == POOL_MEAN) store<f32>(p, load<f32>(p) + v);
        else if (v > load<f32>(p)) {
          store<f32>(p, v);
          store<i32>(arg + (<usize>b * F + f) * 4, t);
        }
      }
    }
    if (mode == POOL_MEAN) {
      const k: f32 = <f32>1 / <f32>L;
      for (let f = 0; f < F; f++) store<f32>(o + (<usize>f << 2), load<f32>(o + (<usize>f << 2)) * k);
    }
  }
}

/** Backward of pool_f32: dy (T, B, F) = d loss / dy from dout (B, F); steps that did not feed the pool get zero. */
export function pool_bwd_f32(mode: i32, dy: usize, dout: usize, arg: usize, lens: usize, T: i32, B: i32, F: i32): void {
  memory.fill(dy, 0, <usize>T * B * F * 4);
  for (let b = 0; b < B; b++) {
    const L = steps_of(lens, b, T);
    const d = dout + <usize>b * F * 4;
    if (mode == POOL_LAST) {
      memory.copy(dy + (<usize>(L - 1) * B + b) * F * 4, d, <usize>F << 2);
    } else if (mode == POOL_MAX) {
      for (let f = 0; f < F; f++) {
        const t = load<i32>(arg + (<usize>b * F + f) * 4);
        store<f32>(dy + ((<usize>t * B + b) * F + f) * 4, load<f32>(d + (<usize>f << 2)));
      }
    } else {
      const k: f32 = <f32>1 / <f32>L;
      for (let t = 0; t < L; t++) {
        const r = dy + (<usize>t * B + b) * F * 4;
        for (let f = 0; f < F; f++) store<f32>(r + (<usize>f << 2), load<f32>(d + (<usize>f << 2)) * k);
      }
    }
  }
}

/** Backward of act_f32 from its output y: dx (n) = dy * f'(y) for sigmoid y(1-y), tanh 1-y^2, relu y > 0; dx may be dy. */
export function act_bwd_f32(code: i32, dx: usize, dy: usize, y: usize, n: i32): void {
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const d = v128.load(dy + o), v = v128.load(y + o);
    let r = d;
    if (code == ACT_SIGMOID) r = f32x4.mul(f32x4.mul(d, v), f32x4.sub(one, v));
    else if (code == ACT_TANH) r = f32x4.mul(d, f32x4.sub(one, f32x4.mul(v, v)));
    else if (code == ACT_RELU) r = v128.and(d, f32x4.gt(v, zero));
    v128.store(dx + o, r);
  }
  for (; i < n; i++) {
    const d = load<f32>(dy + (<usize>i << 2)), v = load<f32>(y + (<usize>i << 2));
    let r = d;
    if (code == ACT_SIGMOID) r = d * v * (1 - v);
    else if (code == ACT_TANH) r = d * (1 - v * v);
    else if (code == ACT_RELU) r = v > 0 ? d : 0;
    store<f32>(dx + (<usize>i << 2), r);
  }
}

/** out (n) = a * b (a dropout mask holding 0 or 1/(1-p) applies forward and backward alike); out may be a or b. */
export function mul_f32(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), f32x4.mul(v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2)));
}

/** dst (n) += src (n): gradients of a value read twice add up. */
export function add_f32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), f32x4.add(v128.load(dst + (<usize>i << 2)), v128.load(src + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(dst + (<usize>i << 2)) + load<f32>(src + (<usize>i << 2)));
}

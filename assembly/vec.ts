// vec.ts: dot products and y += a*x over f32 rows — four f32x4 accumulators, then f32x4 steps, then a scalar tail.
import { madd } from './simd';

/** x (n,) . y (n,); any alignment, any n. (Pointer increments, y at a fixed distance: see gemm.ts.) */
@inline export function dot(x: usize, y: usize, n: i32): f32 {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  const d = y - x, e16 = x + (<usize>(n & ~15) << 2), e4 = x + (<usize>(n & ~3) << 2), end = x + (<usize>n << 2);
  let p = x;
  for (; p < e16; p += 64) {
    a0 = madd(v128.load(p), v128.load(p + d), a0);
    a1 = madd(v128.load(p, 16), v128.load(p + d, 16), a1);
    a2 = madd(v128.load(p, 32), v128.load(p + d, 32), a2);
    a3 = madd(v128.load(p, 48), v128.load(p + d, 48), a3);
  }
  for (; p < e4; p += 16) a0 = madd(v128.load(p), v128.load(p + d), a0);
  const s4 = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  let s = f32x4.extract_lane(s4, 0) + f32x4.extract_lane(s4, 1) + f32x4.extract_lane(s4, 2) + f32x4.extract_lane(s4, 3);
  for (; p < end; p += 4) s += load<f32>(p) * load<f32>(p + d);
  return s;
}

/** y (n,) += a * x (n,); any alignment, any n. */
@inline export function axpy(y: usize, a: f32, x: usize, n: i32): void {
  const va = f32x4.splat(a);
  const d = y - x, e8 = x + (<usize>(n & ~7) << 2), e4 = x + (<usize>(n & ~3) << 2), end = x + (<usize>n << 2);
  let p = x;
  for (; p < e8; p += 32) {
    v128.store(p + d, madd(va, v128.load(p), v128.load(p + d)));
    v128.store(p + d, madd(va, v128.load(p, 16), v128.load(p + d, 16)), 16);
  }
  for (; p < e4; p += 16) v128.store(p + d, madd(va, v128.load(p), v128.load(p + d)));
  for (; p < end; p += 4) store<f32>(p + d, load<f32>(p + d) + a * load<f32>(p));
}

/** x (n,) *= a. */
@inline export function scale(x: usize, a: f32, n: i32): void {
  const va = f32x4.splat(a);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), f32x4.mul(va, v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), a * load<f32>(x + (<usize>i << 2)));
}

/** x (n,) . y (n,) (exported for the kernel tests). */
export function dot_f32(x: usize, y: usize, n: i32): f32 {
  return dot(x, y, n);
}

/** y (n,) += a * x (n,) (exported for the kernel tests). */
export function axpy_f32(y: usize, a: f32, x: usize, n: i32): void {
  axpy(y, a, x, n);
}

/**
 * out (M, N) = a (M, K) @ b (K, N), all row-major and contiguous, without packing b: for a product with an operand
 * that changes every run and few rows to reuse a packing (attention's scores q.keys and its context w @ memory).
 * N = 1: one dot product per row; else each row of out accumulates a[m, k] * b[k, :] over k.
 */
export function matmul_small_f32(out: usize, a: usize, b: usize, M: i32, K: i32, N: i32): void {
  for (let m = 0; m < M; m++) {
    const am = a + <usize>m * K * 4, om = out + <usize>m * N * 4;
    if (N == 1) {
      store<f32>(om, dot(am, b, K));
      continue;
    }
    memory.fill(om, 0, <usize>N << 2);
    for (let k = 0; k < K; k++) axpy(om, load<f32>(am + (<usize>k << 2)), b + <usize>k * N * 4, N);
  }
}

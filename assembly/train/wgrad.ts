// train/wgrad.ts: the pieces of weight gradients — transpose, panels of a transpose, column sums — over f32x4.
// dW (M, K) += dG^T (M, N) @ X (N, K) runs as the blocked panel GEMM: A = dG^T (transposed here), panels of X^T.
import { gemm_blocked_f32 } from './gemm_blocked';

/** dst (C, R) = src (R, C) transposed; rows at lds and ldd floats. 4x4 blocks through registers, then the edges. */
export function transpose_f32(dst: usize, ldd: i32, src: usize, lds: i32, R: i32, C: i32): void {
  const R4 = R & ~3, C4 = C & ~3;
  const ls = <usize>lds << 2, ld = <usize>ldd << 2;
  for (let r = 0; r < R4; r += 4) {
    const s = src + <usize>r * ls;
    for (let c = 0; c < C4; c += 4) {
      const p = s + (<usize>c << 2);
      const r0 = v128.load(p), r1 = v128.load(p + ls), r2 = v128.load(p + 2 * ls), r3 = v128.load(p + 3 * ls);
      const a = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), b = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const e = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), f = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const q = dst + <usize>c * ld + (<usize>r << 2);
      v128.store(q, v128.shuffle<f32>(a, b, 0, 1, 4, 5));
      v128.store(q + ld, v128.shuffle<f32>(a, b, 2, 3, 6, 7));
      v128.store(q + 2 * ld, v128.shuffle<f32>(e, f, 0, 1, 4, 5));
      v128.store(q + 3 * ld, v128.shuffle<f32>(e, f, 2, 3, 6, 7));
    }
    for (let c = C4; c < C; c++) {
      for (let i = 0; i < 4; i++) store<f32>(dst + <usize>c * ld + (<usize>(r + i) << 2), load<f32>(s + <usize>i * ls + (<usize>c << 2)));
    }
  }
  for (let r = R4; r < R; r++) {
    for (let c = 0; c < C; c++) store<f32>(dst + <usize>c * ld + (<usize>r << 2), load<f32>(src + <usize>r * ls + (<usize>c << 2)));
  }
}

/**
 * Panels (gemm.ts layout) of W = S^T, S (K, M) with rows at lds floats: panels[(j*K + k)*16 + c] = S[k, j*16 + c],
 * zero where j*16 + c >= M. Each k copies 16 contiguous floats, so packing a transpose costs one pass.
 */
export function pack_cols16_f32(panels: usize, src: usize, K: i32, M: i32, lds: i32): void {
  const whole = M & ~15;
  for (let j = 0; j < whole; j += 16) {
    const blk = panels + <usize>j * K * 4;
    for (let k = 0; k < K; k++) {
      const s = src + (<usize>k * lds + j) * 4, d = blk + (<usize>k << 6);
      v128.store(d, v128.load(s));
      v128.store(d, v128.load(s, 16), 16);
      v128.store(d, v128.load(s, 32), 32);
      v128.store(d, v128.load(s, 48), 48);
    }
  }
  if (whole == M) return;
  const blk = panels + <usize>whole * K * 4, rest = M - whole;
  for (let k = 0; k < K; k++) {
    const s = src + (<usize>k * lds + whole) * 4, d = blk + (<usize>k << 6);
    memory.fill(d, 0, 64);
    memory.copy(d, s, <usize>rest << 2);
  }
}

/** out (C) += sum over r of x (R, C) rows at ld floats; C any, columns in blocks of 16 then 4 then one by one. */
export function colsum_add_f32(out: usize, x: usize, R: i32, C: i32, ld: i32): void {
  const row = <usize>ld << 2;
  let c = 0;
  for (; c + 16 <= C; c += 16) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    let p = x + (<usize>c << 2);
    for (let r = 0; r < R; r++, p += row) {
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
    }
    const o = out + (<usize>c << 2);
    v128.store(o, f32x4.add(v128.load(o), a0));
    v128.store(o, f32x4.add(v128.load(o, 16), a1), 16);
    v128.store(o, f32x4.add(v128.load(o, 32), a2), 32);
    v128.store(o, f32x4.add(v128.load(o, 48), a3), 48);
  }
  for (; c < C; c++) {
    let s: f32 = 0;
    for (let r = 0; r < R; r++) s += load<f32>(x + <usize>r * row + (<usize>c << 2));
    store<f32>(out + (<usize>c << 2), load<f32>(out + (<usize>c << 2)) + s);
  }
}

/** gw (M, K) += gt (M, N) @ x (N, K): gt = g^T with rows of N floats, x rows at ldx; `panels`: roundup(K, 16)*N floats. */
export function wgrad_t_f32(gw: usize, ldw: i32, gt: usize, M: i32, N: i32, x: usize, ldx: i32, K: i32, panels: usize): void {
  if (N == 0 || M == 0 || K == 0) return;
  pack_cols16_f32(panels, x, N, K, ldx);
  gemm_blocked_f32(gw, ldw, gw, ldw, gt, N, M, N, panels, K, 0);
}

/** gw (M, K) += g^T x: g (N, M) rows at ldg; `gt` is scratch for g^T (M*N floats). */
export function wgrad_f32(gw: usize, ldw: i32, g: usize, ldg: i32, x: usize, ldx: i32, N: i32, M: i32, K: i32, gt: usize, panels: usize): void {
  if (N == 0 || M == 0 || K == 0) return;
  transpose_f32(gt, N, g, ldg, N, M);
  wgrad_t_f32(gw, ldw, gt, M, N, x, ldx, K, panels);
}

// gemm.ts: f32 matrix products against weights packed into panels 16 columns wide (four f32x4 per k).
import { madd } from './simd';
//
// Panel layout of W (M, K), M a multiple of 16: block j holds rows j*16 .. j*16+15 for every k,
//   panels[(j*K + k)*16 + c] = W[j*16 + c, k]
// so a block is streamed front to back, one k (64 bytes) at a time.

/**
 * Packs W (M, K), row stride ldw floats, into panels; M must be a multiple of 16. Four rows by four k at a time
 * through a 4x4 transpose (this runs while a model loads, often before V8 has optimized anything).
 */
export function pack_panel16_f32(panels: usize, w: usize, M: i32, K: i32, ldw: i32): void {
  const K4 = K & ~3;
  for (let j = 0; j < M; j += 16) {
    const blk = panels + <usize>j * K * 4;
    for (let g = 0; g < 16; g += 4) {
      const row = w + <usize>(j + g) * ldw * 4, ld = <usize>ldw << 2;
      for (let k = 0; k < K4; k += 4) {
        const r0 = v128.load(row + (<usize>k << 2)), r1 = v128.load(row + ld + (<usize>k << 2));
        const r2 = v128.load(row + 2 * ld + (<usize>k << 2)), r3 = v128.load(row + 3 * ld + (<usize>k << 2));
        const a = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), b = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
        const c = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), d = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const at = blk + ((<usize>k * 16 + g) << 2);
        v128.store(at, v128.shuffle<f32>(a, b, 0, 1, 4, 5)); // k
        v128.store(at, v128.shuffle<f32>(a, b, 2, 3, 6, 7), 64); // k + 1
        v128.store(at, v128.shuffle<f32>(c, d, 0, 1, 4, 5), 128); // k + 2
        v128.store(at, v128.shuffle<f32>(c, d, 2, 3, 6, 7), 192); // k + 3
      }
      for (let k = K4; k < K; k++) {
        for (let r = 0; r < 4; r++) store<f32>(blk + ((<usize>k * 16 + g + r) << 2), load<f32>(row + <usize>r * ld + (<usize>k << 2)));
      }
    }
  }
}

/**
 * Packs scale * W into panels, W (M, K) read at w + (m*rs + k*cs)*4 — so W or W^T of any row-major matrix.
 * M need not be a multiple of 16: the panels hold roundup(M, 16) rows, the extra ones zero.
 */
export function pack_panel16_strided_f32(panels: usize, w: usize, M: i32, K: i32, rs: i32, cs: i32, scale: f32): void {
  for (let j = 0; j < M; j += 16) {
    for (let k = 0; k < K; k++) {
      const dst = panels + ((<usize>j * K + <usize>k * 16) << 2);
      for (let c = 0; c < 16; c++) {
        const m = j + c;
        store<f32>(dst + (<usize>c << 2), m < M ? scale * load<f32>(w + ((<usize>m * rs + <usize>k * cs) << 2)) : 0);
      }
    }
  }
}

// out (16) = init (16, or zeros when 0) + W block (16, K) @ x (K)
// Products of two k are summed before they reach one of four accumulators: V8 keeps ~14 vectors in registers,
// and this shape (4 accumulators, 8 weight vectors, 2 splats) runs fastest without spilling (bench/kernels.mjs).
@inline export function dot1_panel16(out: usize, init: usize, blk: usize, x: usize, K: i32): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  if (init) {
    a0 = v128.load(init); a1 = v128.load(init, 16); a2 = v128.load(init, 32); a3 = v128.load(init, 48);
  }
  // pointer increments, not k: V8 keeps p, xk and the end in registers (indexing by k made it recompute addresses and
  // reload spilled bases inside the loop, a third slower)
  let p = blk, xk = x;
  const end = x + (<usize>(K & ~1) << 2);
  for (; xk < end; xk += 8, p += 128) {
    const s = v128.load32_splat(xk);
    const t = v128.load32_splat(xk, 4);
    a0 = f32x4.add(a0, madd(t, v128.load(p, 64), f32x4.mul(s, v128.load(p))));
    a1 = f32x4.add(a1, madd(t, v128.load(p, 80), f32x4.mul(s, v128.load(p, 16))));
    a2 = f32x4.add(a2, madd(t, v128.load(p, 96), f32x4.mul(s, v128.load(p, 32))));
    a3 = f32x4.add(a3, madd(t, v128.load(p, 112), f32x4.mul(s, v128.load(p, 48))));
  }
  if (K & 1) {
    const s = v128.load32_splat(xk);
    a0 = madd(s, v128.load(p), a0);
    a1 = madd(s, v128.load(p, 16), a1);
    a2 = madd(s, v128.load(p, 32), a2);
    a3 = madd(s, v128.load(p, 48), a3);
  }
  v128.store(out, a0);
  v128.store(out, a1, 16);
  v128.store(out, a2, 32);
  v128.store(out, a3, 48);
}

// Two rows at once: out0 (16) = init0 + W block @ x0, out1 (16) = init1 + W block @ x1; each panel load serves both.
@inline export function dot2_panel16(
  out0: usize, out1: usize, init0: usize, init1: usize, blk: usize, x0: usize, x1: usize, K: i32,
): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  if (init0) {
    a0 = v128.load(init0); a1 = v128.load(init0, 16); a2 = v128.load(init0, 32); a3 = v128.load(init0, 48);
  }
  if (init1) {
    b0 = v128.load(init1); b1 = v128.load(init1, 16); b2 = v128.load(init1, 32); b3 = v128.load(init1, 48);
  }
  // pointer increments (see dot1_panel16); the second row at a fixed distance from the first
  let p = blk, xk = x0;
  const d = x1 - x0, end = x0 + (<usize>K << 2);
  for (; xk < end; xk += 4, p += 64) {
    const s = v128.load32_splat(xk);
    const t = v128.load32_splat(xk + d);
    const w0 = v128.load(p), w1 = v128.load(p, 16), w2 = v128.load(p, 32), w3 = v128.load(p, 48);
    a0 = madd(s, w0, a0);
    a1 = madd(s, w1, a1);
    a2 = madd(s, w2, a2);
    a3 = madd(s, w3, a3);
    b0 = madd(t, w0, b0);
    b1 = madd(t, w1, b1);
    b2 = madd(t, w2, b2);
    b3 = madd(t, w3, b3);
  }
  v128.store(out0, a0); v128.store(out0, a1, 16); v128.store(out0, a2, 32); v128.store(out0, a3, 48);
  v128.store(out1, b0); v128.store(out1, b1, 16); v128.store(out1, b2, 32); v128.store(out1, b3, 48);
}

/** y (M) = init (M, or zeros when 0) + W (M, K) @ x (K), W given as panels; M a multiple of 16. */
export function gemv_panel16_f32(y: usize, init: usize, panels: usize, x: usize, K: i32, M: i32): void {
  for (let j = 0; j < M; j += 16) {
    const off = <usize>j << 2;
    dot1_panel16(y + off, init ? init + off : 0, panels + <usize>j * K * 4, x, K);
  }
}

/**
 * C (N, M) = init + A (N, K) @ W^T, W (M, K) given as panels; M a multiple of 16.
 * Row n of A is row r = rows[n] (rows = 0: r = n): A row r at a + r*lda floats, C row r at c + r*ldc,
 * init row r at init + r*ldi (ldi = 0 broadcasts one bias row; init = 0 starts from zeros).
 * Each panel block stays in cache while every row pair passes over it.
 */
export function gemm_panel16_f32(
  c: usize, ldc: i32, init: usize, ldi: i32, a: usize, lda: i32, N: i32, K: i32, panels: usize, M: i32, rows: usize,
): void {
  for (let j = 0; j < M; j += 16) {
    const blk = panels + <usize>j * K * 4;
    const cj = c + (<usize>j << 2);
    const ij = init ? init + (<usize>j << 2) : 0;
    let n = 0;
    for (; n + 2 <= N; n += 2) {
      const r0 = rows ? <usize>load<i32>(rows + (<usize>n << 2)) : <usize>n;
      const r1 = rows ? <usize>load<i32>(rows + (<usize>n << 2), 4) : <usize>(n + 1);
      dot2_panel16(
        cj + r0 * ldc * 4, cj + r1 * ldc * 4,
        ij ? ij + r0 * ldi * 4 : 0, ij ? ij + r1 * ldi * 4 : 0,
        blk, a + r0 * lda * 4, a + r1 * lda * 4, K,
      );
    }
    if (n < N) {
      const r0 = rows ? <usize>load<i32>(rows + (<usize>n << 2)) : <usize>n;
      dot1_panel16(cj + r0 * ldc * 4, ij ? ij + r0 * ldi * 4 : 0, blk, a + r0 * lda * 4, K);
    }
  }
}

const tailOut = memory.data(128, 16); // two rows of one partial block
const tailInit = memory.data(128, 16);

/**
 * C (N, M) = init + A (N, K) @ W^T for any M: whole 16-column blocks go straight to C, the last partial
 * block through a scratch row, so no column past M is read from init or written to C.
 * Rows: A at a + n*lda, C at c + n*ldc, init at init + n*ldi (ldi = 0 broadcasts; init = 0 means zeros).
 */
export function matmul_panel16_f32(
  c: usize, ldc: i32, init: usize, ldi: i32, a: usize, lda: i32, N: i32, K: i32, panels: usize, M: i32,
): void {
  const whole = M & ~15;
  if (whole > 0) gemm_panel16_f32(c, ldc, init, ldi, a, lda, N, K, panels, whole, 0);
  const rest = M - whole;
  if (rest == 0) return;
  const blk = panels + <usize>whole * K * 4;
  const bytes = <usize>rest << 2;
  memory.fill(tailInit, 0, 128);
  for (let n = 0; n < N; n++) {
    const ci = c + (<usize>n * ldc + whole) * 4;
    let ii: usize = 0;
    if (init) {
      memory.copy(tailInit, init + (<usize>n * ldi + whole) * 4, bytes);
      ii = tailInit;
    }
    dot1_panel16(tailOut, ii, blk, a + <usize>n * lda * 4, K);
    memory.copy(ci, tailOut, bytes);
  }
}

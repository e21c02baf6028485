// train/gemm_blocked.ts: the panel GEMM of gemm.ts blocked for long inner dimensions and many rows — the shapes of
// training (weight gradients sum over T*B, dx reads all gates): a 16 x KB slice of the panels stays in L1 while a
// chunk of RB rows of A, kept in L2, passes over it; C accumulates across the k chunks.
import { dot1_panel16, dot2_panel16 } from '../gemm';

const RB: i32 = 64; // rows of A per chunk: RB*KB*4 = 64 KiB in L2
const KB: i32 = 256; // inner steps per chunk: a 16 x KB panel slice is 16 KiB, in L1
const tailOut = memory.data(128, 16); // two rows of a partial block
const tailInit = memory.data(128, 16);

@inline function row(rows: usize, n: i32): usize {
  return rows ? <usize>load<i32>(rows + (<usize>n << 2)) : <usize>n;
}

/**
 * C (N, M) = init + A (N, K) @ W^T, W (M, K) given as panels (gemm.ts layout, roundup(M, 16) rows), M any.
 * Row n is row r = rows[n] (rows = 0: r = n): A at a + r*lda, C at c + r*ldc, init at init + r*ldi (ldi = 0 broadcasts one
 * row; init = 0: zeros; init may be c).
 */
export function gemm_blocked_f32(c: usize, ldc: i32, init: usize, ldi: i32, a: usize, lda: i32, N: i32, K: i32, panels: usize, M: i32, rows: usize): void {
  const whole = M & ~15, rest = M - whole;
  for (let n0 = 0; n0 < N; n0 += RB) {
    const nb = min(RB, N - n0);
    for (let k0 = 0; k0 < K || (K == 0 && k0 == 0); k0 += KB) {
      const kb = min(KB, K - k0);
      const first = k0 == 0;
      for (let j = 0; j < whole; j += 16) {
        const blk = panels + <usize>j * K * 4 + <usize>k0 * 64; // block j/16, from step k0
        let n = n0;
        for (; n + 2 <= n0 + nb; n += 2) {
          const r0 = row(rows, n), r1 = row(rows, n + 1);
          const c0 = c + (r0 * ldc + j) * 4, c1 = c + (r1 * ldc + j) * 4;
          const i0 = first ? (init ? init + (r0 * ldi + j) * 4 : 0) : c0;
          const i1 = first ? (init ? init + (r1 * ldi + j) * 4 : 0) : c1;
          dot2_panel16(c0, c1, i0, i1, blk, a + (r0 * lda + k0) * 4, a + (r1 * lda + k0) * 4, kb);
        }
        if (n < n0 + nb) {
          const r0 = row(rows, n), c0 = c + (r0 * ldc + j) * 4;
          dot1_panel16(c0, first ? (init ? init + (r0 * ldi + j) * 4 : 0) : c0, blk, a + (r0 * lda + k0) * 4, kb);
        }
      }
      if (rest > 0) {
        // the last partial block through scratch rows, so no column past M is read or written
        const blk = panels + <usize>whole * K * 4 + <usize>k0 * 64, bytes = <usize>rest << 2;
        for (let n = n0; n < n0 + nb; n++) {
          const r = row(rows, n), cn = c + (r * ldc + whole) * 4;
          memory.fill(tailInit, 0, 64);
          const src = first ? (init ? init + (r * ldi + whole) * 4 : 0) : cn;
          if (src) memory.copy(tailInit, src, bytes);
          dot1_panel16(tailOut, tailInit, blk, a + (r * lda + k0) * 4, kb);
          memory.copy(cn, tailOut, bytes);
        }
      }
      if (K == 0) break;
    }
  }
}

// test/gemm.test.ts: panel packing, GEMV and GEMM kernels against a float64 scalar reference.
import { beforeAll, describe, expect, it } from 'vitest';
import { core, rng } from './helpers';

let c: Awaited<ReturnType<typeof core>>;
beforeAll(async () => {
  c = await core();
});

const rand = rng(7);
const randArray = (n: number) => Float32Array.from({ length: n }, rand);
const SIZES = [0, 1, 3, 4, 5, 17];

/** Packs W (M, K) into panels in the arena; returns the panel pointer. */
function pack(w: Float32Array, M: number, K: number): number {
  const panels = c.alloc(M * K * 4 + 16);
  const src = c.alloc(M * K * 4 + 16);
  c.f32(src, M * K).set(w);
  c.ex.pack_panel16_f32(panels, src, M, K, K);
  return panels;
}

/** Checks out against sum_k w[j, k] * x[k] (+ init[j]) with a bound scaled by the sum of |terms|. */
function expectProduct(out: ArrayLike<number>, w: Float32Array, x: ArrayLike<number>, init: ArrayLike<number> | null, M: number, K: number) {
  for (let j = 0; j < M; j++) {
    let ref = init ? init[j] : 0, mag = Math.abs(ref);
    for (let k = 0; k < K; k++) {
      ref += w[j * K + k] * x[k];
      mag += Math.abs(w[j * K + k] * x[k]);
    }
    expect(Math.abs(out[j] - ref), `row ${j}`).toBeLessThanOrEqual(1e-6 * Math.max(1, mag));
  }
}

describe('pack_panel16_f32', () => {
  it('lays block j, step k, column c at (j*K + k)*16 + c', () => {
    const M = 32, K = 5;
    const w = randArray(M * K);
    const m = c.mark();
    const p = c.f32(pack(w, M, K), M * K);
    for (let j = 0; j < M / 16; j++) for (let k = 0; k < K; k++) for (let col = 0; col < 16; col++) {
      expect(p[(j * K + k) * 16 + col]).toBe(w[(j * 16 + col) * K + k]);
    }
    c.reset(m);
  });
});

describe('gemv_panel16_f32', () => {
  for (const K of SIZES) {
    for (const M of [16, 48]) {
      it(`M=${M} K=${K}, with and without init, x at an unaligned address`, () => {
        const m = c.mark();
        const w = randArray(M * K), x = randArray(K), init = randArray(M);
        const panels = pack(w, M, K);
        const xp = c.alloc(K * 4 + 16) + 4, ip = c.alloc(M * 4), yp = c.alloc(M * 4 + 64);
        c.f32(xp, K).set(x);
        c.f32(ip, M).set(init);
        c.f32(yp, M + 16).fill(777);
        c.ex.gemv_panel16_f32(yp, ip, panels, xp, K, M);
        expectProduct(c.f32(yp, M), w, x, init, M, K);
        c.ex.gemv_panel16_f32(yp, 0, panels, xp, K, M);
        expectProduct(c.f32(yp, M), w, x, null, M, K);
        expect(Array.from(c.f32(yp + M * 4, 16))).toEqual(new Array(16).fill(777));
        c.reset(m);
      });
    }
  }
});

describe('gemm_panel16_f32', () => {
  for (const N of SIZES) {
    for (const K of [1, 3, 17]) {
      it(`N=${N} K=${K} M=32: strided rows, broadcast and per-row init, rows list, untouched padding`, () => {
        const M = 32, lda = K + 3, ldc = M + 5;
        const m = c.mark();
        const w = randArray(M * K), a = randArray(N * lda), bias = randArray(M), inits = randArray(N * ldc);
        const panels = pack(w, M, K);
        const ap = c.alloc(N * lda * 4 + 32) + 8; // unaligned by 8 bytes
        const bp = c.alloc(M * 4), ip = c.alloc(N * ldc * 4 + 16), cp = c.alloc(N * ldc * 4 + 16);
        c.f32(ap, N * lda).set(a);
        c.f32(bp, M).set(bias);
        c.f32(ip, N * ldc).set(inits);
        const row = (arr: Float32Array, r: number, ld: number, n: number) => arr.subarray(r * ld, r * ld + n);

        // broadcast bias (ldi = 0)
        c.f32(cp, N * ldc).fill(-9);
        c.ex.gemm_panel16_f32(cp, ldc, bp, 0, ap, lda, N, K, panels, M, 0);
        let out = c.f32(cp, N * ldc);
        for (let r = 0; r < N; r++) {
          expectProduct(row(out, r, ldc, M), w, row(a, r, lda, K), bias, M, K);
          expect(Array.from(out.subarray(r * ldc + M, r * ldc + ldc))).toEqual([-9, -9, -9, -9, -9]);
        }
        // per-row init (ldi = ldc), only the rows named in a list (reversed, every other one)
        const rows = Array.from({ length: N }, (_, i) => N - 1 - i).filter((r) => r % 2 === 0);
        const lp = c.alloc(rows.length * 4 + 4);
        c.i32(lp, rows.length).set(rows);
        c.f32(cp, N * ldc).fill(-9);
        c.ex.gemm_panel16_f32(cp, ldc, ip, ldc, ap, lda, rows.length, K, panels, M, lp);
        out = c.f32(cp, N * ldc);
        for (let r = 0; r < N; r++) {
          if (rows.includes(r)) expectProduct(row(out, r, ldc, M), w, row(a, r, lda, K), row(inits, r, ldc, M), M, K);
          else expect(Array.from(row(out, r, ldc, M)).every((v) => v === -9), `row ${r} untouched`).toBe(true);
        }
        c.reset(m);
      });
    }
  }
});

describe('arena', () => {
  it('aligns to 16, grows memory, and resets to a mark', () => {
    const m = c.mark();
    const a = c.alloc(3), b = c.alloc(1);
    expect(a % 16).toBe(0);
    expect(b - a).toBe(16);
    const before = c.ex.memory.buffer.byteLength;
    const big = c.alloc(before * 2);
    expect(big).toBeGreaterThan(0);
    expect(c.ex.memory.buffer.byteLength).toBeGreaterThan(before);
    c.reset(m);
    expect(c.mark()).toBe(m);
    expect(c.alloc(0xffff_fff0)).toBe(0); // cannot grow past 4 GiB: 0, not a trap
  });
});

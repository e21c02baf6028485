// q8.ts: int8-quantized weight products (symmetric, one f32 scale per output row) with int16 activations, via
// i32x4.dot_i16x8_s.
//
// Panel layout of W (M, K), rows padded to 16 and k to 4: block j (16 rows) holds, for each quad q of k,
// four groups g of 16 values: rows 4g..4g+3 x k 4q..4q+3 as (r0 k0, r0 k1, r1 k0, r1 k1, r2 k0, r2 k1, r3 k0, r3 k1,
// then the same for k2, k3) — the k pairs dot_i16x8_s multiplies against a splat of (x[k], x[k+1]).
// Stored as int8 (16 bytes a group; extend_low/extend_high widen them) where bandwidth is what limits, or already
// widened to int16 (32 bytes a group) where the weights stay in cache: widening costs a third of the int8 loop.

const FLUSH_QUADS: i32 = 64; // i32 sums are moved to f32 every 256 k: |sum| < 128 * 2 * 127 * 32767 < 2^31

/** Bytes of the panels of an (M, K) matrix: one byte a weight, two when `wide` (stored as int16). */
@inline export function q8_panel_bytes(M: i32, K: i32, wide: bool): usize {
  return <usize>((M + 15) & ~15) * <usize>((K + 3) & ~3) * (wide ? 2 : 1);
}

/**
 * Quantizes W (M, K) (row stride ldw floats) row by row into panels at `panels` (int8, or widened to int16 when
 * `wide`) and the row scales (max|row| / 127) into `scales` (M floats, padded to 16 with zeros).
 */
export function pack_q8_f32(panels: usize, scales: usize, w: usize, M: i32, K: i32, ldw: i32, wide: bool): void {
  const MP = (M + 15) & ~15, KQ = (K + 3) >> 2;
  const size: usize = wide ? 2 : 1;
  for (let m = 0; m < MP; m++) {
    let mx: f32 = 0;
    if (m < M) for (let k = 0; k < K; k++) mx = Mathf.max(mx, Mathf.abs(load<f32>(w + ((<usize>m * ldw + k) << 2))));
    store<f32>(scales + (<usize>m << 2), mx / 127);
    const inv: f32 = mx > 0 ? 127 / mx : 0;
    const j = m >> 4, r = m & 15, g = r >> 2, rr = r & 3;
    for (let q = 0; q < KQ; q++) {
      const base = panels + ((<usize>j * KQ + q) * 64 + <usize>g * 16) * size;
      for (let kk = 0; kk < 4; kk++) {
        const k = q * 4 + kk;
        const v: f32 = m < M && k < K ? load<f32>(w + ((<usize>m * ldw + k) << 2)) * inv : 0;
        // kk 0,1 in the first 8 values, 2,3 in the next 8; within them, row-major pairs
        const at = base + <usize>((kk >> 1) * 8 + rr * 2 + (kk & 1)) * size;
        if (wide) store<i16>(at, <i16>nearest<f32>(v));
        else store<i8>(at, <i8>nearest<f32>(v));
      }
    }
  }
}

/**
 * x (n floats) as int16 at xq (n rounded up to 4, zero padded), scaled to the full range; returns the scale
 * (max|x| / 32767), 0 for an all-zero x.
 */
export function quant_i16_f32(xq: usize, x: usize, n: i32): f32 {
  let vm = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) vm = f32x4.pmax(vm, v128.andnot(v128.load(x + (<usize>i << 2)), f32x4.splat(-0.0)));
  let mx = Mathf.max(Mathf.max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), Mathf.max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
  for (let t = i; t < n; t++) mx = Mathf.max(mx, Mathf.abs(load<f32>(x + (<usize>t << 2))));
  const inv: f32 = mx > 0 ? 32767 / mx : 0;
  const vi = f32x4.splat(inv);
  i = 0;
  for (; i + 8 <= n; i += 8) {
    const lo = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(x + (<usize>i << 2)), vi)));
    const hi = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(x + (<usize>i << 2), 16), vi)));
    v128.store(xq + (<usize>i << 1), i16x8.narrow_i32x4_s(lo, hi));
  }
  const n4 = (n + 3) & ~3;
  for (; i < n4; i++) store<i16>(xq + (<usize>i << 1), i < n ? <i16>nearest<f32>(load<f32>(x + (<usize>i << 2)) * inv) : 0);
  return mx / 32767;
}

// one 16-byte group: rows 4g..4g+3 x k 4q..4q+3 as int8 pairs, widened here
@inline function q8_group(v: v128, x01: v128, x23: v128): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v), x01), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v), x23));
}

// the same group stored widened: two vectors of int16 pairs
@inline function q16_group(p: usize, x01: v128, x23: v128): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(v128.load(p), x01), i32x4.dot_i16x8_s(v128.load(p, 16), x23));
}

// acc (16 outputs as 4 x i32x4) over the quads [q0, q1) of one panel block, added to f (4 f32x4) into out
@inline function q8_span(blk: usize, xq: usize, q0: i32, q1: i32, wide: bool, out: usize): void {
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  // pointer increments, not q (as gemm.ts: V8 then keeps the addresses in registers)
  let x = xq + (<usize>q0 << 3);
  const end = xq + (<usize>q1 << 3);
  if (wide) {
    for (let p = blk + (<usize>q0 << 7); x < end; x += 8, p += 128) {
      const x01 = v128.load32_splat(x), x23 = v128.load32_splat(x, 4);
      a0 = i32x4.add(a0, q16_group(p, x01, x23));
      a1 = i32x4.add(a1, q16_group(p + 32, x01, x23));
      a2 = i32x4.add(a2, q16_group(p + 64, x01, x23));
      a3 = i32x4.add(a3, q16_group(p + 96, x01, x23));
    }
  } else {
    for (let p = blk + (<usize>q0 << 6); x < end; x += 8, p += 64) {
      const x01 = v128.load32_splat(x), x23 = v128.load32_splat(x, 4);
      a0 = i32x4.add(a0, q8_group(v128.load(p), x01, x23));
      a1 = i32x4.add(a1, q8_group(v128.load(p, 16), x01, x23));
      a2 = i32x4.add(a2, q8_group(v128.load(p, 32), x01, x23));
      a3 = i32x4.add(a3, q8_group(v128.load(p, 48), x01, x23));
    }
  }
  v128.store(out, f32x4.add(v128.load(out), f32x4.convert_i32x4_s(a0)));
  v128.store(out, f32x4.add(v128.load(out, 16), f32x4.convert_i32x4_s(a1)), 16);
  v128.store(out, f32x4.add(v128.load(out, 32), f32x4.convert_i32x4_s(a2)), 32);
  v128.store(out, f32x4.add(v128.load(out, 48), f32x4.convert_i32x4_s(a3)), 48);
}

/**
 * out (M) = init (M, or zeros when 0) + xscale * scales (M) * (Wq (M, K) @ xq (K)); M a multiple of 16,
 * xq from quant_i16_f32, `wide`: panels stored as int16. `sums` is 64 bytes of scratch.
 */
export function gemv_q8(out: usize, init: usize, panels: usize, scales: usize, xq: usize, xscale: f32, K: i32, M: i32, wide: bool, sums: usize): void {
  const KQ = (K + 3) >> 2;
  const vs = f32x4.splat(xscale);
  const size: usize = wide ? 2 : 1;
  for (let j = 0; j < M; j += 16) {
    const blk = panels + <usize>j * KQ * 4 * size;
    const z = f32x4.splat(0); // (memory.fill goes through a call in V8)
    v128.store(sums, z); v128.store(sums, z, 16); v128.store(sums, z, 32); v128.store(sums, z, 48);
    for (let q0 = 0; q0 < KQ; q0 += FLUSH_QUADS) q8_span(blk, xq, q0, min(KQ, q0 + FLUSH_QUADS), wide, sums);
    const o = out + (<usize>j << 2), sc = scales + (<usize>j << 2);
    for (let c = 0; c < 64; c += 16) {
      const d = f32x4.mul(f32x4.mul(v128.load(sums + c), v128.load(sc + c)), vs);
      v128.store(o + c, init ? f32x4.add(v128.load(init + (<usize>j << 2) + c), d) : d);
    }
  }
}

/** Bytes of the panels of an (M, K) matrix (for the host). */
export function q8_panel_bytes_of(M: i32, K: i32, wide: bool): f64 {
  return <f64>q8_panel_bytes(M, K, wide);
}

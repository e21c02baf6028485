// search.ts: nearest rows of a matrix to a query — all dot products (SIMD), then the k best kept in a small heap.
import { dot } from './vec';

/** out (rows,) = (mat (rows, stride) . q (n,)) * inv (rows,): one dot product per row, scaled (cosines when inv holds 1/norms). */
export function scores_f32(out: usize, mat: usize, rows: i32, n: i32, stride: i32, q: usize, inv: usize): void {
  for (let r = 0; r < rows; r++) {
    store<f32>(out + (<usize>r << 2), dot(mat + ((<usize>r * stride) << 2), q, n) * load<f32>(inv + (<usize>r << 2)));
  }
}

/**
 * out (rows,) = s[r] * (mat (rows, stride) int8 . q (n,) int8) — int8 rows with one f32 scale each (s), an int8
 * query; products widened to i16 and summed in i32 pairs (exact for n < 2^16). n is a multiple of 16 (zero padded).
 */
export function scores_q8(out: usize, mat: usize, scales: usize, rows: i32, n: i32, stride: i32, q: usize, qscale: f32): void {
  for (let r = 0; r < rows; r++) {
    const row = mat + <usize>r * stride;
    let acc = i32x4.splat(0);
    for (let i = 0; i < n; i += 16) {
      const a = v128.load(row + i), b = v128.load(q + i);
      acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(a), i16x8.extend_low_i8x16_s(b)));
      acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(a), i16x8.extend_high_i8x16_s(b)));
    }
    const sum = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
    store<f32>(out + (<usize>r << 2), <f32>sum * load<f32>(scales + (<usize>r << 2)) * qscale);
  }
}

// (value, index) a is worse than b: smaller value, or equal value and later index
@inline function worse(va: f32, ia: i32, vb: f32, ib: i32): bool {
  return va < vb || (va == vb && ia > ib);
}

/** Restores the min-heap (worst at the root) of the first m entries after the root was replaced. */
@inline function sift_down(idx: usize, val: usize, m: i32): void {
  let p = 0;
  const v = load<f32>(val), i = load<i32>(idx);
  while (true) {
    let c = 2 * p + 1;
    if (c >= m) break;
    if (c + 1 < m && worse(load<f32>(val + (<usize>(c + 1) << 2)), load<i32>(idx + (<usize>(c + 1) << 2)), load<f32>(val + (<usize>c << 2)), load<i32>(idx + (<usize>c << 2)))) c++;
    const vc = load<f32>(val + (<usize>c << 2)), ic = load<i32>(idx + (<usize>c << 2));
    if (!worse(vc, ic, v, i)) break;
    store<f32>(val + (<usize>p << 2), vc);
    store<i32>(idx + (<usize>p << 2), ic);
    p = c;
  }
  store<f32>(val + (<usize>p << 2), v);
  store<i32>(idx + (<usize>p << 2), i);
}

/**
 * The k largest of scores (n,) — NaN and -Infinity never chosen — as indices idx (k,) and values val (k,), best first
 * (ties: lower index first). Returns how many were found (fewer than k when fewer scores qualify).
 */
export function topk_f32(idx: usize, val: usize, scores: usize, n: i32, k: i32): i32 {
  let m = 0;
  for (let r = 0; r < n; r++) {
    const v = load<f32>(scores + (<usize>r << 2));
    if (!(v > -Infinity)) continue; // NaN, -Infinity: excluded
    if (m < k) {
      // sift up
      let c = m++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        const vp = load<f32>(val + (<usize>p << 2)), ip = load<i32>(idx + (<usize>p << 2));
        if (!worse(v, r, vp, ip)) break;
        store<f32>(val + (<usize>c << 2), vp);
        store<i32>(idx + (<usize>c << 2), ip);
        c = p;
      }
      store<f32>(val + (<usize>c << 2), v);
      store<i32>(idx + (<usize>c << 2), r);
    } else if (m > 0 && worse(load<f32>(val), load<i32>(idx), v, r)) {
      store<f32>(val, v);
      store<i32>(idx, r);
      sift_down(idx, val, m);
    }
  }
  // heap sort in place: repeatedly move the worst to the end
  for (let e = m - 1; e > 0; e--) {
    const v0 = load<f32>(val), i0 = load<i32>(idx);
    store<f32>(val, load<f32>(val + (<usize>e << 2)));
    store<i32>(idx, load<i32>(idx + (<usize>e << 2)));
    store<f32>(val + (<usize>e << 2), v0);
    store<i32>(idx + (<usize>e << 2), i0);
    sift_down(idx, val, e);
  }
  return m;
}

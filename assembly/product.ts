// product.ts: the two products of a recurrent layer — input projection and recurrent step — in float32 or int8.
import { gemm_panel16_f32 } from './gemm';
import { gemv_q8, quant_i16_f32 } from './q8';
import { FLAG_Q8, FLAG_WH_WIDE, FLAG_WX_WIDE, SPEC_FLAGS, SPEC_WH, SPEC_WH_SCALE, SPEC_WX, SPEC_WX_SCALE, spec_i32, spec_ptr } from './spec';

export const PRODUCT_WX: i32 = 0;
export const PRODUCT_WH: i32 = 1;

/** Bytes of scratch spec_product needs for inputs of width up to K (int8 weights only; 0 otherwise). */
@inline export function product_scratch_bytes(K: i32): usize {
  return (((<usize>K + 3) & ~3) * 2 + 15 & ~15) + 64;
}

/**
 * For the N rows r (r = rows[n], or n when rows is 0): C[r] (M) = init[r] + W (M, K) @ A[r], W the spec's Wx or Wh
 * (`which`) from gate column m0 on. Rows are at c + r*ldc, init + r*ldi (ldi = 0 broadcasts; init = 0: zeros),
 * a + r*lda (floats). With int8 weights each row of A is first quantized to int16 in `scratch`.
 */
export function spec_product(
  spec: usize, which: i32, m0: i32, c: usize, ldc: i32, init: usize, ldi: i32, a: usize, lda: i32, N: i32, K: i32, M: i32,
  rows: usize, scratch: usize,
): void {
  const panels = spec_ptr(spec, which == PRODUCT_WX ? SPEC_WX : SPEC_WH);
  const flags = spec_i32(spec, SPEC_FLAGS);
  if ((flags & FLAG_Q8) == 0) {
    gemm_panel16_f32(c, ldc, init, ldi, a, lda, N, K, panels + <usize>m0 * K * 4, M, rows);
    return;
  }
  const wide = (flags & (which == PRODUCT_WX ? FLAG_WX_WIDE : FLAG_WH_WIDE)) != 0;
  const q = panels + <usize>m0 * ((<usize>K + 3) & ~3) * (wide ? 2 : 1);
  const scales = spec_ptr(spec, which == PRODUCT_WX ? SPEC_WX_SCALE : SPEC_WH_SCALE) + (<usize>m0 << 2);
  const sums = scratch + ((((<usize>K + 3) & ~3) * 2 + 15) & ~15);
  for (let n = 0; n < N; n++) {
    const r = rows ? <usize>load<i32>(rows + (<usize>n << 2)) : <usize>n;
    const s = quant_i16_f32(scratch, a + r * lda * 4, K);
    gemv_q8(c + r * ldc * 4, init ? init + r * ldi * 4 : 0, q, scales, scratch, s, K, M, wide, sums);
  }
}

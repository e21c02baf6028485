// simd.ts: @inline helpers over f32x4 shared by the kernels; the relaxed-SIMD build fuses multiply-adds.

/** a*b + c: one fused multiply-add in the relaxed-SIMD build (lstm-relaxed.wasm), a multiply then an add otherwise. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** max(x, lo) then min(., hi) in one instruction each: pmax(x, lo) = x < lo ? lo : x keeps a NaN x as NaN. */
@inline export function clamp4(x: v128, lo: v128, hi: v128): v128 {
  return f32x4.pmin(f32x4.pmax(x, lo), hi);
}

/** max(x, 0) in one instruction, NaN in -> NaN out (-0 stays -0). */
@inline export function relu4(x: v128): v128 {
  return f32x4.pmax(x, f32x4.splat(0));
}

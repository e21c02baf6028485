// gru.ts: one GRU time step for the active batch items (gate order r, z, n; reset before or after the product).
import { act_f32 } from './activations';
import { PRODUCT_WH, spec_product } from './product';
import { clamp4 } from './simd';
import {
  FLAG_LINEAR_BEFORE_RESET, SPEC_ACT, SPEC_ALPHA, SPEC_BETA, SPEC_BHN, SPEC_CLIP, SPEC_FLAGS, SPEC_HP, SPEC_P,
  spec_f32, spec_i32, spec_ptr,
} from './spec';

// clip n values at p to [-clip, clip] (clip > 0)
@inline function clip_f32(p: usize, n: i32, clip: f32): void {
  const hi = f32x4.splat(clip), lo = f32x4.splat(-clip);
  for (let u = 0; u < n; u += 4) v128.store(p + (<usize>u << 2), clamp4(v128.load(p + (<usize>u << 2)), lo, hi));
}

/**
 * For each item b in act:                                     xp, gates (B, 3*HP); hp, hn (B, HS)
 *   r = f(xr + Wr h)  z = f(xz + Wz h)          (xp already holds both biases of r and z)
 *   linear_before_reset:  n = g(xn + r*(Wn h + bhn))          (PyTorch, ONNX linear_before_reset=1)
 *   otherwise:            n = g(xn + Wn (r*h))                (ONNX default; xp holds both n biases)
 *   hn = (1 - z)*n + z*h
 * The update runs as passes over each gate's slice (the activation is chosen once per pass).
 */
export function gru_step(
  spec: usize, act: usize, nact: i32, xp: usize, hp: usize, hn: usize, HS: i32, gates: usize, rh: usize, qs: usize,
): void {
  const H = spec_i32(spec, SPEC_P);
  const HP = spec_i32(spec, SPEC_HP);
  const MP = HP * 3;
  const gs = <usize>HP << 2;
  spec_product(spec, PRODUCT_WH, 0, gates, MP, xp, MP, hp, HS, nact, H, 2 * HP, act, qs);
  if ((spec_i32(spec, SPEC_FLAGS) & FLAG_LINEAR_BEFORE_RESET) != 0) {
    spec_product(spec, PRODUCT_WH, 2 * HP, gates + 2 * gs, MP, spec_ptr(spec, SPEC_BHN), 0, hp, HS, nact, H, HP, act, qs);
    gru_cell_after(spec, act, nact, gates, xp, hp, hn, HS);
    return;
  }
  const fa = spec_i32(spec, SPEC_ACT), fA = spec_f32(spec, SPEC_ALPHA), fB = spec_f32(spec, SPEC_BETA);
  const clip = spec_f32(spec, SPEC_CLIP);
  for (let q = 0; q < nact; q++) {
    const b = <usize>load<i32>(act + (<usize>q << 2));
    const g = gates + b * MP * 4, h = hp + b * HS * 4, out = rh + b * HP * 4;
    if (clip > 0) clip_f32(g, 2 * HP, clip);
    act_f32(fa, g, g, 2 * HP, fA, fB);
    for (let u = 0; u < HP; u += 4) {
      const o4 = <usize>u << 2;
      v128.store(out + o4, f32x4.mul(v128.load(g + o4), v128.load(h + o4)));
    }
  }
  spec_product(spec, PRODUCT_WH, 2 * HP, gates + 2 * gs, MP, xp + 2 * gs, MP, rh, HP, nact, H, HP, act, qs);
  gru_update(spec, act, nact, gates, hp, hn, HS);
}

/**
 * The linear_before_reset cell from its products, for each item b in act: gates[b] (B, 3*HP) holds
 * [xr + Wr h, xz + Wz h, Wn h + bhn] (each with its biases) and xp[b]'s n slice xn; gates' n slice becomes
 * xn + r*(Wn h + bhn) on the way to hn = (1 - z)*g(...) + z*h.
 */
export function gru_cell_after(spec: usize, act: usize, nact: i32, gates: usize, xp: usize, hp: usize, hn: usize, HS: i32): void {
  const HP = spec_i32(spec, SPEC_HP);
  const MP = HP * 3;
  const gs = <usize>HP << 2;
  const fa = spec_i32(spec, SPEC_ACT), fA = spec_f32(spec, SPEC_ALPHA), fB = spec_f32(spec, SPEC_BETA);
  const clip = spec_f32(spec, SPEC_CLIP);
  for (let q = 0; q < nact; q++) {
    const b = <usize>load<i32>(act + (<usize>q << 2));
    const g = gates + b * MP * 4, x = xp + b * MP * 4;
    if (clip > 0) clip_f32(g, 2 * HP, clip);
    act_f32(fa, g, g, 2 * HP, fA, fB);
    for (let u = 0; u < HP; u += 4) {
      const o4 = <usize>u << 2;
      v128.store(g + 2 * gs + o4, f32x4.add(v128.load(x + 2 * gs + o4), f32x4.mul(v128.load(g + o4), v128.load(g + 2 * gs + o4))));
    }
  }
  gru_update(spec, act, nact, gates, hp, hn, HS);
}

// n = g(gates' n slice, clipped), hn = (1 - z)*n + z*h
function gru_update(spec: usize, act: usize, nact: i32, gates: usize, hp: usize, hn: usize, HS: i32): void {
  const HP = spec_i32(spec, SPEC_HP);
  const MP = HP * 3;
  const gs = <usize>HP << 2;
  const ga = spec_i32(spec, SPEC_ACT + 1), gA = spec_f32(spec, SPEC_ALPHA + 1), gB = spec_f32(spec, SPEC_BETA + 1);
  const clip = spec_f32(spec, SPEC_CLIP);
  for (let q = 0; q < nact; q++) {
    const b = <usize>load<i32>(act + (<usize>q << 2));
    const g = gates + b * MP * 4, h = hp + b * HS * 4, out = hn + b * HS * 4;
    const gn = g + 2 * gs;
    if (clip > 0) clip_f32(gn, HP, clip);
    act_f32(ga, gn, gn, HP, gA, gB);
    for (let u = 0; u < HP; u += 4) {
      const o4 = <usize>u << 2;
      const z = v128.load(g + gs + o4), n = v128.load(gn + o4);
      // (1 - z)*n + z*h, the textbook form, for bitwise closeness to PyTorch
      v128.store(out + o4, f32x4.add(f32x4.mul(f32x4.sub(f32x4.splat(1), z), n), f32x4.mul(z, v128.load(h + o4))));
    }
  }
}

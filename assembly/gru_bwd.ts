// gru_bwd.ts: a GRU step for training (gru_step's arithmetic, keeping what the derivative needs) and its backward rule.
import { act_f32 } from './activations';
import { gemm_blocked_f32 } from './train/gemm_blocked';
import { PRODUCT_WH, spec_product } from './product';
import {
  FLAG_LINEAR_BEFORE_RESET, SPEC_ACT, SPEC_ALPHA, SPEC_BETA, SPEC_BHN, SPEC_FLAGS, SPEC_HP, SPEC_P, spec_f32, spec_i32, spec_ptr,
} from './spec';

@inline function item(act: usize, q: i32): usize {
  return <usize>load<i32>(act + (<usize>q << 2));
}

/**
 * gru_step (gru.ts) with g as both input projection and gates (in place), without clip, and keeping nl (B, HP):
 *   r = f(xr + Wr h)  z = f(xz + Wz h)
 *   linear_before_reset:  nl = Wn h + bhn,  n = g(xn + r*nl)
 *   otherwise:            nl = r*h,         n = g(xn + Wn nl)
 *   hn = (1 - z)*n + z*h
 */
export function gru_step_train(spec: usize, act: usize, nact: i32, g: usize, hp: usize, hn: usize, HS: i32, nl: usize): void {
  const H = spec_i32(spec, SPEC_P), HP = spec_i32(spec, SPEC_HP), MP = HP * 3;
  const gs = <usize>HP << 2;
  const fa = spec_i32(spec, SPEC_ACT), ga = spec_i32(spec, SPEC_ACT + 1);
  const fA = spec_f32(spec, SPEC_ALPHA), gA = spec_f32(spec, SPEC_ALPHA + 1);
  const fB = spec_f32(spec, SPEC_BETA), gB = spec_f32(spec, SPEC_BETA + 1);
  const after = (spec_i32(spec, SPEC_FLAGS) & FLAG_LINEAR_BEFORE_RESET) != 0;

  spec_product(spec, PRODUCT_WH, 0, g, MP, g, MP, hp, HS, nact, H, 2 * HP, act, 0);
  for (let q = 0; q < nact; q++) {
    const gb = g + item(act, q) * MP * 4;
    act_f32(fa, gb, gb, 2 * HP, fA, fB);
  }
  if (after) {
    spec_product(spec, PRODUCT_WH, 2 * HP, nl, HP, spec_ptr(spec, SPEC_BHN), 0, hp, HS, nact, H, HP, act, 0);
    for (let q = 0; q < nact; q++) {
      const b = item(act, q);
      const gb = g + b * MP * 4, lb = nl + b * HP * 4;
      for (let u = 0; u < HP; u += 4) {
        const o4 = <usize>u << 2;
        v128.store(gb + 2 * gs + o4, f32x4.add(v128.load(gb + 2 * gs + o4), f32x4.mul(v128.load(gb + o4), v128.load(lb + o4))));
      }
    }
  } else {
    for (let q = 0; q < nact; q++) {
      const b = item(act, q);
      const gb = g + b * MP * 4, h = hp + b * HS * 4, out = nl + b * HP * 4;
      for (let u = 0; u < HP; u += 4) {
        const o4 = <usize>u << 2;
        v128.store(out + o4, f32x4.mul(v128.load(gb + o4), v128.load(h + o4)));
      }
    }
    spec_product(spec, PRODUCT_WH, 2 * HP, g + 2 * gs, MP, g + 2 * gs, MP, nl, HP, nact, H, HP, act, 0);
  }
  for (let q = 0; q < nact; q++) {
    const b = item(act, q);
    const gb = g + b * MP * 4, h = hp + b * HS * 4, out = hn + b * HS * 4;
    const gn = gb + 2 * gs;
    act_f32(ga, gn, gn, HP, gA, gB);
    for (let u = 0; u < HP; u += 4) {
      const o4 = <usize>u << 2;
      const z = v128.load(gb + gs + o4), n = v128.load(gn + o4);
      v128.store(out + o4, f32x4.add(f32x4.mul(f32x4.sub(f32x4.splat(1), z), n), f32x4.mul(z, v128.load(h + o4))));
    }
  }
}

/**
 * Backward of one GRU step for the active items (sigmoid f, tanh g). In: dh (B, HS) = d loss / d h_t, the kept
 * r, z, n (g), nl and h_{t-1} (hp). Out: dgx (B, 3*HP) = d/d [xr, xz, xn] pre-activations; dgh = d/d the recurrent
 * product's [r, z, n] rows (linear_before_reset: n row is d/d nl; otherwise dgh is dgx); dhn = d loss / d h_{t-1}.
 *   dz = dh*(h - n)   dn = dh*(1 - z)   dh_{t-1} = dh*z + ...   dan = dn*(1 - n^2)
 *   linear_before_reset:  dr = dan*nl,  dnl = dan*r;                  dh_{t-1} += [dar, daz, dnl] @ Wh
 *   otherwise:            drh = dan @ Wn: dr = drh*h, dh_{t-1} += drh*r + [dar, daz] @ Wh[r, z]
 * whT: panels of Wh^T (K = 3*HP, or 2*HP without linear_before_reset); wnT: panels of Wh[n]^T (K = HP); tmp (B, HS).
 */
export function gru_bwd_step(
  spec: usize, act: usize, nact: i32, g: usize, hp: usize, nl: usize, dh: usize, dhn: usize, HS: i32,
  dgx: usize, dgh: usize, whT: usize, wnT: usize, tmp: usize,
): void {
  const HP = spec_i32(spec, SPEC_HP), MP = HP * 3;
  const gs = <usize>HP << 2;
  const after = (spec_i32(spec, SPEC_FLAGS) & FLAG_LINEAR_BEFORE_RESET) != 0;
  const one = f32x4.splat(1);
  for (let q = 0; q < nact; q++) {
    const b = item(act, q);
    const gb = g + b * MP * 4, xb = dgx + b * MP * 4, hb = dgh + b * MP * 4;
    const h = hp + b * HS * 4, d = dh + b * HS * 4, o = dhn + b * HS * 4, l = nl + b * HP * 4;
    for (let u = 0; u < HP; u += 4) {
      const o4 = <usize>u << 2;
      const r = v128.load(gb + o4), z = v128.load(gb + gs + o4), n = v128.load(gb + 2 * gs + o4);
      const dv = v128.load(d + o4);
      const dz = f32x4.mul(dv, f32x4.sub(v128.load(h + o4), n));
      const dn = f32x4.mul(dv, f32x4.sub(one, z));
      v128.store(o + o4, f32x4.mul(dv, z)); // the direct path; the products add to it
      const dan = f32x4.mul(dn, f32x4.sub(one, f32x4.mul(n, n)));
      const daz = f32x4.mul(f32x4.mul(dz, z), f32x4.sub(one, z));
      v128.store(xb + gs + o4, daz);
      v128.store(xb + 2 * gs + o4, dan);
      if (after) {
        const dr = f32x4.mul(dan, v128.load(l + o4));
        const dar = f32x4.mul(f32x4.mul(dr, r), f32x4.sub(one, r));
        v128.store(xb + o4, dar);
        v128.store(hb + o4, dar);
        v128.store(hb + gs + o4, daz);
        v128.store(hb + 2 * gs + o4, f32x4.mul(dan, r));
      }
    }
  }
  if (after) {
    gemm_blocked_f32(dhn, HS, dhn, HS, dgh, MP, nact, MP, whT, HS, act);
    return;
  }
  gemm_blocked_f32(tmp, HS, 0, 0, dgx + 2 * gs, MP, nact, HP, wnT, HS, act); // drh = dan @ Wn
  for (let q = 0; q < nact; q++) {
    const b = item(act, q);
    const gb = g + b * MP * 4, xb = dgx + b * MP * 4;
    const h = hp + b * HS * 4, o = dhn + b * HS * 4, e = tmp + b * HS * 4;
    for (let u = 0; u < HP; u += 4) {
      const o4 = <usize>u << 2;
      const r = v128.load(gb + o4), drh = v128.load(e + o4);
      const dr = f32x4.mul(drh, v128.load(h + o4));
      v128.store(o + o4, f32x4.add(v128.load(o + o4), f32x4.mul(drh, r)));
      v128.store(xb + o4, f32x4.mul(f32x4.mul(dr, r), f32x4.sub(one, r)));
    }
  }
  gemm_blocked_f32(dhn, HS, dhn, HS, dgx, MP, nact, 2 * HP, whT, HS, act);
}

// lstm.ts: one LSTM time step for the active batch items (gate order i, f, g, o; ONNX extras included).
import { act_f32 } from './activations';
import { gemm_panel16_f32 } from './gemm';
import { PRODUCT_WH, spec_product } from './product';
import { clamp4, madd } from './simd';
import {
  FLAG_INPUT_FORGET, SPEC_ACT, SPEC_ALPHA, SPEC_BETA, SPEC_CLIP, SPEC_FLAGS, SPEC_H, SPEC_HP, SPEC_P, SPEC_PEEP,
  SPEC_PP, SPEC_WR, spec_f32, spec_i32, spec_ptr,
} from './spec';

/**
 * For each item b in act (nact of them):
 *   gates = xp[b] + Wh @ hp[b]                        xp, gates (B, 4*HP)
 * then lstm_cell.
 */
export function lstm_step(
  spec: usize, act: usize, nact: i32, xp: usize, hp: usize, hn: usize, HS: i32, c: usize, gates: usize, r: usize, qs: usize,
): void {
  const MP = spec_i32(spec, SPEC_HP) * 4;
  spec_product(spec, PRODUCT_WH, 0, gates, MP, xp, MP, hp, HS, nact, spec_i32(spec, SPEC_P), MP, act, qs);
  lstm_cell(spec, act, nact, gates, hn, HS, c, r);
}

/**
 * The cell update, for each item b in act (nact of them), from its gate pre-activations gates[b] (B, 4*HP):
 *   i = f(gi + pi*c)  f = f(gf + pf*c) or 1 - i  g = g(gg)
 *   c = f*c + i*g     o = f(go + po*c)             c (B, HP), updated in place
 *   hn[b] = o*h(c), or Wr @ (o*h(c)) with a projection (r holds o*h(c))      hn (B, HS)
 * The update runs as passes over each gate's slice, each a tight loop (the activation is chosen once per pass).
 */
export function lstm_cell(spec: usize, act: usize, nact: i32, gates: usize, hn: usize, HS: i32, c: usize, r: usize): void {
  const H = spec_i32(spec, SPEC_H);
  const HP = spec_i32(spec, SPEC_HP);
  const MP = HP * 4;
  const fa = spec_i32(spec, SPEC_ACT), ga = spec_i32(spec, SPEC_ACT + 1), ha = spec_i32(spec, SPEC_ACT + 2);
  const fA = spec_f32(spec, SPEC_ALPHA), gA = spec_f32(spec, SPEC_ALPHA + 1), hA = spec_f32(spec, SPEC_ALPHA + 2);
  const fB = spec_f32(spec, SPEC_BETA), gB = spec_f32(spec, SPEC_BETA + 1), hB = spec_f32(spec, SPEC_BETA + 2);
  const clip = spec_f32(spec, SPEC_CLIP);
  const hi = f32x4.splat(clip), lo = f32x4.splat(-clip);
  const peep = spec_ptr(spec, SPEC_PEEP);
  const coupled = (spec_i32(spec, SPEC_FLAGS) & FLAG_INPUT_FORGET) != 0;
  const wr = spec_ptr(spec, SPEC_WR);
  const gs = <usize>HP << 2; // bytes between gate slices

  for (let q = 0; q < nact; q++) {
    const b = <usize>load<i32>(act + (<usize>q << 2));
    const g = gates + b * MP * 4, gi = g, gf = g + gs, gg = g + 2 * gs, go = g + 3 * gs;
    const cb = c + b * HP * 4;
    const out = wr ? r + b * HP * 4 : hn + b * HS * 4;
    if (peep || clip > 0) {
      for (let u = 0; u < HP; u += 4) {
        const o4 = <usize>u << 2, cp = v128.load(cb + o4);
        let vi = v128.load(gi + o4), vf = v128.load(gf + o4), vg = v128.load(gg + o4);
        if (peep) {
          vi = madd(v128.load(peep + o4), cp, vi);
          vf = madd(v128.load(peep + gs + o4), cp, vf);
        }
        if (clip > 0) {
          vi = clamp4(vi, lo, hi);
          vf = clamp4(vf, lo, hi);
          vg = clamp4(vg, lo, hi);
        }
        v128.store(gi + o4, vi);
        v128.store(gf + o4, vf);
        v128.store(gg + o4, vg);
      }
    }
    if (coupled) {
      act_f32(fa, gi, gi, HP, fA, fB);
      for (let u = 0; u < HP; u += 4) v128.store(gf + (<usize>u << 2), f32x4.sub(f32x4.splat(1), v128.load(gi + (<usize>u << 2))));
    } else {
      act_f32(fa, gi, gi, 2 * HP, fA, fB); // i and f lie next to each other
    }
    act_f32(ga, gg, gg, HP, gA, gB);
    // c = f*c + i*g; then o's peephole and clip see the new c
    for (let u = 0; u < HP; u += 4) {
      const o4 = <usize>u << 2;
      const cn = madd(v128.load(gf + o4), v128.load(cb + o4), f32x4.mul(v128.load(gi + o4), v128.load(gg + o4)));
      v128.store(cb + o4, cn);
      if (peep || clip > 0) {
        let vo = v128.load(go + o4);
        if (peep) vo = madd(v128.load(peep + 2 * gs + o4), cn, vo);
        if (clip > 0) vo = clamp4(vo, lo, hi);
        v128.store(go + o4, vo);
      }
    }
    act_f32(fa, go, go, HP, fA, fB);
    act_f32(ha, out, cb, HP, hA, hB); // h(c), then times o
    for (let u = 0; u < HP; u += 4) {
      const o4 = <usize>u << 2;
      v128.store(out + o4, f32x4.mul(v128.load(go + o4), v128.load(out + o4)));
    }
  }
  // hn = Wr @ r, rows PP (the padding rows of Wr are zero)
  if (wr) gemm_panel16_f32(hn, HS, 0, 0, r, HP, nact, H, wr, spec_i32(spec, SPEC_PP), act);
}

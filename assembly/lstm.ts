// lstm.ts: one LSTM time step for the active batch items (gate order i, f, g, o; ONNX extras included).
import { act4 } from './activations';
import { gemm_panel16_f32 } from './gemm';
import {
  FLAG_INPUT_FORGET, SPEC_ACT, SPEC_ALPHA, SPEC_BETA, SPEC_CLIP, SPEC_FLAGS, SPEC_H, SPEC_HP, SPEC_P, SPEC_PEEP,
  SPEC_PP, SPEC_WH, SPEC_WR, spec_f32, spec_i32, spec_ptr,
} from './spec';

/**
 * For each item b in act (nact of them):
 *   gates = xp[b] + Wh @ hp[b]                        xp, gates (B, 4*HP)
 *   i = f(gi + pi*c)  f = f(gf + pf*c) or 1 - i  g = g(gg)
 *   c = f*c + i*g     o = f(go + po*c)             c (B, HP), updated in place
 *   hn[b] = o*h(c), or Wr @ (o*h(c)) with a projection (r holds o*h(c))      hp, hn (B, HS)
 */
export function lstm_step(
  spec: usize, act: usize, nact: i32, xp: usize, hp: usize, hn: usize, HS: i32, c: usize, gates: usize, r: usize,
): void {
  const P = spec_i32(spec, SPEC_P);
  const H = spec_i32(spec, SPEC_H);
  const HP = spec_i32(spec, SPEC_HP);
  const MP = HP * 4;
  gemm_panel16_f32(gates, MP, xp, MP, hp, HS, nact, P, spec_ptr(spec, SPEC_WH), MP, act);

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
    const g = gates + b * MP * 4;
    const cb = c + b * HP * 4;
    const out = wr ? r + b * HP * 4 : hn + b * HS * 4;
    for (let u = 0; u < HP; u += 4) {
      const o4 = <usize>u << 2;
      let gi = v128.load(g + o4), gf = v128.load(g + gs + o4);
      let gg = v128.load(g + 2 * gs + o4), go = v128.load(g + 3 * gs + o4);
      const cp = v128.load(cb + o4);
      if (peep) {
        gi = f32x4.add(gi, f32x4.mul(v128.load(peep + o4), cp));
        gf = f32x4.add(gf, f32x4.mul(v128.load(peep + gs + o4), cp));
      }
      if (clip > 0) {
        gi = f32x4.min(f32x4.max(gi, lo), hi);
        gf = f32x4.min(f32x4.max(gf, lo), hi);
        gg = f32x4.min(f32x4.max(gg, lo), hi);
      }
      const i = act4(fa, gi, fA, fB);
      const f = coupled ? f32x4.sub(f32x4.splat(1), i) : act4(fa, gf, fA, fB);
      const cn = f32x4.add(f32x4.mul(f, cp), f32x4.mul(i, act4(ga, gg, gA, gB)));
      v128.store(cb + o4, cn);
      if (peep) go = f32x4.add(go, f32x4.mul(v128.load(peep + 2 * gs + o4), cn));
      if (clip > 0) go = f32x4.min(f32x4.max(go, lo), hi);
      v128.store(out + o4, f32x4.mul(act4(fa, go, fA, fB), act4(ha, cn, hA, hB)));
    }
  }
  // hn = Wr @ r, rows PP (the padding rows of Wr are zero)
  if (wr) gemm_panel16_f32(hn, HS, 0, 0, r, HP, nact, H, wr, spec_i32(spec, SPEC_PP), act);
}

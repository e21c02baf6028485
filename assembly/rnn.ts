// rnn.ts: one simple-RNN time step for the active batch items: h = f(x Wx^T + h Wh^T + b).
import { act_f32 } from './activations';
import { PRODUCT_WH, spec_product } from './product';
import { clamp4 } from './simd';
import { SPEC_ACT, SPEC_ALPHA, SPEC_BETA, SPEC_CLIP, SPEC_HP, SPEC_P, spec_f32, spec_i32 } from './spec';

/** For each item b in act: hn[b] = f(xp[b] + Wh @ hp[b]).   xp, gates (B, HP); hp, hn (B, HS) */
export function rnn_step(spec: usize, act: usize, nact: i32, xp: usize, hp: usize, hn: usize, HS: i32, gates: usize, qs: usize): void {
  const H = spec_i32(spec, SPEC_P);
  const HP = spec_i32(spec, SPEC_HP);
  spec_product(spec, PRODUCT_WH, 0, gates, HP, xp, HP, hp, HS, nact, H, HP, act, qs);
  const fa = spec_i32(spec, SPEC_ACT), fA = spec_f32(spec, SPEC_ALPHA), fB = spec_f32(spec, SPEC_BETA);
  const clip = spec_f32(spec, SPEC_CLIP);
  const hi = f32x4.splat(clip), lo = f32x4.splat(-clip);
  for (let q = 0; q < nact; q++) {
    const b = <usize>load<i32>(act + (<usize>q << 2));
    const g = gates + b * HP * 4;
    if (clip > 0) {
      for (let u = 0; u < HP; u += 4) v128.store(g + (<usize>u << 2), clamp4(v128.load(g + (<usize>u << 2)), lo, hi));
    }
    act_f32(fa, hn + b * HS * 4, g, HP, fA, fB);
  }
}

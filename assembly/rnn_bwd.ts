// rnn_bwd.ts: the backward rule of one simple-RNN step (rnn.ts), h = tanh(a) or relu(a).
import { ACT_RELU } from './activations';
import { gemm_blocked_f32 } from './train/gemm_blocked';
import { SPEC_ACT, SPEC_HP, spec_i32 } from './spec';

/**
 * For the active items: da = dh * f'(a), from the kept h_t (tanh: 1 - h^2; relu: h > 0, as PyTorch's threshold
 * backward), into dgx (B, HP); dhn (B, HS) = da @ Wh. g holds h_t per item (B, HP); whT: panels of Wh^T.
 */
export function rnn_bwd_step(spec: usize, act: usize, nact: i32, g: usize, dh: usize, dhn: usize, HS: i32, dgx: usize, whT: usize): void {
  const HP = spec_i32(spec, SPEC_HP);
  const relu = spec_i32(spec, SPEC_ACT) == ACT_RELU;
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  for (let q = 0; q < nact; q++) {
    const b = <usize>load<i32>(act + (<usize>q << 2));
    const h = g + b * HP * 4, d = dh + b * HS * 4, o = dgx + b * HP * 4;
    for (let u = 0; u < HP; u += 4) {
      const o4 = <usize>u << 2;
      const hv = v128.load(h + o4), dv = v128.load(d + o4);
      v128.store(o + o4, relu ? v128.and(dv, f32x4.gt(hv, zero)) : f32x4.mul(dv, f32x4.sub(one, f32x4.mul(hv, hv))));
    }
  }
  gemm_blocked_f32(dhn, HS, 0, 0, dgx, HP, nact, HP, whT, HS, act);
}

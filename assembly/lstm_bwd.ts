// lstm_bwd.ts: the backward rule of one LSTM step (lstm.ts, gate order i, f, g, o; sigmoid, tanh, tanh; projection).
import { gemm_blocked_f32 } from './train/gemm_blocked';
import { SPEC_HP, SPEC_P, SPEC_WR, spec_i32, spec_ptr } from './spec';

@inline function item(act: usize, q: i32): usize {
  return <usize>load<i32>(act + (<usize>q << 2));
}

/**
 * For the active items, from dh (B, HS) = d loss / d h_t and dc (B, HP) = d loss / d c_t (carried from step t+1):
 *   with a projection h = Wr r, r = o*tanh(c):  dr = dh @ Wr (kept: dhs = dh, rs = r, for dWr), else dr = dh
 *   do = dr*tanh(c)   dc += dr*o*(1 - tanh(c)^2)   di = dc*g   dg = dc*i   df = dc*c_{t-1}   dc_{t-1} = dc*f
 *   dgx = [di*i(1-i), df*f(1-f), dg*(1-g^2), do*o(1-o)]      (B, 4*HP), d loss / d gate pre-activations
 *   dhn = dgx @ Wh                                          (B, HS), d loss / d h_{t-1}
 * g: the kept activated gates of the step; cp: c_{t-1}; tc: tanh(c_t). whT, wrT: panels of Wh^T, Wr^T; dr: (B, HP).
 */
export function lstm_bwd_step(
  spec: usize, act: usize, nact: i32, g: usize, cp: usize, tc: usize, dh: usize, dhn: usize, HS: i32, dc: usize,
  dgx: usize, whT: usize, wrT: usize, dr: usize, dhs: usize, rs: usize,
): void {
  const HP = spec_i32(spec, SPEC_HP), MP = HP * 4;
  const gs = <usize>HP << 2;
  const one = f32x4.splat(1);
  let src = dh, lds = HS;
  if (spec_ptr(spec, SPEC_WR)) {
    for (let q = 0; q < nact; q++) {
      const b = item(act, q);
      memory.copy(dhs + b * HS * 4, dh + b * HS * 4, <usize>HS << 2);
      const o = g + b * MP * 4 + 3 * gs, t = tc + b * HP * 4, r = rs + b * HP * 4;
      for (let u = 0; u < HP; u += 4) v128.store(r + (<usize>u << 2), f32x4.mul(v128.load(o + (<usize>u << 2)), v128.load(t + (<usize>u << 2))));
    }
    gemm_blocked_f32(dr, HP, 0, 0, dh, HS, nact, spec_i32(spec, SPEC_P), wrT, HP, act);
    src = dr;
    lds = HP;
  }
  for (let q = 0; q < nact; q++) {
    const b = item(act, q);
    const gb = g + b * MP * 4, xb = dgx + b * MP * 4;
    const d = src + b * lds * 4, t = tc + b * HP * 4, c0 = cp + b * HP * 4, cb = dc + b * HP * 4;
    for (let u = 0; u < HP; u += 4) {
      const o4 = <usize>u << 2;
      const i = v128.load(gb + o4), f = v128.load(gb + gs + o4), gg = v128.load(gb + 2 * gs + o4), o = v128.load(gb + 3 * gs + o4);
      const dv = v128.load(d + o4), th = v128.load(t + o4);
      const dout = f32x4.mul(dv, th);
      const dcv = f32x4.add(v128.load(cb + o4), f32x4.mul(f32x4.mul(dv, o), f32x4.sub(one, f32x4.mul(th, th))));
      v128.store(cb + o4, f32x4.mul(dcv, f));
      const di = f32x4.mul(dcv, gg), dg = f32x4.mul(dcv, i), df = f32x4.mul(dcv, v128.load(c0 + o4));
      v128.store(xb + o4, f32x4.mul(f32x4.mul(di, i), f32x4.sub(one, i)));
      v128.store(xb + gs + o4, f32x4.mul(f32x4.mul(df, f), f32x4.sub(one, f)));
      v128.store(xb + 2 * gs + o4, f32x4.mul(dg, f32x4.sub(one, f32x4.mul(gg, gg))));
      v128.store(xb + 3 * gs + o4, f32x4.mul(f32x4.mul(dout, o), f32x4.sub(one, o)));
    }
  }
  gemm_blocked_f32(dhn, HS, 0, 0, dgx, MP, nact, MP, whT, HS, act);
}

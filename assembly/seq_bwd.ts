// seq_bwd.ts: backpropagation through time for one direction of one layer — walks the steps of
// recurrent_train_fwd_f32 in reverse calling the *_bwd step rules, then forms the weight gradients as whole-sequence GEMMs.
import { gemm_blocked_f32 } from './train/gemm_blocked';
import { gru_bwd_step } from './gru_bwd';
import { lstm_bwd_step } from './lstm_bwd';
import { rnn_bwd_step } from './rnn_bwd';
import { io, state_width } from './seq';
import { valid_at } from './seq_train';
import {
  CELL_GRU, CELL_LSTM, FLAG_LINEAR_BEFORE_RESET, FLAG_REVERSE, IO_B, IO_CSB, IO_HSB, IO_LENS, IO_T, IO_X, IO_XSB, SPEC_FLAGS,
  SPEC_H, SPEC_HP, SPEC_I, SPEC_KIND, SPEC_P, SPEC_WR, gates_of, spec_i32, spec_ptr,
} from './spec';
import {
  TB_CPREV, TB_DC0, TB_DCN, TB_DGH, TB_DGX, TB_DH0, TB_DHN, TB_DHS, TB_DX, TB_DXACC, TB_DXSB, TB_DY, TB_DYSB, TB_DYST, TB_GATES,
  TB_GBH, TB_GBX, TB_GWH, TB_GWR, TB_GWX, TB_HPREV, TB_INPROJ, TB_NL, TB_R, TB_TANHC, TB_WHT, TB_WHTN, TB_WRT, TB_WXT, tb_i32, tb_ptr,
} from './train/spec';
import { colsum_add_f32, transpose_f32, wgrad_t_f32 } from './train/wgrad';

@inline function r16(n: i32): i32 {
  return (n + 15) & ~15;
}

// Below this a gradient is flushed to zero. A vanishing gradient decays through the subnormal range, where x86 SIMD
// arithmetic runs ~100x slower (native libraries turn flush-to-zero on; wasm cannot); nothing below 1e-30 moves a weight.
const TINY: f32 = 1e-30;

/** p (n) = 0 where |p| < TINY (NaN and infinities kept); n a multiple of 4. */
@inline function flush_tiny(p: usize, n: i32): void {
  const tiny = f32x4.splat(TINY);
  for (let i = 0; i < n; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    v128.store(p + (<usize>i << 2), v128.andnot(v, f32x4.lt(f32x4.abs(v), tiny)));
  }
}

/** dst (n) += src (n) */
@inline function add_f32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), f32x4.add(v128.load(dst + (<usize>i << 2)), v128.load(src + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(dst + (<usize>i << 2)) + load<f32>(src + (<usize>i << 2)));
}

/**
 * Bytes of workspace recurrent_train_fwd_f32 and recurrent_bwd_f32 need for a cell of `kind`, hidden size padded to HP,
 * projection rows padded to PP (0 without), B items, T steps, input width I. In f64 so a size past 4 GiB does not wrap.
 */
export function train_workspace_bytes(kind: i32, HP: i32, PP: i32, B: i32, T: i32, I: i32): f64 {
  const hs = <f64>(PP > 0 ? PP : HP), hp = <f64>HP, b = <f64>B, n = <f64>T * b;
  const steps = (2 * b * hs + 2 * b * hp) * 4 + Math.ceil(b / 4) * 16;
  return steps + n * <f64>(HP * gates_of(kind)) * 4 + n * <f64>max(r16(I), HP) * 4;
}

/**
 * The backward pass of the forward run recorded in the train block `tb` (train/spec.ts): d loss / dy, d h_n and d c_n
 * in; d loss / dx, d h0, d c0 out; the gradients of Wx, Wh, both biases and Wr added to the block's accumulators.
 * A step past an item's length passes its state's gradient through unchanged. Same spec, io block and x as the forward.
 */
export function recurrent_bwd_f32(spec: usize, blk: usize, tb: usize, ws: usize): void {
  const kind = spec_i32(spec, SPEC_KIND);
  const I = spec_i32(spec, SPEC_I), H = spec_i32(spec, SPEC_H), P = spec_i32(spec, SPEC_P), HP = spec_i32(spec, SPEC_HP);
  const MP = HP * gates_of(kind), HS = state_width(spec);
  const flags = spec_i32(spec, SPEC_FLAGS);
  const reverse = (flags & FLAG_REVERSE) != 0;
  const after = (flags & FLAG_LINEAR_BEFORE_RESET) != 0;
  const proj = spec_ptr(spec, SPEC_WR) != 0;
  const T = io(blk, IO_T), B = io(blk, IO_B);
  const x = <usize>io(blk, IO_X), xsb = io(blk, IO_XSB);
  const lens = <usize>io(blk, IO_LENS);
  const hsb = io(blk, IO_HSB), csb = io(blk, IO_CSB);
  const gates = tb_ptr(tb, TB_GATES), hprev = tb_ptr(tb, TB_HPREV), cprev = tb_ptr(tb, TB_CPREV);
  const tanhc = tb_ptr(tb, TB_TANHC), nl = tb_ptr(tb, TB_NL);
  const dgx = tb_ptr(tb, TB_DGX), dgh = tb_ptr(tb, TB_DGH) ? tb_ptr(tb, TB_DGH) : dgx;
  const dhs = tb_ptr(tb, TB_DHS), rs = tb_ptr(tb, TB_R);
  const dy = tb_ptr(tb, TB_DY), dyst = tb_i32(tb, TB_DYST), dysb = tb_i32(tb, TB_DYSB);
  const whT = tb_ptr(tb, TB_WHT), wnT = tb_ptr(tb, TB_WHTN), wrT = tb_ptr(tb, TB_WRT);
  const b4 = <usize>B << 2;

  // workspace: dh ping, pong (B, HS) | dc (B, HP) | tmp (B, HP) | act (B) i32 | g^T (MP, T*B) | panels (max(I, HP) x T*B)
  let dh = ws;
  let dhn = dh + b4 * HS;
  const dc = dhn + b4 * HS;
  const tmp = dc + b4 * HP;
  const act = tmp + b4 * HP;
  const gt = act + ((b4 + 15) & ~15);
  const N = T * B;
  const panels = gt + <usize>N * MP * 4;
  memory.fill(dh, 0, b4 * (2 * <usize>HS + 2 * <usize>HP));
  const dhN = tb_ptr(tb, TB_DHN), dcN = tb_ptr(tb, TB_DCN);
  for (let b = 0; b < B; b++) {
    if (dhN) memory.copy(dh + <usize>b * HS * 4, dhN + <usize>b * hsb * 4, <usize>P << 2);
    if (dcN && kind == CELL_LSTM) memory.copy(dc + <usize>b * HP * 4, dcN + <usize>b * csb * 4, <usize>H << 2);
  }

  for (let s = 0; s < T; s++) {
    const t = reverse ? s : T - 1 - s;
    const row = <usize>t * B;
    let nact = 0;
    for (let b = 0; b < B; b++) {
      const r = row + b;
      if (valid_at(lens, b, t)) {
        store<i32>(act + (<usize>nact << 2), b);
        nact++;
        if (dy) add_f32(dh + <usize>b * HS * 4, dy + (<usize>t * dyst + <usize>b * dysb) * 4, P);
      } else {
        // no gradient reaches the gates of a skipped step; the state's gradient passes through it
        memory.fill(dgx + r * MP * 4, 0, <usize>MP << 2);
        if (dgh != dgx) memory.fill(dgh + r * MP * 4, 0, <usize>MP << 2);
        if (proj) {
          memory.fill(dhs + r * HS * 4, 0, <usize>HS << 2);
          memory.fill(rs + r * HP * 4, 0, <usize>HP << 2);
        }
        memory.copy(dhn + <usize>b * HS * 4, dh + <usize>b * HS * 4, <usize>HS << 2);
      }
    }
    const g = gates + row * MP * 4;
    if (kind == CELL_LSTM) {
      lstm_bwd_step(spec, act, nact, g, cprev + row * HP * 4, tanhc + row * HP * 4, dh, dhn, HS, dc, dgx + row * MP * 4, whT, wrT, tmp,
        dhs + row * HS * 4, rs + row * HP * 4);
    } else if (kind == CELL_GRU) {
      gru_bwd_step(spec, act, nact, g, hprev + row * HS * 4, nl + row * HP * 4, dh, dhn, HS, dgx + row * MP * 4, dgh + row * MP * 4, whT, wnT, tmp);
    } else {
      rnn_bwd_step(spec, act, nact, g, dh, dhn, HS, dgx + row * MP * 4, whT);
    }
    flush_tiny(dhn, B * HS);
    flush_tiny(dc, B * HP);
    flush_tiny(dgx + row * MP * 4, B * MP);
    if (dgh != dgx) flush_tiny(dgh + row * MP * 4, B * MP);
    const swap = dh;
    dh = dhn;
    dhn = swap;
  }
  const dh0 = tb_ptr(tb, TB_DH0), dc0 = tb_ptr(tb, TB_DC0);
  for (let b = 0; b < B; b++) {
    if (dh0) memory.copy(dh0 + <usize>b * hsb * 4, dh + <usize>b * HS * 4, <usize>P << 2);
    if (dc0 && kind == CELL_LSTM) memory.copy(dc0 + <usize>b * csb * 4, dc + <usize>b * HP * 4, <usize>H << 2);
  }

  // weight gradients over the whole sequence: dW += dG^T @ (what the product read), biases += column sums of dG
  const gwx = tb_ptr(tb, TB_GWX), gwh = tb_ptr(tb, TB_GWH);
  const inproj = tb_i32(tb, TB_INPROJ) != 0; // the host forms dWx and dx from dgx
  transpose_f32(gt, N, dgx, MP, N, MP);
  if (!inproj) wgrad_t_f32(gwx, I, gt, MP, N, x, xsb, I, panels);
  colsum_add_f32(tb_ptr(tb, TB_GBX), dgx, N, MP, MP);
  if (kind == CELL_GRU && !after) {
    wgrad_t_f32(gwh, P, gt, 2 * HP, N, hprev, HS, P, panels);
    wgrad_t_f32(gwh + <usize>2 * HP * P * 4, P, gt + <usize>2 * HP * N * 4, HP, N, nl, HP, P, panels); // Wn read r*h
  } else {
    if (dgh != dgx) transpose_f32(gt, N, dgh, MP, N, MP);
    wgrad_t_f32(gwh, P, gt, MP, N, hprev, HS, P, panels);
  }
  colsum_add_f32(tb_ptr(tb, TB_GBH), dgh, N, MP, MP);
  if (proj) {
    transpose_f32(gt, N, dhs, HS, N, HS);
    wgrad_t_f32(tb_ptr(tb, TB_GWR), H, gt, HS, N, rs, HP, H, panels);
  }
  const dx = tb_ptr(tb, TB_DX);
  if (dx && !inproj) {
    const ld = tb_i32(tb, TB_DXSB);
    gemm_blocked_f32(dx, ld, tb_i32(tb, TB_DXACC) ? dx : 0, ld, dgx, MP, N, MP, tb_ptr(tb, TB_WXT), I, 0);
  }
}

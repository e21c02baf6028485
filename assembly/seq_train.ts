// seq_train.ts: the forward time loop of training — the inference step kernels, plus what BPTT needs kept per step.
import { ACT_TANH, act_f32 } from './activations';
import { gru_step_train } from './gru_bwd';
import { lstm_step } from './lstm';
import { rnn_step } from './rnn';
import {
  CELL_GRU, CELL_LSTM, FLAG_REVERSE, IO_B, IO_CSB, IO_HSB, IO_LENS, IO_T, IO_X, IO_XSB, IO_Y,
  IO_YST, IO_YSB, SPEC_BIAS, SPEC_FLAGS, SPEC_H, SPEC_HP, SPEC_I, SPEC_KIND, SPEC_P, SPEC_WX, gates_of, spec_i32, spec_ptr,
} from './spec';
import { copy_f32, io, read_initial_state, state_width, write_active_y, write_final_state } from './seq';
import { gemm_blocked_f32 } from './train/gemm_blocked';
import { TB_CPREV, TB_GATES, TB_HPREV, TB_INPROJ, TB_NL, TB_TANHC, tb_i32, tb_ptr } from './train/spec';


/** Whether item b is still running at step t (lengths: i32 (B), or 0 for all T). */
@inline export function valid_at(lens: usize, b: i32, t: i32): bool {
  return lens == 0 || t < load<i32>(lens + (<usize>b << 2));
}

/**
 * Runs one direction of one layer over a whole sequence, as recurrent_seq_f32 does for PyTorch's layout (steps past an
 * item's length keep its state and output zeros), and keeps in the train block (train/spec.ts) what the backward pass
 * reads: the gates of every step, the state fed into it, and per cell the extra values its derivative needs.
 * x rows are time-major and contiguous: x(t, b) at X + (t*B + b)*XSB*4. Workspace: train_workspace_bytes.
 */
export function recurrent_train_fwd_f32(spec: usize, blk: usize, tb: usize, ws: usize): void {
  const kind = spec_i32(spec, SPEC_KIND);
  const I = spec_i32(spec, SPEC_I), H = spec_i32(spec, SPEC_H), P = spec_i32(spec, SPEC_P), HP = spec_i32(spec, SPEC_HP);
  const MP = HP * gates_of(kind), HS = state_width(spec);
  const reverse = (spec_i32(spec, SPEC_FLAGS) & FLAG_REVERSE) != 0;
  const T = io(blk, IO_T), B = io(blk, IO_B);
  const x = <usize>io(blk, IO_X), xsb = io(blk, IO_XSB);
  const y = <usize>io(blk, IO_Y), yst = io(blk, IO_YST), ysb = io(blk, IO_YSB);
  const lens = <usize>io(blk, IO_LENS);
  const hsb = io(blk, IO_HSB), csb = io(blk, IO_CSB);
  const gates = tb_ptr(tb, TB_GATES), hprev = tb_ptr(tb, TB_HPREV), cprev = tb_ptr(tb, TB_CPREV);
  const tanhc = tb_ptr(tb, TB_TANHC), nl = tb_ptr(tb, TB_NL);
  const b4 = <usize>B << 2;

  // workspace: h ping, pong (B, HS) | c (B, HP) | r (B, HP) | act (B) i32
  let hp = ws;
  let hn = hp + b4 * HS;
  const c = hn + b4 * HS;
  const r = c + b4 * HP;
  const act = r + b4 * HP;
  memory.fill(hp, 0, b4 * (2 * <usize>HS + 2 * <usize>HP));
  read_initial_state(blk, kind, B, hp, c, HS, HP, P, H, hsb, csb);

  // gates(t, b) = bias + Wx @ x(t, b) for every step at once (float32 panels: training never quantizes); each step then
  // works on its rows in place (TB_INPROJ: the host has filled them)
  if (!tb_i32(tb, TB_INPROJ)) gemm_blocked_f32(gates, MP, spec_ptr(spec, SPEC_BIAS), 0, x, xsb, T * B, I, spec_ptr(spec, SPEC_WX), MP, 0);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const row = <usize>t * B;
    copy_f32(hprev + row * HS * 4, hp, B * HS);
    if (kind == CELL_LSTM) copy_f32(cprev + row * HP * 4, c, B * HP);
    let nact = 0;
    for (let b = 0; b < B; b++) {
      if (valid_at(lens, b, t)) {
        store<i32>(act + (<usize>nact << 2), b);
        nact++;
      } else {
        if (y) memory.fill(y + (<usize>t * yst + <usize>b * ysb) * 4, 0, <usize>P << 2);
        copy_f32(hn + <usize>b * HS * 4, hp + <usize>b * HS * 4, HS);
      }
    }
    const g = gates + row * MP * 4;
    if (kind == CELL_LSTM) {
      lstm_step(spec, act, nact, g, hp, hn, HS, c, g, r, 0);
      for (let q = 0; q < nact; q++) {
        const b = <usize>load<i32>(act + (<usize>q << 2));
        act_f32(ACT_TANH, tanhc + (row + b) * HP * 4, c + b * HP * 4, HP, 0, 0);
      }
    } else if (kind == CELL_GRU) {
      gru_step_train(spec, act, nact, g, hp, hn, HS, nl + row * HP * 4);
    } else {
      rnn_step(spec, act, nact, g, hp, hn, HS, g, 0);
      for (let q = 0; q < nact; q++) {
        const b = <usize>load<i32>(act + (<usize>q << 2));
        copy_f32(g + b * MP * 4, hn + b * HS * 4, HP); // keep h_t: its derivative needs only h_t
      }
    }
    write_active_y(y, act, nact, t, yst, ysb, hn, HS, P);
    const swap = hp;
    hp = hn;
    hn = swap;
  }

  write_final_state(blk, kind, B, hp, c, HS, HP, P, H, hsb, csb);
}

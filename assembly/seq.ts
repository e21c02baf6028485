// seq.ts: the time loop shared by every cell: input projection per chunk, masking by length, state in and out.
import { gru_step } from './gru';
import { lstm_step } from './lstm';
import { PRODUCT_WX, product_scratch_bytes, spec_product } from './product';
import { rnn_step } from './rnn';
import {
  CELL_GRU, CELL_LSTM, FLAG_REVERSE, IO_B, IO_HOLD, IO_XPROJ, IO_MASK, IO_MSB, IO_MST, IO_C0, IO_CN, IO_CSB, IO_H0, IO_HN, IO_HSB, IO_LENS, IO_T, IO_X, IO_XSB,
  IO_XST, IO_Y, IO_YSB, IO_YST, SPEC_BIAS, SPEC_FLAGS, SPEC_H, SPEC_HP, SPEC_I, SPEC_KIND, SPEC_P, SPEC_PP,
  gates_of, spec_i32, spec_ptr,
} from './spec';

// Rows of the input projection computed per chunk: bounds the workspace whatever T is.
const CHUNK_ROWS: i32 = 64;

@inline function chunk_steps(B: i32): i32 {
  return B >= CHUNK_ROWS ? 1 : CHUNK_ROWS / B;
}

/** Width of the state rows: the projection's padded rows when the LSTM projects, else the padded hidden size. */
@inline export function state_width(spec: usize): i32 {
  const pp = spec_i32(spec, SPEC_PP);
  return pp > 0 ? pp : spec_i32(spec, SPEC_HP);
}

/**
 * Bytes of workspace `recurrent_seq_f32` needs for a cell of `kind` with hidden size padded to HP, projection
 * rows padded to PP (0 without), up to B items and inputs up to K wide — whatever T is. In f64 so a size past
 * 4 GiB does not wrap.
 */
export function recurrent_workspace_bytes(kind: i32, HP: i32, PP: i32, B: i32, K: i32): f64 {
  const hp = <f64>HP, mp = hp * gates_of(kind), hs = <f64>(PP > 0 ? PP : HP), b = <f64>B;
  return (<f64>chunk_steps(B) * b * mp + b * mp + 2 * b * hs + 2 * b * hp) * 4 + Math.ceil(b / 4) * 16 + <f64>product_scratch_bytes(K);
}

/** A field of a run's io block (IO_*). */
@inline export function io(blk: usize, field: i32): i32 {
  return load<i32>(blk + (<usize>field << 2));
}

@inline export function copy_f32(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 2);
}

/** The starting state: h0 and c0, when the io block gives them, into the rows hp (B, HS) and c (B, HP). */
@inline export function read_initial_state(blk: usize, kind: i32, B: i32, hp: usize, c: usize, HS: i32, HP: i32, P: i32, H: i32, hsb: i32, csb: i32): void {
  const h0 = <usize>io(blk, IO_H0), c0 = <usize>io(blk, IO_C0);
  for (let b = 0; b < B; b++) {
    if (h0) copy_f32(hp + <usize>b * HS * 4, h0 + <usize>b * hsb * 4, P);
    if (c0 && kind == CELL_LSTM) copy_f32(c + <usize>b * HP * 4, c0 + <usize>b * csb * 4, H);
  }
}

/** y(t, b) = h_t(b) for the nact items listed in act (i32). */
@inline export function write_active_y(y: usize, act: usize, nact: i32, t: i32, yst: i32, ysb: i32, hn: usize, HS: i32, P: i32): void {
  if (!y) return;
  for (let q = 0; q < nact; q++) {
    const b = <usize>load<i32>(act + (<usize>q << 2));
    copy_f32(y + (<usize>t * yst + b * ysb) * 4, hn + b * HS * 4, P);
  }
}

/** h_n and c_n, when the io block asks for them, from the final rows hp and c. */
@inline export function write_final_state(blk: usize, kind: i32, B: i32, hp: usize, c: usize, HS: i32, HP: i32, P: i32, H: i32, hsb: i32, csb: i32): void {
  const hN = <usize>io(blk, IO_HN), cN = <usize>io(blk, IO_CN);
  for (let b = 0; b < B; b++) {
    if (hN) copy_f32(hN + <usize>b * hsb * 4, hp + <usize>b * HS * 4, P);
    if (cN && kind == CELL_LSTM) copy_f32(cN + <usize>b * csb * 4, c + <usize>b * HP * 4, H);
  }
}

/**
 * Runs one direction of one layer over a whole sequence (see spec.ts for the spec and io blocks).
 * Items whose length is reached, or whose step is masked, keep their state and get zeros in y (ONNX) or
 * the state they kept (Keras, IO_HOLD); the reverse direction starts each item at its own last valid step.
 */
export function recurrent_seq_f32(spec: usize, blk: usize, ws: usize): void {
  const kind = spec_i32(spec, SPEC_KIND);
  const I = spec_i32(spec, SPEC_I), H = spec_i32(spec, SPEC_H), P = spec_i32(spec, SPEC_P);
  const HP = spec_i32(spec, SPEC_HP);
  const MP = HP * gates_of(kind);
  const HS = state_width(spec);
  const reverse = (spec_i32(spec, SPEC_FLAGS) & FLAG_REVERSE) != 0;
  const T = io(blk, IO_T), B = io(blk, IO_B);
  const x = <usize>io(blk, IO_X), xst = io(blk, IO_XST), xsb = io(blk, IO_XSB);
  const y = <usize>io(blk, IO_Y), yst = io(blk, IO_YST), ysb = io(blk, IO_YSB);
  const lens = <usize>io(blk, IO_LENS);
  const mask = <usize>io(blk, IO_MASK), mst = io(blk, IO_MST), msb = io(blk, IO_MSB);
  const hold = io(blk, IO_HOLD) != 0;
  const xproj = io(blk, IO_XPROJ) != 0; // the host gathered bias + Wx x already (an embedding's rows projected once)
  const hsb = io(blk, IO_HSB), csb = io(blk, IO_CSB);
  const TC = chunk_steps(B);
  const b4 = <usize>B << 2;

  // workspace: xp (TC*B, MP) | gates (B, MP) | h ping, pong (B, HS) | c (B, HP) | r (B, HP) | act (B) i32 | product scratch
  const xp = ws;
  const gates = xp + <usize>TC * b4 * MP;
  let hp = gates + b4 * MP;
  let hn = hp + b4 * HS;
  const c = hn + b4 * HS;
  const r = c + b4 * HP;
  const act = r + b4 * HP;
  const qs = act + ((b4 + 15) & ~15);

  // initial state; padding lanes stay zero so they never feed NaN into a product
  memory.fill(hp, 0, b4 * (2 * <usize>HS + 2 * <usize>HP));
  read_initial_state(blk, kind, B, hp, c, HS, HP, P, H, hsb, csb);

  const bias = spec_ptr(spec, SPEC_BIAS);
  for (let s0 = 0; s0 < T; s0 += TC) {
    const n = min(TC, T - s0);
    const ta = reverse ? T - s0 - n : s0; // first time step of this chunk
    // xp(t - ta, b) = bias + Wx @ x(t, b) for the chunk's steps
    if (xproj) {
      // nothing to compute: the rows are read in place below
    } else if (xst == B * xsb) {
      spec_product(spec, PRODUCT_WX, 0, xp, MP, bias, 0, x + <usize>ta * xst * 4, xsb, n * B, I, MP, 0, qs);
    } else {
      for (let b = 0; b < B; b++) {
        spec_product(spec, PRODUCT_WX, 0, xp + <usize>b * MP * 4, B * MP, bias, 0, x + (<usize>ta * xst + <usize>b * xsb) * 4, xst, n, I, MP, 0, qs);
      }
    }
    for (let s = 0; s < n; s++) {
      const t = reverse ? ta + n - 1 - s : ta + s;
      let nact = 0;
      for (let b = 0; b < B; b++) {
        const valid = (lens == 0 || t < load<i32>(lens + (<usize>b << 2))) &&
          (mask == 0 || load<i32>(mask + (<usize>t * mst + <usize>b * msb) * 4) != 0);
        if (valid) {
          store<i32>(act + (<usize>nact << 2), b);
          nact++;
        } else {
          const yb = y + (<usize>t * yst + <usize>b * ysb) * 4;
          if (y && hold) copy_f32(yb, hp + <usize>b * HS * 4, P);
          else if (y) memory.fill(yb, 0, <usize>P << 2);
          copy_f32(hn + <usize>b * HS * 4, hp + <usize>b * HS * 4, HS);
        }
      }
      const xpt = xproj ? x + <usize>t * b4 * MP : xp + <usize>(t - ta) * b4 * MP;
      if (kind == CELL_LSTM) lstm_step(spec, act, nact, xpt, hp, hn, HS, c, gates, r, qs);
      else if (kind == CELL_GRU) gru_step(spec, act, nact, xpt, hp, hn, HS, gates, r, qs);
      else rnn_step(spec, act, nact, xpt, hp, hn, HS, gates, qs);
      write_active_y(y, act, nact, t, yst, ysb, hn, HS, P);
      const swap = hp;
      hp = hn;
      hn = swap;
    }
  }

  write_final_state(blk, kind, B, hp, c, HS, HP, P, H, hsb, csb);
}

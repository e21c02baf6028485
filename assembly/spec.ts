// spec.ts: word offsets of the blocks the host writes for the kernels (one direction's spec, one run's io).
// Exported from index.ts as constants so that the host reads them from the wasm instead of copying them.

// Cell kinds (SPEC_KIND)
export const CELL_LSTM: i32 = 0;
export const CELL_GRU: i32 = 1;
export const CELL_RNN: i32 = 2;

// Flags (SPEC_FLAGS)
export const FLAG_REVERSE: i32 = 1; // walk time from T-1 down to 0
export const FLAG_INPUT_FORGET: i32 = 2; // LSTM: f = 1 - i
export const FLAG_LINEAR_BEFORE_RESET: i32 = 4; // GRU: n = g(xn + r * (Wn h + bn)) as PyTorch does
export const FLAG_Q8: i32 = 8; // Wx and Wh are int8-quantized panels (q8.ts) with row scales at SPEC_WX_SCALE, SPEC_WH_SCALE
export const FLAG_WX_WIDE: i32 = 16; // FLAG_Q8: Wx's quantized values are stored as int16
export const FLAG_WH_WIDE: i32 = 32; // FLAG_Q8: Wh's quantized values are stored as int16

// One direction of one recurrent layer: 32 words (i32 or f32) written once at plan time.
export const SPEC_KIND: i32 = 0; // CELL_*
export const SPEC_I: i32 = 1; // input width
export const SPEC_H: i32 = 2; // hidden units
export const SPEC_P: i32 = 3; // state width fed back: projection size, or H
export const SPEC_HP: i32 = 4; // H rounded up to 16: each gate's slice of the gate columns
export const SPEC_PP: i32 = 5; // projection rows rounded up to 16 (0 without projection)
export const SPEC_WX: i32 = 6; // panels of Wx, (G*HP) x I
export const SPEC_WH: i32 = 7; // panels of Wh, (G*HP) x P
export const SPEC_BIAS: i32 = 8; // (G*HP): bias added to the input projection
export const SPEC_BHN: i32 = 9; // (HP): GRU recurrent bias of n kept apart (linear_before_reset), else 0
export const SPEC_PEEP: i32 = 10; // (3, HP): peepholes i, f, o, or 0
export const SPEC_WR: i32 = 11; // panels of Wr, PP x H, or 0
export const SPEC_CLIP: i32 = 12; // f32: clip gate pre-activations to [-clip, clip]; 0 = no clip
export const SPEC_FLAGS: i32 = 13; // FLAG_*
export const SPEC_ACT: i32 = 14; // 3 activation codes (ACT_*): f, g, h
export const SPEC_ALPHA: i32 = 17; // 3 f32 alphas, same order
export const SPEC_BETA: i32 = 20; // 3 f32 betas, same order
export const SPEC_WX_SCALE: i32 = 23; // FLAG_Q8: (G*HP) f32 row scales of Wx
export const SPEC_WH_SCALE: i32 = 24; // FLAG_Q8: (G*HP) f32 row scales of Wh
export const SPEC_WORDS: i32 = 32;

// One run of one direction: 16 words, all i32. Strides count floats.
export const IO_T: i32 = 0; // steps
export const IO_B: i32 = 1; // batch items
export const IO_X: i32 = 2; // x(t, b) at X + (t*XST + b*XSB)*4, I floats
export const IO_XST: i32 = 3;
export const IO_XSB: i32 = 4;
export const IO_Y: i32 = 5; // y(t, b) at Y + (t*YST + b*YSB)*4, P floats; 0 = not wanted
export const IO_YST: i32 = 6;
export const IO_YSB: i32 = 7;
export const IO_LENS: i32 = 8; // i32 (B): valid steps of each item, each in [0, T]; 0 = all T
export const IO_H0: i32 = 9; // h0(b) at H0 + b*HSB*4, P floats; 0 = zeros
export const IO_C0: i32 = 10; // c0(b) at C0 + b*CSB*4, H floats; 0 = zeros
export const IO_HN: i32 = 11; // final h, same strides as H0; 0 = not wanted
export const IO_CN: i32 = 12; // final c, same strides as C0; 0 = not wanted
export const IO_HSB: i32 = 13;
export const IO_CSB: i32 = 14;
export const IO_MASK: i32 = 15; // i32 mask(t, b) at MASK + (t*MST + b*MSB)*4: 0 = step skipped; 0 = no mask
export const IO_MST: i32 = 16;
export const IO_MSB: i32 = 17;
export const IO_HOLD: i32 = 18; // 1: a skipped step outputs the state it kept (Keras); 0: zeros (ONNX)
export const IO_XPROJ: i32 = 19; // 1: X holds the input projection itself (bias + Wx x(t, b), float32 weights), time-major
//                                   rows of G*HP floats: row (t, b) at X + (t*B + b)*G*HP*4 (XST, XSB unused); 0: X is x
export const IO_WORDS: i32 = 20;

@inline export function gates_of(kind: i32): i32 {
  return kind == CELL_LSTM ? 4 : kind == CELL_GRU ? 3 : 1;
}

@inline export function spec_i32(spec: usize, field: i32): i32 {
  return load<i32>(spec + (<usize>field << 2));
}

@inline export function spec_f32(spec: usize, field: i32): f32 {
  return load<f32>(spec + (<usize>field << 2));
}

@inline export function spec_ptr(spec: usize, field: i32): usize {
  return <usize>load<u32>(spec + (<usize>field << 2));
}

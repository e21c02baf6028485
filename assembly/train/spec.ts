// train/spec.ts: word offsets of the train block — what one direction of one layer keeps from its forward pass
// for BPTT, and where its backward pass reads and writes. The host writes it per run; exported as constants.
// Layouts use the kernels' padded widths: HP (hidden, per gate), HS (state fed back: PP or HP), G gates.

export const TB_GATES: i32 = 0; // (T, B, G*HP): input projection, then each step's activated gates (RNN: h_t)
export const TB_HPREV: i32 = 1; // (T, B, HS): the state h fed into step t
export const TB_CPREV: i32 = 2; // LSTM (T, B, HP): the cell c before step t
export const TB_TANHC: i32 = 3; // LSTM (T, B, HP): tanh(c) after step t
export const TB_NL: i32 = 4; // GRU (T, B, HP): Wn h + bn (linear_before_reset), else r*h
export const TB_DGX: i32 = 5; // (T, B, G*HP): d loss / d gate pre-activations, as the input projection sees them
export const TB_DGH: i32 = 6; // GRU linear_before_reset (T, B, G*HP): as the recurrent product sees them (n: d/d(Wn h + bn)); 0: = DGX
export const TB_DHS: i32 = 7; // projection (T, B, PP): d loss / d h of each step, for dWr
export const TB_R: i32 = 8; // projection (T, B, HP): o*tanh(c), what Wr reads
export const TB_DY: i32 = 9; // d loss / dy(t, b) at DY + (t*DYST + b*DYSB)*4, P floats; 0 = none
export const TB_DYST: i32 = 10;
export const TB_DYSB: i32 = 11;
export const TB_DHN: i32 = 12; // d loss / d final h, at the strides of IO_H0 (IO_HSB); 0 = none
export const TB_DCN: i32 = 13; // d loss / d final c, at the strides of IO_C0 (IO_CSB); 0 = none
export const TB_DX: i32 = 14; // d loss / dx(t, b) at DX + (t*B + b)*DXSB*4 (time-major, as x), I floats; 0 = not wanted
export const TB_DXSB: i32 = 16;
export const TB_DXACC: i32 = 17; // 1: add to DX (the second direction of a layer), 0: overwrite
export const TB_DH0: i32 = 18; // out: d loss / d initial h (strides of IO_H0); 0 = not wanted
export const TB_DC0: i32 = 19; // out: d loss / d initial c (strides of IO_C0); 0 = not wanted
export const TB_WXT: i32 = 20; // panels of Wx^T: I rows (padded to 16), K = G*HP
export const TB_WHT: i32 = 21; // panels of Wh^T: HS rows, K = G*HP (GRU without linear_before_reset: r, z only, K = 2*HP)
export const TB_WHTN: i32 = 22; // GRU without linear_before_reset: panels of Wh[n]^T, HS rows, K = HP
export const TB_WRT: i32 = 23; // projection: panels of Wr^T, HP rows, K = P
export const TB_GWX: i32 = 24; // gradients, accumulated, in the padded master layouts: (G*HP, I)
export const TB_GWH: i32 = 25; // (G*HP, P)
export const TB_GBX: i32 = 26; // (G*HP)
export const TB_GBH: i32 = 27; // (G*HP)
export const TB_GWR: i32 = 28; // projection (PP, H)
// 1: the host has put the input projection (bias + Wx x) into GATES already and forms dWx and dx itself (an embedding
// in front: one row per token id, gathered), so the forward skips its projection GEMM and the backward its Wx products
export const TB_INPROJ: i32 = 29;
export const TB_WORDS: i32 = 32;

@inline export function tb_ptr(tb: usize, field: i32): usize {
  return <usize>load<u32>(tb + (<usize>field << 2));
}

@inline export function tb_i32(tb: usize, field: i32): i32 {
  return load<i32>(tb + (<usize>field << 2));
}

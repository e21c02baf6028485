// index.ts: the wasm ABI — the only file that exports. Pointers are byte addresses, sizes count floats.
export { arena_alloc, arena_mark, arena_reset } from './arena';
export { act_f32 } from './activations';
export { gemm_panel16_f32, gemv_panel16_f32, matmul_panel16_f32, pack_panel16_f32, pack_panel16_strided_f32 } from './gemm';
export {
  BIN_ADD, BIN_DIV, BIN_MUL, BIN_POW, BIN_SUB, PAD_CONSTANT, PAD_EDGE, PAD_REFLECT, PAD_WRAP, binary4_f32, copy4_f32, find_nonfinite_f32, gather_f32,
  im2col1d_f32, pad_axis_f32, reduce_max_f32, reduce_sum_f32, softmax_f32,
} from './ops';
export { recurrent_seq_f32, recurrent_workspace_bytes } from './seq';
export { gemv_q8, pack_q8_f32, q8_panel_bytes_of, quant_i16_f32 } from './q8';
export {
  ACT_AFFINE, ACT_COUNT, ACT_ELU, ACT_HARD_SIGMOID, ACT_LEAKY_RELU, ACT_RELU, ACT_SCALED_TANH, ACT_SELU, ACT_SIGMOID,
  ACT_SOFTPLUS, ACT_SOFTSIGN, ACT_SQRT, ACT_TANH, ACT_THRESHOLDED_RELU,
} from './activations';
export {
  CELL_GRU, CELL_LSTM, CELL_RNN, FLAG_INPUT_FORGET, FLAG_LINEAR_BEFORE_RESET, FLAG_Q8, FLAG_REVERSE, FLAG_WH_WIDE, FLAG_WX_WIDE, IO_B, IO_C0, IO_CN, IO_CSB,
  IO_H0, IO_HN, IO_HOLD, IO_HSB, IO_LENS, IO_MASK, IO_MSB, IO_MST, IO_T, IO_WORDS, IO_X, IO_XPROJ, IO_XSB, IO_XST, IO_Y, IO_YSB, IO_YST, SPEC_ACT, SPEC_ALPHA,
  SPEC_BETA, SPEC_BHN, SPEC_BIAS, SPEC_CLIP, SPEC_FLAGS, SPEC_H, SPEC_HP, SPEC_I, SPEC_KIND, SPEC_P, SPEC_PEEP, SPEC_PP,
  SPEC_WH, SPEC_WH_SCALE, SPEC_WORDS, SPEC_WR, SPEC_WX, SPEC_WX_SCALE,
} from './spec';
export { ATT_ADDITIVE, ATT_DOT, attn_additive_f32, attn_context_f32, attn_dot_f32, masked_softmax_f32 } from './attention';
export {
  DEC_BC, DEC_BO, DEC_BQ, DEC_CELL, DEC_DENC, DEC_E, DEC_EMB, DEC_F, DEC_FEED, DEC_H, DEC_HP, DEC_K, DEC_KIN, DEC_L, DEC_LAYERS, DEC_OUT,
  DEC_SCORE, DEC_STYLE, DEC_V, DEC_VATT, DEC_VP, DEC_WC, DEC_WC2, DEC_WO, DEC_WORDS, DEC_WQ, DEC_WQT, DEC_WXR, DEC_XTAB, DIO_ATTN,
  DIO_CMEM, DIO_FROM, DIO_KEYS, DIO_LDC, DIO_LDK, DIO_LDM, DIO_LENS, DIO_LOGITS, DIO_MEM, DIO_N, DIO_S, DIO_SENT, DIO_SIN, DIO_SOUT,
  DIO_TOKENS, DIO_WORDS, OUT_ATTENTIONAL, OUT_HIDDEN,
  OUT_HIDDEN_CONTEXT, STYLE_BAHDANAU, STYLE_LUONG, decoder_row_floats, decoder_step_f32, decoder_workspace_bytes,
} from './decoder';
export { axpy_f32, dot_f32, matmul_small_f32 } from './vec';
export {
  W2V_CBOW_MEAN, W2V_CODES, W2V_CODE_AT, W2V_CUM, W2V_DIM, W2V_DP, W2V_EXP, W2V_EXP_TABLE_SIZE, W2V_MAX_SENTENCE, W2V_NEGATIVE, W2V_NEU1,
  W2V_POINTS, W2V_RANDOM, W2V_RANDOM_WINDOW, W2V_ENDS, W2V_ALPHAS, W2V_GUIDE, W2V_GUIDE_SHIFT, W2V_SAMPLE, W2V_SENT, W2V_SG, W2V_SHRINK, W2V_SYN0, W2V_SYN1, W2V_SYN1NEG, W2V_VOCAB, W2V_WINDOW, W2V_WORDS,
  W2V_WORK, w2v_train_f32,
} from './word2vec';
export { scores_f32, scores_q8, topk_f32 } from './search';

// train.ts: the ABI of the training core (build/lstm-train.wasm) — everything index.ts exports, plus BPTT
// (seq_train.ts, seq_bwd.ts and the *_bwd.ts step rules), weight-gradient pieces, losses, optimizers and layer ops.
// A separate module so that inference (lstm.wasm) does not carry the training kernels.
export * from './index';
export { recurrent_train_fwd_f32 } from './seq_train';
export { recurrent_bwd_f32, train_workspace_bytes } from './seq_bwd';
export { attn_additive_bwd_f32, attn_context_bwd_f32, attn_dot_bwd_f32 } from './attention_bwd';
export { colsum_add_f32, pack_cols16_f32, transpose_f32, wgrad_f32, wgrad_t_f32 } from './train/wgrad';
export { gemm_blocked_f32 } from './train/gemm_blocked';
export { bce_logits_f32, mse_f32, softmax_xent_f32 } from './train/loss';
export { adam_f32, clamp_f32, scale_f32, sgd_f32, sumsq_f32 } from './train/optim';
export { POOL_LAST, POOL_MAX, POOL_MEAN, act_bwd_f32, add_f32, mul_f32, pool_bwd_f32, pool_f32, scatter_add_rows_f32 } from './train/ops';
export {
  TB_CPREV, TB_DC0, TB_DCN, TB_DGH, TB_DGX, TB_DH0, TB_DHN, TB_DHS, TB_DX, TB_DXACC, TB_DXSB, TB_DY, TB_DYSB, TB_DYST, TB_GATES,
  TB_GBH, TB_GBX, TB_GWH, TB_GWR, TB_GWX, TB_HPREV, TB_INPROJ, TB_NL, TB_R, TB_TANHC, TB_WHT, TB_WHTN, TB_WORDS, TB_WRT, TB_WXT,
} from './train/spec';

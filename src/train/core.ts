// train/core.ts: the wasm exports training uses (assembly/index.ts, "training"), and the per-run context layers share.
import { check } from '../errors.js';
import type { Rng } from '../decode/rng.js';
import { type CoreConstants, type CoreExports, type Runtime, compileCore, hasRelaxedSimd } from '../runtime.js';
import type { ParamStore, ParamSpec } from './params.js';

/** The training kernels of the core, beside the inference ones in CoreExports. Pointers are byte addresses. */
export interface TrainCore extends CoreExports {
  recurrent_train_fwd_f32(spec: number, io: number, tb: number, ws: number): void;
  recurrent_bwd_f32(spec: number, io: number, tb: number, ws: number): void;
  /** f64, so sizes past 4 GiB do not wrap */
  train_workspace_bytes(kind: number, HP: number, PP: number, B: number, T: number, I: number): number;
  transpose_f32(dst: number, ldd: number, src: number, lds: number, R: number, C: number): void;
  pack_cols16_f32(panels: number, src: number, K: number, M: number, lds: number): void;
  colsum_add_f32(out: number, x: number, R: number, C: number, ld: number): void;
  gemm_blocked_f32(c: number, ldc: number, init: number, ldi: number, a: number, lda: number, N: number, K: number, panels: number, M: number, rows: number): void;
  wgrad_f32(gw: number, ldw: number, g: number, ldg: number, x: number, ldx: number, N: number, M: number, K: number, gt: number, panels: number): void;
  softmax_xent_f32(dl: number, logits: number, ids: number, N: number, C: number, ld: number, ignore: number, scale: number): number;
  mse_f32(dy: number, y: number, t: number, n: number, scale: number): number;
  bce_logits_f32(dx: number, x: number, t: number, n: number, scale: number): number;
  sgd_f32(p: number, g: number, buf: number, n: number, lr: number, momentum: number, keep: number, wd: number, nesterov: number, first: number): void;
  adam_f32(p: number, g: number, m: number, v: number, n: number, decay: number, b1: number, c1: number, b2: number, c2: number,
    eps: number, wd: number, step: number, bc2: number): void;
  sumsq_f32(x: number, n: number): number;
  scale_f32(x: number, n: number, s: number): void;
  clamp_f32(x: number, n: number, lo: number, hi: number): void;
  scatter_add_rows_f32(dw: number, ldw: number, dx: number, ldx: number, ids: number, N: number, E: number): void;
  pool_f32(mode: number, out: number, arg: number, y: number, lens: number, T: number, B: number, F: number): void;
  pool_bwd_f32(mode: number, dy: number, dout: number, arg: number, lens: number, T: number, B: number, F: number): void;
  act_bwd_f32(code: number, dx: number, dy: number, y: number, n: number): void;
  mul_f32(out: number, a: number, b: number, n: number): void;
  add_f32(dst: number, src: number, n: number): void;
}

/** The core's training exports; a core built without them (an older lstm.wasm) is a RUNTIME error. */
export function trainCore(rt: Runtime): TrainCore {
  const core = rt.core as TrainCore;
  check(typeof core.recurrent_bwd_f32 === 'function', 'RUNTIME', 'the wasm core has no training kernels (recurrent_bwd_f32); training needs lstm-train.wasm (lstm-wasm/lstm-train.wasm)');
  return core;
}

/** A value flowing between layers in wasm: a time-major sequence (T, B, F) or rows (N, F); contiguous. */
export type Act = { seq: true; ptr: number; T: number; B: number; F: number } | { seq: false; ptr: number; N: number; F: number };

export const rowsOf = (a: Act) => (a.seq ? a.T * a.B : a.N);

/** One forward-and-backward run: sizes, lengths, and a bump allocator over the run region (reset by the next run). */
export interface Run {
  rt: Runtime;
  core: TrainCore;
  k: CoreConstants;
  T: number;
  B: number;
  /** i32 (B) valid steps per item in wasm, or 0 (all T) */
  lens: number;
  training: boolean;
  /** dropout masks */
  rng: Rng;
  /** bytes in the run region, 16-aligned */
  alloc(bytes: number, what: string): number;
  /**
   * Set when token ids feed a recurrent layer through an embedding and the vocabulary is smaller than the run's T*B:
   * the first recurrent layer then projects each vocabulary row once (V x E x G*H instead of T*B x E x G*H) and gathers
   * the gate inputs by id, and forms dWx and d embedding from the gate gradients summed per id.
   */
  embed?: FusedEmbedding;
}

/** The embedding in front of a fused first recurrent layer: its table, gradient and this run's ids, in wasm. */
export interface FusedEmbedding {
  ids: number;
  V: number;
  E: number;
  weight: number;
  /** 0 when the embedding is frozen (no gradient) */
  grad: number;
}

/** A layer as the network runs it: parameters declared, bound to wasm, packed after each update, run forward and back. */
export interface LayerImpl {
  readonly name: string;
  /** Width of each output row. */
  readonly outSize: number;
  /** Whether the output is still a sequence (else one row per item). */
  readonly outSeq: boolean;
  specs(): ParamSpec[];
  bind(store: ParamStore): void;
  /** Rebuilds the packed copies of the weights the kernels stream (after the values changed). */
  pack(): void;
  forward(run: Run, x: Act): Act;
  /** d loss / d output in (the layer may overwrite it); returns d loss / d input, or 0 when needDx is false. */
  backward(run: Run, dy: number, needDx: boolean): number;
}

let trainModule: Promise<WebAssembly.Module> | undefined;

/** The training core shipped beside this file (lstm-train.wasm, or its relaxed-SIMD build), compiled once. */
export function trainWasm(): Promise<WebAssembly.Module> {
  const url = new URL(hasRelaxedSimd() ? './lstm-train-relaxed.wasm' : './lstm-train.wasm', import.meta.url);
  trainModule ??= compileCore(url).catch((e) => {
    trainModule = undefined;
    throw e;
  });
  return trainModule;
}

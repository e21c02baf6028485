// runtime.ts: compile the wasm core once from wherever it lives and give each session its own instance.
import { LstmWasmError, check } from './errors.js';
import { type ByteSource, readBytes } from './io.js';

/** A compiled module (required on Cloudflare Workers), its bytes, or where to read them. */
export type WasmSource = WebAssembly.Module | ByteSource;

/** The functions the wasm exports (see assembly/index.ts). Pointers are byte addresses. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  arena_alloc(bytes: number): number;
  arena_mark(): number;
  arena_reset(mark: number): void;
  act_f32(code: number, out: number, x: number, n: number, alpha: number, beta: number): void;
  pack_panel16_f32(panels: number, w: number, M: number, K: number, ldw: number): void;
  gemv_panel16_f32(y: number, init: number, panels: number, x: number, K: number, M: number): void;
  gemm_panel16_f32(c: number, ldc: number, init: number, ldi: number, a: number, lda: number, N: number, K: number,
    panels: number, M: number, rows: number): void;
  recurrent_seq_f32(spec: number, io: number, ws: number): void;
  pack_panel16_strided_f32(panels: number, w: number, M: number, K: number, rs: number, cs: number, scale: number): void;
  matmul_panel16_f32(c: number, ldc: number, init: number, ldi: number, a: number, lda: number, N: number, K: number,
    panels: number, M: number): void;
  binary4_f32(op: number, out: number, a: number, b: number, shape: number, as: number, bs: number, s: number): void;
  copy4_f32(dst: number, ds: number, src: number, ss: number, shape: number): void;
  gather_f32(out: number, data: number, ids: number, outer: number, dim: number, inner: number, m: number): void;
  softmax_f32(out: number, x: number, outer: number, n: number, inner: number, log: number): void;
  reduce_sum_f32(out: number, x: number, outer: number, n: number, inner: number, scale: number): void;
  find_nonfinite_f32(x: number, n: number): number;
  reduce_max_f32(out: number, x: number, outer: number, n: number, inner: number): void;
  pad_axis_f32(out: number, x: number, outer: number, L: number, inner: number, left: number, right: number, mode: number, value: number): void;
  im2col1d_f32(cols: number, x: number, C: number, L: number, K: number, stride: number, dilation: number, padL: number, Lout: number): void;
  /** f64, so sizes past 4 GiB do not wrap */
  recurrent_workspace_bytes(kind: number, HP: number, PP: number, B: number, K: number): number;
  pack_q8_f32(panels: number, scales: number, w: number, M: number, K: number, ldw: number, wide: number): void;
  q8_panel_bytes_of(M: number, K: number, wide: number): number;
  attn_dot_f32(scores: number, q: number, keys: number, n: number, K: number, ldk: number): void;
  attn_additive_f32(scores: number, qp: number, keys: number, v: number, n: number, A: number, ldk: number): void;
  masked_softmax_f32(w: number, x: number, n: number, total: number): void;
  attn_context_f32(ctx: number, w: number, mem: number, n: number, D: number, ldm: number): void;
  decoder_step_f32(spec: number, io: number, ws: number): void;
  decoder_row_floats(spec: number): number;
  /** f64, so sizes past 4 GiB do not wrap */
  decoder_workspace_bytes(spec: number, N: number, S: number): number;
  dot_f32(x: number, y: number, n: number): number;
  axpy_f32(y: number, a: number, x: number, n: number): void;
  matmul_small_f32(out: number, a: number, b: number, M: number, K: number, N: number): void;
  /** word2vec (assembly/word2vec.ts): trains on sentences s0..s1-1; returns the words kept by subsampling */
  w2v_train_f32(cfg: number, words: number, bounds: number, s0: number, s1: number, alpha0: number, alpha1: number): number;
  scores_f32(out: number, mat: number, rows: number, n: number, stride: number, q: number, inv: number): void;
  scores_q8(out: number, mat: number, scales: number, rows: number, n: number, stride: number, q: number, qscale: number): void;
  topk_f32(idx: number, val: number, scores: number, n: number, k: number): number;
}

/** The constants the wasm exports (SPEC_*, IO_*, CELL_*, FLAG_*, ACT_*), read once per module. */
export type CoreConstants = Record<string, number>;

let defaultModule: Promise<WebAssembly.Module> | undefined;

/** (module (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0)))) */
function relaxedProbe(): Uint8Array {
  const zero = () => [0xfd, 0x0c, ...new Array(16).fill(0)];
  const body = [0x00, ...zero(), ...zero(), ...zero(), 0xfd, 0x85, 0x02, 0x0b];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
    0x03, 0x02, 0x01, 0x00, // one function of type 0
    0x0a, body.length + 2, 0x01, body.length, ...body, // code
  ]);
}

/** Whether this engine runs relaxed SIMD (fused multiply-add): Chromium does; Node 20 needs --experimental-wasm-relaxed-simd. */
export function hasRelaxedSimd(): boolean {
  try {
    return WebAssembly.validate(relaxedProbe() as BufferSource);
  } catch {
    return false;
  }
}

/**
 * A file shipped in dist/ (lstm.wasm, models/silero_vad.onnx). This module may be bundled into dist/index.js or into a
 * shared chunk in dist/chunks/ (esbuild's chunkNames in scripts/build.mjs): the URL is made from either place.
 */
export function assetUrl(path: string): URL {
  return new URL(`${/\/chunks\/[^/]*$/.test(import.meta.url) ? '../' : './'}${path}`, import.meta.url);
}

/** The module shipped beside this file: dist/lstm-relaxed.wasm where relaxed SIMD exists, else dist/lstm.wasm. */
export function defaultWasmUrl(): URL {
  return assetUrl(hasRelaxedSimd() ? 'lstm-relaxed.wasm' : 'lstm.wasm');
}

async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  const bytes = await readBytes(source);
  try {
    return await WebAssembly.compile(bytes as BufferSource);
  } catch (e) {
    throw new LstmWasmError('RUNTIME', `cannot compile the wasm core: ${(e as Error).message}; where wasm cannot be compiled at ` +
      'run time (Cloudflare Workers, workerd), import lstm.wasm (lstm-wasm/lstm.wasm) as a module and pass it as the `wasm` option');
  }
}

/** Compiles the wasm core (the shipped one when `source` is omitted; that one is compiled once and cached). */
export function compileCore(source?: WasmSource): Promise<WebAssembly.Module> {
  if (source !== undefined) return compile(source);
  defaultModule ??= compile(defaultWasmUrl()).catch((e) => {
    defaultModule = undefined;
    throw e;
  });
  return defaultModule;
}

/** The default wasm memory limit of a session: 1 GiB, well inside what a browser tab can hold. */
export const DEFAULT_MAX_MEMORY = 2 ** 30;

/** One instance of the core: its own linear memory, arena and views. */
export class Runtime {
  readonly core: CoreExports;
  readonly k: CoreConstants;

  private constructor(instance: WebAssembly.Instance) {
    this.core = instance.exports as unknown as CoreExports;
    const k: CoreConstants = {};
    for (const [name, v] of Object.entries(instance.exports)) {
      if (v instanceof WebAssembly.Global) k[name] = v.value as number;
    }
    this.k = k;
  }

  /** wasm memory this runtime may grow to (SessionOptions.maxMemoryBytes) */
  maxMemoryBytes = DEFAULT_MAX_MEMORY;

  static async create(source?: WasmSource): Promise<Runtime> {
    const module = await compileCore(source);
    let instance: WebAssembly.Instance;
    try {
      instance = await WebAssembly.instantiate(module, {});
    } catch (e) {
      throw new LstmWasmError('RUNTIME', `cannot instantiate the wasm core: ${(e as Error).message}`);
    }
    check(typeof (instance.exports as Record<string, unknown>).recurrent_seq_f32 === 'function', 'RUNTIME',
      'the wasm module given is not the lstm-wasm core (no recurrent_seq_f32 export)');
    return new Runtime(instance);
  }

  /** Bytes of linear memory now. */
  get memoryBytes(): number {
    return this.core.memory.buffer.byteLength;
  }

  /** Reserves `bytes` in the arena (16-aligned); throws MEMORY when memory cannot grow. */
  alloc(bytes: number, what: string): number {
    const after = this.mark() + bytes;
    if (after > this.maxMemoryBytes) {
      throw new LstmWasmError('MEMORY', `${what} needs ${bytes} bytes; with the ${this.mark()} already in use that passes maxMemoryBytes ` +
        `(${this.maxMemoryBytes}); raise the option if the model and inputs really need it`);
    }
    const ptr = bytes <= 0xffff_fff0 ? this.core.arena_alloc(bytes) >>> 0 : 0;
    if (ptr === 0) {
      throw new LstmWasmError('MEMORY',
        `cannot allocate ${bytes} bytes for ${what}: wasm memory is ${this.memoryBytes} bytes and cannot grow further`);
    }
    return ptr;
  }

  mark(): number {
    return this.core.arena_mark() >>> 0;
  }

  reset(mark: number): void {
    this.core.arena_reset(mark);
  }

  /** A fresh view (views die when memory grows, so never keep one across an alloc). */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.core.memory.buffer, ptr, n);
  }

  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.core.memory.buffer, ptr, n);
  }
}

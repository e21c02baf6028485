// text/core.ts: the wasm core for lstm-wasm/text — its own small loader, so that runtime.ts stays inside dist/index.js
// (a module both entries imported would move to a chunk, and runtime.ts finds lstm.wasm beside itself).
import { LstmWasmError, check } from '../errors.js';
import { readBytes } from '../io.js';
import type { CoreExports, WasmSource } from '../runtime.js';

let shipped: Promise<WebAssembly.Module> | undefined;

/**
 * The plain-SIMD build (dist/lstm.wasm), also where relaxed SIMD exists: training and search then give the same
 * numbers on every engine (relaxed SIMD's fused multiply-add rounds differently).
 */
function compile(source?: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  const go = async () => {
    const bytes = await readBytes(source ?? new URL('./lstm.wasm', import.meta.url));
    try {
      return await WebAssembly.compile(bytes as BufferSource);
    } catch (e) {
      throw new LstmWasmError('RUNTIME', `cannot compile the wasm core: ${(e as Error).message}; where wasm cannot be compiled at run time, ` +
        'pass the compiled lstm.wasm as the `wasm` option');
    }
  };
  if (source !== undefined) return go();
  shipped ??= go().catch((e) => {
    shipped = undefined;
    throw e;
  });
  return shipped;
}

/** One instance of the core with its own memory: arena allocations and fresh views (see runtime.ts's Runtime). */
export class TextCore {
  private constructor(readonly core: CoreExports, readonly k: Record<string, number>) {}

  static async create(source?: WasmSource): Promise<TextCore> {
    const instance = await WebAssembly.instantiate(await compile(source), {}).catch((e: Error) => {
      throw new LstmWasmError('RUNTIME', `cannot instantiate the wasm core: ${e.message}`);
    });
    const ex = instance.exports as Record<string, unknown>;
    check(typeof ex.w2v_train_f32 === 'function' && typeof ex.topk_f32 === 'function', 'RUNTIME',
      'the wasm module given is not an lstm-wasm core with the word-vector kernels (no w2v_train_f32 export)');
    const k: Record<string, number> = {};
    for (const [name, v] of Object.entries(ex)) if (v instanceof WebAssembly.Global) k[name] = v.value as number;
    return new TextCore(ex as unknown as CoreExports, k);
  }

  /** Reserves `bytes` in the arena (16-aligned); throws MEMORY when memory cannot grow. */
  alloc(bytes: number, what: string): number {
    const ptr = bytes <= 0xffff_fff0 ? this.core.arena_alloc(bytes) >>> 0 : 0;
    if (ptr === 0) {
      throw new LstmWasmError('MEMORY', `cannot allocate ${bytes} bytes for ${what}: wasm memory is ${this.core.memory.buffer.byteLength} bytes and cannot grow further`);
    }
    return ptr;
  }

  get buffer(): ArrayBuffer {
    return this.core.memory.buffer;
  }

  /** A fresh view (views die when memory grows, so never keep one across an alloc). */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.core.memory.buffer, ptr, n);
  }

  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.core.memory.buffer, ptr, n);
  }
}

// text/core.ts: the wasm core for lstm-wasm/text — its own small loader, so that runtime.ts stays inside dist/index.js
// (a module both entries imported would move to a chunk, and runtime.ts finds lstm.wasm beside itself).
import { LstmWasmError, check } from '../errors.js';
import { readBytes } from '../io.js';
import type { CoreExports, WasmSource } from '../runtime.js';

const shipped: Partial<Record<'plain' | 'shared', Promise<WebAssembly.Module>>> = {};

/**
 * The plain-SIMD build (dist/lstm.wasm), also where relaxed SIMD exists: training and search then give the same
 * numbers on every engine (relaxed SIMD's fused multiply-add rounds differently); with `shared`, the same kernels
 * built to import a shared memory (dist/lstm-shared.wasm), for word2vec's workers.
 */
function compile(source: WasmSource | undefined, shared: boolean): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  const go = async () => {
    const bytes = await readBytes(source ?? (shared ? new URL('./lstm-shared.wasm', import.meta.url) : new URL('./lstm.wasm', import.meta.url)));
    try {
      return await WebAssembly.compile(bytes as BufferSource);
    } catch (e) {
      throw new LstmWasmError('RUNTIME', `cannot compile the wasm core: ${(e as Error).message}; where wasm cannot be compiled at run time, ` +
        'pass the compiled lstm.wasm as the `wasm` option');
    }
  };
  if (source !== undefined) return go();
  const kind = shared ? 'shared' : 'plain';
  shipped[kind] ??= go().catch((e) => {
    shipped[kind] = undefined;
    throw e;
  });
  return shipped[kind]!;
}

/** One instance of the core with its own memory: arena allocations and fresh views (see runtime.ts's Runtime). */
export class TextCore {
  private constructor(readonly core: CoreExports, readonly k: Record<string, number>, readonly module: WebAssembly.Module, readonly memory: WebAssembly.Memory) {}

  /** An instance with its own memory; `shared`: a shared memory (SharedArrayBuffer) that workers can instantiate on too. */
  static async create(source?: WasmSource, shared = false): Promise<TextCore> {
    const module = await compile(source, shared);
    const wantsMemory = WebAssembly.Module.imports(module).some((i) => i.kind === 'memory');
    check(wantsMemory === shared, 'RUNTIME', shared
      ? 'workers > 1 need the shared-memory build of the core (lstm-shared.wasm) as the `wasm` option'
      : 'the wasm given imports its memory (lstm-shared.wasm); give lstm.wasm, or use it with workers > 1');
    let memory: WebAssembly.Memory | undefined;
    if (shared) {
      check((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false, 'UNSUPPORTED',
        'workers > 1 share wasm memory between threads, which a page may do only when cross-origin isolated (serve it with ' +
        'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp); or train with workers: 1');
      try {
        memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
      } catch (e) {
        throw new LstmWasmError('UNSUPPORTED', `workers > 1 need a shared wasm memory, which this engine refuses (${(e as Error).message}); ` +
          'in browsers the page must be cross-origin isolated (COOP/COEP headers); or train with workers: 1');
      }
    }
    const instance = await WebAssembly.instantiate(module, memory ? { env: { memory } } : {}).catch((e: Error) => {
      throw new LstmWasmError('RUNTIME', `cannot instantiate the wasm core: ${e.message}`);
    });
    const ex = instance.exports as Record<string, unknown>;
    check(typeof ex.w2v_train_f32 === 'function' && typeof ex.topk_f32 === 'function', 'RUNTIME',
      'the wasm module given is not an lstm-wasm core with the word-vector kernels (no w2v_train_f32 export)');
    const k: Record<string, number> = {};
    for (const [name, v] of Object.entries(ex)) if (v instanceof WebAssembly.Global) k[name] = v.value as number;
    return new TextCore(ex as unknown as CoreExports, k, module, memory ?? (ex.memory as WebAssembly.Memory));
  }

  /** Reserves `bytes` in the arena (16-aligned); throws MEMORY when memory cannot grow. */
  alloc(bytes: number, what: string): number {
    const ptr = bytes <= 0xffff_fff0 ? this.core.arena_alloc(bytes) >>> 0 : 0;
    if (ptr === 0) {
      throw new LstmWasmError('MEMORY', `cannot allocate ${bytes} bytes for ${what}: wasm memory is ${this.buffer.byteLength} bytes and cannot grow further`);
    }
    return ptr;
  }

  /** The memory's bytes now (an ArrayBuffer, or a SharedArrayBuffer for a shared core). */
  get buffer(): ArrayBuffer {
    return this.memory.buffer as ArrayBuffer;
  }

  /** A fresh view (views die when memory grows, so never keep one across an alloc). */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.buffer, ptr, n);
  }

  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.buffer, ptr, n);
  }
}

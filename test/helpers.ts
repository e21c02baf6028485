// test/helpers.ts: fixtures, the reference tolerance, and direct access to the wasm core for kernel tests.
import { readFileSync } from 'node:fs';
import { type LstmWasmError, Tensor, readNpy } from 'lstm-wasm';
import { expect } from 'vitest';

export const root = new URL('../', import.meta.url);
export const fixturePath = (rel: string) => new URL(`test/fixtures/${rel}`, root).pathname;
export const readFixture = (rel: string) => new Uint8Array(readFileSync(fixturePath(rel)));
export const npy = (rel: string) => readNpy(readFixture(rel), rel);
export const json = <T = any>(rel: string): T => JSON.parse(readFileSync(fixturePath(rel), 'utf8'));

/** The reference match of DESIGN.md: |ours - ref| <= tol * max(1, |ref|) on every element. Returns the worst ratio. */
export function expectClose(actual: Tensor, ref: Tensor, what: string, tol = 1e-5): number {
  expect(actual.dims, `${what}: dims`).toEqual(ref.dims);
  let worst = 0, at = -1;
  const a = actual.data as Float32Array, r = ref.data as Float32Array;
  for (let i = 0; i < r.length; i++) {
    // equal values (infinities too) and NaN where the reference has NaN match exactly
    const e = a[i] === r[i] || (Number.isNaN(a[i]) && Number.isNaN(r[i])) ? 0 : Math.abs(a[i] - r[i]) / Math.max(1, Math.abs(r[i]));
    if (!(e <= worst)) [worst, at] = [e, i]; // NaN counts as the worst
  }
  if (!(worst <= tol)) {
    expect.fail(`${what}: element ${at} is ${a[at]}, reference ${r[at]} (error ${worst} > ${tol})`);
  }
  return worst;
}

/** Asserts that `fn` throws (or rejects with) an LstmWasmError with this code and a message matching `re`. */
export async function expectError(fn: () => unknown, code: string, re: RegExp): Promise<LstmWasmError> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  // by name: tests of internal modules (src/) and of the bundle (dist/) each have their own copy of the class
  expect((err as Error)?.name, `expected an LstmWasmError, got ${String(err)}`).toBe('LstmWasmError');
  const e = err as LstmWasmError;
  expect(`${e.code}: ${e.message}`).toMatch(new RegExp(`^${code}: .*${re.source}`, re.flags));
  return e;
}

/** A raw instance of build/lstm.wasm (or another build, e.g. build/lstm-train.wasm) with helpers for kernel tests. */
export async function core(file = 'build/lstm.wasm') {
  const bytes = readFileSync(new URL(file, root));
  const { instance } = await WebAssembly.instantiate(bytes);
  const ex = instance.exports as Record<string, any>;
  const k: Record<string, number> = {};
  for (const [name, v] of Object.entries(ex)) if (v instanceof WebAssembly.Global) k[name] = v.value;
  const mem = ex.memory as WebAssembly.Memory;
  return {
    ex,
    k,
    alloc: (bytes: number): number => ex.arena_alloc(bytes) >>> 0,
    f32: (ptr: number, n: number) => new Float32Array(mem.buffer, ptr, n),
    i32: (ptr: number, n: number) => new Int32Array(mem.buffer, ptr, n),
    mark: (): number => ex.arena_mark() >>> 0,
    reset: (m: number) => ex.arena_reset(m),
  };
}

/** Deterministic uniform numbers in [-1, 1) (xorshift32). */
export function rng(seed = 1) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 31 - 1;
  };
}

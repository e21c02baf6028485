// test/fuzz/exercise.ts: the property every input must have — it loads and runs with outputs of the declared shape,
// or throws LstmWasmError with a code; never another exception, a wasm trap, a hang or memory past the limit.
import { InferenceSession, LstmWasmError, Tensor, readNpy } from 'lstm-wasm';
import { loadKeras } from 'lstm-wasm/keras';
import { KeyedVectors } from 'lstm-wasm/text';
import type { FuzzCase } from './cases';

export const MEMORY_LIMIT = 256 * 2 ** 20;
const CASE_MS = 10_000;

/** A feed for each required input: free dims 2 or 3, floats small, ids small. */
function feedsFor(s: InferenceSession): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const info of s.inputMetadata) {
    if (info.optional) continue;
    const dims = info.dims.map((d, i) => (typeof d === 'number' ? d : 2 + (i % 2)));
    const n = dims.reduce((a, b) => a * b, 1);
    if (n > 1 << 20) continue; // a declared size too big to feed: the run would be refused for the missing input
    const type = info.types[0];
    if (type === 'float32') feeds[info.name] = new Tensor('float32', Float32Array.from({ length: n }, (_, i) => Math.sin(i)), dims);
    else if (type === 'int64') feeds[info.name] = new Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 3)), dims);
    else if (type === 'int32') feeds[info.name] = new Tensor('int32', Int32Array.from({ length: n }, (_, i) => i % 3), dims);
    else feeds[info.name] = new Tensor('bool', Uint8Array.from({ length: n }, (_, i) => i % 2), dims);
  }
  return feeds;
}

/** Anything but an LstmWasmError with a code is a failure (rethrown with the case named). */
function coded(e: unknown, c: FuzzCase): string {
  if (e instanceof Error && e.name === 'LstmWasmError' && typeof (e as LstmWasmError).code === 'string') return (e as LstmWasmError).code;
  const err = new Error(`${c.what}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
  (err as Error & { cause?: unknown }).cause = e;
  throw err;
}

/** Runs one case; returns 'ok' or the error code it ended with. */
export async function exercise(c: FuzzCase): Promise<string> {
  // CPU time, not wall time: a run starved by other processes is not a hang, a loop that spins is
  const c0 = process.cpuUsage();
  const done = (outcome: string) => {
    const cpu = process.cpuUsage(c0), ms = (cpu.user + cpu.system) / 1000;
    if (ms > CASE_MS) throw new Error(`${c.what}: took ${ms.toFixed(0)} ms of CPU (a hang?)`);
    return outcome;
  };
  if (c.format === 'npy') {
    try {
      const t = readNpy(c.bytes!, 'fuzz.npy');
      if (t.data.length !== t.dims.reduce((a, b) => a * b, 1)) throw new Error(`${c.what}: npy dims ${t.dims} but ${t.data.length} values`);
      return done('ok');
    } catch (e) {
      return done(coded(e, c));
    }
  }
  if (c.format === 'vectors') {
    let kv: KeyedVectors | undefined;
    try {
      kv = await KeyedVectors.load(c.bytes!, { name: 'fuzz.vec' });
      if (kv.keys.length !== kv.size || kv.size < 1 || kv.vectorSize < 1) throw new Error(`${c.what}: ${kv.size} words, ${kv.keys.length} keys, size ${kv.vectorSize}`);
      for (let i = 0; i < kv.size; i++) {
        if (kv.row(i).length !== kv.vectorSize || kv.row(i).some((v) => !Number.isFinite(v))) throw new Error(`${c.what}: row ${i} is not ${kv.vectorSize} finite numbers`);
      }
      const near = kv.similarByWord(kv.keys[0], 3);
      if (near.some(([, score]) => !(Math.abs(score) <= 1.0001))) throw new Error(`${c.what}: a cosine outside [-1, 1]: ${JSON.stringify(near)}`);
      return done('ok');
    } catch (e) {
      if (e instanceof Error && e.message.startsWith(c.what)) throw e;
      return done(coded(e, c));
    }
  }
  let s: InferenceSession | undefined;
  try {
    const options = { maxMemoryBytes: MEMORY_LIMIT };
    s = c.artifacts
      ? await InferenceSession.create(await loadKeras(c.artifacts as never), options)
      : await InferenceSession.create(c.bytes!, { format: c.format, ...options });
  } catch (e) {
    return done(coded(e, c));
  }
  try {
    const out = await s.run(feedsFor(s));
    for (const info of s.outputMetadata) {
      const t = out[info.name];
      if (!t) throw new Error(`${c.what}: output '${info.name}' missing`);
      const declared = info.dims.length === t.dims.length && info.dims.every((d, i) => typeof d !== 'number' || d === t.dims[i]);
      if (!declared && !(info.ranks ?? []).includes(t.dims.length)) throw new Error(`${c.what}: output '${info.name}' is [${t.dims}], declared [${info.dims}]`);
      if (t.data.length !== t.dims.reduce((a, b) => a * b, 1)) throw new Error(`${c.what}: output '${info.name}' dims and data disagree`);
    }
    if (s.memoryBytes > MEMORY_LIMIT) throw new Error(`${c.what}: wasm memory grew to ${s.memoryBytes} bytes, past the ${MEMORY_LIMIT} limit`);
    return done('ok');
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(c.what)) throw e;
    return done(coded(e, c));
  } finally {
    await s.release();
  }
}

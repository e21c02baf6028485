// model/feeds.ts: what a run is given and gives back — feeds checked against the graph's inputs, values converted.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { Tensor, type TensorData, type TensorType } from '../tensor.js';
import type { Val } from './ops/registry.js';
import type { DType, ValueInfo } from './types.js';

export type Feeds = Record<string, Tensor>;

/**
 * Converts a feed to the value the graph computes with (ints and bools as exact doubles). `checkFinite`: a float input
 * holding NaN or ±Infinity is an INPUT error (the executor checks the inputs it uploads in wasm instead: checkFinite false).
 */
export function valueOf(t: Tensor, info: ValueInfo, checkFinite: boolean): Val {
  if (t.type === 'float32') {
    const data = t.data as Float32Array;
    if (checkFinite) {
      for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw nonFinite(info.name, data, i);
    }
    return { dtype: 'float32', dims: [...t.dims], data };
  }
  const data = Float64Array.from(t.data as ArrayLike<number | bigint>, Number);
  return { dtype: info.types[0] as DType, dims: [...t.dims], data };
}

/** The error of a float input holding a non-finite value at flat index i. */
export function nonFinite(name: string, data: ArrayLike<number>, i: number): LstmWasmError {
  return new LstmWasmError('INPUT', `input '${name}' has ${data[i]} at flat index ${i}; inputs must be finite (pass checkFinite: false to allow)`);
}

/** A host value as a Tensor of the model's output type. */
export function tensorOf(v: { dtype: DType; dims: number[]; data: Float32Array | Float64Array }): Tensor {
  switch (v.dtype) {
    case 'float32':
      return new Tensor('float32', Float32Array.from(v.data), v.dims);
    case 'int64':
      // clamped: a double rounded up to 2^63 would wrap to the most negative int64
      return new Tensor('int64', BigInt64Array.from(v.data, (x) => (x >= 2 ** 63 ? 2n ** 63n - 1n : BigInt(x))), v.dims);
    case 'int32':
      return new Tensor('int32', Int32Array.from(v.data), v.dims);
    default:
      return new Tensor('bool', Uint8Array.from(v.data), v.dims);
  }
}

export function checkFeeds(inputs: readonly ValueInfo[], feeds: Feeds): void {
check(feeds !== null && typeof feeds === 'object', 'INPUT', 'run(feeds): feeds must be an object of name -> Tensor');
  for (const name of Object.keys(feeds)) {
    check(inputs.some((i) => i.name === name), 'INPUT', () => `unknown input '${name}'; the model's inputs are ${inputs.map((i) => i.name).join(', ')}`);
  }
  for (const info of inputs) {
    const t = feeds[info.name];
    if (t === undefined) {
      check(info.optional, 'INPUT', () => `missing input '${info.name}' (${info.doc}, ${fmtDims(info.dims)})`);
      continue;
    }
    check(t !== null && typeof t === 'object' && 'dims' in t && 'data' in t, 'INPUT', () => `input '${info.name}' must be a Tensor`);
    check(info.types.includes(t.type as never), 'INPUT', () => `input '${info.name}' must be ${info.types.join(' or ')}, got ${t.type}`);
    if (!(t instanceof Tensor)) {
      // a tensor from elsewhere (e.g. onnxruntime-web's): hold it to the same checks
      try {
        const like = t as { type: TensorType; data: TensorData; dims: readonly number[] };
        new Tensor(like.type, like.data, like.dims);
      } catch (e) {
        throw new LstmWasmError('INPUT', `input '${info.name}': ${(e as Error).message.replace(/^Tensor: /, '')}`);
      }
    }
    const ranks = info.ranks ?? [info.dims.length];
    const others = ranks.filter((r) => r !== info.dims.length);
    check(ranks.includes(t.dims.length), 'INPUT',
      () => `input '${info.name}' must be ${info.dims.length}-D ${fmtDims(info.dims)}${others.length ? ` (or ${others.join(', ')}-D)` : ''}, got ${fmtDims(t.dims)}`);
    if (info.range) {
      const [lo, hi] = info.range, d = t.data as ArrayLike<number | bigint>;
      for (let i = 0; i < d.length; i++) {
        const v = Number(d[i]);
        if (!(v >= lo && v <= hi)) throw new LstmWasmError('INPUT', `input '${info.name}' has ${d[i]} at flat index ${i}; its values must be in ${lo}..${hi} (${info.doc})`);
      }
    }
    if (t.dims.length === info.dims.length) {
      info.dims.forEach((want, i) => check(typeof want !== 'number' || t.dims[i] === want, 'INPUT',
        () => `input '${info.name}' ${fmtDims(t.dims)}: dim ${i} must be ${want} (the model declares ${fmtDims(info.dims)})`));
    }
  }
}

// tensor.ts: Tensor, shaped like onnxruntime-web's (type, data, dims) so code moves between the two.
import { LstmWasmError, check, fmtDims } from './errors.js';

export type TensorType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';

export interface TensorDataMap {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  int64: BigInt64Array;
  /** one byte per element, 0 or 1, as onnxruntime-web has it */
  bool: Uint8Array;
}
export type TensorData = TensorDataMap[TensorType];

const CTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array, bool: Uint8Array } as const;

function typeOf(data: unknown): TensorType | undefined {
  for (const [type, C] of Object.entries(CTORS)) if (data instanceof C) return type as TensorType;
  return undefined;
}

/** Number of elements of a shape; throws unless every dim is a non-negative integer. */
export function sizeOf(dims: readonly number[], what = 'tensor'): number {
  let n = 1;
  for (const d of dims) {
    check(Number.isSafeInteger(d) && d >= 0, 'INPUT', () => `${what}: dims ${fmtDims(dims)} must be non-negative integers`);
    n *= d;
  }
  return n;
}

export class Tensor<T extends TensorType = TensorType> {
  readonly type: T;
  readonly data: TensorDataMap[T];
  readonly dims: readonly number[];
  readonly size: number;

  /** `new Tensor('float32', data, [T, B, I])`; data may be a plain number array (bigint for int64). */
  constructor(type: T, data: TensorDataMap[T] | readonly number[] | readonly bigint[], dims?: readonly number[]);
  /** `new Tensor(float32Array, [T, B, I])`: the type follows the typed array. */
  constructor(data: TensorDataMap[T], dims?: readonly number[]);
  constructor(a: unknown, b?: unknown, c?: unknown) {
    let type: TensorType | undefined, data: unknown, dims: unknown;
    if (typeof a === 'string') [type, data, dims] = [a as TensorType, b, c];
    else [type, data, dims] = [typeOf(a), a, b];
    check(type !== undefined && type in CTORS, 'INPUT',
      `Tensor: type must be one of ${Object.keys(CTORS).join(', ')}, or data a Float32Array, Float64Array, Int32Array or BigInt64Array; got ${typeof a === 'string' ? `'${a}'` : Object.prototype.toString.call(a)}`);
    const C = CTORS[type];
    if (Array.isArray(data)) {
      try {
        data = type === 'int64' ? BigInt64Array.from(data as bigint[], (v) => BigInt(v)) : (C as Float32ArrayConstructor).from(data as number[]);
      } catch {
        throw new LstmWasmError('INPUT', `Tensor: cannot convert the array to ${type}`);
      }
    }
    check(data instanceof C, 'INPUT', () => `Tensor: type '${type}' needs a ${C.name}, got ${Object.prototype.toString.call(data)}`);
    const arr = data as TensorData;
    const shape = dims === undefined ? [arr.length] : Array.from(dims as number[]);
    const n = sizeOf(shape, 'Tensor');
    check(n === arr.length, 'INPUT', () => `Tensor: dims ${fmtDims(shape)} hold ${n} elements but data has ${arr.length}`);
    this.type = type as T;
    this.data = arr as TensorDataMap[T];
    this.dims = Object.freeze(shape);
    this.size = n;
  }
}

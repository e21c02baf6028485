// formats/npy.ts: read and write NumPy .npy arrays (little-endian f4, f8, i4, i8; C order).
import { LstmWasmError, fmtDims } from '../errors.js';
import { Tensor, type TensorData, type TensorType, sizeOf } from '../tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DESCR: Record<string, TensorType> = { '<f4': 'float32', '<f8': 'float64', '<i4': 'int32', '<i8': 'int64', '|b1': 'bool' };
const DESCR_OF = Object.fromEntries(Object.entries(DESCR).map(([d, t]) => [t, d])) as Record<TensorType, string>;
const ARRAYS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array, bool: Uint8Array } as const;

/** Parses a .npy file into a Tensor; `file` names it in errors. */
export function readNpy(bytes: Uint8Array, file = 'npy file'): Tensor {
  const bad = (msg: string) => new LstmWasmError('FORMAT', `${file}: ${msg}`);
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) throw bad('not a NumPy .npy file (no \\x93NUMPY magic)');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major !== 1 && major !== 2 && major !== 3) throw bad(`.npy format version ${major} is not 1, 2 or 3`);
  if (major !== 1 && bytes.length < 12) throw bad(`a version ${major} header needs 12 bytes before it, the file has ${bytes.length}`);
  const [hlen, start] = major === 1 ? [dv.getUint16(8, true), 10] : [dv.getUint32(8, true), 12];
  if (start + hlen > bytes.length) throw bad(`header of ${hlen} bytes runs past the end of the file: truncated?`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + hlen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(`header ${JSON.stringify(header.trim())} lacks descr, fortran_order or shape`);
  const type = DESCR[descr];
  if (!type) throw new LstmWasmError('UNSUPPORTED', `${file}: dtype '${descr}' is not one of ${Object.keys(DESCR).join(', ')} (little-endian float32/64, int32/64, bool)`);
  if (fortran === 'True') throw new LstmWasmError('UNSUPPORTED', `${file}: Fortran-order arrays are not supported; save with np.ascontiguousarray`);
  const parts = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!parts.every((s) => /^\d+$/.test(s))) throw bad(`shape (${shapeText}) must be non-negative integers`);
  const dims = parts.map(Number);
  const n = sizeOf(dims, file);
  const C = ARRAYS[type];
  const body = start + hlen;
  if (bytes.length - body !== n * C.BYTES_PER_ELEMENT) {
    throw bad(`${descr} ${fmtDims(dims)} needs ${n * C.BYTES_PER_ELEMENT} data bytes, the file has ${bytes.length - body}`);
  }
  const copy = new Uint8Array(bytes.length - body); // aligned copy (Buffer.slice would share memory)
  copy.set(bytes.subarray(body));
  return new Tensor(type, new C(copy.buffer, 0, n) as never, dims);
}

/**
 * Encodes a tensor as a version-1.0 .npy file laid out as NumPy (>= 1.23) writes it: spare spaces for
 * growing the first axis in place, then padding so the data starts at a multiple of 64.
 */
export function writeNpy(t: { type?: TensorType; data: TensorData; dims: readonly number[] }): Uint8Array {
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  let header = `{'descr': '${DESCR_OF[t.type ?? 'float32']}', 'fortran_order': False, 'shape': ${shape}, }`;
  if (t.dims.length) header += ' '.repeat(21 - String(t.dims[0]).length);
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + t.data.byteLength);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), 10 + header.length);
  return out;
}

// formats/safetensors.ts: read and write the safetensors container (8-byte header length, JSON header, raw data).
import { LstmWasmError, check, fmtDims } from '../errors.js';

/** Element sizes of the dtypes this reader knows. */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};
const FLOAT_DTYPES = ['F32', 'F16', 'BF16', 'F64'];
const MAX_HEADER = 100_000_000; // the format's own limit

export interface SafetensorsTensor {
  dtype: string;
  shape: number[];
  /** The raw little-endian bytes (a view into the file). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  /** In header order. */
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** Parses and validates the whole container before any tensor is touched. `file` names it in errors. */
export function parseSafetensors(bytes: Uint8Array, file = 'safetensors file'): SafetensorsFile {
  const bad = (msg: string) => new LstmWasmError('FORMAT', `${file}: ${msg}`);
  if (bytes.length < 8) throw bad(`${bytes.length} bytes; a safetensors file starts with an 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > MAX_HEADER) throw bad(`header length ${n} exceeds the format's limit of ${MAX_HEADER} bytes`);
  if (8 + n > bytes.length) throw bad(`header length ${n} runs past the end of the file (${bytes.length} bytes): truncated?`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw bad(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('header must be a JSON object');
  const data = bytes.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const entries: [string, SafetensorsTensor, number, number][] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('__metadata__ must be an object of strings');
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== 'string') throw bad(`__metadata__.${k} must be a string, got ${JSON.stringify(s)}`);
        metadata[k] = s;
      }
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e === null || typeof e !== 'object') throw bad(`tensor '${name}' must be an object with dtype, shape, data_offsets`);
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_BYTES)) {
      throw bad(`tensor '${name}' has dtype ${JSON.stringify(e.dtype)}; known: ${Object.keys(DTYPE_BYTES).join(', ')}`);
    }
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw bad(`tensor '${name}' shape ${JSON.stringify(shape)} must be a list of non-negative integers`);
    }
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      throw bad(`tensor '${name}' data_offsets ${JSON.stringify(off)} must be [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = off as [number, number];
    if (end > data.length) {
      throw bad(`tensor '${name}' data_offsets [${begin}, ${end}] run past the data section (${data.length} bytes): truncated?`);
    }
    const want = shape.reduce((a: number, b: number) => a * b, 1) * DTYPE_BYTES[e.dtype];
    if (end - begin !== want) {
      throw bad(`tensor '${name}' ${e.dtype} ${fmtDims(shape)} needs ${want} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    entries.push([name, { dtype: e.dtype, shape, bytes: data.subarray(begin, end) }, begin, end]);
  }
  // The format forbids holes and overlaps: sorted by offset, each tensor starts where the last ended.
  let at = 0;
  for (const [name, , begin, end] of [...entries].sort((a, b) => a[2] - b[2] || a[3] - b[3])) {
    if (begin !== at) throw bad(`tensor '${name}' starts at byte ${begin} of the data but the previous one ends at ${at} (hole or overlap)`);
    at = end;
  }
  if (at !== data.length) throw bad(`the tensors cover ${at} bytes but the data section has ${data.length} (trailing bytes)`);
  return { tensors: new Map(entries.map(([name, t]) => [name, t])), metadata };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const bf16 = new Uint32Array(1);
const bf16f = new Float32Array(bf16.buffer);
const bf16ToF32 = (h: number) => ((bf16[0] = h << 16), bf16f[0]);

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The tensor's values as float32 (F32, F16, BF16, F64); `name` appears in errors. */
export function toFloat32(t: SafetensorsTensor, name: string): Float32Array {
  check(FLOAT_DTYPES.includes(t.dtype), 'MODEL', `tensor '${name}' has dtype ${t.dtype}; weights must be one of ${FLOAT_DTYPES.join(', ')}`);
  if (t.dtype === 'F32' && LITTLE_ENDIAN) return new Float32Array(Uint8Array.from(t.bytes).buffer); // one aligned copy
  const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const size = DTYPE_BYTES[t.dtype], n = t.bytes.length / size;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    out[i] = t.dtype === 'F32' ? dv.getFloat32(o, true)
      : t.dtype === 'F64' ? dv.getFloat64(o, true)
      : t.dtype === 'F16' ? f16ToF32(dv.getUint16(o, true))
      : bf16ToF32(dv.getUint16(o, true));
  }
  return out;
}

/** Writes float32 tensors (in the given order) and string metadata as a safetensors file. */
export function writeSafetensors(
  tensors: { name: string; shape: number[]; data: Float32Array }[], metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let at = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [at, at + t.data.length * 4] };
    at += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8); // data starts 8-aligned
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + at);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let o = 8 + head.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, o += 4) dv.setFloat32(o, t.data[i], true);
  }
  return out;
}

// formats/onnx_patch.ts: an ONNX model's bytes with the values of some FLOAT initializers replaced — everything else
// (nodes, attributes, metadata, other initializers, unknown fields) copied byte for byte.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { LEN, ProtoReader, VARINT, writeBytes, writeTag, writeVarint } from './protobuf.js';

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};

/** A length-delimited field holding `payload`. */
function field(num: number, payload: Uint8Array): Uint8Array {
  const head: number[] = [];
  writeTag(num, LEN, head);
  writeVarint(payload.length, head);
  return concat([Uint8Array.from(head), payload]);
}

/** A TensorProto with its data fields (float_data, raw_data, external data) replaced by raw_data holding `values`. */
function patchTensor(r: ProtoReader, values: Float32Array, name: string, file: string): Uint8Array {
  const parts: Uint8Array[] = [], dims: number[] = [];
  let type = 0;
  while (r.more()) {
    const start = r.pos, [f, w] = r.tag();
    if (f === 1 && w === VARINT) dims.push(r.int64());
    else if (f === 1) r.repeated(w, VARINT, r.int64, dims);
    else if (f === 2 && w === VARINT) type = r.varint();
    else r.skip(w);
    if (f !== 4 && f !== 9 && f !== 13 && f !== 14) parts.push(r.buf.subarray(start, r.pos)); // data fields dropped
  }
  check(type === 1, 'UNSUPPORTED', `${file}: initializer '${name}' is of element type ${type}; only FLOAT initializers are written back`);
  const n = dims.reduce((a, b) => a * b, 1);
  check(n === values.length, 'MODEL', `${file}: initializer '${name}' is ${fmtDims(dims)}, the values to write hold ${values.length}`);
  const raw: number[] = [];
  writeBytes(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength), raw); // little-endian hosts only (all wasm hosts)
  parts.push(Uint8Array.from(raw));
  return concat(parts);
}

/** Initializer name of a TensorProto message, or '' (read without decoding its data). */
function tensorName(r: ProtoReader): string {
  while (r.more()) {
    const [f, w] = r.tag();
    if (f === 8 && w === LEN) return r.string();
    r.skip(w);
  }
  return '';
}

/**
 * The model with the named initializers' values replaced (each FLOAT, same element count as before). Every name must
 * be an initializer of the main graph.
 */
export function replaceInitializers(bytes: Uint8Array, values: ReadonlyMap<string, Float32Array>, file = 'model'): Uint8Array {
  const found = new Set<string>();
  const model = ProtoReader.of(bytes, `${file} (ONNX ModelProto)`), parts: Uint8Array[] = [];
  while (model.more()) {
    const start = model.pos, [f, w] = model.tag();
    if (f !== 7 || w !== LEN) {
      model.skip(w);
      parts.push(bytes.subarray(start, model.pos));
      continue;
    }
    const graph = model.message(`${file} graph`), gparts: Uint8Array[] = [];
    while (graph.more()) {
      const gs = graph.pos, [g, x] = graph.tag();
      if (g === 5 && x === LEN) {
        const [s, e] = graph.span();
        const name = tensorName(new ProtoReader(bytes, s, e, `${file} graph.initializer`));
        const v = values.get(name);
        if (v) {
          gparts.push(field(5, patchTensor(new ProtoReader(bytes, s, e, `${file} initializer '${name}'`), v, name, file)));
          found.add(name);
          continue;
        }
      } else graph.skip(x);
      gparts.push(bytes.subarray(gs, graph.pos));
    }
    parts.push(field(7, concat(gparts)));
  }
  const missing = [...values.keys()].filter((k) => !found.has(k));
  if (missing.length) throw new LstmWasmError('MODEL', `${file}: no initializer named ${missing.map((m) => `'${m}'`).join(', ')} to write back`);
  return concat(parts);
}

// bench/onnx_writer.mjs: a minimal ONNX ModelProto encoder — enough to write the benchmark's models without Python.

const enc = new TextEncoder();

function varint(n, out) {
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
}
const tag = (field, wire, out) => varint(field * 8 + wire, out);
function bytesField(field, bytes, out) {
  tag(field, 2, out);
  varint(bytes.length, out);
  for (const b of bytes) out.push(b);
}
const str = (field, s, out) => bytesField(field, enc.encode(s), out);
const int = (field, n, out) => (tag(field, 0, out), varint(n, out));
const msg = (field, build, out) => {
  const inner = [];
  build(inner);
  bytesField(field, inner, out);
};

/** TensorProto from a Float32Array (FLOAT) or an array of integers (INT64). */
function tensor(name, dims, data, out) {
  for (const d of dims) int(1, d, out);
  const isFloat = data instanceof Float32Array;
  int(2, isFloat ? 1 : 7, out);
  str(8, name, out);
  const raw = isFloat ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(BigInt64Array.from(data, BigInt).buffer);
  bytesField(9, raw, out);
}

function attribute(name, value, out) {
  str(1, name, out);
  if (typeof value === 'string') (int(20, 3, out), bytesField(4, enc.encode(value), out));
  else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    int(20, 8, out);
    for (const v of value) bytesField(9, enc.encode(v), out);
  } else if (Array.isArray(value)) (int(20, 7, out), value.forEach((v) => int(8, v, out)));
  else if (Number.isInteger(value)) (int(20, 2, out), int(3, value, out));
  else {
    int(20, 1, out);
    tag(2, 5, out);
    const f = new Uint8Array(new Float32Array([value]).buffer);
    for (const b of f) out.push(b);
  }
}

function valueInfo(name, elemType, dims, out) {
  str(1, name, out);
  msg(2, (tp) => msg(1, (tt) => {
    int(1, elemType, tt);
    msg(2, (sh) => dims.forEach((d) => msg(1, (dim) => (typeof d === 'number' ? int(1, d, dim) : str(2, d, dim)), sh)), tt);
  }, tp), out);
}

/**
 * Encodes { nodes: [{ op, inputs, outputs, attrs }], initializers: [{ name, dims, data }],
 * inputs: [{ name, dims, type? }], outputs: [{ name, dims }] } as ONNX bytes (IR 8, opset 14).
 */
export function encodeModel({ nodes, initializers, inputs, outputs, opset = 14 }) {
  const out = [];
  int(1, 8, out); // ir_version
  str(2, 'lstm-wasm bench', out);
  msg(7, (g) => {
    nodes.forEach((n, i) => msg(1, (m) => {
      n.inputs.forEach((x) => str(1, x, m));
      n.outputs.forEach((x) => str(2, x, m));
      str(3, n.name ?? `${n.op}_${i}`, m);
      str(4, n.op, m);
      for (const [k, v] of Object.entries(n.attrs ?? {})) msg(5, (a) => attribute(k, v, a), m);
    }, g));
    str(2, 'bench', g);
    initializers.forEach((t) => msg(5, (m) => tensor(t.name, t.dims, t.data, m), g));
    inputs.forEach((v) => msg(11, (m) => valueInfo(v.name, v.type ?? 1, v.dims, m), g));
    outputs.forEach((v) => msg(12, (m) => valueInfo(v.name, 1, v.dims, m), g));
  }, out);
  msg(8, (o) => (str(1, '', o), int(2, opset, o)), out);
  return Uint8Array.from(out);
}

// test/fuzz/proto.ts: a schema-free protobuf tree for structure-aware ONNX mutations — change one value (a varint, a
// string, a float, a packed run) and re-encode, so lengths stay right and the edit reaches the importer's checks.

export type Field = { field: number; wire: number; value: bigint | Uint8Array | Msg };
export type Msg = Field[];

function readVarint(b: Uint8Array, at: number): [bigint, number] {
  let v = 0n, shift = 0n;
  for (;;) {
    if (at >= b.length) throw new Error('eof');
    const x = b[at++];
    v |= BigInt(x & 0x7f) << shift;
    if (!(x & 0x80)) return [v, at];
    shift += 7n;
    if (shift > 63n) throw new Error('long varint');
  }
}

/** Parses a message; a length-delimited field becomes a sub-message when its bytes parse as one (else raw bytes). */
export function parse(b: Uint8Array, depth = 0): Msg {
  const out: Msg = [];
  let at = 0;
  while (at < b.length) {
    const [tag, a1] = readVarint(b, at);
    const field = Number(tag >> 3n), wire = Number(tag & 7n);
    if (field === 0) throw new Error('field 0');
    at = a1;
    if (wire === 0) {
      const [v, a2] = readVarint(b, at);
      out.push({ field, wire, value: v });
      at = a2;
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (at + n > b.length) throw new Error('eof');
      out.push({ field, wire, value: b.slice(at, at + n) });
      at += n;
    } else if (wire === 2) {
      const [len, a2] = readVarint(b, at);
      const end = a2 + Number(len);
      if (end > b.length) throw new Error('eof');
      const bytes = b.slice(a2, end);
      let value: Uint8Array | Msg = bytes;
      if (depth < 12 && bytes.length > 1) {
        try {
          value = parse(bytes, depth + 1);
        } catch {
          value = bytes;
        }
      }
      out.push({ field, wire, value });
      at = end;
    } else throw new Error(`wire ${wire}`);
  }
  return out;
}

function writeVarint(v: bigint, out: number[]): void {
  let x = BigInt.asUintN(64, v);
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x) byte |= 0x80;
    out.push(byte);
  } while (x);
}

export function encode(m: Msg, out: number[] = []): number[] {
  for (const f of m) {
    writeVarint(BigInt(f.field * 8 + f.wire), out);
    if (f.wire === 0) writeVarint(f.value as bigint, out);
    else if (f.wire === 1 || f.wire === 5) out.push(...(f.value as Uint8Array));
    else {
      const inner = Array.isArray(f.value) ? encode(f.value) : Array.from(f.value as Uint8Array);
      writeVarint(BigInt(inner.length), out);
      out.push(...inner);
    }
  }
  return out;
}

/** Every leaf (varint, fixed, raw bytes) with the path to it. */
export function leaves(m: Msg, path: number[] = []): { field: Field; path: number[] }[] {
  return m.flatMap((f, i) => (Array.isArray(f.value) ? [{ field: f, path: [...path, i] }, ...leaves(f.value, [...path, i])] : [{ field: f, path: [...path, i] }]));
}

const WILD_INTS = [0n, 1n, 2n, 3n, 7n, 255n, 65535n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 63n - 1n, -1n, -2n, -(2n ** 31n)];

/** Changes one leaf: a varint to a boundary value, fixed bytes to a special float, raw bytes edited or emptied. */
export function mutate(m: Msg, pick: number, kind: number, byte: number): Msg {
  const all = leaves(m);
  if (!all.length) return m;
  const { field: f } = all[pick % all.length];
  if (f.wire === 0) f.value = WILD_INTS[kind % WILD_INTS.length];
  else if (f.wire === 5) f.value = new Uint8Array(new Float32Array([[NaN, Infinity, -Infinity, 0, -0, 1e38, 1e-45, 3][kind % 8]]).buffer);
  else if (f.wire === 1) f.value = new Uint8Array(new Float64Array([[NaN, Infinity, 1e300, 0][kind % 4]]).buffer);
  else if (Array.isArray(f.value)) {
    if (kind % 3 === 0) f.value = []; // an empty message
    else if (kind % 3 === 1 && f.value.length) f.value.splice(byte % f.value.length, 1); // a field dropped
    else if (f.value.length) f.value.push(structuredClone(f.value[byte % f.value.length])); // a field repeated
  } else {
    const b = f.value as Uint8Array;
    f.value = kind % 2 === 0 ? new Uint8Array(0) : Uint8Array.from(b, (x, i) => (i === byte % Math.max(1, b.length) ? x ^ 0x55 : x));
  }
  return m;
}

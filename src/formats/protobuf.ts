// formats/protobuf.ts: the protobuf wire format — a reader (varints, fixed widths, length-delimited fields, packed
// arrays) and the few writers the ONNX export and the ONNX initializer patcher share.
import { LstmWasmError } from '../errors.js';

export const VARINT = 0, I64 = 1, LEN = 2, I32 = 5;

export class ProtoReader {
  private readonly dv: DataView;
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
    /** names the message in errors, e.g. "ONNX model graph.node[3]" */
    readonly where: string,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
  }

  static of(buf: Uint8Array, where: string): ProtoReader {
    return new ProtoReader(buf, 0, buf.length, where);
  }

  fail(msg: string): never {
    throw new LstmWasmError('FORMAT', `${this.where}: ${msg} (byte ${this.pos} of ${this.buf.length}); truncated or not a protobuf?`);
  }

  more(): boolean {
    return this.pos < this.end;
  }

  /** An unsigned varint as a number (exact below 2^53). */
  varint(): number {
    let result = 0, mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('varint runs past the end');
      const b = this.buf[this.pos++];
      if (i === 9 && b > 1) this.fail('varint longer than 64 bits');
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** A two's-complement int64 varint as a number (negative values are 10 bytes long). */
  int64(): number {
    const start = this.pos;
    const v = this.varint();
    if (v < 2 ** 63) return v;
    // reread exactly: doubles cannot hold 2^64 - k
    let big = 0n, shift = 0n;
    for (let p = start; p < this.pos; p++, shift += 7n) big |= BigInt(this.buf[p] & 0x7f) << shift;
    return Number(BigInt.asIntN(64, big));
  }

  tag(): [field: number, wire: number] {
    const t = this.varint();
    const field = Math.floor(t / 8), wire = t % 8;
    if (field === 0) this.fail('field number 0');
    return [field, wire];
  }

  /** The bounds of a length-delimited field's payload; advances past it. */
  span(): [number, number] {
    const n = this.varint();
    const start = this.pos;
    if (n > this.end - start) this.fail(`field of ${n} bytes runs past the end of its message`);
    this.pos += n;
    return [start, start + n];
  }

  bytes(): Uint8Array {
    const [s, e] = this.span();
    return this.buf.subarray(s, e);
  }

  string(): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes());
    } catch (e) {
      if (e instanceof LstmWasmError) throw e;
      return this.fail('string is not valid UTF-8');
    }
  }

  /** A nested message as its own reader. */
  message(where: string): ProtoReader {
    const [s, e] = this.span();
    return new ProtoReader(this.buf, s, e, where);
  }

  float(): number {
    if (this.end - this.pos < 4) this.fail('float runs past the end');
    const v = this.dv.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.end - this.pos < 8) this.fail('double runs past the end');
    const v = this.dv.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === I64) this.pos += 8;
    else if (wire === LEN) this.span();
    else if (wire === I32) this.pos += 4;
    else this.fail(`wire type ${wire} is not supported (groups are deprecated)`);
    if (this.pos > this.end) this.fail('field runs past the end');
  }

  /** A repeated scalar field, packed (one LEN field) or not (one value per tag). */
  repeated(wire: number, scalarWire: number, read: () => number, out: number[]): void {
    if (wire === LEN) {
      const [s, e] = this.span();
      const inner = new ProtoReader(this.buf, s, e, this.where);
      while (inner.more()) out.push(read.call(inner));
    } else if (wire === scalarWire) {
      out.push(read.call(this));
    } else {
      this.fail(`wire type ${wire} where ${scalarWire} or packed was expected`);
    }
  }

  expect(wire: number, want: number, field: string): void {
    if (wire !== want) this.fail(`field ${field} has wire type ${wire}, expected ${want}`);
  }
}

// The wire format written: fields appended to a byte list (models here are small; ONNX writing patches and exports).
const utf8 = new TextEncoder();

export function writeVarint(n: number | bigint, out: number[]): void {
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
}
export const writeTag = (field: number, wire: number, out: number[]) => writeVarint(field * 8 + wire, out);
/** A length-delimited field: tag, length, bytes. */
export function writeBytes(field: number, b: ArrayLike<number>, out: number[]): void {
  writeTag(field, LEN, out);
  writeVarint(b.length, out);
  for (let i = 0; i < b.length; i++) out.push(b[i]);
}
export const writeString = (field: number, s: string, out: number[]) => writeBytes(field, utf8.encode(s), out);
export const writeInt = (field: number, n: number, out: number[]) => (writeTag(field, VARINT, out), writeVarint(n, out));
/** A nested message, built into its own list first (its length comes before it). */
export function writeMessage(field: number, build: (o: number[]) => void, out: number[]): void {
  const inner: number[] = [];
  build(inner);
  writeBytes(field, inner, out);
}

// text/vector_files.ts: word2vec text and binary, GloVe and fastText .vec files — read and written as streams.
import { LstmWasmError, check } from '../errors.js';
import type { ByteSource } from '../io.js';
import { readChunks, writeChunks } from '../io_stream.js';

/**
 * - `word2vec-text` (also fastText's `.vec`): a header line `<words> <dimensions>`, then `word v1 v2 … vD` per line;
 * - `word2vec-binary`: the same header, then per word its UTF-8 bytes, a space and D little-endian float32 (an
 *   optional newline before a word, as word2vec.c writes, is skipped);
 * - `glove`: text lines without a header (the dimension is that of the first line).
 */
export type VectorFormat = 'word2vec-text' | 'word2vec-binary' | 'glove' | 'fasttext';

export interface ReadVectorsOptions {
  /** Default: from the file — binary when the bytes after the first word are not text, GloVe when there is no header. */
  format?: VectorFormat;
  /** Read only the first N vectors (gensim's limit). */
  limit?: number;
  /** The name used in error messages (default: the path or URL). */
  name?: string;
}

/** What the writers read: words and one row view each. */
export interface VectorRows {
  readonly keys: readonly string[];
  readonly vectorSize: number;
  row(i: number): Float32Array;
}

const NL = 10, SPACE = 32;
const utf8 = () => new TextDecoder('utf-8', { fatal: true });

/** Streams a vector file into words and a row-major Float32Array (never the whole file as one string). */
export async function readVectors(source: ByteSource | AsyncIterable<Uint8Array>, options: ReadVectorsOptions = {}): Promise<{ keys: string[]; vectors: Float32Array; vectorSize: number }> {
  check(options !== null && typeof options === 'object', 'OPTION', 'readVectors options must be an object');
  for (const k of Object.keys(options)) check(['format', 'limit', 'name'].includes(k), 'OPTION', `unknown vector file option '${k}'; known: format, limit, name`);
  const what = options.name ?? (typeof source === 'string' || source instanceof URL ? String(source) : 'vector file');
  const limit = options.limit ?? Infinity;
  check(limit === Infinity || (Number.isInteger(limit) && limit > 0), 'OPTION', `limit must be a positive integer, got ${limit}`);
  check(options.format === undefined || ['word2vec-text', 'word2vec-binary', 'glove', 'fasttext'].includes(options.format), 'OPTION',
    `format must be word2vec-text, word2vec-binary, glove or fasttext, got ${JSON.stringify(options.format)}`);
  const byName = typeof source === 'string' || source instanceof URL ? String(source).toLowerCase() : '';
  const hint = options.format ?? (byName.endsWith('.bin') ? 'word2vec-binary' : undefined);
  const r = new Reader(readChunks(source as ByteSource)[Symbol.asyncIterator](), what);
  try {
    return await readAll(r, what, options.format, hint, limit);
  } finally {
    await r.close(); // a limit or an error stops early: the file is closed now, not when collected
  }
}

/** Numbers per vector accepted (word vectors have hundreds); the floats of all vectors (4 GiB). */
const MAX_DIMENSIONS = 1 << 16, MAX_FLOATS = 2 ** 30;

/** Room for `rows` vectors of D floats: grown by doubling as rows arrive, never sized by a header's claim alone. */
function room(vectors: Float32Array<ArrayBuffer>, rows: number, D: number, what: string): Float32Array<ArrayBuffer> {
  const need = rows * D;
  if (need <= vectors.length) return vectors;
  check(need <= MAX_FLOATS, 'MEMORY', () => `${what}: ${rows} vectors of ${D} numbers are more than the ${MAX_FLOATS} float32 numbers (4 GiB) a file may hold here`);
  const grown = new Float32Array(Math.min(MAX_FLOATS, Math.max(need, vectors.length * 2, 1024 * D)));
  grown.set(vectors);
  return grown;
}

async function readAll(r: Reader, what: string, format: VectorFormat | undefined, hint: VectorFormat | undefined, limit: number) {
  // the header: two integers, else (text formats) a GloVe file whose first line is a vector
  const first = await r.line();
  check(first !== undefined, 'FORMAT', `${what}: the file is empty`);
  const head = first.text.trim().split(/\s+/);
  const isHeader = hint !== 'glove' && head.length === 2 && head.every((h) => /^\d+$/.test(h));
  if (hint && hint !== 'glove') check(isHeader, 'FORMAT', `${what}: line 1 should be the header "<words> <dimensions>", found ${JSON.stringify(first.text.slice(0, 60))}`);
  if (!isHeader) {
    return readText(r, what, undefined, undefined, limit, first.text);
  }
  const [n, D] = head.map(Number);
  check(n > 0 && D > 0, 'FORMAT', `${what}: the header announces ${n} vectors of ${D} numbers; both must be positive`);
  check(D <= MAX_DIMENSIONS, 'MEMORY', `${what}: the header announces vectors of ${D} numbers; at most ${MAX_DIMENSIONS} are supported`);
  const binary = hint === 'word2vec-binary' || (format === undefined && hint === undefined && (await r.looksBinary(4 * D)));
  return binary ? readBinary(r, what, n, D, limit) : readText(r, what, n, D, limit);
}

async function readText(r: Reader, what: string, n: number | undefined, D: number | undefined, limit: number, firstRow?: string) {
  const keys: string[] = [];
  let vectors: Float32Array<ArrayBuffer> = new Float32Array(0);
  const want = Math.min(n ?? Infinity, limit);
  const add = (text: string, lineNo: number) => {
    check(text.trim() !== '', 'FORMAT', `${what}: line ${lineNo} is empty`);
    const parts = text.replace(/[\s]+$/, '').split(' ');
    const word = parts[0];
    check(word !== '', 'FORMAT', `${what}: line ${lineNo} starts with a space, not a word`);
    D ??= parts.length - 1;
    check(D > 0, 'FORMAT', `${what}: line ${lineNo} (${JSON.stringify(word)}) has no numbers after the word`);
    check(parts.length - 1 === D, 'FORMAT', `${what}: line ${lineNo} (${JSON.stringify(word)}) has ${parts.length - 1} numbers, expected ${D}`);
    check(D <= MAX_DIMENSIONS, 'MEMORY', `${what}: line ${lineNo} has ${D} numbers; at most ${MAX_DIMENSIONS} are supported`);
    vectors = room(vectors, keys.length + 1, D, what);
    const at = keys.length * D;
    for (let d = 0; d < D; d++) {
      const x = Number(parts[d + 1]);
      if (!Number.isFinite(x) || parts[d + 1] === '') {
        throw new LstmWasmError('FORMAT', `${what}: line ${lineNo} (${JSON.stringify(word)}): number ${d + 1} is ${JSON.stringify(parts[d + 1])}, not a finite number`);
      }
      vectors[at + d] = x;
    }
    keys.push(word);
  };
  let lineNo = 1;
  if (firstRow !== undefined) add(firstRow, 1);
  while (keys.length < want) {
    const l = await r.line();
    if (l === undefined) break;
    lineNo = l.no;
    if (l.text.trim() === '' && l.last) break; // a final empty line
    add(l.text, l.no);
  }
  if (n !== undefined && keys.length < want) {
    throw new LstmWasmError('FORMAT', `${what}: the header announces ${n} vectors but the file ends after ${keys.length} (line ${lineNo})`);
  }
  if (n !== undefined && limit >= n) {
    const extra = await r.line();
    check(extra === undefined || (extra.text.trim() === '' && extra.last), 'FORMAT',
      `${what}: line ${extra?.no}: more lines than the ${n} vectors the header announces`);
  }
  check(keys.length > 0, 'FORMAT', `${what}: no vectors in the file`);
  return { keys, vectors: vectors.length === keys.length * D! ? vectors : vectors.slice(0, keys.length * D!), vectorSize: D! };
}

async function readBinary(r: Reader, what: string, n: number, D: number, limit: number) {
  const want = Math.min(n, limit), keys: string[] = [];
  let vectors: Float32Array<ArrayBuffer> = new Float32Array(0), bytes = new Uint8Array(0);
  const decoder = utf8();
  for (let i = 0; i < want; i++) {
    let word = await r.until(SPACE, `${what}: vector ${i + 1} of ${n}: the file ends before its word (the header announces ${n} vectors)`);
    let s = 0;
    while (s < word.length && word[s] === NL) s++; // word2vec.c writes a newline after each vector
    word = word.subarray(s);
    let key: string;
    try {
      key = decoder.decode(word);
    } catch {
      throw new LstmWasmError('FORMAT', `${what}: vector ${i + 1}: its word is not valid UTF-8 (bytes ${Array.from(word.subarray(0, 12), (b) => b.toString(16).padStart(2, '0')).join(' ')})`);
    }
    check(key !== '', 'FORMAT', `${what}: vector ${i + 1}: empty word`);
    if (vectors.length < (i + 1) * D) bytes = new Uint8Array((vectors = room(vectors, i + 1, D, what)).buffer);
    await r.take(bytes, i * D * 4, D * 4, `${what}: vector ${i + 1} (${JSON.stringify(key)}): the file ends inside its ${D} float32 numbers`);
    keys.push(key);
  }
  if (limit >= n) {
    const rest = await r.rest(64);
    check(rest.every((b) => b === NL || b === 13 || b === SPACE), 'FORMAT', `${what}: more bytes after the ${n} vectors the header announces`);
  }
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) { // big-endian host: the file is little-endian
    const v = new DataView(vectors.buffer);
    for (let k = 0; k < vectors.length; k++) vectors[k] = v.getFloat32(k * 4, true);
  }
  return { keys, vectors: vectors.length === keys.length * D ? vectors : vectors.slice(0, keys.length * D), vectorSize: D };
}

/** Pulls lines or byte runs out of a chunk stream, keeping only the unread part of one chunk. */
class Reader {
  private buf = new Uint8Array(0);
  private pos = 0;
  private done = false;
  private lineNo = 0;
  private readonly decoder = utf8();
  constructor(private readonly chunks: AsyncIterator<Uint8Array>, private readonly what: string) {}

  async close(): Promise<void> {
    await this.chunks.return?.();
  }

  private async more(): Promise<boolean> {
    if (this.done) return false;
    const { done, value } = await this.chunks.next();
    if (done) {
      this.done = true;
      return false;
    }
    const rest = this.buf.subarray(this.pos);
    const next = new Uint8Array(rest.length + value.length);
    next.set(rest);
    next.set(value, rest.length);
    this.buf = next;
    this.pos = 0;
    return true;
  }

  /** The next line as text (without its end), whether it is the last, and its number (1-based); undefined at the end. */
  async line(): Promise<{ text: string; no: number; last: boolean } | undefined> {
    let end: number;
    while ((end = this.buf.indexOf(NL, this.pos)) < 0) if (!(await this.more())) break;
    if (end < 0 && this.pos >= this.buf.length) return undefined;
    const stop = end < 0 ? this.buf.length : end;
    const bytes = this.buf.subarray(this.pos, stop);
    this.pos = end < 0 ? stop : end + 1;
    this.lineNo++;
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      throw new LstmWasmError('FORMAT', `${this.what}: line ${this.lineNo} is not valid UTF-8`);
    }
    if (this.pos >= this.buf.length) await this.more();
    return { text: text.replace(/\r$/, ''), no: this.lineNo, last: this.pos >= this.buf.length && this.done };
  }

  /** Whether the bytes after the next space hold non-text bytes (float32 data) — peeks, consumes nothing. */
  async looksBinary(span: number): Promise<boolean> {
    while (this.buf.length - this.pos < span + 256 && (await this.more()));
    const space = this.buf.indexOf(SPACE, this.pos);
    if (space < 0) return false;
    const v = this.buf.subarray(space + 1, Math.min(this.buf.length, space + 1 + span));
    return v.some((b) => (b < 32 && b !== 9 && b !== 10 && b !== 13) || b === 127);
  }

  /** Bytes up to (not including) the next `stop` byte, which is consumed. */
  async until(stop: number, eof: string): Promise<Uint8Array> {
    let at: number;
    while ((at = this.buf.indexOf(stop, this.pos)) < 0) if (!(await this.more())) throw new LstmWasmError('FORMAT', eof);
    const out = this.buf.subarray(this.pos, at);
    this.pos = at + 1;
    return out;
  }

  /** Copies the next `len` bytes into out[at…]. */
  async take(out: Uint8Array, at: number, len: number, eof: string): Promise<void> {
    while (this.buf.length - this.pos < len) if (!(await this.more())) throw new LstmWasmError('FORMAT', eof);
    out.set(this.buf.subarray(this.pos, this.pos + len), at);
    this.pos += len;
  }

  /** Up to `max` of the remaining bytes. */
  async rest(max: number): Promise<Uint8Array> {
    while (this.buf.length - this.pos < max && (await this.more()));
    return this.buf.subarray(this.pos, this.pos + max);
  }
}

/** numpy's repr of a float32 (what gensim writes): the shortest digits that read back as the same float32. */
export function formatFloat32(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // the fewest significant digits that round-trip (monotone in the count: bisect 1..9)
  let lo = 1, hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(x.toExponential(mid - 1))) === x) hi = mid;
    else lo = mid + 1;
  }
  const [mant, e] = x.toExponential(lo - 1).split('e');
  const neg = mant.startsWith('-'), digits = mant.replace(/^-/, '').replace('.', ''), exp = Number(e);
  const sign = neg ? '-' : '';
  const ax = Math.abs(x);
  if (ax >= 1e16 || ax < 1e-4) {
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0'), frac = digits.slice(exp + 1);
  return `${sign}${int}.${frac || '0'}`;
}

/** The bytes of a vector file, in chunks of about 1 MiB. */
export function* vectorFileChunks(kv: VectorRows, format: VectorFormat): Generator<Uint8Array> {
  check(['word2vec-text', 'word2vec-binary', 'glove', 'fasttext'].includes(format), 'OPTION',
    `format must be word2vec-text, word2vec-binary, glove or fasttext, got ${JSON.stringify(format)}`);
  const enc = new TextEncoder(), n = kv.keys.length, D = kv.vectorSize;
  let parts: Uint8Array[] = [], size = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    size += b.length;
  };
  const flush = () => {
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    parts = [];
    size = 0;
    return out;
  };
  if (format !== 'glove') push(enc.encode(`${n} ${D}\n`));
  for (let i = 0; i < n; i++) {
    const w = kv.keys[i];
    check(w !== '' && !/[\s]/.test(w), 'INPUT', `the word ${JSON.stringify(w)} (row ${i}) cannot be written: words in vector files contain no spaces`);
    const row = kv.row(i);
    if (format === 'word2vec-binary') {
      push(enc.encode(`${w} `));
      const b = new Uint8Array(D * 4), v = new DataView(b.buffer);
      for (let d = 0; d < D; d++) v.setFloat32(d * 4, row[d], true);
      push(b);
    } else {
      let line = w;
      for (let d = 0; d < D; d++) line += ` ${formatFloat32(row[d])}`;
      push(enc.encode(`${line}\n`));
    }
    if (size >= 1 << 20) yield flush();
  }
  if (size) yield flush();
}

/** Writes a vector file to a path, chunk by chunk. */
export function writeVectorFile(path: string, chunks: Iterable<Uint8Array>): Promise<void> {
  return writeChunks(path, chunks);
}

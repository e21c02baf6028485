// text/keyed_vectors.ts: word vectors by word — cosine similarity, nearest words (a top-k search in wasm), analogies.
import { check } from '../errors.js';
import { type ByteSource, concatBytes } from '../io.js';
import type { WasmSource } from '../runtime.js';
import { TextCore } from './core.js';
import { type AnalogiesResult, type EvaluateOptions, type WordPairsResult, evaluateWordAnalogies, evaluateWordPairs } from './evaluate.js';
import { unknownWord } from './spelling.js';
import { type ReadVectorsOptions, type VectorFormat, type VectorRows, readVectors, vectorFileChunks, writeVectorFile } from './vector_files.js';

export interface KeyedVectorsOptions {
  /** How often each word was seen in training (kept with the vectors; saved files are not reordered by it). */
  counts?: ArrayLike<number>;
  /** The wasm core (see InferenceSession's `wasm` option). */
  wasm?: WasmSource;
  /**
   * 'f32' (default): nearest-word searches score every word exactly; 'int8': they score int8-quantized unit vectors
   * (a quarter of the memory traffic), then rescore the best candidates exactly. similarity() is always exact.
   */
  search?: 'f32' | 'int8';
}

/** A word, a row number, or a vector (vectors are not left out of the results). */
export type Term = string | number | Float32Array;

/** (word, cosine similarity) pairs, most similar first — gensim's list of tuples. */
export type Similar = [word: string, similarity: number][];

export interface SearchOptions {
  /** Search only the first N words (the most frequent, in a frequency-sorted vocabulary). Default: all. */
  restrictVocab?: number;
}

/** Words and their vectors; gensim's KeyedVectors. Create with `KeyedVectors.create` or `KeyedVectors.load`. */
export class KeyedVectors implements VectorRows {
  readonly keys: readonly string[];
  readonly vectorSize: number;
  readonly counts: Float64Array | undefined;
  readonly search: 'f32' | 'int8';
  private readonly rt: TextCore;
  private readonly index = new Map<string, number>();
  private readonly stride: number; // floats per row in wasm: vectorSize rounded up to 4 (zero padding)
  private readonly mat: number; // (n, stride) f32: the vectors as given
  private readonly inv: number; // (n) f32: 1 / norm of each row (0 for a zero row)
  private readonly scores: number; // (n) f32 scratch
  private readonly query: number; // (stride) f32 scratch; int8 search: then (q8stride) int8
  private readonly top: number; // (n) i32 + (n) f32 scratch of topk_f32
  private q8?: { mat: number; scales: number; stride: number; query: number };

  private constructor(rt: TextCore, keys: readonly string[], vectorSize: number, options: KeyedVectorsOptions) {
    this.rt = rt;
    this.keys = keys;
    this.vectorSize = vectorSize;
    this.search = options.search ?? 'f32';
    const n = keys.length;
    check(options.counts === undefined || options.counts.length === n, 'INPUT', `${options.counts?.length} counts for ${n} words`);
    this.counts = options.counts && Float64Array.from(options.counts);
    keys.forEach((k, i) => {
      check(typeof k === 'string', 'INPUT', `word ${i} is not a string`);
      check(!this.index.has(k), 'INPUT', `the word ${JSON.stringify(k)} appears twice (rows ${this.index.get(k)} and ${i})`);
      this.index.set(k, i);
    });
    this.stride = (vectorSize + 3) & ~3;
    this.mat = rt.alloc(n * this.stride * 4, `${n} word vectors of ${vectorSize}`);
    this.inv = rt.alloc(n * 4, 'vector norms');
    this.scores = rt.alloc(n * 4, 'search scores');
    this.query = rt.alloc(this.stride * 4 + 16, 'the search query');
    this.top = rt.alloc(n * 8, 'the search results');
  }

  /** Words and their vectors, row-major: vectors.length = keys.length * vectorSize. */
  static async create(keys: readonly string[], vectors: Float32Array | ArrayLike<number>, options: KeyedVectorsOptions = {}): Promise<KeyedVectors> {
    check(options !== null && typeof options === 'object', 'OPTION', 'KeyedVectors options must be an object');
    for (const k of Object.keys(options)) check(['counts', 'wasm', 'search'].includes(k), 'OPTION', `unknown KeyedVectors option '${k}'; known: counts, wasm, search`);
    check(options.search === undefined || options.search === 'f32' || options.search === 'int8', 'OPTION', `search must be 'f32' or 'int8', got ${JSON.stringify(options.search)}`);
    check(Array.isArray(keys) && keys.length > 0, 'INPUT', 'KeyedVectors: expected a non-empty array of words');
    const D = vectors.length / keys.length;
    check(Number.isInteger(D) && D > 0, 'INPUT', `KeyedVectors: ${vectors.length} numbers do not make ${keys.length} equal rows`);
    const kv = new KeyedVectors(await TextCore.create(options.wasm), keys, D, options);
    const mat = kv.rt.f32(kv.mat, keys.length * kv.stride);
    for (let i = 0; i < keys.length; i++) for (let d = 0; d < D; d++) mat[i * kv.stride + d] = vectors[i * D + d];
    kv.fillNorms();
    return kv;
  }

  /** Reads word2vec text or binary, GloVe or fastText .vec files (streamed; the format is detected unless given). */
  static async load(source: ByteSource | AsyncIterable<Uint8Array>, options: ReadVectorsOptions & KeyedVectorsOptions = {}): Promise<KeyedVectors> {
    const { counts, wasm, search, ...read } = options;
    const r = await readVectors(source, read);
    return KeyedVectors.create(r.keys, r.vectors, { counts, wasm, search });
  }

  /** Writes the vectors in a word2vec / GloVe / fastText format to a file (Node, Deno, Bun), streamed. */
  save(path: string, format: VectorFormat = 'word2vec-binary'): Promise<void> {
    return writeVectorFile(path, vectorFileChunks(this, format));
  }

  /** The file's bytes in one array (for a download in a browser). */
  toBytes(format: VectorFormat = 'word2vec-binary'): Uint8Array {
    return concatBytes([...vectorFileChunks(this, format)]);
  }

  private fillNorms(): void {
    const n = this.keys.length, D = this.vectorSize, mat = this.rt.f32(this.mat, n * this.stride), inv = this.rt.f32(this.inv, n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += mat[i * this.stride + d] ** 2;
      check(Number.isFinite(s), 'INPUT', () => `the vector of ${JSON.stringify(this.keys[i])} (row ${i}) is not finite`);
      inv[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
    }
    if (this.search === 'int8') this.quantize();
  }

  /** int8 copies of the unit vectors (one scale each), rows padded to 16 bytes. */
  private quantize(): void {
    const n = this.keys.length, D = this.vectorSize, stride = (D + 15) & ~15;
    const q8 = { mat: this.rt.alloc(n * stride, 'int8 vectors'), scales: this.rt.alloc(n * 4, 'int8 scales'), stride, query: this.rt.alloc(stride, 'int8 query') };
    const mat = this.rt.f32(this.mat, n * this.stride), inv = this.rt.f32(this.inv, n);
    const rows = new Int8Array(this.rt.core.memory.buffer, q8.mat, n * stride), scales = this.rt.f32(q8.scales, n);
    for (let i = 0; i < n; i++) {
      let mx = 0;
      for (let d = 0; d < D; d++) mx = Math.max(mx, Math.abs(mat[i * this.stride + d] * inv[i]));
      scales[i] = mx / 127;
      for (let d = 0; d < D; d++) rows[i * stride + d] = mx > 0 ? Math.round((mat[i * this.stride + d] * inv[i] * 127) / mx) : 0;
    }
    this.q8 = q8;
  }

  get size(): number {
    return this.keys.length;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  /** The row of a word; an INPUT error naming it and near spellings when it is not in the vocabulary. */
  indexOf(word: string): number {
    check(typeof word === 'string', 'INPUT', `expected a word, got ${typeof word}`);
    const i = this.index.get(word);
    if (i === undefined) throw unknownWord(word, this.keys, 'the vectors');
    return i;
  }

  /** A copy of a word's vector (or of row i), scaled to unit length when `norm`. */
  getVector(word: string | number, norm = false): Float32Array {
    const i = typeof word === 'number' ? word : this.indexOf(word);
    check(Number.isInteger(i) && i >= 0 && i < this.size, 'INPUT', `row ${i} is outside 0..${this.size - 1}`);
    const v = this.rt.f32(this.mat + i * this.stride * 4, this.vectorSize).slice();
    if (norm) {
      const s = this.rt.f32(this.inv, this.size)[i];
      for (let d = 0; d < v.length; d++) v[d] *= s;
    }
    return v;
  }

  /** Row i of the vectors (a view that dies when wasm memory grows; for the file writers). */
  row(i: number): Float32Array {
    return this.rt.f32(this.mat + i * this.stride * 4, this.vectorSize);
  }

  /** All vectors, row-major [size, vectorSize] (a copy). */
  get vectors(): Float32Array {
    const out = new Float32Array(this.size * this.vectorSize);
    for (let i = 0; i < this.size; i++) out.set(this.row(i), i * this.vectorSize);
    return out;
  }

  /** Cosine similarity of two words. */
  similarity(a: string, b: string): number {
    const x = this.getVector(a, true), y = this.getVector(b, true);
    let s = 0;
    for (let d = 0; d < x.length; d++) s += x[d] * y[d];
    return s;
  }

  /**
   * The words nearest to the mean of the positive words' unit vectors minus the negative ones' (3CosAdd), the
   * input words left out: gensim's most_similar. A word may be given by its row or as a vector (Float32Array).
   */
  mostSimilar(positive: Term | readonly Term[], negative: readonly Term[] = [], topn = 10, options: SearchOptions = {}): Similar {
    const pos = toList(positive), neg = toList(negative);
    check(pos.length + neg.length > 0, 'INPUT', 'mostSimilar: give at least one word');
    const mean = new Float64Array(this.vectorSize), exclude = new Set<number>();
    for (const [list, w] of [[pos, 1], [neg, -1]] as const) {
      for (const t of list) {
        const v = this.termVector(t, exclude);
        for (let d = 0; d < v.length; d++) mean[d] += (w * v[d]) / (pos.length + neg.length);
      }
    }
    return this.nearest(unit(mean), topn, exclude, this.limit(options));
  }

  /** The words nearest to a vector (not excluding anything). */
  similarByVector(vector: ArrayLike<number>, topn = 10, options: SearchOptions = {}): Similar {
    check(vector?.length === this.vectorSize, 'INPUT', `similarByVector: expected a vector of ${this.vectorSize} numbers, got ${vector?.length}`);
    return this.nearest(unit(Float64Array.from(vector)), topn, new Set(), this.limit(options));
  }

  /** The nearest words to one word. */
  similarByWord(word: string, topn = 10, options: SearchOptions = {}): Similar {
    return this.mostSimilar([word], [], topn, options);
  }

  /**
   * 3CosMul (Levy & Goldberg 2014): argmax of Π_pos (1 + cos) / 2 / (Π_neg (1 + cos) / 2 + 1e-6) — gensim's
   * most_similar_cosmul.
   */
  mostSimilarCosmul(positive: Term | readonly Term[], negative: readonly Term[] = [], topn = 10, options: SearchOptions = {}): Similar {
    const pos = toList(positive), neg = toList(negative), exclude = new Set<number>();
    check(pos.length > 0, 'INPUT', 'mostSimilarCosmul: give at least one positive word');
    const n = this.limit(options), num = new Float64Array(n).fill(1), den = new Float64Array(n).fill(1);
    for (const [list, acc] of [[pos, num], [neg, den]] as const) {
      for (const t of list) {
        this.scoreAll(this.termVector(t, exclude), n);
        const s = this.rt.f32(this.scores, n);
        for (let r = 0; r < n; r++) acc[r] *= (1 + s[r]) / 2;
      }
    }
    const s = this.rt.f32(this.scores, n);
    for (let r = 0; r < n; r++) s[r] = num[r] / (den[r] + 1e-6); // no negative word: the empty product, 1 (numpy's prod)
    return this.topk(topn, exclude, n);
  }

  /** `a` is to `b` as `c` is to ? — mostSimilar([b, c], [a]) (or 3CosMul with { cosmul: true }). */
  analogy(a: string, b: string, c: string, topn = 1, options: SearchOptions & { cosmul?: boolean } = {}): Similar {
    const { cosmul, ...search } = options;
    return cosmul ? this.mostSimilarCosmul([b, c], [a], topn, search) : this.mostSimilar([b, c], [a], topn, search);
  }

  /** Words by cosine to the normalized mean of their unit vectors, nearest first (gensim's rank_by_centrality). */
  rankByCentrality(words: readonly string[]): [similarity: number, word: string][] {
    check(Array.isArray(words) && words.length > 0, 'INPUT', 'rankByCentrality: give at least one word');
    const vs = words.map((w) => this.getVector(w, true)), mean = new Float64Array(this.vectorSize);
    for (const v of vs) for (let d = 0; d < v.length; d++) mean[d] += v[d] / vs.length;
    const m = unit(mean);
    return vs.map((v, i): [number, string] => [v.reduce((a, x, d) => a + x * m[d], 0), words[i]]).sort((x, y) => y[0] - x[0]);
  }

  /** The word furthest from the mean of the others' directions (gensim's doesnt_match). */
  doesntMatch(words: readonly string[]): string {
    const r = this.rankByCentrality(words);
    return r[r.length - 1][1];
  }

  /**
   * The weights of an embedding layer for a vocabulary (a model `Vocab`, a `Vocabulary`, or words by id): row i is the
   * vector of word i (looked up as written, then lower-cased unless `lowercase: false`); the padding id's row is 0;
   * words without a vector get zeros or, with `missing: 'random'`, uniform values in ±`scale` (default: the vectors'
   * own RMS) from `seed`. Returns [ids, vectorSize] row-major and the words that had no vector.
   */
  embeddingMatrix(vocab: { tokens: readonly string[]; pad?: number } | { words: readonly string[]; pad?: number } | readonly string[],
    options: { missing?: 'zeros' | 'random'; scale?: number; seed?: number; lowercase?: boolean } = {}): { weights: Float32Array; dims: [number, number]; missing: string[] } {
    const words = Array.isArray(vocab) ? vocab as readonly string[] : 'tokens' in vocab ? vocab.tokens : 'words' in vocab ? vocab.words : undefined;
    check(Array.isArray(words), 'INPUT', 'embeddingMatrix: expected a Vocab, a Vocabulary or an array of words');
    check(options.missing === undefined || options.missing === 'zeros' || options.missing === 'random', 'OPTION', `missing must be 'zeros' or 'random', got ${JSON.stringify(options.missing)}`);
    const pad = Array.isArray(vocab) ? undefined : (vocab as { pad?: number }).pad, D = this.vectorSize;
    const weights = new Float32Array(words.length * D), missing: string[] = [];
    let scale = options.scale;
    if (scale === undefined) {
      let s = 0;
      for (let i = 0; i < this.size; i++) for (const x of this.row(i)) s += x * x;
      scale = Math.sqrt(s / (this.size * D));
    }
    let state = (options.seed ?? 1) >>> 0 || 1; // xorshift32: the same rows for the same seed everywhere
    const uniform = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      return (state / 2 ** 32) * 2 - 1;
    };
    words.forEach((w, i) => {
      if (i === pad) return;
      const row = this.index.get(w) ?? (options.lowercase === false ? undefined : this.index.get(w.toLowerCase()));
      if (row !== undefined) weights.set(this.row(row), i * D);
      else {
        missing.push(w);
        if (options.missing === 'random') for (let d = 0; d < D; d++) weights[i * D + d] = uniform() * scale!;
      }
    });
    return { weights, dims: [words.length, D], missing };
  }

  /** Spearman and Pearson correlation with human similarity scores (the text of a WordSim-353 / SimLex-999 file). */
  evaluateWordPairs(text: string, options: EvaluateOptions & { delimiter?: string } = {}): WordPairsResult {
    return evaluateWordPairs(this, text, options);
  }

  /** Accuracy on analogy questions (the text of word2vec's questions-words.txt). */
  evaluateWordAnalogies(text: string, options: EvaluateOptions = {}): AnalogiesResult {
    return evaluateWordAnalogies(this, text, options);
  }

  private limit(options: SearchOptions): number {
    const n = options.restrictVocab ?? this.size;
    check(Number.isInteger(n) && n > 0, 'OPTION', `restrictVocab must be a positive integer, got ${n}`);
    return Math.min(n, this.size);
  }

  private termVector(t: Term, exclude: Set<number>): Float32Array {
    if (typeof t !== 'string' && typeof t !== 'number') {
      check(t instanceof Float32Array && t.length === this.vectorSize, 'INPUT', `a vector term must be a Float32Array of ${this.vectorSize}`);
      return Float32Array.from(unit(Float64Array.from(t)));
    }
    const i = typeof t === 'number' ? t : this.indexOf(t);
    check(Number.isInteger(i) && i >= 0 && i < this.size, 'INPUT', `row ${i} is outside 0..${this.size - 1}`);
    exclude.add(i);
    return this.getVector(i, true);
  }

  /** scores[r] = cos(row r, q) for the first n rows. */
  private scoreAll(q: ArrayLike<number>, n: number): void {
    this.rt.f32(this.query, this.stride).set(q);
    this.rt.core.scores_f32(this.scores, this.mat, n, this.vectorSize, this.stride, this.query, this.inv);
  }

  private nearest(q: Float32Array, topn: number, exclude: Set<number>, n: number): Similar {
    if (!this.q8) {
      this.scoreAll(q, n);
      return this.topk(topn, exclude, n);
    }
    // int8 scores pick candidates; exact cosines order them
    const { mat, scales, stride, query } = this.q8;
    let mx = 0;
    for (const x of q) mx = Math.max(mx, Math.abs(x));
    const qi = new Int8Array(this.rt.core.memory.buffer, query, stride);
    for (let d = 0; d < q.length; d++) qi[d] = mx > 0 ? Math.round((q[d] * 127) / mx) : 0;
    this.rt.core.scores_q8(this.scores, mat, scales, n, stride, stride, query, mx / 127);
    const shortlist = this.topk(Math.max(4 * topn, topn + 16), exclude, n);
    const exact = shortlist.map(([w]): [string, number] => [w, dotUnit(q, this.getVector(w, true))]);
    return exact.sort((a, b) => b[1] - a[1] || this.index.get(a[0])! - this.index.get(b[0])!).slice(0, topn);
  }

  private topk(topn: number, exclude: Set<number>, n: number): Similar {
    check(Number.isInteger(topn) && topn >= 0, 'OPTION', `topn must be a non-negative integer, got ${topn}`);
    const s = this.rt.f32(this.scores, n);
    for (const e of exclude) if (e < n) s[e] = -Infinity;
    const k = Math.min(topn, n), idx = this.top, val = this.top + n * 4;
    const m = this.rt.core.topk_f32(idx, val, this.scores, n, k);
    const ids = this.rt.i32(idx, m), vals = this.rt.f32(val, m);
    return Array.from(ids, (i, j): [string, number] => [this.keys[i], vals[j]]);
  }
}

const toList = <T>(x: T | readonly T[]): T[] => (Array.isArray(x) ? [...x] : [x as T]);

function unit(v: Float64Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  return Float32Array.from(v, (x) => (n > 0 ? x / n : 0));
}

function dotUnit(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d] * b[d];
  return s;
}

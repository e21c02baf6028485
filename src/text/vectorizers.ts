// text/vectorizers.ts: documents to vectors — one-hot, bag of words / n-grams (CountVectorizer), TF-IDF — as scikit-learn.
import { LstmWasmError, check } from '../errors.js';
import { CsrMatrix } from './sparse.js';
import { TOKEN_PATTERNS, Tokenizer } from './tokenizer.js';

/** Python's string order (by code point), which JavaScript's `<` is not above U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    // surrogates (U+D800-DFFF) encode code points above U+FFFF: they sort after U+E000-FFFF
    x += x >= 0xe000 ? -0x800 : x >= 0xd800 ? 0x2000 : 0;
    y += y >= 0xe000 ? -0x800 : y >= 0xd800 ? 0x2000 : 0;
    return x - y;
  }
  return a.length - b.length;
}

/** One row per id with a single 1 in column id: [ids.length, size]. */
export function oneHot(ids: ArrayLike<number>, size: number): CsrMatrix {
  check(Number.isInteger(size) && size > 0, 'INPUT', `oneHot: size must be a positive integer, got ${size}`);
  const n = ids.length, indptr = new Int32Array(n + 1), indices = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    check(Number.isInteger(id) && id >= 0 && id < size, 'INPUT', `oneHot: id ${id} at ${i} is outside 0..${size - 1}`);
    indices[i] = id;
    indptr[i + 1] = i + 1;
  }
  return new CsrMatrix(n, size, indptr, indices, new Float64Array(n).fill(1));
}

/** scikit-learn's CountVectorizer parameters (word analyzer), camel-cased; every one optional with sklearn's default. */
export interface CountVectorizerOptions {
  /** Lower-case before tokenizing. Default true. */
  lowercase?: boolean;
  /** A token: JavaScript regular expression source (`u` flag). Default: sklearn's `(?u)\b\w\w+\b` (TOKEN_PATTERNS.sklearn). */
  tokenPattern?: string;
  /** [min_n, max_n]: word n-grams of these lengths, joined by one space. Default [1, 1]. */
  ngramRange?: readonly [number, number];
  /** Tokens dropped before n-grams are formed. */
  stopWords?: readonly string[];
  /** Drop terms in fewer documents: an integer is a document count, a fraction in (0, 1) a share of documents. Default 1. */
  minDf?: number;
  /** Drop terms in more documents: an integer is a document count, a fraction in (0, 1) a share. Default: no limit (sklearn's 1.0). */
  maxDf?: number;
  /** Keep only the most frequent terms over the corpus (ties: alphabetical; sklearn leaves ties unspecified). */
  maxFeatures?: number;
  /** Every non-zero count becomes 1. Default false. */
  binary?: boolean;
  /** A fixed vocabulary (column order as given) instead of one learned by fit. */
  vocabulary?: readonly string[];
}

export interface TfidfOptions {
  /** Row normalization after weighting: 'l2' (default), 'l1' or null. */
  norm?: 'l1' | 'l2' | null;
  /** Weight by inverse document frequency. Default true. */
  useIdf?: boolean;
  /** idf = ln((1 + n) / (1 + df)) + 1, as if one document held every term once; false: ln(n / df) + 1. Default true. */
  smoothIdf?: boolean;
  /** tf -> 1 + ln(tf). Default false. */
  sublinearTf?: boolean;
}

const COUNT_KEYS = ['lowercase', 'tokenPattern', 'ngramRange', 'stopWords', 'minDf', 'maxDf', 'maxFeatures', 'binary', 'vocabulary'];
const TFIDF_KEYS = ['norm', 'useIdf', 'smoothIdf', 'sublinearTf'];

/** Bag of words / n-grams: documents -> a sparse [documents, terms] matrix of counts, as sklearn's CountVectorizer. */
export class CountVectorizer {
  protected readonly o: Required<Omit<CountVectorizerOptions, 'maxFeatures' | 'vocabulary' | 'maxDf'>> & CountVectorizerOptions;
  private readonly tokenizer: Tokenizer;
  private readonly stop: Set<string>;
  private terms: string[] | undefined;
  private index: Map<string, number> | undefined;

  constructor(options: CountVectorizerOptions = {}, extraKeys: readonly string[] = []) {
    check(options !== null && typeof options === 'object', 'OPTION', 'vectorizer options must be an object');
    for (const k of Object.keys(options)) {
      check(COUNT_KEYS.includes(k) || extraKeys.includes(k), 'OPTION', `unknown vectorizer option '${k}'; known: ${[...COUNT_KEYS, ...extraKeys].join(', ')}`);
    }
    this.o = { lowercase: true, tokenPattern: TOKEN_PATTERNS.sklearn, ngramRange: [1, 1], stopWords: [], minDf: 1, binary: false, ...options };
    const [lo, hi] = this.o.ngramRange;
    check(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && hi >= lo, 'OPTION', `ngramRange must be [min_n, max_n] with 1 <= min_n <= max_n, got ${JSON.stringify(this.o.ngramRange)}`);
    for (const k of ['minDf', 'maxDf'] as const) {
      const v = this.o[k];
      check(v === undefined || (typeof v === 'number' && v >= 0 && (Number.isInteger(v) || v < 1)), 'OPTION',
        `${k} must be a document count (integer) or a share of documents in (0, 1), got ${v}`);
    }
    check(this.o.maxFeatures === undefined || (Number.isInteger(this.o.maxFeatures) && this.o.maxFeatures > 0), 'OPTION',
      `maxFeatures must be a positive integer, got ${this.o.maxFeatures}`);
    // sklearn lower-cases and applies its pattern without Unicode normalization
    this.tokenizer = new Tokenizer({ pattern: this.o.tokenPattern, lowercase: this.o.lowercase, normalize: false });
    this.stop = new Set(this.o.stopWords);
    if (options.vocabulary) this.setTerms([...options.vocabulary], 'vocabulary');
  }

  private setTerms(terms: string[], what: string): void {
    check(terms.length > 0 && terms.every((t) => typeof t === 'string'), 'OPTION', `${what} must be a non-empty array of strings`);
    this.index = new Map(terms.map((t, i) => [t, i]));
    check(this.index.size === terms.length, 'OPTION', `${what} has a term twice`);
    this.terms = terms;
  }

  /** The terms (words or n-grams) of each column: sklearn's get_feature_names_out(). */
  get featureNames(): readonly string[] {
    check(this.terms, 'INPUT', 'the vectorizer is not fitted yet: call fit or fitTransform first');
    return this.terms;
  }

  /** Term -> column (sklearn's vocabulary_). */
  get vocabulary(): ReadonlyMap<string, number> {
    check(this.index, 'INPUT', 'the vectorizer is not fitted yet: call fit or fitTransform first');
    return this.index;
  }

  /** A document's terms, in order: tokens (stop words dropped), then its n-grams of each length. */
  analyze(doc: string): string[] {
    const tokens = this.tokenizer.tokenize(doc).filter((t) => !this.stop.has(t));
    const [lo, hi] = this.o.ngramRange;
    if (hi === 1) return tokens;
    const out = lo === 1 ? [...tokens] : [];
    for (let n = Math.max(lo, 2); n <= Math.min(hi, tokens.length); n++) {
      for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' '));
    }
    return out;
  }

  fit(docs: readonly string[]): this {
    this.fitTransform(docs);
    return this;
  }

  fitTransform(docs: readonly string[]): CsrMatrix {
    checkDocs(docs);
    if (this.o.vocabulary) return this.counts(docs);
    const index = new Map<string, number>();
    const rows = docs.map((d) => {
      const row = new Map<number, number>();
      for (const t of this.analyze(d)) {
        let j = index.get(t);
        if (j === undefined) index.set(t, (j = index.size));
        row.set(j, (row.get(j) ?? 0) + 1);
      }
      return row;
    });
    if (index.size === 0) throw new LstmWasmError('INPUT', 'empty vocabulary: the documents have no tokens (or only stop words)');
    if (this.o.binary) for (const r of rows) for (const j of r.keys()) r.set(j, 1);
    // columns in code-point order of their terms, then the document-frequency and size limits
    const byName = [...index.keys()].sort(compareCodePoints);
    const n = docs.length, df = new Float64Array(byName.length), tf = new Float64Array(byName.length);
    const order = new Int32Array(index.size);
    byName.forEach((t, i) => (order[index.get(t)!] = i));
    for (const r of rows) for (const [j, c] of r) {
      df[order[j]]++;
      tf[order[j]] += c;
    }
    const count = (v: number) => (Number.isInteger(v) ? v : v * n);
    const high = this.o.maxDf === undefined ? Infinity : count(this.o.maxDf), low = count(this.o.minDf);
    check(high >= low, 'OPTION', `maxDf (${high} documents) is below minDf (${low} documents)`);
    let keep = byName.map((_, i) => i).filter((i) => df[i] <= high && df[i] >= low);
    if (this.o.maxFeatures !== undefined && keep.length > this.o.maxFeatures) {
      keep = [...keep].sort((a, b) => tf[b] - tf[a] || a - b).slice(0, this.o.maxFeatures).sort((a, b) => a - b);
    }
    check(keep.length > 0, 'INPUT', `after pruning no terms remain (minDf ${low}, maxDf ${high} documents); try a lower minDf or a higher maxDf`);
    this.setTerms(keep.map((i) => byName[i]), 'the learned vocabulary');
    const column = new Int32Array(byName.length).fill(-1);
    keep.forEach((i, c) => (column[i] = c));
    return CsrMatrix.fromRows(rows.map((r) => {
      const m = new Map<number, number>();
      for (const [j, c] of r) if (column[order[j]] >= 0) m.set(column[order[j]], c);
      return m;
    }), keep.length);
  }

  /** Counts of the fitted terms in each document (other terms are ignored). */
  transform(docs: readonly string[]): CsrMatrix {
    return this.counts(docs);
  }

  private counts(docs: readonly string[]): CsrMatrix {
    checkDocs(docs);
    const index = this.vocabulary as Map<string, number>;
    return CsrMatrix.fromRows(docs.map((d) => {
      const row = new Map<number, number>();
      for (const t of this.analyze(d)) {
        const j = index.get(t);
        if (j !== undefined) row.set(j, this.o.binary ? 1 : (row.get(j) ?? 0) + 1);
      }
      return row;
    }), index.size);
  }
}

/** TF-IDF weights of terms in documents, as sklearn's TfidfVectorizer (float64, l2-normalized rows by default). */
export class TfidfVectorizer extends CountVectorizer {
  private readonly t: Required<TfidfOptions>;
  private idfs: Float64Array | undefined;

  constructor(options: CountVectorizerOptions & TfidfOptions = {}) {
    super(options, TFIDF_KEYS);
    const t = options as TfidfOptions;
    this.t = { norm: t.norm === undefined ? 'l2' : t.norm, useIdf: t.useIdf ?? true, smoothIdf: t.smoothIdf ?? true, sublinearTf: t.sublinearTf ?? false };
    check(this.t.norm === null || this.t.norm === 'l1' || this.t.norm === 'l2', 'OPTION', `norm must be 'l1', 'l2' or null, got ${JSON.stringify(t.norm)}`);
  }

  /** The inverse document frequency of each column (sklearn's idf_). */
  get idf(): Float64Array {
    check(this.idfs, 'INPUT', 'the vectorizer is not fitted yet (or useIdf is false)');
    return this.idfs;
  }

  override fitTransform(docs: readonly string[]): CsrMatrix {
    const counts = super.fitTransform(docs);
    if (this.t.useIdf) {
      const s = this.t.smoothIdf ? 1 : 0, df = new Float64Array(counts.cols);
      for (const j of counts.indices) df[j]++;
      this.idfs = df.map((d) => Math.log((counts.rows + s) / (d + s)) + 1);
    }
    return this.weigh(counts);
  }

  override transform(docs: readonly string[]): CsrMatrix {
    check(!this.t.useIdf || this.idfs, 'INPUT', 'the vectorizer is not fitted yet: call fit or fitTransform first');
    return this.weigh(super.transform(docs));
  }

  private weigh(x: CsrMatrix): CsrMatrix {
    const data = x.data;
    for (let r = 0; r < x.rows; r++) {
      const a = x.indptr[r], b = x.indptr[r + 1];
      let norm = 0;
      for (let k = a; k < b; k++) {
        if (this.t.sublinearTf) data[k] = Math.log(data[k]) + 1;
        if (this.t.useIdf) data[k] *= this.idfs![x.indices[k]];
        norm += this.t.norm === 'l1' ? Math.abs(data[k]) : data[k] * data[k];
      }
      if (this.t.norm === 'l2') norm = Math.sqrt(norm);
      if (this.t.norm && norm > 0) for (let k = a; k < b; k++) data[k] /= norm;
    }
    return x;
  }
}

function checkDocs(docs: readonly string[]): void {
  check(Array.isArray(docs), 'INPUT', `expected an array of documents (strings), got ${typeof docs === 'string' ? 'one string' : typeof docs}`);
  docs.forEach((d, i) => check(typeof d === 'string', 'INPUT', `document ${i} is not a string (${typeof d})`));
}

// text/vocabulary.ts: a word vocabulary built from a corpus — counts, min count, max size, special tokens, JSON.
import { LstmWasmError, check } from '../errors.js';
import { type ByteSource, readBytes } from '../io.js';
import { unknownWord } from './spelling.js';
import { Tokenizer, type TokenizerOptions } from './tokenizer.js';
import { Vocab } from './vocab.js';

/** The special tokens by role, in the order they take the first ids. */
export const SPECIALS = { pad: '<pad>', unknown: '<unk>', bos: '<bos>', eos: '<eos>' } as const;
export type SpecialRole = keyof typeof SPECIALS;

export interface VocabularyOptions {
  /** Keep words seen at least this often. Default 1. */
  minCount?: number;
  /** At most this many ids in all, special tokens included; the most frequent words are kept. Default: no limit. */
  maxSize?: number;
  /** Which special tokens to reserve ids 0, 1, … for, in this order. Default all four: pad, unknown, bos, eos. */
  specials?: readonly SpecialRole[];
  /** How text is split into words (encodeText, the saved JSON). Default: new Tokenizer(). */
  tokenizer?: Tokenizer | TokenizerOptions;
}

const KNOWN = ['minCount', 'maxSize', 'specials', 'tokenizer'];

/**
 * Words by id: the special tokens first, then the words by descending count (ties: first seen first).
 * Saved as `{"words": [...], "counts": [...], "pad": 0, "unknown": 1, "bos": 2, "eos": 3, "tokenizer": "...",
 * "lowercase": true, "normalize": "NFC"}` — a file `Vocab.load` also reads, so a model's vocab.json can be one.
 */
export class Vocabulary {
  readonly words: readonly string[];
  /** How often each word was seen while building (0 for special tokens). */
  readonly counts: Float64Array;
  readonly pad: number | undefined;
  readonly unknown: number | undefined;
  readonly bos: number | undefined;
  readonly eos: number | undefined;
  readonly tokenizer: Tokenizer;
  private readonly index = new Map<string, number>();

  constructor(words: readonly string[], counts: ArrayLike<number> | undefined, specials: Partial<Record<SpecialRole, number>>, tokenizer: Tokenizer) {
    check(Array.isArray(words) && words.every((w) => typeof w === 'string'), 'INPUT', 'vocabulary words must be an array of strings');
    check(counts === undefined || counts.length === words.length, 'INPUT', `vocabulary: ${counts?.length} counts for ${words.length} words`);
    this.words = words;
    this.counts = Float64Array.from(counts ?? new Float64Array(words.length));
    words.forEach((w, i) => {
      check(!this.index.has(w), 'INPUT', `vocabulary word ${JSON.stringify(w)} appears twice (ids ${this.index.get(w)} and ${i})`);
      this.index.set(w, i);
    });
    for (const [role, id] of Object.entries(specials)) {
      check(id === undefined || (Number.isInteger(id) && id >= 0 && id < words.length), 'INPUT', `vocabulary ${role} id ${id} is not one of its ${words.length} ids`);
    }
    this.pad = specials.pad;
    this.unknown = specials.unknown;
    this.bos = specials.bos;
    this.eos = specials.eos;
    this.tokenizer = tokenizer;
  }

  /** Counts the words of `sentences` (token lists, or texts split by the tokenizer) and keeps the frequent ones. */
  static build(sentences: Iterable<readonly string[] | string>, options: VocabularyOptions = {}): Vocabulary {
    check(options !== null && typeof options === 'object', 'OPTION', 'vocabulary options must be an object');
    for (const k of Object.keys(options)) check(KNOWN.includes(k), 'OPTION', `unknown vocabulary option '${k}'; known: ${KNOWN.join(', ')}`);
    const minCount = options.minCount ?? 1, maxSize = options.maxSize ?? Infinity;
    check(Number.isInteger(minCount) && minCount >= 1, 'OPTION', `minCount must be an integer >= 1, got ${minCount}`);
    check(maxSize === Infinity || (Number.isInteger(maxSize) && maxSize >= 1), 'OPTION', `maxSize must be an integer >= 1, got ${maxSize}`);
    const roles: readonly SpecialRole[] = options.specials ?? (Object.keys(SPECIALS) as SpecialRole[]);
    const listed: unknown = roles; // (Array.isArray on roles itself would narrow it to any[])
    check(Array.isArray(listed) && roles.every((r) => r in SPECIALS) && new Set(roles).size === roles.length, 'OPTION',
      `specials must be distinct roles among ${Object.keys(SPECIALS).join(', ')}, got ${JSON.stringify(roles)}`);
    check(roles.length <= maxSize, 'OPTION', `maxSize ${maxSize} leaves no room for the ${roles.length} special tokens`);
    const tokenizer = options.tokenizer instanceof Tokenizer ? options.tokenizer : new Tokenizer(options.tokenizer);
    const counts = countWords(sentences, tokenizer);
    const specialWords = new Set<string>(roles.map((r) => SPECIALS[r]));
    const kept = [...counts].filter(([w, c]) => c >= minCount && !specialWords.has(w));
    kept.sort((a, b) => b[1] - a[1]); // stable: ties keep first-seen order
    kept.length = Math.min(kept.length, maxSize - roles.length);
    const words = [...roles.map((r) => SPECIALS[r]), ...kept.map(([w]) => w)];
    const ids: Partial<Record<SpecialRole, number>> = {};
    roles.forEach((r, i) => (ids[r] = i));
    return new Vocabulary(words, [...roles.map(() => 0), ...kept.map(([, c]) => c)], ids, tokenizer);
  }

  /** Reads the JSON `toJSON` writes (or a `Vocab` word file: `words`, `unknown`, `pad`, `tokenizer`, `lowercase`). */
  static fromJSON(json: unknown, what = 'vocabulary'): Vocabulary {
    const o = json as Record<string, unknown>;
    check(o !== null && typeof o === 'object' && Array.isArray(o.words), 'FORMAT', `${what}: expected a JSON object with a "words" array`);
    const known = ['words', 'counts', 'pad', 'unknown', 'bos', 'eos', 'tokenizer', 'lowercase', 'normalize', 'labels'];
    for (const k of Object.keys(o)) check(known.includes(k), 'FORMAT', `${what}: unknown key "${k}"; known: ${known.join(', ')}`);
    check(o.counts === undefined || (Array.isArray(o.counts) && o.counts.every((c) => typeof c === 'number' && c >= 0)), 'FORMAT',
      `${what}: "counts" must be an array of non-negative numbers`);
    const ids: Partial<Record<SpecialRole, number>> = {};
    for (const r of Object.keys(SPECIALS) as SpecialRole[]) {
      check(o[r] === undefined || Number.isInteger(o[r]), 'FORMAT', `${what}: "${r}" must be a word id, got ${JSON.stringify(o[r])}`);
      if (o[r] !== undefined) ids[r] = o[r] as number;
    }
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer({
        pattern: (o.tokenizer ?? 'whitespace') as string, // Vocab's default: \S+
        lowercase: (o.lowercase ?? false) as boolean, // Vocab's default: the text as written
        normalize: (o.normalize ?? false) as 'NFC' | false,
      });
    } catch (e) {
      throw new LstmWasmError('FORMAT', `${what}: ${(e as Error).message}`);
    }
    try {
      return new Vocabulary(o.words as string[], o.counts as number[] | undefined, ids, tokenizer);
    } catch (e) {
      throw new LstmWasmError('FORMAT', `${what}: ${(e as Error).message}`);
    }
  }

  static async load(source: ByteSource): Promise<Vocabulary> {
    const what = typeof source === 'string' || source instanceof URL ? String(source) : 'vocabulary';
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await readBytes(source)));
    } catch (e) {
      if (e instanceof LstmWasmError) throw e;
      throw new LstmWasmError('FORMAT', `${what}: not UTF-8 JSON (${(e as Error).message})`);
    }
    return Vocabulary.fromJSON(json, what);
  }

  toJSON(): Record<string, unknown> {
    const o: Record<string, unknown> = { words: this.words, counts: Array.from(this.counts) };
    for (const r of Object.keys(SPECIALS) as SpecialRole[]) if (this[r] !== undefined) o[r] = this[r];
    return { ...o, ...this.tokenizer.toJSON() };
  }

  /** The same ids as a model `Vocab` (encode, decode, the task helpers). */
  toVocab(): Vocab {
    return Vocab.fromJSON(this.toJSON());
  }

  get size(): number {
    return this.words.length;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  /** The id of a word; the unknown id for others, or an INPUT error naming the word and near spellings when there is none. */
  id(word: string): number {
    const i = this.index.get(word) ?? this.unknown;
    if (i === undefined) throw unknownWord(word, this.words);
    return i;
  }

  /** Ids of tokens (or of a text, split by the tokenizer), with `<bos>` / `<eos>` around them when asked. */
  encode(tokens: readonly string[] | string, options: { bos?: boolean; eos?: boolean } = {}): Int32Array {
    const t = typeof tokens === 'string' ? this.tokenizer.tokenize(tokens) : tokens;
    check(Array.isArray(t), 'INPUT', `encode: expected tokens or a text, got ${typeof tokens}`);
    for (const r of ['bos', 'eos'] as const) {
      check(!options[r] || this[r] !== undefined, 'OPTION', `encode: ${r} asked but the vocabulary has no ${SPECIALS[r]} token`);
    }
    const out = new Int32Array(t.length + (options.bos ? 1 : 0) + (options.eos ? 1 : 0));
    let k = 0;
    if (options.bos) out[k++] = this.bos!;
    for (const w of t) out[k++] = this.id(w);
    if (options.eos) out[k++] = this.eos!;
    return out;
  }

  decode(ids: ArrayLike<number>): string[] {
    return Array.from(ids, (id) => {
      check(Number.isInteger(id) && id >= 0 && id < this.words.length, 'INPUT', `word id ${id} is outside the vocabulary 0..${this.words.length - 1}`);
      return this.words[id];
    });
  }
}

/** Word counts in first-seen order. */
function countWords(sentences: Iterable<readonly string[] | string>, tokenizer: Tokenizer): Map<string, number> {
  check(sentences !== null && typeof (sentences as Iterable<unknown>)?.[Symbol.iterator] === 'function', 'INPUT',
    'expected an iterable of sentences (token lists or texts)');
  const counts = new Map<string, number>();
  for (const s of sentences) {
    const tokens = typeof s === 'string' ? tokenizer.tokenize(s) : s;
    check(Array.isArray(tokens), 'INPUT', `a sentence must be a token list or a text, got ${typeof s}`);
    for (const w of tokens) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}

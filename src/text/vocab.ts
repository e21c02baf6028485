// text/vocab.ts: a vocabulary — text to token ids and back, by characters or by words.
import { LstmWasmError, check } from '../errors.js';
import { type ByteSource, readBytes } from '../io.js';

export interface VocabOptions {
  /** 'char': one token per Unicode code point; 'word': tokens matched by `pattern`. */
  kind: 'char' | 'word';
  /** The id of an unknown character or word; without it, unknown text is an error. */
  unknown?: number;
  /** The id of padding (word vocabularies), if any; encode() never produces it. */
  pad?: number;
  /**
   * word: what a word is — a JavaScript regular expression (run with the `u` flag) applied to the whole text. Default
   * `\S+`. Note JavaScript's `\w` is ASCII-only where Python's is Unicode: write `[\p{L}\p{N}_]+` for Python's `\w+`.
   */
  pattern?: string;
  /** word: lower-case the text before matching. */
  lowercase?: boolean;
  /** word: Unicode normalization before lower-casing and matching (as the Tokenizer of text/tokenizer.ts). Default none. */
  normalize?: 'NFC' | 'NFKC' | false;
  /** Class names of the model this vocabulary feeds (a classifier's outputs), kept for classify(). */
  labels?: readonly string[];
}

/**
 * Token id i stands for tokens[i]. From a JSON file: `{ "chars": [...], "unknown": 0 }` or
 * `{ "words": [...], "unknown": 1, "pad": 0, "tokenizer": "[a-z]+", "lowercase": true }` (see fromJSON).
 */
export class Vocab {
  readonly tokens: readonly string[];
  readonly kind: 'char' | 'word';
  readonly unknown: number | undefined;
  readonly pad: number | undefined;
  readonly labels: readonly string[] | undefined;
  private readonly index = new Map<string, number>();
  private readonly pattern: RegExp;
  private readonly lowercase: boolean;
  private readonly normalize: 'NFC' | 'NFKC' | false;

  constructor(tokens: readonly string[], options: VocabOptions) {
    check(Array.isArray(tokens) && tokens.length > 0 && tokens.every((t) => typeof t === 'string'), 'MODEL', 'a vocabulary is a non-empty array of strings');
    check(options !== null && typeof options === 'object', 'OPTION', "new Vocab(tokens, options): options must say at least { kind: 'char' | 'word' }");
    check(options.kind !== 'char' || (options.pattern === undefined && options.lowercase === undefined), 'OPTION',
      'a character vocabulary takes no pattern or lowercase (those split words)');
    check(options.kind === 'char' || options.kind === 'word', 'OPTION', `vocabulary kind must be 'char' or 'word', got ${JSON.stringify(options.kind)}`);
    for (const [k, v] of [['unknown', options.unknown], ['pad', options.pad]] as const) {
      check(v === undefined || (Number.isInteger(v) && v >= 0 && v < tokens.length), 'MODEL', `vocabulary ${k} id ${v} is not one of its ${tokens.length} ids`);
    }
    this.tokens = tokens;
    this.kind = options.kind;
    this.unknown = options.unknown;
    this.pad = options.pad;
    check(options.labels === undefined || (Array.isArray(options.labels) && options.labels.every((l) => typeof l === 'string')), 'MODEL',
      'vocabulary labels must be an array of strings');
    this.labels = options.labels;
    this.lowercase = options.lowercase ?? false;
    this.normalize = options.normalize ?? false;
    check(this.normalize === false || this.normalize === 'NFC' || this.normalize === 'NFKC', 'MODEL', `vocabulary normalize must be 'NFC', 'NFKC' or false, got ${JSON.stringify(options.normalize)}`);
    try {
      this.pattern = new RegExp(options.pattern ?? '\\S+', 'gu');
    } catch (e) {
      throw new LstmWasmError('MODEL', `vocabulary tokenizer pattern ${JSON.stringify(options.pattern)} is not a regular expression: ${(e as Error).message}`);
    }
    tokens.forEach((t, i) => {
      if (i === options.unknown || i === options.pad) return; // their strings are placeholders, never looked up
      check(!this.index.has(t), 'MODEL', `vocabulary token ${JSON.stringify(t)} appears twice (ids ${this.index.get(t)} and ${i})`);
      if (options.kind === 'char') check([...t].length === 1, 'MODEL', `character vocabulary entry ${i} is ${JSON.stringify(t)}, not one character`);
      this.index.set(t, i);
    });
  }

  /** Reads the JSON a training script writes beside the model (`chars` or `words`, with optional ids and tokenizer). */
  static fromJSON(json: unknown, what = 'vocabulary'): Vocab {
    const o = json as Record<string, unknown>;
    check(o !== null && typeof o === 'object', 'MODEL', `${what}: expected a JSON object with "chars" or "words"`);
    const kind = Array.isArray(o.chars) ? 'char' : Array.isArray(o.words) ? 'word' : undefined;
    check(kind, 'MODEL', `${what}: expected a "chars" or a "words" array`);
    // a Vocabulary's file (text/vocabulary.ts) also has counts, bos, eos and normalize
    const known = kind === 'char' ? ['chars', 'unknown', 'pad', 'labels'] : ['words', 'unknown', 'pad', 'labels', 'tokenizer', 'lowercase', 'normalize', 'counts', 'bos', 'eos'];
    for (const k of Object.keys(o)) check(known.includes(k), 'MODEL', `${what}: unknown key "${k}" for a ${kind === 'char' ? 'character' : 'word'} vocabulary; known: ${known.join(', ')}`);
    const num = (k: string) => {
      check(o[k] === undefined || Number.isInteger(o[k]), 'MODEL', `${what}: "${k}" must be a token id, got ${JSON.stringify(o[k])}`);
      return o[k] as number | undefined;
    };
    check(o.tokenizer === undefined || typeof o.tokenizer === 'string', 'MODEL', `${what}: "tokenizer" must be a regular expression string`);
    return new Vocab((kind === 'char' ? o.chars : o.words) as string[], {
      kind, unknown: num('unknown'), pad: num('pad'), pattern: o.tokenizer as string | undefined, lowercase: kind === 'word' ? o.lowercase === true : undefined,
      ...(o.normalize !== undefined && { normalize: o.normalize as 'NFC' }),
      labels: o.labels as string[] | undefined,
    });
  }

  /** Reads a vocabulary JSON file (a path, URL or bytes), as fromJSON. */
  static async load(source: ByteSource): Promise<Vocab> {
    const what = typeof source === 'string' || source instanceof URL ? String(source) : 'vocabulary';
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(await readBytes(source)));
    } catch (e) {
      if (e instanceof LstmWasmError) throw e;
      throw new LstmWasmError('FORMAT', `${what}: not JSON (${(e as Error).message})`);
    }
    return Vocab.fromJSON(json, what);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The pieces encode() looks up: code points, or the words the pattern matches. */
  split(text: string): string[] {
    check(typeof text === 'string', 'INPUT', `expected text, got ${typeof text}`);
    if (this.kind === 'char') return [...text];
    const t = this.normalize ? text.normalize(this.normalize) : text;
    return (this.lowercase ? t.toLowerCase() : t).match(this.pattern) ?? [];
  }

  encode(text: string): number[] {
    return this.split(text).map((piece) => {
      const id = this.index.get(piece) ?? this.unknown;
      check(id !== undefined, 'INPUT', `${JSON.stringify(piece)} is not in the vocabulary and it has no unknown token`);
      return id;
    });
  }

  decode(ids: Iterable<number>): string {
    check(ids !== null && typeof (ids as Iterable<number>)?.[Symbol.iterator] === 'function', 'INPUT', `decode(ids): ids must be an array of token ids, got ${String(ids)}`);
    const out: string[] = [];
    for (const id of ids) {
      check(Number.isInteger(id) && id >= 0 && id < this.tokens.length, 'INPUT', `token id ${id} is outside the vocabulary 0..${this.tokens.length - 1}`);
      out.push(this.tokens[id]);
    }
    return out.join(this.kind === 'char' ? '' : ' ');
  }
}

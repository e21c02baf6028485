// text/tokenizer.ts: text to tokens — Unicode normalization, lower-casing and a word pattern, the rules stated once.
import { LstmWasmError, check } from '../errors.js';

/**
 * The word patterns by name (JavaScript regular expressions, run with the `u` flag):
 * - `words` (default): runs of letters, combining marks and digits in any script, joined by inner apostrophes
 *   (`don't`, `lord's`, `l'homme` stay one token); everything else (punctuation, symbols, spaces, `_`) separates.
 * - `sklearn`: scikit-learn's default `token_pattern` `(?u)\b\w\w+\b` — runs of two or more Python word
 *   characters (Unicode letters, numbers, `_`; not combining marks, so Devanagari vowel signs split a word there,
 *   as they do in Python).
 * - `whitespace`: `\S+`, whatever lies between spaces (gensim's `LineSentence` and word2vec.c read corpora so).
 */
export const TOKEN_PATTERNS = {
  words: "[\\p{L}\\p{M}\\p{N}]+(?:['\\u2019][\\p{L}\\p{M}\\p{N}]+)*",
  sklearn: '[\\p{L}\\p{N}_]{2,}',
  whitespace: '\\S+',
} as const;

export type TokenPatternName = keyof typeof TOKEN_PATTERNS;

export interface TokenizerOptions {
  /** A name from TOKEN_PATTERNS, or the source of a JavaScript regular expression matching one token. Default `words`. */
  pattern?: TokenPatternName | string;
  /** Lower-case the text first (String.prototype.toLowerCase: full Unicode case mapping, final sigma). Default true. */
  lowercase?: boolean;
  /** Unicode normalization applied first: 'NFC' (default: é typed as e + U+0301 becomes the one code point é), 'NFKC', or false. */
  normalize?: 'NFC' | 'NFKC' | false;
}

/** Splits text into tokens: normalize, then lower-case, then every match of the pattern, left to right. */
export class Tokenizer {
  /** The regular expression source the tokens match. */
  readonly pattern: string;
  readonly lowercase: boolean;
  readonly normalize: 'NFC' | 'NFKC' | false;
  private readonly re: RegExp;

  constructor(options: TokenizerOptions = {}) {
    check(options !== null && typeof options === 'object', 'OPTION', 'tokenizer options must be an object');
    for (const k of Object.keys(options)) {
      check(['pattern', 'lowercase', 'normalize'].includes(k), 'OPTION', `unknown tokenizer option '${k}'; known: pattern, lowercase, normalize`);
    }
    const p = options.pattern ?? 'words';
    check(typeof p === 'string' && p !== '', 'OPTION', `tokenizer pattern must be a pattern name (${Object.keys(TOKEN_PATTERNS).join(', ')}) or a regular expression string`);
    this.pattern = (TOKEN_PATTERNS as Record<string, string>)[p] ?? p;
    this.lowercase = options.lowercase ?? true;
    this.normalize = options.normalize ?? 'NFC';
    check(typeof this.lowercase === 'boolean', 'OPTION', `tokenizer lowercase must be true or false, got ${String(options.lowercase)}`);
    check(this.normalize === false || this.normalize === 'NFC' || this.normalize === 'NFKC', 'OPTION',
      `tokenizer normalize must be 'NFC', 'NFKC' or false, got ${String(options.normalize)}`);
    try {
      this.re = new RegExp(this.pattern, 'gu');
    } catch (e) {
      throw new LstmWasmError('OPTION', `tokenizer pattern ${JSON.stringify(p)} is not a regular expression: ${(e as Error).message}`);
    }
    check(!this.re.test(''), 'OPTION', `tokenizer pattern ${JSON.stringify(p)} matches the empty string; a token must have at least one character`);
  }

  /** The text as the pattern sees it: normalized, then lower-cased. */
  prepare(text: string): string {
    check(typeof text === 'string', 'INPUT', `expected text, got ${text === null ? 'null' : typeof text}`);
    const t = this.normalize ? text.normalize(this.normalize) : text;
    return this.lowercase ? t.toLowerCase() : t;
  }

  tokenize(text: string): string[] {
    return this.prepare(text).match(this.re) ?? [];
  }

  /** One token list per line (the word2vec convention: a line is a sentence); empty lines give no sentence. */
  sentences(text: string): string[][] {
    const out: string[][] = [];
    for (const line of text.split(/\r?\n/)) {
      const t = this.tokenize(line);
      if (t.length) out.push(t);
    }
    return out;
  }

  /** The options that rebuild this tokenizer (as saved in a vocabulary's JSON). */
  toJSON(): { tokenizer: string; lowercase: boolean; normalize: 'NFC' | 'NFKC' | false } {
    return { tokenizer: this.pattern, lowercase: this.lowercase, normalize: this.normalize };
  }
}

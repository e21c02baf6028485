// text/cooccurrence.ts: the windowed word co-occurrence matrix (the counts GloVe and count-based vectors start from).
import { check } from '../errors.js';
import { CsrMatrix } from './sparse.js';

export interface CooccurrenceOptions {
  /** Words at most this far apart (within one sentence) co-occur. Default 5. */
  window?: number;
  /** 'uniform' (default): each pair counts 1; 'harmonic': 1 / distance, as GloVe. */
  weighting?: 'uniform' | 'harmonic';
  /** Ids left out, as if not there (e.g. padding or unknown); the words around them stay as far apart as written. */
  ignore?: readonly number[];
}

/**
 * X[a, b] = Σ over ordered pairs of positions (i, j), 0 < |i − j| <= window, in one sentence, with ids (a, b), of
 * the weight of |i − j|. Symmetric; sparse [size, size], float64.
 */
export function cooccurrenceMatrix(sentences: Iterable<ArrayLike<number>>, size: number, options: CooccurrenceOptions = {}): CsrMatrix {
  check(options !== null && typeof options === 'object', 'OPTION', 'co-occurrence options must be an object');
  for (const k of Object.keys(options)) check(['window', 'weighting', 'ignore'].includes(k), 'OPTION', `unknown co-occurrence option '${k}'; known: window, weighting, ignore`);
  const window = options.window ?? 5, weighting = options.weighting ?? 'uniform';
  check(Number.isInteger(window) && window >= 1, 'OPTION', `window must be an integer >= 1, got ${window}`);
  check(weighting === 'uniform' || weighting === 'harmonic', 'OPTION', `weighting must be 'uniform' or 'harmonic', got ${JSON.stringify(weighting)}`);
  check(Number.isInteger(size) && size > 0, 'INPUT', `size must be a positive integer (the vocabulary size), got ${size}`);
  check(sentences !== null && typeof (sentences as Iterable<unknown>)?.[Symbol.iterator] === 'function', 'INPUT', 'expected an iterable of id sequences');
  const skip = new Set(options.ignore ?? []);
  const rows: Map<number, number>[] = Array.from({ length: size }, () => new Map());
  let s = 0;
  for (const ids of sentences) {
    for (let i = 0; i < ids.length; i++) {
      const a = ids[i];
      check(Number.isInteger(a) && a >= 0 && a < size, 'INPUT', `sentence ${s}: id ${a} at ${i} is outside 0..${size - 1}`);
      if (skip.has(a)) continue;
      // each unordered pair once, from its right end, added both ways
      for (let j = Math.max(0, i - window); j < i; j++) {
        const b = ids[j];
        if (skip.has(b)) continue;
        const w = weighting === 'uniform' ? 1 : 1 / (i - j);
        rows[a].set(b, (rows[a].get(b) ?? 0) + w);
        rows[b].set(a, (rows[b].get(a) ?? 0) + w);
      }
    }
    s++;
  }
  return CsrMatrix.fromRows(rows, size);
}

// text/spelling.ts: the nearest spellings of a word not in a vocabulary, for the error that names it.
import { LstmWasmError } from '../errors.js';

/** Levenshtein distance (insert, delete, substitute a code point), or max + 1 once it must exceed max. */
export function editDistance(a: readonly string[], b: readonly string[], max: number, row: Int32Array): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  for (let j = 0; j <= b.length; j++) row[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0], best = (row[0] = i);
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(up + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
      if (row[j] < best) best = row[j];
    }
    if (best > max) return max + 1;
  }
  return row[b.length];
}

/**
 * Up to `n` words of `words` nearest to `word` by edit distance (at most 1 + a third of its length), nearer first,
 * then in the words' own order (a frequency-sorted vocabulary puts common words first).
 */
export function nearestSpellings(word: string, words: readonly string[], n = 3): string[] {
  const w = [...word.toLowerCase()];
  const max = 1 + Math.floor(w.length / 3);
  const row = new Int32Array(w.length + max + 2);
  const found: [number, number][] = [];
  for (let i = 0; i < words.length; i++) {
    const c = [...words[i].toLowerCase()];
    if (row.length < c.length + 1) continue; // longer than the distance allows
    const d = editDistance(w, c, max, row);
    if (d <= max) found.push([d, i]);
  }
  found.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return found.slice(0, n).map(([, i]) => words[i]);
}

/** The INPUT error for a word that is not in a vocabulary: it names the word and suggests near spellings. */
export function unknownWord(word: string, words: readonly string[], what = 'the vocabulary'): LstmWasmError {
  const near = nearestSpellings(word, words);
  return new LstmWasmError('INPUT', `${JSON.stringify(word)} is not in ${what} (${words.length} words)` +
    (near.length ? `; nearest spellings: ${near.map((s) => JSON.stringify(s)).join(', ')}` : '; no word in it is spelled near it'));
}

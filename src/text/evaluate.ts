// text/evaluate.ts: word-vector quality as gensim measures it — word-pair similarity (Spearman, Pearson) and analogies.
import { check } from '../errors.js';
import type { KeyedVectors } from './keyed_vectors.js';

export interface EvaluateOptions {
  /** Only the first N words of the vectors count as known (gensim's restrict_vocab). Default 300000. */
  restrictVocab?: number;
  /** Compare words upper-cased (the most frequent spelling of each word stands for it). Default true. */
  caseInsensitive?: boolean;
}

export interface WordPairsResult {
  pearson: number;
  spearman: number;
  /** percentage of pairs skipped because a word is unknown */
  oovRatio: number;
  /** pairs scored */
  pairs: number;
}

export interface AnalogySection {
  section: string;
  correct: number;
  incorrect: number;
}

export interface AnalogiesResult {
  /** correct / (correct + incorrect) over all sections */
  score: number;
  /** per section, then 'Total accuracy' */
  sections: AnalogySection[];
  /** percentage of questions skipped because a word is unknown */
  oovRatio: number;
}

/** Word (upper-cased when case-insensitive) -> row, the first (most frequent) row of each spelling winning. */
function knownWords(kv: KeyedVectors, options: EvaluateOptions): { rows: Map<string, number>; fold: (w: string) => string; limit: number } {
  const limit = Math.min(options.restrictVocab ?? 300000, kv.size), fold = options.caseInsensitive === false ? (w: string) => w : (w: string) => w.toUpperCase();
  check(Number.isInteger(limit) && limit > 0, 'OPTION', `restrictVocab must be a positive integer, got ${options.restrictVocab}`);
  const rows = new Map<string, number>();
  for (let i = limit - 1; i >= 0; i--) rows.set(fold(kv.keys[i]), i);
  return { rows, fold, limit };
}

/**
 * Correlation of the vectors' cosine similarities with human scores: lines `word1<TAB>word2<TAB>score` (`#` lines
 * skipped, malformed lines skipped, pairs with an unknown word skipped) — gensim's evaluate_word_pairs.
 */
export function evaluateWordPairs(kv: KeyedVectors, text: string, options: EvaluateOptions & { delimiter?: string } = {}): WordPairsResult {
  check(typeof text === 'string', 'INPUT', 'evaluateWordPairs: expected the text of a word-pair file');
  const { rows, fold } = knownWords(kv, options);
  const gold: number[] = [], model: number[] = [];
  let oov = 0;
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(options.delimiter ?? '\t');
    if (parts.length !== 3 || !Number.isFinite(Number(parts[2])) || parts[2].trim() === '') continue;
    const a = rows.get(fold(parts[0])), b = rows.get(fold(parts[1]));
    if (a === undefined || b === undefined) {
      oov++;
      continue;
    }
    gold.push(Number(parts[2]));
    model.push(cosine(kv, a, b));
  }
  check(gold.length > 0, 'INPUT', `evaluateWordPairs: no pair has both words among the vectors' ${kv.size} words (${oov} pairs with unknown words)`);
  return { pearson: pearson(gold, model), spearman: pearson(ranks(gold), ranks(model)), oovRatio: (100 * oov) / (gold.length + oov), pairs: gold.length };
}

/**
 * Analogy questions `a b c expected` under `: section` lines: correct when the nearest word to b - a + c (3CosAdd,
 * the question words left out) is `expected` — gensim's evaluate_word_analogies (questions with an unknown word skipped).
 */
export function evaluateWordAnalogies(kv: KeyedVectors, text: string, options: EvaluateOptions = {}): AnalogiesResult {
  check(typeof text === 'string', 'INPUT', 'evaluateWordAnalogies: expected the text of an analogy file');
  const { rows, fold, limit } = knownWords(kv, options);
  const sections: AnalogySection[] = [];
  let section: AnalogySection | undefined, oov = 0, questions = 0;
  text.split('\n').forEach((line, i) => {
    if (line.startsWith(': ')) {
      if (section) sections.push(section);
      section = { section: line.replace(/^[: ]+/, '').trim(), correct: 0, incorrect: 0 };
      return;
    }
    check(section || !line.trim(), 'INPUT', `evaluateWordAnalogies: line ${i + 1} comes before any ": section" line`);
    const q = line.trim().split(/\s+/).map(fold);
    if (q.length !== 4 || !section) return;
    questions++;
    const [a, b, c, expected] = q.map((w) => rows.get(w));
    if (a === undefined || b === undefined || c === undefined || expected === undefined) {
      oov++;
      return;
    }
    const ignore = new Set(q.slice(0, 3));
    let predicted: string | undefined;
    for (const [w] of kv.mostSimilar([b, c], [a], 5, { restrictVocab: limit })) {
      predicted = fold(w);
      if (rows.has(predicted) && !ignore.has(predicted)) break;
    }
    if (predicted === q[3]) section.correct++;
    else section.incorrect++;
  });
  if (section) sections.push(section);
  const correct = sections.reduce((s, x) => s + x.correct, 0), incorrect = sections.reduce((s, x) => s + x.incorrect, 0);
  sections.push({ section: 'Total accuracy', correct, incorrect });
  return { score: correct + incorrect ? correct / (correct + incorrect) : 0, sections, oovRatio: questions ? (100 * oov) / questions : 0 };
}

function cosine(kv: KeyedVectors, a: number, b: number): number {
  const x = kv.getVector(a, true), y = kv.getVector(b, true);
  let s = 0;
  for (let d = 0; d < x.length; d++) s += x[d] * y[d];
  return s;
}

function pearson(x: number[], y: number[]): number {
  const n = x.length, mx = x.reduce((a, v) => a + v, 0) / n, my = y.reduce((a, v) => a + v, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Ranks 1..n, tied values sharing their average rank (scipy's rankdata, as spearmanr uses it). */
function ranks(v: number[]): number[] {
  const order = v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
  const out = new Array<number>(v.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && v[order[j + 1]] === v[order[i]]) j++;
    for (let k = i; k <= j; k++) out[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

// seq2seq/translate.ts: texts -> source ids -> decoding -> target texts, shared by Seq2Seq and the ONNX pair.
import type { BatchDecodeOptions, Hypothesis } from '../decode/batch.js';
import { check } from '../errors.js';
import type { Vocab } from '../text/vocab.js';
import { type NamedVocab, detokenize, encodeSource } from './vocab.js';

export interface TranslateOptions extends BatchDecodeOptions {
  /** Sentences encoded and decoded together (default 32): one encoder run and one decoder call per step for all. */
  batchSize?: number;
}

export interface Translation {
  text: string;
  tokens: number[];
  /** sum of the tokens' log-probabilities (eos included when finished) */
  score: number;
  /** the beam's ranking (score / length^lengthPenalty); the score otherwise */
  rank: number;
  /** ended with eos (else the token limit ended it) */
  finished: boolean;
  /** one row per output token: its attention weights over the source tokens */
  attention: Float32Array[];
}

export interface TranslationResult {
  source: string;
  /** the pieces the source vocabulary split the text into, and their ids */
  sourceTokens: string[];
  sourceIds: number[];
  /** pieces not in the source vocabulary (each mapped to its unknown id) */
  unknown: string[];
  /** best first: one for greedy and sampling, nBest for beam search */
  translations: Translation[];
}

/** What translation needs from a model. */
export interface Translator {
  readonly sourceVocab: Vocab;
  readonly targetVocab: NamedVocab;
  checkSources(sources: readonly (readonly number[])[]): void;
  decode(sources: readonly (readonly number[])[], options: BatchDecodeOptions): Promise<Hypothesis[][]>;
}

/** Checks source id sequences: each non-empty, within `max` tokens, ids in 0..V-1. */
export function checkSources(sources: readonly (readonly number[])[], max: number, V: number): void {
  check(Array.isArray(sources) && sources.length > 0, 'INPUT', 'give at least one source sentence');
  sources.forEach((s, b) => {
    check(Array.isArray(s) && s.length > 0, 'INPUT', `source ${b} is empty; a sentence needs at least one token`);
    check(s.length <= max, 'INPUT', `source ${b} has ${s.length} tokens; this model reads at most ${max} (max_source_length in seq2seq.json)`);
    s.forEach((id, j) => check(Number.isInteger(id) && id >= 0 && id < V, 'INPUT', () => `source ${b}, token ${j}: id ${id} is outside the source vocabulary 0..${V - 1}`));
  });
}

/** Translates texts (unknown pieces map to the source vocabulary's unknown id and are reported) in batches. */
export async function translateTexts(m: Translator, texts: string | readonly string[], options: TranslateOptions = {}): Promise<TranslationResult[]> {
  const list = typeof texts === 'string' ? [texts] : texts;
  check(Array.isArray(list), 'INPUT', 'translate(texts): a string or an array of strings');
  const { batchSize = 32, ...decoding } = options ?? {};
  check(Number.isInteger(batchSize) && batchSize >= 1, 'OPTION', `batchSize must be an integer >= 1, got ${batchSize}`);
  const enc = list.map((t) => encodeSource(m.sourceVocab, t));
  // blank text is empty even where a space is a token (character vocabularies): there is nothing to translate
  enc.forEach((e, i) => check(e.ids.length > 0 && list[i].trim() !== '', 'INPUT', () =>
    `text ${i} ${JSON.stringify(list[i])} is empty (${e.ids.length ? 'only whitespace' : 'no tokens'}); nothing to translate`));
  m.checkSources(enc.map((e) => e.ids));
  const results: TranslationResult[] = [];
  for (let at = 0; at < list.length; at += batchSize) {
    const part = enc.slice(at, at + batchSize);
    const hyps = await m.decode(part.map((e) => e.ids), decoding);
    part.forEach((e, i) => results.push({
      source: list[at + i], sourceTokens: e.pieces, sourceIds: e.ids, unknown: e.unknown,
      translations: hyps[i].map((h) => ({
        text: detokenize(m.targetVocab, h.tokens), tokens: h.tokens, score: h.score, rank: h.rank, finished: h.finished,
        attention: h.attention.map((a) => a.slice(0, e.ids.length)),
      })),
    }));
  }
  return results;
}

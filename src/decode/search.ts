// decode/search.ts: the decoding loops — greedy / sampling and beam search — over any model that scores next tokens.
import { check } from '../errors.js';
import { Rng } from './rng.js';
import { type SamplingOptions, checkSampling, logSoftmax, penalize, pick } from './sampling.js';

/**
 * What decoding needs from a model: scores (logits or log-probabilities) over the vocabulary for the next token of
 * each hypothesis ("row"). Language models, seq2seq decoders and hand-written toy models all fit.
 */
export interface TokenModel {
  /** Feeds the prompt to a fresh single row; the scores of the token after it. */
  prime(prompt: readonly number[]): Promise<ArrayLike<number>>;
  /** Row i continues old row from[i] with tokens[i]; the scores of the token after each. */
  advance(tokens: readonly number[], from: readonly number[]): Promise<ArrayLike<number>[]>;
}

export interface DecodeOptions extends SamplingOptions {
  /** At most this many tokens (default 64). */
  maxTokens?: number;
  /** Token ids that end the output when produced (they are not yielded). */
  stop?: readonly number[];
  /** Seeds the sampler: the same seed, model and options give the same tokens. Default 0. */
  seed?: number;
  /** Beam search with this many hypotheses (default 1: greedy or sampling). */
  beam?: number;
  /** Beam search ranks a finished hypothesis by its log-probability / length^lengthPenalty (default 1). */
  lengthPenalty?: number;
}

const KEYS = ['temperature', 'topK', 'topP', 'repetitionPenalty', 'maxTokens', 'stop', 'seed', 'beam', 'lengthPenalty'];

export function checkDecode(o: DecodeOptions): void {
  check(o !== null && typeof o === 'object', 'OPTION', 'decoding options must be an object');
  for (const k of Object.keys(o)) check(KEYS.includes(k), 'OPTION', `unknown decoding option '${k}'; known: ${KEYS.join(', ')}`);
  checkSampling(o);
  const { maxTokens = 64, stop = [], seed = 0, beam = 1, lengthPenalty = 1 } = o;
  check(Number.isInteger(maxTokens) && maxTokens >= 0, 'OPTION', `maxTokens must be an integer >= 0, got ${maxTokens}`);
  check(Array.isArray(stop) && stop.every((t) => Number.isInteger(t)), 'OPTION', `stop must be an array of token ids, got ${JSON.stringify(stop)}`);
  check(Number.isSafeInteger(seed), 'OPTION', `seed must be an integer, got ${seed}`);
  check(Number.isInteger(beam) && beam >= 1, 'OPTION', `beam must be an integer >= 1, got ${beam}`);
  check(Number.isFinite(lengthPenalty), 'OPTION', `lengthPenalty must be a number, got ${lengthPenalty}`);
  check(beam === 1 || ((o.temperature ?? 0) === 0 && o.topK === undefined && o.topP === undefined), 'OPTION',
    'beam search ranks hypotheses by probability; temperature, topK and topP (sampling) do not apply to it');
}

/** Yields the tokens after `prompt` as they are chosen (beam search: as soon as every hypothesis agrees on them). */
export async function* decode(model: TokenModel, prompt: readonly number[], options: DecodeOptions = {}): AsyncGenerator<number> {
  checkDecode(options);
  if ((options.beam ?? 1) > 1) {
    yield* beamSearch(model, prompt, options);
    return;
  }
  const { maxTokens = 64, stop = [], seed = 0 } = options;
  if (maxTokens === 0) return;
  const rng = new Rng(seed);
  const seen = [...prompt];
  let scores = await model.prime(prompt);
  for (let i = 0; i < maxTokens; i++) {
    const t = pick(scores, options, rng, seen);
    if (stop.includes(t)) return;
    yield t;
    seen.push(t);
    if (i + 1 < maxTokens) scores = (await model.advance([t], [0]))[0];
  }
}

interface Hypothesis {
  tokens: number[];
  /** sum of the log-probabilities of its tokens (and of its stop token, once finished) */
  score: number;
}

async function* beamSearch(model: TokenModel, prompt: readonly number[], o: DecodeOptions): AsyncGenerator<number> {
  const { maxTokens = 64, stop = [], beam: k = 1, lengthPenalty = 1, repetitionPenalty = 1 } = o;
  if (maxTokens === 0) return;
  const rank = (h: Hypothesis, ended: boolean) => h.score / Math.max(1, h.tokens.length + (ended ? 1 : 0)) ** lengthPenalty;
  let active: Hypothesis[] = [{ tokens: [], score: 0 }];
  let rows: ArrayLike<number>[] = [await model.prime(prompt)];
  const finished: Hypothesis[] = [];
  let yielded = 0;
  for (let step = 0; step < maxTokens && active.length && finished.length < k; step++) {
    // every continuation of every hypothesis, best first (ties: earlier hypothesis, then lower token id)
    const cands: { b: number; t: number; score: number }[] = [];
    active.forEach((h, b) => {
      const lp = logSoftmax(penalize(rows[b], [...prompt, ...h.tokens], repetitionPenalty));
      lp.forEach((v, t) => cands.push({ b, t, score: h.score + v }));
    });
    cands.sort((x, y) => y.score - x.score || x.b - y.b || x.t - y.t);
    const next: Hypothesis[] = [], from: number[] = [], tokens: number[] = [];
    for (const c of cands) {
      if (next.length === k) break;
      const tokensSoFar = active[c.b].tokens;
      if (stop.includes(c.t)) {
        if (finished.length < k) finished.push({ tokens: tokensSoFar, score: c.score });
        continue;
      }
      next.push({ tokens: [...tokensSoFar, c.t], score: c.score });
      from.push(c.b);
      tokens.push(c.t);
    }
    active = next;
    // tokens every hypothesis, finished or not, agrees on can no longer change
    const all = [...active, ...finished];
    let agreed = yielded;
    while (all.length && all.every((h) => h.tokens.length > agreed && h.tokens[agreed] === all[0].tokens[agreed])) agreed++;
    for (; yielded < agreed; yielded++) yield all[0].tokens[yielded];
    if (active.length && step + 1 < maxTokens && finished.length < k) rows = await model.advance(tokens, from);
  }
  // unfinished hypotheses compete only when the length limit ended the search (else k finished ones are the answer)
  const ended = finished.length >= k || !active.length;
  const pool = [...finished.map((h) => ({ h, r: rank(h, true) })), ...(ended ? [] : active.map((h) => ({ h, r: rank(h, false) })))];
  if (!pool.length) return;
  const best = pool.reduce((a, b) => (b.r > a.r ? b : a)).h;
  for (; yielded < best.tokens.length; yielded++) yield best.tokens[yielded];
}

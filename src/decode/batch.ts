// decode/batch.ts: greedy, sampling and beam search (n-best) over many sequences at once — every live hypothesis of
// every sequence is one row of one model step, so a step is one batched product however many sentences and beams.
import { check } from '../errors.js';
import { Rng } from './rng.js';
import { type SamplingOptions, checkSampling, logSumExp, penalize, pick } from './sampling.js';

/** What one step gives: row i's scores (logits or log-probabilities) in scores[i*stride .. i*stride + width). */
export interface StepOutput {
  scores: Float32Array;
  stride: number;
  width: number;
  /** optional per-row weights to keep with each token (a seq2seq decoder's attention over the source) */
  attention?: Float32Array;
  attentionStride: number;
}

/** A model that decodes rows step by step (views returned may be overwritten by the next step). */
export interface RowModel {
  /** Row i of this step continues row from[i] of the last step (sequence i's start state on the first step) with tokens[i]. */
  step(tokens: readonly number[], from: readonly number[]): StepOutput | Promise<StepOutput>;
}

export interface BatchDecodeOptions extends SamplingOptions {
  /** At most this many tokens per sequence (default 64). */
  maxTokens?: number;
  /** Beam search with this many hypotheses per sequence (default 1: greedy, or sampling with a temperature). */
  beam?: number;
  /** How many hypotheses to return per sequence, best first (beam search; default 1, at most `beam`). */
  nBest?: number;
  /** Beam search ranks a hypothesis by its log-probability / length^lengthPenalty, eos counted (default 1). */
  lengthPenalty?: number;
  /** Seeds sampling; each sequence draws from its own generator seeded so, so a batch gives what each alone gives. Default 0. */
  seed?: number;
}

export const BATCH_KEYS = ['temperature', 'topK', 'topP', 'repetitionPenalty', 'maxTokens', 'beam', 'nBest', 'lengthPenalty', 'seed'];

export function checkBatchDecode(o: BatchDecodeOptions): void {
  check(o !== null && typeof o === 'object', 'OPTION', 'decoding options must be an object');
  for (const k of Object.keys(o)) check(BATCH_KEYS.includes(k), 'OPTION', `unknown decoding option '${k}'; known: ${BATCH_KEYS.join(', ')}`);
  checkSampling(o);
  const { maxTokens = 64, seed = 0, beam = 1, nBest = 1, lengthPenalty = 1 } = o;
  check(Number.isInteger(maxTokens) && maxTokens >= 0, 'OPTION', `maxTokens must be an integer >= 0, got ${maxTokens}`);
  check(Number.isSafeInteger(seed), 'OPTION', `seed must be an integer, got ${seed}`);
  check(Number.isInteger(beam) && beam >= 1, 'OPTION', `beam must be an integer >= 1, got ${beam}`);
  check(Number.isInteger(nBest) && nBest >= 1 && nBest <= beam, 'OPTION', `nBest must be an integer from 1 to beam (${beam}), got ${nBest}`);
  check(Number.isFinite(lengthPenalty), 'OPTION', `lengthPenalty must be a number, got ${lengthPenalty}`);
  check(beam === 1 || ((o.temperature ?? 0) === 0 && o.topK === undefined && o.topP === undefined), 'OPTION',
    'beam search ranks hypotheses by probability; temperature, topK and topP (sampling) do not apply to it');
}

export interface Hypothesis {
  /** the tokens chosen, the stop token left out */
  tokens: number[];
  /** sum of the log-probabilities of the tokens (and of the stop token when finished) under the model */
  score: number;
  /** beam search's ranking: score / length^lengthPenalty; greedy and sampling: the score */
  rank: number;
  /** ended with the stop token (else the token limit ended it) */
  finished: boolean;
  /** the step's attention row for each token, when the model gives one (a view into a copy of that step's rows) */
  attention: Float32Array[];
}

const row = (o: StepOutput, i: number) => o.scores.subarray(i * o.stride, i * o.stride + o.width);
/** A step's attention rows, copied once for all rows (the model may overwrite its buffer); row i is a view into the copy. */
function attentionRows(o: StepOutput, rows: number): (i: number) => Float32Array | undefined {
  const all = o.attention?.slice(0, rows * o.attentionStride), w = o.attentionStride;
  return (i) => all?.subarray(i * w, (i + 1) * w);
}

/**
 * Decodes `count` sequences from `start` until `stop` (or maxTokens): n-best hypotheses per sequence, best first. Greedy
 * and sampling choose as decode() does (argmax, first on ties); beam search keeps the k best continuations of each
 * sequence, sets finished ones aside until k have ended, and ranks them as decode()'s beam search.
 */
export async function decodeRows(model: RowModel, count: number, start: number, stop: number, options: BatchDecodeOptions = {}): Promise<Hypothesis[][]> {
  checkBatchDecode(options);
  check(Number.isInteger(count) && count >= 0, 'OPTION', `count must be an integer >= 0, got ${count}`);
  if ((options.beam ?? 1) > 1) return beamRows(model, count, start, stop, options);
  const { maxTokens = 64, seed = 0 } = options;
  const out: Hypothesis[] = Array.from({ length: count }, () => ({ tokens: [], score: 0, rank: 0, finished: false, attention: [] }));
  const rngs = Array.from({ length: count }, () => new Rng(seed));
  let live = out.map((_, s) => s), tokens = live.map(() => start), from = live.map((s) => s);
  for (let step = 0; step < maxTokens && live.length; step++) {
    const o = await model.step(tokens, from);
    const attRow = attentionRows(o, tokens.length);
    const next: number[] = [], nextTokens: number[] = [], nextFrom: number[] = [];
    live.forEach((s, i) => {
      const h = out[s], scores = row(o, i);
      const t = pick(scores, options, rngs[s], h.tokens);
      h.score += scores[t] - logSumExp(scores); // logSoftmax(scores)[t], without the array
      if (t === stop) {
        h.finished = true;
        return;
      }
      h.tokens.push(t);
      const a = attRow(i);
      if (a) h.attention.push(a);
      if (step + 1 < maxTokens) [next.push(s), nextTokens.push(t), nextFrom.push(i)];
    });
    [live, tokens, from] = [next, nextTokens, nextFrom];
  }
  for (const h of out) h.rank = h.score;
  return out.map((h) => [h]);
}

interface Beam {
  active: Hypothesis[];
  /** the row of each active hypothesis in the last step */
  rows: number[];
  finished: Hypothesis[];
  done: boolean;
}

async function beamRows(model: RowModel, count: number, start: number, stop: number, o: BatchDecodeOptions): Promise<Hypothesis[][]> {
  const { maxTokens = 64, beam: k = 1, nBest = 1, lengthPenalty = 1, repetitionPenalty = 1 } = o;
  const beams: Beam[] = Array.from({ length: count }, (_, s) => ({
    active: [{ tokens: [], score: 0, rank: 0, finished: false, attention: [] }], rows: [s], finished: [], done: maxTokens === 0,
  }));
  let tokens = maxTokens ? beams.map(() => start) : [], from = maxTokens ? beams.map((_, s) => s) : [];
  for (let step = 0; tokens.length; step++) {
    const out = await model.step(tokens, from);
    const attRow = attentionRows(out, tokens.length);
    const nextTokens: number[] = [], nextFrom: number[] = [];
    for (const b of beams) {
      if (b.done) continue;
      // the continuations of every hypothesis, best first (ties: earlier hypothesis, then lower token id); k are kept
      // and each hypothesis has one stop token, so the first k + (hypotheses) of that order decide everything
      const cands = bestContinuations(b.active.map((h, i) => penalize(row(out, b.rows[i]), h.tokens, repetitionPenalty)),
        b.active.map((h) => h.score), k + b.active.length);
      const next: Hypothesis[] = [], parents: number[] = [];
      for (const c of cands) {
        if (next.length === k) break;
        const h = b.active[c.h];
        if (c.t === stop) {
          if (b.finished.length < k) b.finished.push({ ...h, score: c.score, finished: true });
          continue;
        }
        const a = attRow(b.rows[c.h]);
        next.push({ tokens: [...h.tokens, c.t], score: c.score, rank: 0, finished: false, attention: a ? [...h.attention, a] : h.attention });
        parents.push(b.rows[c.h]);
      }
      b.active = next;
      if (next.length && step + 1 < maxTokens && b.finished.length < k) {
        b.rows = next.map((h, i) => (nextTokens.push(h.tokens[h.tokens.length - 1]), nextFrom.push(parents[i]), nextTokens.length - 1));
      } else {
        b.done = true;
      }
    }
    [tokens, from] = [nextTokens, nextFrom];
  }
  return beams.map((b) => {
    // unfinished hypotheses compete only when the length limit ended the search (else k finished ones are the answer)
    const ended = b.finished.length >= k || !b.active.length;
    const rank = (h: Hypothesis) => h.score / Math.max(1, h.tokens.length + (h.finished ? 1 : 0)) ** lengthPenalty;
    const pool = [...b.finished, ...(ended ? [] : b.active)].map((h) => ({ ...h, rank: rank(h) }));
    return pool.sort((x, y) => y.rank - x.rank).slice(0, nBest); // stable: finished first, then in order
  });
}

/**
 * The `limit` best continuations score[h] + logSoftmax(rows[h])[t] over every hypothesis h and token t, best first; ties
 * go to the lower h, then the lower t (the order of sorting them all). A bounded insertion list: no object per candidate.
 */
function bestContinuations(rows: ArrayLike<number>[], score: readonly number[], limit: number): { h: number; t: number; score: number }[] {
  const sc = new Float64Array(limit), hs = new Int32Array(limit), ts = new Int32Array(limit);
  let n = 0;
  rows.forEach((x, h) => {
    const lse = logSumExp(x);
    for (let t = 0; t < x.length; t++) {
      const v = score[h] + (x[t] - lse);
      if (n === limit && !(v > sc[n - 1])) continue; // candidates come in tie order: an equal one ranks after
      let j = n < limit ? n++ : n - 1;
      for (; j > 0 && v > sc[j - 1]; j--) [sc[j], hs[j], ts[j]] = [sc[j - 1], hs[j - 1], ts[j - 1]];
      [sc[j], hs[j], ts[j]] = [v, h, t];
    }
  });
  return Array.from({ length: n }, (_, i) => ({ h: hs[i], t: ts[i], score: sc[i] }));
}

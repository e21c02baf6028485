// decode/batch.ts: greedy, sampling and beam search (n-best) over many sequences at once — every live hypothesis of
// every sequence is one row of one model step, so a step is one batched product however many sentences and beams.
import { check } from '../errors.js';
import { Rng } from './rng.js';
import { type SamplingOptions, checkSampling, logSumExp, logSumExpAt, penalize, pick } from './sampling.js';

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
/**
 * Every step's attention rows appended to one growing buffer (the model may overwrite its own): a row is known by its
 * offset while decoding, and the hypotheses returned get views into the final buffer.
 */
class AttentionLog {
  private buf = new Float32Array(0);
  private used = 0;
  width = 0;

  /** Copies the step's first `rows` rows; returns the offset of row 0 (rows `width` apart), or -1 when it has none. */
  add(o: StepOutput, rows: number): number {
    if (!o.attention) return -1;
    check(this.used === 0 || o.attentionStride === this.width, 'INPUT', () => `the model's attention rows changed width from ${this.width} to ${o.attentionStride}`);
    const n = rows * o.attentionStride;
    if (this.used + n > this.buf.length) {
      const grown = new Float32Array(Math.max(2 * this.buf.length, this.used + n, 1024));
      grown.set(this.buf.subarray(0, this.used));
      this.buf = grown;
    }
    this.buf.set(o.attention.subarray(0, n), this.used);
    this.width = o.attentionStride;
    this.used += n;
    return this.used - n;
  }

  /** Views of the rows at these offsets. */
  rows(at: readonly number[]): Float32Array[] {
    return at.map((a) => this.buf.subarray(a, a + this.width));
  }
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
  const log = new AttentionLog(), attention: number[][] = out.map(() => []);
  let live = out.map((_, s) => s), tokens = live.map(() => start), from = live.map((s) => s);
  for (let step = 0; step < maxTokens && live.length; step++) {
    const o = await model.step(tokens, from);
    const at = log.add(o, tokens.length);
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
      if (at >= 0) attention[s].push(at + i * log.width);
      if (step + 1 < maxTokens) [next.push(s), nextTokens.push(t), nextFrom.push(i)];
    });
    [live, tokens, from] = [next, nextTokens, nextFrom];
  }
  return out.map((h, s) => [{ ...h, rank: h.score, attention: log.rows(attention[s]) }]);
}

/** A hypothesis while the search runs: its last token and the node it continues (tokens are read back at the end). */
interface Node {
  parent: Node | undefined;
  token: number;
  score: number;
  length: number;
  /** where the attention row of the step that chose `token` is in the log, or -1 */
  attention: number;
}

interface Beam {
  active: Node[];
  /** the row of each active hypothesis in the last step */
  rows: number[];
  /** ended hypotheses: the node before the stop token, and the score with it */
  finished: { node: Node; score: number }[];
  done: boolean;
}

/** The tokens (and where their attention rows are, when the model gave them) from the start to `node`. */
function unwind(node: Node): { tokens: number[]; attention: number[] } {
  const tokens = new Array<number>(node.length), attention: number[] = [];
  for (let p: Node | undefined = node; p?.parent; p = p.parent) {
    tokens[p.length - 1] = p.token;
    if (p.attention >= 0) attention[p.length - 1] = p.attention;
  }
  return { tokens, attention };
}

async function beamRows(model: RowModel, count: number, start: number, stop: number, o: BatchDecodeOptions): Promise<Hypothesis[][]> {
  const { maxTokens = 64, beam: k = 1, nBest = 1, lengthPenalty = 1, repetitionPenalty = 1 } = o;
  const root = (): Node => ({ parent: undefined, token: start, score: 0, length: 0, attention: -1 });
  const beams: Beam[] = Array.from({ length: count }, (_, s) => ({ active: [root()], rows: [s], finished: [], done: maxTokens === 0 }));
  const best = new Candidates(), log = new AttentionLog();
  let tokens = maxTokens ? beams.map(() => start) : [], from = maxTokens ? beams.map((_, s) => s) : [];
  for (let step = 0; tokens.length; step++) {
    const out = await model.step(tokens, from);
    const at = log.add(out, tokens.length);
    const nextTokens: number[] = [], nextFrom: number[] = [];
    for (const b of beams) {
      if (b.done) continue;
      // the continuations of every hypothesis, best first (ties: earlier hypothesis, then lower token id); k are kept
      // and each hypothesis has one stop token, so the first k + (hypotheses) of that order decide everything
      const n = best.find(out, b.rows, b.active, repetitionPenalty, k + b.active.length);
      const next: Node[] = [], parents: number[] = [];
      for (let i = 0; i < n && next.length < k; i++) {
        const parent = b.active[best.h[i]], t = best.t[i], score = best.score[i];
        if (t === stop) {
          if (b.finished.length < k) b.finished.push({ node: parent, score });
          continue;
        }
        const r = b.rows[best.h[i]];
        next.push({ parent, token: t, score, length: parent.length + 1, attention: at < 0 ? -1 : at + r * log.width });
        parents.push(r);
      }
      b.active = next;
      if (next.length && step + 1 < maxTokens && b.finished.length < k) {
        b.rows = next.map((h, i) => (nextTokens.push(h.token), nextFrom.push(parents[i]), nextTokens.length - 1));
      } else {
        b.done = true;
      }
    }
    [tokens, from] = [nextTokens, nextFrom];
  }
  return beams.map((b) => {
    // unfinished hypotheses compete only when the length limit ended the search (else k finished ones are the answer)
    const ended = b.finished.length >= k || !b.active.length;
    const pool = [...b.finished.map((f) => ({ node: f.node, score: f.score, finished: true })),
      ...(ended ? [] : b.active.map((node) => ({ node, score: node.score, finished: false })))];
    const ranked = pool.map((h) => ({ ...h, rank: h.score / Math.max(1, h.node.length + (h.finished ? 1 : 0)) ** lengthPenalty }));
    return ranked.sort((x, y) => y.rank - x.rank).slice(0, nBest) // stable: finished first, then in order
      .map((h) => {
        const { tokens, attention } = unwind(h.node);
        return { tokens, score: h.score, rank: h.rank, finished: h.finished, attention: log.rows(attention) };
      });
  });
}

/**
 * The best continuations score[h] + logSoftmax(row h)[t] over every hypothesis h and token t, best first; ties go to
 * the lower h, then the lower t (the order of sorting them all). A bounded insertion list in arrays kept between calls:
 * no object per candidate.
 */
class Candidates {
  score = new Float64Array(16);
  h = new Int32Array(16);
  t = new Int32Array(16);

  /** Fills the first `limit` (or fewer) entries from the rows of `o` the hypotheses sit in; returns how many. */
  find(o: StepOutput, rows: readonly number[], active: readonly Node[], penalty: number, limit: number): number {
    if (this.score.length < limit) [this.score, this.h, this.t] = [new Float64Array(limit), new Int32Array(limit), new Int32Array(limit)];
    const { score: sc, h: hs, t: ts } = this;
    let n = 0;
    for (let h = 0; h < active.length; h++) {
      const at = rows[h] * o.stride, base = active[h].score;
      // the repetition penalty needs the tokens so far (a copy of the row); without it the row is read in place
      const x = penalty === 1 ? o.scores : penalize(o.scores.subarray(at, at + o.width), unwind(active[h]).tokens, penalty);
      const from = penalty === 1 ? at : 0, lse = logSumExpAt(x, from, o.width);
      for (let t = 0; t < o.width; t++) {
        const v = base + (x[from + t] - lse);
        if (n === limit && !(v > sc[n - 1])) continue; // candidates come in tie order: an equal one ranks after
        let j = n < limit ? n++ : n - 1;
        for (; j > 0 && v > sc[j - 1]; j--) {
          sc[j] = sc[j - 1];
          hs[j] = hs[j - 1];
          ts[j] = ts[j - 1];
        }
        sc[j] = v;
        hs[j] = h;
        ts[j] = t;
      }
    }
    return n;
  }
}

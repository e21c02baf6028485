// decode/sampling.ts: choosing the next token from a row of logits — penalty, temperature, top-k, top-p, sampling.
import { LstmWasmError, check } from '../errors.js';
import type { Rng } from './rng.js';

/** How the next token is chosen. All optional: the default is greedy (argmax). */
export interface SamplingOptions {
  /** Divides the logits; 0 (default) picks the most likely token (greedy), 1 samples the model's own distribution. */
  temperature?: number;
  /** Sample only among the k most likely tokens. */
  topK?: number;
  /** Sample only among the most likely tokens whose probabilities add up to at least p (nucleus sampling), 0 < p <= 1. */
  topP?: number;
  /** > 1 makes tokens already in the prompt or the output less likely (CTRL's: positive logits divided, negative multiplied). */
  repetitionPenalty?: number;
}

export function checkSampling(o: SamplingOptions): void {
  const { temperature = 0, topK, topP, repetitionPenalty = 1 } = o;
  check(Number.isFinite(temperature) && temperature >= 0, 'OPTION', `temperature must be a number >= 0, got ${temperature}`);
  check(topK === undefined || (Number.isInteger(topK) && topK >= 1), 'OPTION', `topK must be an integer >= 1, got ${topK}`);
  check(topP === undefined || (topP > 0 && topP <= 1), 'OPTION', `topP must be in (0, 1], got ${topP}`);
  check(Number.isFinite(repetitionPenalty) && repetitionPenalty > 0, 'OPTION', `repetitionPenalty must be a number > 0, got ${repetitionPenalty}`);
}

/** The index of the largest value; the first on ties (as torch.argmax). NaN is an error, not a choice. */
export function argmax(x: ArrayLike<number>): number {
  return argmaxAt(x, 0, x.length);
}

/** argmax of x[from .. from+n), counted from `from`. */
function argmaxAt(x: ArrayLike<number>, from: number, n: number): number {
  let best = from;
  for (let i = from; i < from + n; i++) {
    if (Number.isNaN(x[i])) throw new LstmWasmError('NUMERIC', `the model's scores hold NaN at token ${i - from}`);
    if (x[i] > x[best]) best = i;
  }
  return best - from;
}

/** log(softmax(x)) in float64. */
export function logSoftmax(x: ArrayLike<number>): Float64Array {
  const lse = logSumExp(x);
  return Float64Array.from(x as ArrayLike<number>, (v) => v - lse);
}

/** log(sum(exp(x))) in float64, so x[t] - logSumExp(x) is logSoftmax(x)[t] to the bit. NaN is an error. */
export function logSumExp(x: ArrayLike<number>): number {
  return logSumExpAt(x, 0, x.length);
}

/** logSumExp of x[from .. from+n), with no view made (a row of a batch's scores). */
export function logSumExpAt(x: ArrayLike<number>, from: number, n: number): number {
  const m = x[from + argmaxAt(x, from, n)];
  let sum = 0;
  for (let i = from; i < from + n; i++) sum += Math.exp(x[i] - m);
  return m + Math.log(sum);
}

/** The logits with the repetition penalty applied to the tokens seen so far: a copy, or the logits themselves for penalty 1. */
export function penalize(logits: ArrayLike<number>, seen: Iterable<number>, penalty: number): ArrayLike<number> {
  if (penalty === 1) return logits;
  const out = Float64Array.from(logits as ArrayLike<number>);
  for (const t of new Set(seen)) if (t >= 0 && t < out.length) out[t] = out[t] > 0 ? out[t] / penalty : out[t] * penalty;
  return out;
}

/** Chooses the next token from one row of logits (or log-probabilities: softmax gives the same distribution). */
export function pick(logits: ArrayLike<number>, o: SamplingOptions, rng: Rng | undefined, seen: readonly number[]): number {
  const z = penalize(logits, seen, o.repetitionPenalty ?? 1);
  const temperature = o.temperature ?? 0;
  if (temperature === 0) return argmax(z);
  check(rng !== undefined, 'OPTION', 'sampling (temperature > 0) needs a random number generator');
  // candidates by descending score (ties by index), cut by top-k, then by top-p on the tempered distribution
  argmax(z); // NaN check
  let order = Array.from({ length: z.length }, (_, i) => i).sort((a, b) => z[b] - z[a] || a - b);
  if (o.topK !== undefined) order = order.slice(0, o.topK);
  const m = z[order[0]];
  let p = order.map((i) => Math.exp((z[i] - m) / temperature));
  let total = p.reduce((a, b) => a + b, 0);
  if (o.topP !== undefined && o.topP < 1) {
    let cum = 0, n = 0;
    while (n < p.length && cum < o.topP * total) cum += p[n++];
    order = order.slice(0, Math.max(1, n));
    p = p.slice(0, order.length);
    total = p.reduce((a, b) => a + b, 0);
  }
  let u = rng!.next() * total;
  for (let i = 0; i < p.length; i++) {
    u -= p[i];
    if (u < 0) return order[i];
  }
  return order[order.length - 1]; // u landed on the rounding error at the very end
}

// seq2seq/scheduled.ts: scheduled sampling (Bengio et al. 2015) for the seq2seq trainer — which decoder inputs are the
// model's own prediction from the step before instead of the gold token, and choosing that prediction from the logits.
import { check } from '../errors.js';
import { Rng } from '../decode/rng.js';
import { argmax } from '../decode/sampling.js';
import type { Parts } from './teacher.js';

/**
 * Scheduled sampling: some decoder inputs after bos are the model's own prediction from the step before (no gradient
 * flows through the choice, as .detach() in PyTorch) instead of the gold target token; the targets stay the gold ones.
 * Give `probability` or `mask`.
 */
export interface ScheduledSampling {
  /** The chance, in [0, 1], that each input after bos is the model's: drawn per position from the seeded generator,
   * sentence by sentence, token by token. 0 is teacher forcing (the same numbers as no sampling), 1 feeds every step the
   * prediction of the one before. */
  probability?: number;
  /** Which inputs are the model's, explicitly: mask[b][i] replaces the gold target[b][i] (read at step i + 1) by the
   * prediction of step i. The shape of batch.target. */
  mask?: readonly (readonly boolean[])[];
  /** 'argmax' (default): the most likely token, the first on ties; 'sample': a draw from softmax(logits / temperature). */
  mode?: 'argmax' | 'sample';
  /** mode 'sample' only: > 0, default 1. */
  temperature?: number;
  /** The generator of this call (the probability draws, then mode 'sample''s draws in step order); default: the
   * trainer's own generator, seeded 0 at creation, which moves on with every call. */
  seed?: number;
}

/** The second argument of Seq2SeqTrainer.loss(). */
export interface Seq2SeqLossOptions {
  /** Scheduled sampling; without it every input is the gold token (teacher forcing). */
  sampling?: ScheduledSampling;
}

/** What the decoder read in the last loss() (Seq2SeqTrainer.lastInputs()). */
export interface Seq2SeqInputs {
  /** Per sentence: bos, then one id per target token — the gold one, or the model's own where `mask` says so. */
  inputs: number[][];
  /** mask[b][i]: input i + 1 of sentence b was the model's prediction (the shape of batch.target; all false without sampling). */
  mask: boolean[][];
  /** How many inputs were the model's. */
  sampled: number;
}

/** One forward pass's sampling, checked: which inputs are the model's and how each is chosen. */
export interface SamplingPlan {
  mask: boolean[][];
  count: number;
  choose: (logits: Float32Array) => number;
}

const KEYS = ['probability', 'mask', 'mode', 'temperature', 'seed'];

/** Checks loss()'s options against the batch's targets and draws the mask; undefined when nothing is sampled. */
export function samplingPlan(options: unknown, target: readonly (readonly number[])[], fallback: Rng): SamplingPlan | undefined {
  if (options === undefined) return undefined;
  check(options !== null && typeof options === 'object' && !Array.isArray(options), 'OPTION', 'loss(batch, options): options must be an object');
  for (const k of Object.keys(options)) check(k === 'sampling', 'OPTION', `unknown loss option '${k}'; known: sampling`);
  const s = (options as Seq2SeqLossOptions).sampling;
  if (s === undefined) return undefined;
  check(s !== null && typeof s === 'object' && !Array.isArray(s), 'OPTION', 'sampling must be an object { probability | mask, mode?, temperature?, seed? }');
  for (const k of Object.keys(s)) check(KEYS.includes(k), 'OPTION', `unknown sampling option '${k}'; known: ${KEYS.join(', ')}`);
  const { probability: p, mask, mode = 'argmax', temperature, seed } = s;
  check((p === undefined) !== (mask === undefined), 'OPTION', `sampling takes probability or mask, ${p === undefined ? 'got neither' : 'not both'}`);
  check(mode === 'argmax' || mode === 'sample', 'OPTION', `sampling.mode must be 'argmax' or 'sample', got ${JSON.stringify(mode)}`);
  check(temperature === undefined || mode === 'sample', 'OPTION', "sampling.temperature applies to mode 'sample' only");
  const T = temperature ?? 1;
  check(typeof T === 'number' && Number.isFinite(T) && T > 0, 'OPTION', `sampling.temperature must be a number > 0, got ${temperature}`);
  check(seed === undefined || p !== undefined || mode === 'sample', 'OPTION', "sampling.seed has nothing to draw: a mask with mode 'argmax' is random-free");
  const rng = seed === undefined ? fallback : new Rng(seed);
  let drawn: boolean[][];
  if (p !== undefined) {
    check(typeof p === 'number' && p >= 0 && p <= 1, 'OPTION', `sampling.probability must be a number in [0, 1], got ${p}`);
    drawn = target.map((y) => y.map(() => rng.next() < p));
  } else {
    check(Array.isArray(mask) && mask.length === target.length, 'OPTION',
      `sampling.mask must be an array of ${target.length} arrays (one per target), got ${Array.isArray(mask) ? `${mask.length}` : typeof mask}`);
    mask.forEach((m, b) => {
      check(Array.isArray(m) && m.length === target[b].length, 'OPTION',
        `sampling.mask[${b}] must have one flag per token of target ${b} (${target[b].length}), got ${Array.isArray(m) ? m.length : typeof m}`);
      m.forEach((f, i) => check(typeof f === 'boolean', 'OPTION', `sampling.mask[${b}][${i}] must be true or false, got ${JSON.stringify(f)}`));
    });
    drawn = mask.map((m) => [...m]);
  }
  const count = drawn.reduce((a, m) => a + m.filter(Boolean).length, 0);
  if (!count) return undefined;
  return { mask: drawn, count, choose: mode === 'argmax' ? argmax : (z) => sample(z, T, rng) };
}

/** A draw from softmax(z / temperature), in float64, tokens in index order (O(V): no sort). NaN is a NUMERIC error. */
function sample(z: Float32Array, temperature: number, rng: Rng): number {
  const m = z[argmax(z)], p = new Float64Array(z.length);
  let total = 0;
  for (let i = 0; i < z.length; i++) total += p[i] = Math.exp((z[i] - m) / temperature);
  let u = rng.next() * total, last = 0;
  for (let i = 0; i < z.length; i++) {
    if (p[i] > 0) last = i;
    u -= p[i];
    if (u < 0) return i;
  }
  return last; // u landed on the rounding error at the very end
}

/**
 * Before decoder step t >= 1: where the plan says so, the model's prediction from step t-1's logits (rows (t-1)*B …,
 * already computed) becomes input t — its id in tgtIn (what the embedding gradient is scattered by) and its embedding in
 * the first Et columns of the step's decoder input rows.
 */
export function feedPredictions(p: Parts, plan: SamplingPlan, t: number, B: number, logits: number, tgtIn: number, xdec: number): void {
  const { rt, core } = p, { Vt, Et, Kin } = p.sizes;
  for (let b = 0; b < B; b++) {
    if (!plan.mask[b][t - 1]) continue; // also past the target's end: those inputs stay pad
    const r = t * B + b;
    rt.i32(tgtIn + r * 4, 1)[0] = plan.choose(rt.f32(logits + ((t - 1) * B + b) * Vt * 4, Vt));
    core.gather_f32(xdec + r * Kin * 4, p.params.ptr(p.tgtEmb), tgtIn + r * 4, 1, Vt, Et, 1);
  }
}

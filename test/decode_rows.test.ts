// test/decode_rows.test.ts: decodeRows' beam search (bounded candidate lists, hypotheses kept as back-pointers) against
// the plain statement of the same search — every continuation of every hypothesis sorted, k kept — on a synthetic
// model whose scores depend on each row's whole history, with ties, stops, repetition penalties and length limits.
import { decodeRows, type Hypothesis, type RowModel, type StepOutput } from 'lstm-wasm/seq2seq';
import { describe, expect, it } from 'vitest';

const V = 7, STOP = 2, S = 3;

/** Scores from a hash of (sentence, tokens so far); `coarse` rounds them so many tie. Attention rows likewise. */
class HistoryModel implements RowModel {
  private rows: number[][];
  constructor(count: number, private readonly coarse: boolean) {
    this.rows = Array.from({ length: count }, (_, s) => [s]);
  }
  step(tokens: readonly number[], from: readonly number[]): StepOutput {
    this.rows = tokens.map((t, i) => [...this.rows[from[i]], t]);
    const stride = V + 1, scores = new Float32Array(this.rows.length * stride).fill(NaN); // padding never read
    const attention = new Float32Array(this.rows.length * S);
    this.rows.forEach((h, i) => {
      let x = h.reduce((a, t) => Math.imul(a ^ (t + 17), 0x9e3779b1) >>> 0, 12345);
      for (let t = 0; t < V; t++) {
        x = Math.imul(x ^ (x >>> 15), 0x85ebca6b) >>> 0;
        const u = (x % 1000) / 250 - 2;
        scores[i * stride + t] = this.coarse ? Math.round(u) : u;
      }
      for (let j = 0; j < S; j++) attention[i * S + j] = (h.length * 10 + j) / 100;
    });
    return { scores, stride, width: V, attention, attentionStride: S };
  }
}

function logSoftmax(x: Float64Array): number[] {
  const m = Math.max(...x), lse = m + Math.log(x.reduce((a, v) => a + Math.exp(v - m), 0));
  return Array.from(x, (v) => v - lse);
}

/** The search stated plainly: all continuations sorted (score, then hypothesis, then token), the first k kept. */
async function reference(model: RowModel, count: number, o: { beam: number; nBest: number; lengthPenalty: number; repetitionPenalty: number; maxTokens: number }): Promise<Hypothesis[][]> {
  type H = { tokens: number[]; score: number; attention: Float32Array[]; row: number };
  const beams = Array.from({ length: count }, (_, s) => ({ active: [{ tokens: [], score: 0, attention: [], row: s }] as H[], finished: [] as (H & { finished: true })[], done: o.maxTokens === 0 }));
  let tokens = o.maxTokens ? beams.map(() => 1) : [], from = o.maxTokens ? beams.map((_, s) => s) : [];
  for (let step = 0; tokens.length; step++) {
    const out = await model.step(tokens, from);
    const nt: number[] = [], nf: number[] = [];
    for (const b of beams) {
      if (b.done) continue;
      const cands: { h: number; t: number; score: number }[] = [];
      b.active.forEach((h, hi) => {
        const row = Float64Array.from(out.scores.subarray(h.row * out.stride, h.row * out.stride + out.width));
        for (const t of new Set(h.tokens)) row[t] = row[t] > 0 ? row[t] / o.repetitionPenalty : row[t] * o.repetitionPenalty;
        logSoftmax(row).forEach((l, t) => cands.push({ h: hi, t, score: h.score + l }));
      });
      cands.sort((x, y) => y.score - x.score || x.h - y.h || x.t - y.t);
      const next: H[] = [];
      for (const c of cands) {
        if (next.length === o.beam) break;
        const h = b.active[c.h];
        if (c.t === STOP) {
          if (b.finished.length < o.beam) b.finished.push({ ...h, score: c.score, finished: true });
          continue;
        }
        const a = out.attention!.slice(h.row * out.attentionStride, (h.row + 1) * out.attentionStride);
        next.push({ tokens: [...h.tokens, c.t], score: c.score, attention: [...h.attention, a], row: h.row });
      }
      b.active = next;
      if (next.length && step + 1 < o.maxTokens && b.finished.length < o.beam) {
        for (const h of next) {
          nf.push(h.row); // the row it continues, then its own row in the next step
          h.row = nt.push(h.tokens[h.tokens.length - 1]) - 1;
        }
      } else b.done = true;
    }
    [tokens, from] = [nt, nf];
  }
  return beams.map((b) => {
    const ended = b.finished.length >= o.beam || !b.active.length;
    const pool = [...b.finished, ...(ended ? [] : b.active.map((h) => ({ ...h, finished: false })))];
    return pool.map(({ tokens, score, attention, finished }) => ({ tokens, score, attention, finished, rank: score / Math.max(1, tokens.length + (finished ? 1 : 0)) ** o.lengthPenalty }))
      .sort((x, y) => y.rank - x.rank).slice(0, o.nBest);
  });
}

describe('decodeRows beam search', () => {
  const settings = [
    { beam: 2, nBest: 1, lengthPenalty: 1, repetitionPenalty: 1, maxTokens: 6 },
    { beam: 4, nBest: 4, lengthPenalty: 0.6, repetitionPenalty: 1, maxTokens: 8 },
    { beam: 5, nBest: 3, lengthPenalty: 1, repetitionPenalty: 1.3, maxTokens: 5 },
    { beam: 8, nBest: 8, lengthPenalty: 0, repetitionPenalty: 1, maxTokens: 4 }, // k past the vocabulary
    { beam: 3, nBest: 2, lengthPenalty: 1, repetitionPenalty: 1, maxTokens: 1 },
    { beam: 3, nBest: 3, lengthPenalty: 1, repetitionPenalty: 1, maxTokens: 0 },
  ];
  it.each(settings.flatMap((o) => [false, true].map((coarse) => ({ ...o, coarse }))))('equals every continuation sorted: %o', async ({ coarse, ...o }) => {
    const count = 4;
    const got = await decodeRows(new HistoryModel(count, coarse), count, 1, STOP, o);
    const want = await reference(new HistoryModel(count, coarse), count, o);
    expect(got.map((hs) => hs.map((h) => h.tokens))).toEqual(want.map((hs) => hs.map((h) => h.tokens)));
    got.forEach((hs, s) => hs.forEach((h, j) => {
      const w = want[s][j];
      expect([h.score, h.rank, h.finished]).toEqual([w.score, w.rank, w.finished]);
      expect(h.attention.map((a) => Array.from(a))).toEqual(w.attention.map((a) => Array.from(a)));
    }));
  });
});

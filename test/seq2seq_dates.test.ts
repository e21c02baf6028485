// test/seq2seq_dates.test.ts: the bundled dates model (examples/models/train_dates.py) — lstm-wasm reproduces PyTorch's
// greedy outputs token for token on the whole held-out split and its beam search (n-best, scores) on 50 sentences, from
// the state dict and from the two ONNX graphs; the exact-match accuracy the script recorded is ours too.
import { readFileSync } from 'node:fs';
import { Tensor } from 'lstm-wasm';
import { OnnxSeq2Seq, Seq2Seq } from 'lstm-wasm/seq2seq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose as close, json, npy, root } from './helpers';

let worst = 0;
const expectClose = (...a: Parameters<typeof close>) => (worst = Math.max(worst, close(...a)));
afterAll(() => console.log(`dates model: worst error vs PyTorch ${worst.toExponential(1)}`));

const DIR = new URL('examples/models/dates/', root).pathname;
const HELDOUT = readFileSync(`${DIR}heldout.tsv`, 'utf8').trimEnd().split('\n').map((l) => l.split('\t') as [string, string]);
const greedyRef = json<{ exact_match: number; min_top2_gap: number; outputs: number[][]; gaps: number[]; attention_of_first: number[][] }>('models/dates/greedy.json');
const beamRef = json<{ beam: number; n_best: number; length_penalty: number; exact_match: number; cases: { source: string; nbest: { tokens: number[]; score: number; rank: number }[]; min_gap: number }[] }>('models/dates/beam.json');
const f32 = (a: ArrayLike<number>, dims: number[]) => new Tensor('float32', Float32Array.from(a), dims);
const scalar = (v: number) => f32([v], [1]);

/** Our outputs equal PyTorch's token lists; on a mismatch, say which sentence and how close PyTorch's own call was. */
function expectSameTokens(got: number[][], want: number[][], gaps: number[] | undefined, what: string) {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g, `${what}: sentence ${i} ${JSON.stringify(HELDOUT[i][0])} (PyTorch's smallest top-2 gap ${gaps?.[i]})`).toEqual(want[i]));
}

describe('the dates model, from its state dict', () => {
  let m: Seq2Seq;
  beforeAll(async () => {
    m = await Seq2Seq.load(DIR);
  });
  afterAll(() => m.release());

  it('greedy: PyTorch\'s outputs token for token on the whole held-out split, and its exact-match accuracy', async () => {
    expect(HELDOUT.length).toBe(greedyRef.outputs.length);
    const r = await m.translate(HELDOUT.map(([s]) => s), { batchSize: 256 });
    expectSameTokens(r.map((x) => x.translations[0].tokens), greedyRef.outputs, greedyRef.gaps, 'greedy');
    const em = r.filter((x, i) => x.translations[0].text === HELDOUT[i][1]).length / HELDOUT.length;
    expect(em).toBe(greedyRef.exact_match);
    expect(r.every((x) => x.unknown.length === 0)).toBe(true);
    const att = r[0].translations[0].attention;
    greedyRef.attention_of_first.forEach((row, t) => expectClose(f32(att[t], [att[t].length]), f32(row, [row.length]), `attention of token ${t}`));
    console.log(`dates held-out (${HELDOUT.length}): exact match ${(100 * em).toFixed(2)}% (PyTorch's greedy, reproduced token for token; smallest top-2 logit gap ${greedyRef.min_top2_gap.toExponential(2)})`);
  });

  it('teacher-forced logits and attention of two held-out sentences', async () => {
    const [a, b] = await m.translate([HELDOUT[0][0], HELDOUT[1][0]]);
    const names = m.targetVocab.names;
    const targets = [0, 1].map((i) => [1, ...[...HELDOUT[i][1]].map((ch) => names.indexOf(ch))]);
    const L = npy('models/dates/forced_logits.npy'), A = npy('models/dates/forced_attention.npy');
    const [B, T, V] = L.dims, S = A.dims[2];
    const s = m.start([a.sourceIds, b.sourceIds]);
    const logits = new Float32Array(B * T * V), attention = new Float32Array(B * T * S);
    for (let t = 0; t < T; t++) {
      const o = s.step(targets.map((x) => x[t]), [0, 1]);
      for (let r = 0; r < B; r++) {
        logits.set(o.scores.subarray(r * o.stride, r * o.stride + V), (r * T + t) * V);
        attention.set(o.attention!.subarray(r * s.S, r * s.S + S), (r * T + t) * S);
      }
    }
    expectClose(f32(logits, [B, T, V]), L, 'logits');
    expectClose(f32(attention, [B, T, S]), A, 'attention');
  });

  it(`beam search: PyTorch's n-best lists (tokens, scores, ranks) on ${beamRef.cases.length} held-out sentences, in one batch and one at a time`, async () => {
    const opts = { beam: beamRef.beam, nBest: beamRef.n_best, lengthPenalty: beamRef.length_penalty };
    const together = await m.translate(beamRef.cases.map((c) => c.source), { ...opts, batchSize: beamRef.cases.length });
    for (const [i, c] of beamRef.cases.entries()) {
      const [alone] = i < 10 ? await m.translate(c.source, opts) : [together[i]];
      for (const got of [together[i], alone]) {
        expect(got.translations.map((h) => h.tokens), `sentence ${i} ${JSON.stringify(c.source)} (PyTorch's smallest gap ${c.min_gap})`).toEqual(c.nbest.map((h) => h.tokens));
        got.translations.forEach((h, j) => {
          expectClose(scalar(h.score), scalar(c.nbest[j].score), `score of hypothesis ${j}`);
          expectClose(scalar(h.rank), scalar(c.nbest[j].rank), `rank of hypothesis ${j}`);
        });
      }
    }
    const em = together.filter((r, i) => r.translations[0].text === HELDOUT[i][1]).length / together.length;
    expect(em).toBe(beamRef.exact_match);
  });
});

describe('the dates model, from encoder.onnx + decoder.onnx', () => {
  it('greedy on the held-out split and beam search on 50 sentences equal PyTorch\'s', async () => {
    const m = await OnnxSeq2Seq.load(DIR);
    const r = await m.translate(HELDOUT.map(([s]) => s), { batchSize: 256 });
    expectSameTokens(r.map((x) => x.translations[0].tokens), greedyRef.outputs, greedyRef.gaps, 'greedy (ONNX)');
    const opts = { beam: beamRef.beam, nBest: beamRef.n_best, lengthPenalty: beamRef.length_penalty, batchSize: 10 };
    const beams = await m.translate(beamRef.cases.map((c) => c.source), opts);
    beams.forEach((got, i) => {
      const c = beamRef.cases[i];
      expect(got.translations.map((h) => h.tokens), `sentence ${i}`).toEqual(c.nbest.map((h) => h.tokens));
      got.translations.forEach((h, j) => expectClose(scalar(h.score), scalar(c.nbest[j].score), `score of hypothesis ${j}`));
    });
    await m.release();
  });
});


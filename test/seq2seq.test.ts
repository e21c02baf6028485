// test/seq2seq.test.ts: Seq2Seq against the PyTorch reference module (test/fixtures/seq2seq_torch.py) in every
// configuration gen_seq2seq.py writes — encoder memory, bridged states, teacher-forced logits and attention, final
// states, batched greedy decoding and beam search (n-best, scores) token for token.
import { Tensor } from 'lstm-wasm';
import { Seq2Seq } from 'lstm-wasm/seq2seq';
import { afterAll, describe, expect, it } from 'vitest';
import { expectClose as close, fixturePath, json, npy } from './helpers';
import { CASES } from './seq2seq_cases';

let worst = 0;
const expectClose = (...a: Parameters<typeof close>) => (worst = Math.max(worst, close(...a)));
afterAll(() => console.log(`seq2seq fixtures: worst error vs PyTorch ${worst.toExponential(1)}`));


interface Ref {
  sources: number[][];
  targets: number[][];
  max_tokens: number;
  greedy: { tokens: number[]; attention: number[][]; min_top2_gap: number }[];
  beams: { k: number; alpha: number; source: number[]; nbest: { tokens: number[]; score: number; rank: number }[]; min_gap: number }[];
}

const f32 = (a: ArrayLike<number>, dims: number[]) => new Tensor('float32', Float32Array.from(a), dims);
const scalar = (v: number) => f32([v], [1]);

describe.each(CASES)('%s', (name) => {
  const dir = fixturePath(`seq2seq/${name}/`);
  const ref = json<Ref>(`seq2seq/${name}/ref.json`);
  const cfg = json(`seq2seq/${name}/seq2seq.json`);
  const ref32 = (f: string) => npy(`seq2seq/${name}/${f}.npy`);

  // both ways of attention's per-position products (StreamWays): keys and combine on the source, or both on the rows
  it.each([
    [true, 'source', 'rows'], [true, 'rows', 'source'], [false, 'source', 'rows'], [false, 'rows', 'source'],
  ] as const)('encoder memory, bridged start states, teacher-forced logits and attention, final states match PyTorch (embedding tables: %s, keys on the %s, combine on the %s)', async (embeddingTables, keys, combine) => {
    const m = await Seq2Seq.load(dir, { embeddingTables });
    expect(m.embeddingTables).toBe(embeddingTables);
    const s = m.start(ref.sources, ref.sources.length, { keys, combine });
    const kind = cfg.attention.kind, luong = ['dot', 'general', 'concat'].includes(kind);
    expect(s.ways).toEqual({ keys: kind === 'general' ? keys : 'source', combine: luong ? combine : 'rows' });
    const B = ref.sources.length, T = ref.targets[0].length, S = s.S, V = m.weights.targetVocabSize;
    const Denc = (cfg.encoder.bidirectional ? 2 : 1) * cfg.encoder.hidden_size, H = cfg.decoder.hidden_size, L = cfg.decoder.layers;
    expectClose(f32(s.memory(), [B, S, Denc]), ref32('memory'), 'memory');
    const start = s.state();
    expectClose(f32(start.h, [L, B, H]), ref32('h0'), 'h0');
    if (start.c) expectClose(f32(start.c, [L, B, H]), ref32('c0'), 'c0');
    const logits = new Float32Array(B * T * V), attention = new Float32Array(B * T * S);
    for (let t = 0; t < T; t++) {
      const o = s.step(ref.targets.map((x) => x[t]), ref.sources.map((_, b) => b));
      for (let b = 0; b < B; b++) {
        logits.set(o.scores.subarray(b * o.stride, b * o.stride + V), (b * T + t) * V);
        attention.set(o.attention!.subarray(b * S, (b + 1) * S), (b * T + t) * S);
      }
    }
    expectClose(f32(logits, [B, T, V]), ref32('logits'), 'logits');
    expectClose(f32(attention, [B, T, S]), ref32('attention'), 'attention (zeros past each source)');
    const end = s.state();
    expectClose(f32(end.h, [L, B, H]), ref32('h'), 'h');
    if (end.c) expectClose(f32(end.c, [L, B, H]), ref32('c'), 'c');
    if (end.feed) expectClose(f32(end.feed, [B, H]), ref32('feed'), 'h~ (input feeding)');
    expect(!!end.feed).toBe(cfg.decoder.input_feeding === true);
    m.release();
  });

  // beam search's rows: children of one parent row share its recurrent products (computed once per parent in wasm).
  // A row's sums run in another order in a product of one row than of many (float error, ~1e-7), so 1e-6, not equality.
  it.each([true, false])('a step whose rows repeat parent rows gives each row what stepping it alone gives (embedding tables: %s)', async (embeddingTables) => {
    const m = await Seq2Seq.load(dir, { embeddingTables });
    const B = ref.sources.length, V = m.weights.targetVocabSize, first = ref.targets.map((x) => x[0]);
    const H = cfg.decoder.hidden_size, L = cfg.decoder.layers;
    const from = [0, 0, B - 1, 0, B - 1, 1 % B], tokens = from.map((_, i) => (3 + 5 * i) % V), N = from.length;
    const s = m.start(ref.sources, N);
    s.step(first, ref.sources.map((_, b) => b));
    const o = s.step(tokens, from), S = s.S;
    const all = { scores: o.scores.slice(), attention: o.attention!.slice(), state: s.state() };
    const same = (got: Float32Array, want: Float32Array, what: string) => close(f32(got, [got.length]), f32(want, [want.length]), what, 1e-6);
    for (let i = 0; i < N; i++) {
      const one = m.start(ref.sources, N);
      one.step(first, ref.sources.map((_, b) => b));
      const r = one.step([tokens[i]], [from[i]]), st = one.state();
      same(all.scores.subarray(i * o.stride, i * o.stride + V), r.scores.subarray(0, V), `row ${i} (continues ${from[i]}): scores`);
      same(all.attention.subarray(i * S, (i + 1) * S), r.attention!.subarray(0, S), `row ${i}: attention`);
      for (let l = 0; l < L; l++) {
        const at = (l * N + i) * H;
        same(all.state.h.subarray(at, at + H), st.h.subarray(l * H, (l + 1) * H), `row ${i}: h of layer ${l}`);
        if (st.c) same(all.state.c!.subarray(at, at + H), st.c.subarray(l * H, (l + 1) * H), `row ${i}: c of layer ${l}`);
      }
      if (st.feed) same(all.state.feed!.subarray(i * H, (i + 1) * H), st.feed, `row ${i}: h~`);
    }
    m.release();
  });

  it('batched greedy decoding is PyTorch\'s token for token, with its attention rows', async () => {
    const m = await Seq2Seq.load(dir);
    const out = await m.decode(ref.sources);
    ref.greedy.forEach((g, b) => {
      expect(g.min_top2_gap, 'the reference decides every argmax by more than our float error').toBeGreaterThan(1e-4);
      expect(out[b][0].tokens).toEqual(g.tokens);
      expect(out[b][0].finished).toBe(g.tokens.length < ref.max_tokens);
      g.attention.forEach((row, t) => expectClose(f32(out[b][0].attention[t].subarray(0, row.length), [row.length]), f32(row, [row.length]), `attention of token ${t}`));
    });
  });

  it('beam search: PyTorch\'s n-best lists (tokens, scores, ranks), one sentence at a time and all in one batch', async () => {
    const m = await Seq2Seq.load(dir);
    for (const [k, alpha] of [...new Set(ref.beams.map((b) => `${b.k},${b.alpha}`))].map((s) => s.split(',').map(Number))) {
      const cases = ref.beams.filter((b) => b.k === k && b.alpha === alpha);
      const nBest = cases[0].nbest.length;
      const together = await m.decode(cases.map((b) => b.source), { beam: k, nBest, lengthPenalty: alpha });
      for (const [i, b] of cases.entries()) {
        expect(b.min_gap, 'the reference ranks every candidate by more than our float error').toBeGreaterThan(1e-4);
        const [alone] = await m.decode([b.source], { beam: k, nBest, lengthPenalty: alpha });
        for (const got of [alone, together[i]]) {
          expect(got.map((h) => h.tokens)).toEqual(b.nbest.map((h) => h.tokens));
          got.forEach((h, j) => {
            expectClose(scalar(h.score), scalar(b.nbest[j].score), `score of hypothesis ${j}`);
            expectClose(scalar(h.rank), scalar(b.nbest[j].rank), `rank of hypothesis ${j}`);
          });
        }
      }
    }
  });
});

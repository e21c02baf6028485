// test/seq2seq_onnx.test.ts: the exported form (encoder.onnx + decoder.onnx from torch.onnx.export, seq2seq.json naming
// their tensors) decoded by the same search loop — on lstm-wasm's ONNX sessions and on onnxruntime-node — against PyTorch.
import { Tensor } from 'lstm-wasm';
import { type GraphRuntime, OnnxSeq2Seq } from 'lstm-wasm/seq2seq';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { expectClose as close, fixturePath, json, npy } from './helpers';
import { CASES } from './seq2seq_cases';

let worst = 0;
const expectClose = (...a: Parameters<typeof close>) => (worst = Math.max(worst, close(...a)));
let worstOrt = 0;
const vsOrt = (...a: Parameters<typeof close>) => (worstOrt = Math.max(worstOrt, close(...a)));
afterAll(() => console.log(`seq2seq ONNX pair: worst error vs PyTorch ${worst.toExponential(1)}; lstm-wasm vs onnxruntime-node on the same graphs ${worstOrt.toExponential(1)}`));

const ORT: GraphRuntime = {
  session: (bytes) => ort.InferenceSession.create(bytes),
  tensor: (type, data, dims) => new ort.Tensor(type, data, dims),
};

describe.each(CASES)('%s', (name) => {
  const dir = fixturePath(`seq2seq/${name}/`);
  const ref = json(`seq2seq/${name}/ref.json`);
  for (const [runtime, rt] of [['lstm-wasm', undefined], ['onnxruntime-node', ORT]] as const) {
    it(`${runtime}: teacher-forced logits and attention, greedy and beam n-best equal PyTorch's`, async () => {
      const m = await OnnxSeq2Seq.load(dir, rt);
      const s = await m.start(ref.sources);
      const B = ref.sources.length, T = ref.targets[0].length, L = npy(`seq2seq/${name}/logits.npy`), A = npy(`seq2seq/${name}/attention.npy`);
      const V = L.dims[2], S = A.dims[2];
      const logits = new Float32Array(B * T * V), attention = new Float32Array(B * T * S);
      for (let t = 0; t < T; t++) {
        const o = await s.step(ref.targets.map((x: number[]) => x[t]), ref.sources.map((_: unknown, b: number) => b));
        for (let b = 0; b < B; b++) {
          logits.set(o.scores.subarray(b * V, (b + 1) * V), (b * T + t) * V);
          attention.set(o.attention!.subarray(b * S, (b + 1) * S), (b * T + t) * S);
        }
      }
      expectClose(new Tensor('float32', logits, [B, T, V]), L, 'logits');
      expectClose(new Tensor('float32', attention, [B, T, S]), A, 'attention');
      const greedy = await m.decode(ref.sources);
      expect(greedy.map((h) => h[0].tokens)).toEqual(ref.greedy.map((g: { tokens: number[] }) => g.tokens));
      for (const b of ref.beams) {
        const [got] = await m.decode([b.source], { beam: b.k, nBest: b.nbest.length, lengthPenalty: b.alpha });
        expect(got.map((h) => h.tokens)).toEqual(b.nbest.map((h: { tokens: number[] }) => h.tokens));
        got.forEach((h, j) => expectClose(new Tensor('float32', [h.score], [1]), new Tensor('float32', [b.nbest[j].score], [1]), 'beam score'));
      }
    });
  }
});

describe.each(CASES)('%s: the decode loop on lstm-wasm\'s sessions and on onnxruntime-node\'s', (name) => {
  it('gives the same logits and attention step by step, rows reordered as beams are', async () => {
    const dir = fixturePath(`seq2seq/${name}/`);
    const ref = json(`seq2seq/${name}/ref.json`);
    const [ours, theirs] = await Promise.all([OnnxSeq2Seq.load(dir), OnnxSeq2Seq.load(dir, ORT)]);
    const [a, b] = await Promise.all([ours.start(ref.sources), theirs.start(ref.sources)]);
    // rows: 3 sentences, then beams of 2, 1 and 3 rows picked from them, then a shuffle
    const plan: [number[], number[]][] = [
      [[1, 1, 1], [0, 1, 2]], [[4, 5, 6, 4, 7, 8], [0, 0, 1, 2, 2, 2]], [[9, 3, 5, 6, 4, 4], [5, 3, 0, 0, 1, 4]], [[2, 3], [1, 5]],
    ];
    for (const [t, [tokens, from]] of plan.entries()) {
      const V = ours.targetVocab.names.length;
      const tk = tokens.map((x) => x % V);
      const [x, y] = [await a.step(tk, from), await b.step(tk, from)];
      const n = tk.length, S = a.S;
      vsOrt(new Tensor('float32', x.scores, [n, V]), new Tensor('float32', y.scores as Float32Array, [n, V]), `step ${t} logits`);
      vsOrt(new Tensor('float32', x.attention!, [n, S]), new Tensor('float32', y.attention as Float32Array, [n, S]), `step ${t} attention`);
    }
    await Promise.all([ours.release(), theirs.release()]);
  });
});

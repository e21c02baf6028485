// test/bundled.test.ts: the bundled models (examples/models) against PyTorch's outputs and its own greedy loop.
import { readFileSync } from 'node:fs';
import { InferenceSession, Tensor, Vocab, classify, forecast, generate } from 'lstm-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { expectClose as close, json, npy, root } from './helpers';

let worst = 0;
const expectClose = (...a: Parameters<typeof close>) => (worst = Math.max(worst, close(...a)));
afterAll(() => console.log(`bundled models: worst error vs PyTorch ${worst.toExponential(1)}`));

const model = (m: string, f: string) => new URL(`examples/models/${m}/${f}`, root).pathname;

describe('charlm: 2-layer character LSTM trained on the KJV', () => {
  const c = json('models/charlm/case.json');
  for (const file of ['model.safetensors', 'model.onnx']) {
    for (const k of c.cases) {
      const tag = Object.keys(k.files)[0].replace(/^prompt|_ids\.npy$/g, '');
      it(`${file}: '${k.prompt}' — logits and state match PyTorch, greedy text is PyTorch's token for token`, async () => {
        expect(k.min_top2_logit_gap).toBeGreaterThan(1e-4); // our float32 error (~1e-6) cannot flip an argmax
        const s = await InferenceSession.create(model('charlm', file));
        const vocab = await Vocab.load(model('charlm', 'vocab.json'));
        const ids = npy(`models/charlm/prompt${tag}_ids.npy`);
        expect(vocab.encode(k.prompt)).toEqual(Array.from(ids.data as BigInt64Array, Number));
        // the ONNX export takes (h0, c0) as required inputs: zeros, as PyTorch's default
        const zeros = Object.fromEntries(s.inputMetadata.filter((i) => i.name !== 'ids' && !i.optional)
          .map((i) => [i.name, new Tensor('float32', new Float32Array(2 * 192), [2, 1, 192])]));
        const out = await s.step({ ids, ...zeros });
        const [logits, h, c0] = s.outputNames;
        expectClose(out[logits], npy(`models/charlm/prompt${tag}_logits.npy`), 'logits');
        expectClose(out[h], npy(`models/charlm/prompt${tag}_h.npy`), 'h');
        expectClose(out[c0], npy(`models/charlm/prompt${tag}_c.npy`), 'c');
        const tokens = [];
        for await (const t of generate(s, k.prompt, { vocab, maxTokens: c.greedy_steps })) tokens.push(t);
        expect(tokens.map((t) => t.id)).toEqual(Array.from(npy(`models/charlm/greedy${tag}_ids.npy`).data as BigInt64Array, Number));
        expect(tokens.map((t) => t.text).join('')).toBe(readFileSync(new URL(`test/fixtures/models/charlm/greedy${tag}.txt`, root), 'utf8'));
      });
    }
  }
});

describe('topic: word-level BiLSTM classifier (six parts of the Bible)', () => {
  const c = json('models/topic/case.json');
  it('the tokenizer splits and numbers text as the training script did', async () => {
    const vocab = await Vocab.load(model('topic', 'vocab.json'));
    for (const k of json('models/topic/tokenizer.json').cases) {
      expect(vocab.split(k.text)).toEqual(k.tokens);
      expect(vocab.encode(k.text)).toEqual(k.ids);
    }
    expect(vocab.labels).toEqual(c.labels);
  });

  for (const file of ['model.safetensors', 'model.onnx']) {
    it(`${file}: classify() gives PyTorch's probabilities and label for each sentence`, async () => {
      const s = await InferenceSession.create(model('topic', file));
      const vocab = await Vocab.load(model('topic', 'vocab.json'));
      for (const [i, k] of c.sentences.entries()) {
        expect(vocab.encode(k.text)).toEqual(k.ids);
        const r = await classify(s, k.text, { vocab });
        expectClose(new Tensor('float32', Float32Array.from(r.probs), [1, 6]), npy(`models/topic/sentence${i + 1}_probs.npy`), `${k.text} probs`);
        expect(r.label).toBe(k.label);
        const out = await s.run({ ids: npy(`models/topic/sentence${i + 1}_ids.npy`) });
        expectClose(out[s.outputNames[0]], npy(`models/topic/sentence${i + 1}_logits.npy`), `${k.text} logits`);
      }
    });
  }

  it('model.safetensors: a padded batch with lengths gives each sentence\'s own logits (pack_padded_sequence)', async () => {
    const s = await InferenceSession.create(model('topic', 'model.safetensors'));
    const out = await s.run({ ids: npy('models/topic/batch_ids.npy'), lengths: npy('models/topic/batch_lengths.npy') });
    expectClose(out.logits, npy('models/topic/batch_logits.npy'), 'batch logits');
  });
});

describe('forecast: 2-layer LSTM next-value model', () => {
  for (const file of ['model.safetensors', 'model.onnx']) {
    it(`${file}: predictions, state and the 32-step autoregressive forecast match PyTorch`, async () => {
      const s = await InferenceSession.create(model('forecast', file));
      const series = npy('models/forecast/series.npy');
      const zeros = Object.fromEntries(s.inputMetadata.filter((i) => i !== s.inputMetadata[0] && !i.optional)
        .map((i) => [i.name, new Tensor('float32', new Float32Array(2 * 64), [2, 1, 64])]));
      const out = await s.run({ [s.inputNames[0]]: series, ...zeros });
      const [y, h, c0] = s.outputNames;
      expectClose(out[y], npy('models/forecast/y.npy'), 'y');
      expectClose(out[h], npy('models/forecast/h.npy'), 'h');
      expectClose(out[c0], npy('models/forecast/c.npy'), 'c');
      const f = (await forecast(s, Array.from(series.data as Float32Array), 32)) as number[];
      expectClose(new Tensor('float32', Float32Array.from(f), [32]), npy('models/forecast/forecast.npy'), 'forecast');
    });
  }
});

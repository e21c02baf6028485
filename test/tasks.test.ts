// test/tasks.test.ts: classify, forecast and generate over loaded models — numbers against PyTorch, errors by name.
import { InferenceSession, Tensor, classify, forecast, generate } from 'lstm-wasm';
import { describe, expect, it } from 'vitest';
import { expectClose, expectError, fixturePath, npy } from './helpers';

const tm = (c: string, f: string) => fixturePath(`torch-models/${c}/${f}`);
/** Item b of a (T, B) / (B, T) id tensor. */
function item(t: Tensor, b: number, batchFirst: boolean): number[] {
  const [d0, d1] = t.dims, ids = Array.from(t.data as BigInt64Array, Number);
  return batchFirst ? ids.slice(b * d1, (b + 1) * d1) : Array.from({ length: d0 }, (_, s) => ids[s * d1 + b]);
}

describe('classify', () => {
  it('gives PyTorch\'s softmax probabilities for each item of a BiGRU classifier', async () => {
    const s = await InferenceSession.create(tm('bigru_final_softmax', 'model.safetensors'));
    const ids = npy('torch-models/bigru_final_softmax/ids.npy'), probs = npy('torch-models/bigru_final_softmax/probs.npy');
    for (let b = 0; b < ids.dims[1]; b++) {
      const r = await classify(s, item(ids, b, false), { labels: ['a', 'b', 'c', 'd', 'e'] });
      const want = new Tensor('float32', (probs.data as Float32Array).slice(b * 5, b * 5 + 5), [5]);
      expectClose(new Tensor('float32', Float32Array.from(r.probs), [5]), want, `item ${b}`);
      expect(r.index).toBe(r.probs.indexOf(Math.max(...r.probs)));
      expect(r.label).toBe('abcde'[r.index]);
      expect(r.multiLabel).toBe(false);
    }
  });

  it('turns logits into softmax probabilities, log_softmax back into probabilities, and reads sigmoid outputs as independent labels', async () => {
    const logits = await InferenceSession.create(tm('lstm_proj_bi_final', 'model.safetensors'));
    const ids = npy('torch-models/lstm_proj_bi_final/ids.npy'), ref = npy('torch-models/lstm_proj_bi_final/logits.npy').data as Float32Array;
    const r = await classify(logits, item(ids, 1, false));
    const e = [Math.exp(ref[2]), Math.exp(ref[3])];
    expect(r.probs[0]).toBeCloseTo(e[0] / (e[0] + e[1]), 6);
    const logp = await InferenceSession.create(tm('rnn_mean_logsoftmax', 'model.safetensors'));
    const r2 = await classify(logp, item(npy('torch-models/rnn_mean_logsoftmax/ids.npy'), 0, false));
    const lp = npy('torch-models/rnn_mean_logsoftmax/log_probs.npy').data as Float32Array;
    r2.probs.forEach((p, i) => expect(p).toBeCloseTo(Math.exp(lp[i]), 6));
    const sig = await InferenceSession.create(tm('lstm_last_sigmoid', 'model.safetensors'));
    const x = npy('torch-models/lstm_last_sigmoid/x.npy'); // (T, B, 5): item 0's rows
    const rows = Array.from({ length: x.dims[0] }, (_, t) => Array.from((x.data as Float32Array).slice((t * x.dims[1]) * 5, (t * x.dims[1]) * 5 + 5)));
    const r3 = await classify(sig, rows);
    expect(r3.multiLabel).toBe(true);
    const pr = npy('torch-models/lstm_last_sigmoid/probs.npy').data as Float32Array;
    r3.probs.forEach((p, i) => expect(Math.abs(p - pr[i])).toBeLessThan(1e-6));
  });

  it('says what does not fit', async () => {
    const s = await InferenceSession.create(tm('bigru_final_softmax', 'model.safetensors'));
    await expectError(() => classify(s, 'hello'), 'OPTION', /classify: a text input needs a vocab to encode it/);
    await expectError(() => classify(s, [1, 2], { labels: ['x'] }), 'OPTION', /classify: 1 labels for output 'probs' \[B, 5\] of 5 classes/);
    await expectError(() => classify(s, []), 'INPUT', /classify: the sequence is empty/);
    await expectError(() => classify(s, [1, 99]), 'INPUT', /input 'ids' has 99 at flat index 1; its values must be in 0\.\.29/);
    const lm = await InferenceSession.create(tm('charlm_every_logits', 'model.safetensors'));
    await expectError(() => classify(lm, [1, 2]), 'MODEL', /classify: no output of the model is class scores \(batch, classes\); its outputs are logits \[B, T, 23\]/);
    const plain = await InferenceSession.create(fixturePath('onnx/lstm_fwd/model.onnx'));
    await expectError(() => classify(plain, [[1]]), 'OPTION', /classify: cannot tell which axis of input 'X' \[\d+, \d+, \d+\] is time and which is batch; pass batchFirst/);
  });
});

describe('forecast', () => {
  it('feeds each prediction back: the same as running the series with its predictions appended', async () => {
    const s = await InferenceSession.create(tm('gru_every_linear', 'model.safetensors'));
    const x = npy('torch-models/gru_every_linear/x.npy'); // (3, 20, 1), batch_first
    const series = Array.from((x.data as Float32Array).slice(0, 20));
    const f = (await forecast(s, series, 5)) as number[];
    expect(f).toHaveLength(5);
    // item 0's output at the last step is PyTorch's prediction of the first forecast value
    expect(Math.abs(f[0] - (npy('torch-models/gru_every_linear/output.npy').data as Float32Array)[19])).toBeLessThan(1e-5);
    const all = [...series, ...f.slice(0, 4)];
    const whole = await s.run({ x: new Tensor('float32', Float32Array.from(all), [1, all.length, 1]) });
    const out = whole.output.data as Float32Array;
    f.forEach((v, k) => expect(Math.abs(v - out[19 + k])).toBeLessThan(1e-6));
  });

  it('says what does not fit', async () => {
    const s = await InferenceSession.create(tm('gru_every_linear', 'model.safetensors'));
    await expectError(() => forecast(s, [], 3), 'INPUT', /forecast: the series is empty/);
    await expectError(() => forecast(s, [1, 2], 1.5), 'OPTION', /forecast: horizon must be an integer >= 0, got 1\.5/);
    await expectError(() => forecast(s, [1, NaN], 2), 'INPUT', /forecast: step 1 value 0 is NaN/);
    const lm = await InferenceSession.create(tm('charlm_every_logits', 'model.safetensors'));
    await expectError(() => forecast(lm, [1, 2], 2), 'MODEL', /forecast: input 'ids' takes token ids; a forecaster takes values/);
  });
});

describe('generate', () => {
  it('needs a language model and a way to encode the prompt', async () => {
    const lm = await InferenceSession.create(tm('charlm_every_logits', 'model.safetensors'));
    await expectError(async () => { for await (const _ of generate(lm, 'abc')); }, 'OPTION', /generate: a text prompt needs a vocab/);
    await expectError(async () => { for await (const _ of generate(lm, [])); }, 'INPUT', /generate: the prompt is empty/);
    const cls = await InferenceSession.create(tm('bigru_final_softmax', 'model.safetensors'));
    await expectError(async () => { for await (const _ of generate(cls, [1])); }, 'MODEL', /generate: no output of the model is scores over the vocabulary at every step/);
    const fc = await InferenceSession.create(tm('gru_every_linear', 'model.safetensors'));
    await expectError(async () => { for await (const _ of generate(fc, [1])); }, 'MODEL', /generate: input 'x' takes float features; a language model takes token ids/);
  });
});

describe('task helpers read the model as it is', async () => {
  const { parseSafetensors, writeSafetensors, LstmWasmError } = await import('lstm-wasm');
  const { readFileSync } = await import('node:fs');

  it('batch_first from the session option (or any spelling PyTorch writes) decides the axes', async () => {
    const st = parseSafetensors(new Uint8Array(readFileSync(tm('bilstm_final_lengths', 'model.safetensors'))));
    const entries = [...st.tensors].map(([name, t]) => ({ name, shape: t.shape, data: new Float32Array(t.bytes.slice().buffer) }));
    const ids = [3, 7, 1, 4, 2];
    const ref = await InferenceSession.create(tm('bilstm_final_lengths', 'model.safetensors'));
    const logits = (await ref.run({ ids: new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, 5]) })).logits.data as Float32Array;
    const e = Array.from(logits, Math.exp), z = e.reduce((a, b) => a + b);
    for (const [meta, opts] of [[{ batch_first: 'True', head: 'final_state' }, {}], [{ head: 'final_state' }, { batchFirst: true }]] as const) {
      const s = await InferenceSession.create(writeSafetensors(entries as never, meta), opts);
      const r = await classify(s, ids);
      r.probs.forEach((p, i) => expect(p).toBeCloseTo(e[i] / z, 6));
    }
  });

  it('a Keras softmax output (Softmax -> Identity) is read as probabilities, not softmaxed again', async () => {
    const s = await InferenceSession.create(fixturePath('tfjs/classifier/model.json'));
    const x = npy('tfjs/classifier/a_in0.npy'), ref = await s.run({ [s.inputNames[0]]: x });
    const [B] = x.dims, T = x.dims[1], row = Array.from((x.data as Float32Array | Int32Array).slice(0, T), Number);
    const r = await classify(s, row);
    const out = ref[s.outputNames[0]].data as Float32Array, C = out.length / B;
    r.probs.forEach((p, i) => expect(Math.abs(p - out[i])).toBeLessThan(1e-6));
    expect(r.probs.length).toBe(C);
  });

  it('refuses a repetition penalty on log-probabilities, and two generations stepping one session at once', async () => {
    const lm = await InferenceSession.create(fixturePath('torch-onnx/lm_lstm2/model.onnx'));
    await expectError(async () => { for await (const _ of generate(lm, [1, 2], { repetitionPenalty: 1.2 })); }, 'OPTION', /repetitionPenalty scales logits \(CTRL\); this model outputs probabilities or log-probabilities/);
    expect((await collectIds(generate(lm, [1, 2], { maxTokens: 5 })))).toHaveLength(5); // the log-softmax LM decodes
    const charlm = await InferenceSession.create(tm('charlm_every_logits', 'model.safetensors'));
    const both = Promise.all([collectIds(generate(charlm, [1, 2, 3], { maxTokens: 20 })), collectIds(generate(charlm, [4, 5], { maxTokens: 20 }))]);
    await expect(both).rejects.toThrow(/generate: the session's step\(\) state was changed by another call in the middle of this generation/);
    expect(LstmWasmError).toBeDefined();
  });
});

async function collectIds(it: AsyncIterable<{ id: number }>): Promise<number[]> {
  const out: number[] = [];
  for await (const t of it) out.push(t.id);
  return out;
}

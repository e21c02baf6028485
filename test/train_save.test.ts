// test/train_save.test.ts: saving and loading trained networks — safetensors with PyTorch's names that PyTorch loads with
// load_state_dict(strict=True) and runs to the same outputs (test/fixtures/gen_train_save.py), the torch importer reading
// them, fine-tuning a PyTorch model file, and ONNX export run by onnxruntime-node.
import { InferenceSession, Tensor, parseSafetensors } from 'lstm-wasm';
import { adam, dense, embedding, fit, gru, loadNetwork, lstm, rnn, sequential } from 'lstm-wasm/train';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { expectClose, expectError, fixturePath, json, npy, readFixture, rng } from './helpers';
import { type NetCase, maybeNpy } from './train_helpers';

const manifest = json<{ cases: string[] }>('train-save/manifest.json');
const IMPORTABLE = ['lm_lstm2', 'classifier_bigru_lengths', 'regressor_rnn_relu_mean']; // one Linear head, a head the importer knows

describe('save(): what PyTorch loads with load_state_dict(strict=True)', () => {
  for (const name of manifest.cases) {
    it(name, async () => {
      const dir = `train-save/${name}`;
      const c = json<NetCase & { keys: string[]; metadata: Record<string, string> }>(`${dir}/case.json`);
      const file = readFixture(`${dir}/model.safetensors`);
      const net = await loadNetwork(fixturePath(`${dir}/model.safetensors`));
      expect(Object.keys(net.weights())).toEqual(c.keys);
      const x = maybeNpy(`${dir}/ids.npy`) ?? npy(`${dir}/x.npy`), lengths = maybeNpy(`${dir}/lengths.npy`);
      const out = net.forward(x, { lengths: lengths?.data as BigInt64Array | undefined });
      expectClose(out, npy(`${dir}/out.npy`), `${name}: ours vs PyTorch on the saved weights`);
      expect(Buffer.from(net.save()).equals(Buffer.from(file)), 'save() of the loaded network gives the same bytes').toBe(true);
      const meta = parseSafetensors(file).metadata;
      expect(Object.fromEntries(Object.entries(meta).filter(([k]) => k !== 'lstm_wasm_layers'))).toEqual(c.metadata);
      if (IMPORTABLE.includes(name)) {
        const s = await InferenceSession.create(file);
        const feeds: Record<string, Tensor> = { [c.V ? 'ids' : 'x']: x };
        if (lengths) feeds.lengths = lengths;
        const r = await s.run(feeds);
        expectClose(r[s.outputNames[0]], npy(`${dir}/out.npy`), `${name}: InferenceSession on the saved file`);
        await s.release();
      }
      net.release();
    });
  }
});

describe('fine-tuning a PyTorch model file', () => {
  it('loads nn.Embedding -> 2-layer bidirectional nn.LSTM(proj_size) -> nn.Linear, trains it, writes it back under the same names', async () => {
    const dir = 'torch-models/lstm_proj_bi_final';
    const net = await loadNetwork(fixturePath(`${dir}/model.safetensors`));
    const ids = npy(`${dir}/ids.npy`); // (T, B): this model is time-major
    expectClose(net.forward(ids), npy(`${dir}/logits.npy`), 'loaded network vs PyTorch');
    const B = ids.dims[1], y = new Tensor('int64', BigInt64Array.from({ length: B }, (_, b) => BigInt(b % 2)), [B]);
    const before = net.evaluate(ids, y, 'ce');
    const r = await fit(net, { x: ids, y }, { loss: 'ce', optimizer: adam({ lr: 0.02 }), batchSize: B, epochs: 30, shuffle: false });
    expect(r.losses[r.losses.length - 1]).toBeLessThan(before * 0.2);
    const saved = net.save();
    const st = parseSafetensors(saved), orig = parseSafetensors(readFixture(`${dir}/model.safetensors`));
    expect([...st.tensors.keys()]).toEqual([...orig.tensors.keys()]);
    expect(st.metadata.head).toBe(orig.metadata.head);
    expect(st.metadata.batch_first).toBe('false');
    const s = await InferenceSession.create(saved);
    expectClose((await s.run({ ids })).logits, net.forward(ids), 'InferenceSession on the fine-tuned file vs the network');
    await s.release();
  });

  it('refuses what it cannot train, saying why', async () => {
    // an ONNX model whose LSTM starts from a state fed at run time (test/train_onnx.test.ts has the ONNX cases)
    await expectError(() => loadNetwork(readFixture('torch-onnx/lm_lstm2/model.onnx'), { graphOutput: 'logits' }), 'UNSUPPORTED',
      /LSTM node '\/lstm\/LSTM': the initial state '.*' is not all zeros/);
  });
});

const rand = rng(21);
const floats = (dims: number[]) => new Tensor('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, rand), dims);

describe('toOnnx(): onnxruntime-node runs the export to the same outputs', () => {
  const cases = [
    { name: 'LM: embedding, 2-layer LSTM, dense, batch-first', layers: () => [embedding(13, 6), lstm(10, { layers: 2 }), dense(13)], ids: true },
    { name: 'BiGRU, final state, MLP head, time-major', layers: () => [gru(9, { bidirectional: true, output: 'final_state' }), dense(5, { activation: 'tanh' }), dense(2)], bf: false },
    { name: 'GRU with the reset before the product, mean', layers: () => [gru(7, { resetAfter: false, output: 'mean' }), dense(3, { activation: 'sigmoid' })] },
    { name: 'ReLU RNN, 2 layers bidirectional, max', layers: () => [rnn(8, { nonlinearity: 'relu', layers: 2, bidirectional: true, output: 'max' }), dense(4)] },
    { name: 'LSTM, last step', layers: () => [lstm(6, { output: 'last_step' }), dense(1, { activation: 'relu' })] },
    { name: 'BiLSTM with lengths, sequence', layers: () => [lstm(5, { bidirectional: true }), dense(3)], lengths: true },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const bf = c.bf ?? true, B = 3, T = 6;
      const net = await sequential(c.layers(), { inputSize: c.ids ? undefined : 4, batchFirst: bf, seed: 3 });
      const x = c.ids ? new Tensor('int64', BigInt64Array.from({ length: B * T }, (_, i) => BigInt((i * 5) % 13)), [B, T]) : floats(bf ? [B, T, 4] : [T, B, 4]);
      const lengths = c.lengths ? Int32Array.from([6, 2, 4]) : undefined;
      const want = net.forward(x, { lengths });
      const bytes = net.toOnnx({ lengths: !!lengths });
      const session = await ort.InferenceSession.create(bytes);
      const feeds: Record<string, ort.Tensor> = { [c.ids ? 'ids' : 'x']: new ort.Tensor(x.type as 'float32', x.data as Float32Array, x.dims) };
      if (lengths) feeds.lengths = new ort.Tensor('int32', lengths, [B]);
      const got = (await session.run(feeds)).output;
      expectClose(new Tensor('float32', got.data as Float32Array, [...got.dims]), want, `${c.name}: onnxruntime vs lstm-wasm`);
      const ours = await InferenceSession.create(bytes);
      const f2: Record<string, Tensor> = { [c.ids ? 'ids' : 'x']: x };
      if (lengths) f2.lengths = new Tensor('int32', lengths, [B]);
      expectClose((await ours.run(f2)).output, want, `${c.name}: InferenceSession on the export`);
      await ours.release();
    });
  }

  it('refuses a projection (ONNX LSTM has none)', async () => {
    const net = await sequential([lstm(6, { projSize: 3 }), dense(2)], { inputSize: 2 });
    await expectError(() => net.toOnnx(), 'UNSUPPORTED', /lstm: ONNX's LSTM has no projection/);
  });
});

// test/train_onnx.test.ts: fine-tuning ONNX models — torch.onnx.export graphs and bare LSTM / GRU / RNN nodes loaded by
// loadNetwork, gradients by initializer name against PyTorch autograd (test/fixtures/gen_train_onnx.py), a few Adam
// steps saved back into the model's own initializers and run by onnxruntime-node, and graphs that are not a stack refused.
import { Tensor } from 'lstm-wasm';
import { type Network, adam, loadNetwork, trainStep } from 'lstm-wasm/train';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { expectClose, expectError, fixturePath, json, npy, rng } from './helpers';
import { stateDict, worstError } from './train_helpers';

/** What the file computes after the network (the network gives logits; the file keeps its Softmax / Sigmoid). */
function asFile(net: Network, out: Tensor): Tensor {
  const d = out.data as Float32Array, t = net.source?.outputTransform, F = out.dims[out.dims.length - 1];
  const y = new Float32Array(d.length);
  for (let r = 0; r < d.length / F; r++) {
    const row = d.subarray(r * F, (r + 1) * F), m = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - m), 0);
    for (let i = 0; i < F; i++) {
      const v = row[i];
      y[r * F + i] = t === 'softmax' ? Math.exp(v - m) / sum : t === 'log_softmax' ? v - m - Math.log(sum) : t === 'sigmoid' ? 1 / (1 + Math.exp(-v)) : v;
    }
  }
  const dims = [...out.dims];
  if (net.source?.outputSqueeze !== undefined) dims.splice(net.source.outputSqueeze, 0, 1);
  return new Tensor('float32', y, dims);
}

async function ortRun(bytes: Uint8Array, feeds: Record<string, Tensor>, output: string): Promise<Tensor> {
  const s = await ort.InferenceSession.create(bytes);
  const r = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.type as 'float32', t.data as Float32Array, [...t.dims])])));
  return new Tensor('float32', r[output].data as Float32Array, [...r[output].dims]);
}

const CASES = ['lstm2_classifier_ce', 'bigru_tagger_mse', 'rnn_relu_mean_bce'];

describe('ONNX from torch.onnx.export: gradients by initializer name = PyTorch autograd', () => {
  for (const name of CASES) {
    it(name, async () => {
      const dir = `train-onnx/${name}`, c = json(`${dir}/case.json`);
      const net = await loadNetwork(fixturePath(`${dir}/model.onnx`));
      const x = npy(`${dir}/${c.input}.npy`), y = npy(`${dir}/target.npy`);
      expect(net.source?.format).toBe('onnx');
      expect(net.source?.inputName).toBe(c.input);
      expect(net.batchFirst).toBe(c.batch_first);
      expectClose(asFile(net, net.forward(x)), npy(`${dir}/out.npy`), `${name}: forward`);
      net.zeroGrad();
      const loss = net.backward(x, y, c.loss, { training: false });
      expect(Math.abs(loss - c.loss_value) / Math.max(1, c.loss_value)).toBeLessThanOrEqual(1e-4);
      const grads = net.fileGradients(), ref = stateDict(`${dir}/grads.safetensors`);
      expect(Object.keys(grads).sort()).toEqual([...c.weights].sort());
      for (const k of c.weights) {
        expect(grads[k].dims, k).toEqual(ref[k].dims);
        expect(worstError(grads[k].data as Float32Array, ref[k].data as Float32Array), k).toBeLessThanOrEqual(1e-4);
      }
      net.release();
    });
  }
});

describe('ONNX fine-tuned and saved: onnxruntime-node runs the saved model to the trained network\'s outputs', () => {
  for (const name of CASES) {
    it(name, async () => {
      const dir = `train-onnx/${name}`, c = json(`${dir}/case.json`);
      const net = await loadNetwork(fixturePath(`${dir}/model.onnx`));
      const x = npy(`${dir}/${c.input}.npy`), y = npy(`${dir}/target.npy`);
      const before = net.fileWeights();
      const opt = adam({ lr: 0.05 });
      for (let s = 0; s < 3; s++) trainStep(net, x, y, { loss: c.loss, optimizer: opt });
      const saved = net.save();
      const got = await ortRun(saved, { [c.input]: x }, 'y');
      expectClose(got, asFile(net, net.forward(x)), `${name}: onnxruntime on the saved model vs the network`);
      // the weights moved, and the saved file loads back to them
      const after = net.fileWeights(), again = await loadNetwork(saved);
      for (const [k, t] of Object.entries(again.fileWeights())) {
        expect(t.data, k).toEqual(after[k].data);
        expect(t.data, k).not.toEqual(before[k].data);
      }
      expect(Object.keys(net.saveFiles())).toEqual(['model.onnx']);
      net.release();
      again.release();
    });
  }
});

describe('bare ONNX LSTM / GRU / RNN nodes', () => {
  // gru_fwd: linear_before_reset = 0 (the reset before the recurrent product), trained as gru({ resetAfter: false })
  for (const name of ['lstm_fwd', 'gru_fwd', 'rnn_fwd']) {
    it(`${name}: Y trained with MSE, saved, run by onnxruntime-node`, async () => {
      const file = fixturePath(`onnx/${name}/model.onnx`), X = npy(`onnx/${name}/X.npy`);
      const net = await loadNetwork(file, { graphOutput: 'Y' });
      expect(net.source?.outputSqueeze).toBeDefined();
      expectClose(asFile(net, net.forward(X)), npy(`onnx/${name}/Y.npy`), `${name}: forward = onnxruntime's Y`);
      const out = net.forward(X), r = rng(7), target = new Tensor('float32', Float32Array.from(out.data as Float32Array, () => r()), out.dims);
      const opt = adam({ lr: 0.05 });
      const losses = [0, 1, 2, 3].map(() => trainStep(net, X, target, { loss: 'mse', optimizer: opt }).loss);
      expect(losses[3]).toBeLessThan(losses[0]);
      const got = await ortRun(net.save(), { X }, 'Y');
      expectClose(got, asFile(net, net.forward(X)), `${name}: onnxruntime on the saved model vs the network`);
      net.release();
    });
  }
});

describe('ONNX graphs that are not a trainable stack: UNSUPPORTED naming the node and why', () => {
  const cases: [string, string | undefined, RegExp][] = [
    ['onnx/lstm_peep', 'Y', /LSTM node '.*': input P \(peepholes\) cannot be trained/],
    ['onnx/lstm_clip', 'Y', /LSTM node '.*': attribute clip = .* cannot be trained/],
    ['onnx/lstm_input_forget', 'Y', /attribute input_forget = 1 cannot be trained/],
    ['onnx/gru_reverse', 'Y', /GRU node '.*': attribute direction = reverse/],
    ['onnx/lstm_acts1', 'Y', /LSTM node '.*': attribute activations = hard_sigmoid, leaky_relu, softsign cannot be trained/],
    ['onnx/gru_h20', 'Y', /GRU node '.*': the initial state 'initial_h' is not all zeros/],
    ['onnx/lstm_nobias', 'Y', /has no input B \(biases\)/],
    ['onnx/lstm_seqlens', 'Y', /input sequence_lens/],
    ['torch-onnx/lm_lstm2', 'logits', /the initial state '.*' is not all zeros/],
    ['torch-onnx/gru_squeeze_flatten', 'scores', /cannot train output 'scores': .* node '.*'/],
  ];
  for (const [path, output, re] of cases) {
    it(path, async () => {
      await expectError(() => loadNetwork(fixturePath(`${path}/model.onnx`), { graphOutput: output }), 'UNSUPPORTED', re);
    });
  }
  it('a graph with several outputs needs graphOutput', async () => {
    await expectError(() => loadNetwork(fixturePath('onnx/gru_fwd/model.onnx')), 'OPTION', /the graph has 2 outputs \('Y', 'Y_h'\); say which one/);
  });
});

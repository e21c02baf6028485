// test/train_api.test.ts: the layers API and fit() — options checked, PyTorch's initialisation, seeds, dropout,
// validation and early stopping, callbacks, and the errors bad targets and a diverging run give.
import { Tensor } from 'lstm-wasm';
import { adam, dense, dropout, embedding, fit, gru, loadNetwork, lstm, rnn, sequential, sgd, trainStep } from 'lstm-wasm/train';
import { describe, expect, it } from 'vitest';
import { expectError, rng } from './helpers';

const rand = rng(5);
const floats = (dims: number[]) => new Tensor('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, rand), dims);
const ids = (dims: number[], V: number) => new Tensor('int32', Int32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => Math.floor(((rand() + 1) / 2) * V) % V), dims);

describe('layers API', () => {
  it('refuses unknown and invalid options, naming them', async () => {
    await expectError(() => lstm(8, { layer: 2 } as never), 'OPTION', /lstm: unknown option 'layer'; known: layers, bidirectional/);
    await expectError(() => lstm(8, { projSize: 8 }), 'OPTION', /projSize must be an integer in 1\.\.7, got 8/);
    await expectError(() => gru(0), 'OPTION', /gru\(hidden\) must be a positive integer, got 0/);
    await expectError(() => rnn(4, { nonlinearity: 'sigmoid' as never }), 'OPTION', /nonlinearity must be 'tanh' or 'relu'/);
    await expectError(() => dropout(1), 'OPTION', /dropout\(p\) must be a number in \[0, 1\), got 1/);
    await expectError(() => dense(3, { activation: 'gelu' as never }), 'OPTION', /activation must be 'linear', 'relu', 'tanh' or 'sigmoid'/);
    await expectError(() => lstm(4, { output: 'last' as never }), 'OPTION', /output must be one of 'sequence', 'final_state', 'last_step', 'mean', 'max'/);
    await expectError(() => sequential([lstm(4)]), 'OPTION', /inputSize \(features per step\) is required/);
    await expectError(() => sequential([lstm(4, { output: 'mean' }), gru(3)], { inputSize: 2 }), 'OPTION', /layer 1 \(gru\): a recurrent layer needs a sequence/);
    await expectError(() => sequential([lstm(4), embedding(3, 2)], { inputSize: 2 }), 'OPTION', /an embedding must be the first layer/);
    await expectError(() => sequential([lstm(4)], { inputSize: 2, seeds: 1 } as never), 'OPTION', /sequential: unknown option 'seeds'/);
    await expectError(() => sgd({ lr: 0.1, nesterov: true }), 'OPTION', /nesterov needs momentum > 0/);
    await expectError(() => adam({ betas: [0.9, 1] }), 'OPTION', /betas must be two numbers in \[0, 1\)/);
  });

  it("names weights as PyTorch's state dict and initialises them as PyTorch does, from the seed", async () => {
    const layers = [embedding(50, 8), lstm(16, { layers: 2, bidirectional: true, projSize: 6 }), dropout(0.1), dense(12, { activation: 'relu' }), dense(5)];
    const a = await sequential(layers, { seed: 3 }), b = await sequential(layers, { seed: 3 }), c = await sequential(layers, { seed: 4 });
    const w = a.weights();
    expect(Object.keys(w).slice(0, 6)).toEqual(['embed.weight', 'lstm.weight_ih_l0', 'lstm.weight_hh_l0', 'lstm.bias_ih_l0', 'lstm.bias_hh_l0', 'lstm.weight_hr_l0']);
    expect(Object.keys(w).slice(-4)).toEqual(['fc1.weight', 'fc1.bias', 'head.weight', 'head.bias']);
    expect(w['lstm.weight_ih_l1_reverse'].dims).toEqual([64, 12]);
    const max = (t: Tensor) => Math.max(...Array.from(t.data as Float32Array, Math.abs));
    expect(max(w['lstm.weight_hh_l1'])).toBeLessThanOrEqual(1 / Math.sqrt(16));
    expect(max(w['lstm.weight_hh_l1'])).toBeGreaterThan(0.9 / Math.sqrt(16));
    expect(max(w['fc1.weight'])).toBeLessThanOrEqual(1 / Math.sqrt(12));
    expect(max(w['head.bias'])).toBeLessThanOrEqual(1 / Math.sqrt(12));
    const e = Array.from(w['embed.weight'].data as Float32Array), mean = e.reduce((s, v) => s + v, 0) / e.length;
    const sd = Math.sqrt(e.reduce((s, v) => s + (v - mean) ** 2, 0) / e.length);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(sd - 1)).toBeLessThan(0.1);
    expect(b.weights()['lstm.weight_ih_l0'].data).toEqual(w['lstm.weight_ih_l0'].data);
    expect(c.weights()['lstm.weight_ih_l0'].data).not.toEqual(w['lstm.weight_ih_l0'].data);
  });

  it('setWeights is strict as load_state_dict(strict=True): names, missing weights and shapes', async () => {
    const net = await sequential([gru(4), dense(2)], { inputSize: 3 });
    const w = net.weights();
    await expectError(() => net.setWeights({ ...w, 'gru.weight_hr_l0': w['head.bias'] }), 'MODEL', /unknown weight 'gru\.weight_hr_l0'/);
    const { 'head.bias': _, ...rest } = w;
    await expectError(() => net.setWeights(rest), 'MODEL', /missing weight 'head\.bias'/);
    await expectError(() => net.setWeights({ ...w, 'head.weight': floats([2, 5]) }), 'MODEL', /weight 'head\.weight' is \[2, 5\]; this network's is \[2, 4\]/);
    const bad = new Float32Array(8).fill(0);
    bad[3] = NaN;
    await expectError(() => net.setWeights({ 'head.weight': new Tensor('float32', bad, [2, 4]) }, false), 'MODEL', /'head\.weight': value NaN at flat index 3/);
  });

  it('dropout is on only while training, seeded, and scales kept values by 1/(1-p)', async () => {
    const net = await sequential([dropout(0.5), dense(1)], { inputSize: 200, seed: 9 });
    net.setWeights({ 'head.weight': new Tensor('float32', new Float32Array(200).fill(1), [1, 200]), 'head.bias': new Tensor('float32', new Float32Array(1), [1]) });
    const x = new Tensor('float32', new Float32Array(200).fill(1), [1, 1, 200]);
    expect((net.forward(x).data as Float32Array)[0]).toBeCloseTo(200, 4);
    const on = (net.forward(x, { training: true }).data as Float32Array)[0];
    expect(on % 2).toBe(0); // every kept value is 2
    expect(Math.abs(on - 200)).toBeLessThan(60);
  });
});

describe('inputGradient()', () => {
  it('gives d loss / d input per step, as finite differences of the loss do', async () => {
    const net = await sequential([gru(6, { output: 'mean' }), dense(2)], { inputSize: 3, seed: 4, batchFirst: false });
    const x = floats([5, 2, 3]), y = floats([2, 2]);
    net.backward(x, y, 'mse', { inputGradient: true });
    const g = net.inputGradient();
    expect(g.dims).toEqual([5, 2, 3]);
    for (const i of [0, 7, 29]) {
      const h = 1e-2, up = new Float32Array(x.data as Float32Array), down = new Float32Array(x.data as Float32Array);
      up[i] += h;
      down[i] -= h;
      const fd = (net.evaluate(new Tensor('float32', up, x.dims), y, 'mse') - net.evaluate(new Tensor('float32', down, x.dims), y, 'mse')) / (2 * h);
      expect(Math.abs((g.data as Float32Array)[i] - fd)).toBeLessThan(2e-3 * Math.max(1e-2, Math.abs(fd)) + 1e-5);
    }
    const emb = await sequential([embedding(5, 4), rnn(3, { output: 'final_state' }), dense(2)]);
    emb.backward(ids([3, 7], 5), ids([3], 2), 'ce', { inputGradient: true });
    expect(emb.inputGradient().dims).toEqual([3, 7, 4]); // the gradient reaching each step's embedded token
  });
});

describe('an embedding in front of a recurrent layer', () => {
  it('projects each vocabulary row once (V < T*B) with the same loss and gradients as projecting every token', async () => {
    for (const layers of [[embedding(6, 5), lstm(7, { layers: 2, bidirectional: true }), dense(6)], [embedding(4, 3), gru(5, { output: 'mean' }), dense(2)]]) {
      const net = await sequential(layers, { seed: 2 });
      const x = ids([3, 9], (layers[0] as { numEmbeddings: number }).numEmbeddings), y = layers.length && (layers[1] as { output: string }).output === 'mean' ? ids([3], 2) : ids([3, 9], 6);
      net.zeroGrad();
      const fused = net.backward(x, y, 'ce'), gf = net.gradients();
      net.zeroGrad();
      const perToken = net.backward(x, y, 'ce', { inputGradient: true }), gt = net.gradients(); // the gradient per token: no fusion
      expect(Math.abs(fused - perToken)).toBeLessThan(1e-6);
      for (const [k, t] of Object.entries(gt)) {
        const a = gf[k].data as Float32Array, b = t.data as Float32Array;
        b.forEach((v, i) => expect(Math.abs(a[i] - v), `${k}[${i}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(v))));
      }
    }
  });
});

describe('bad targets and a diverging run', () => {
  it('checks the target against the loss: dtype, shape, class ids, finiteness', async () => {
    const net = await sequential([embedding(10, 4), lstm(6), dense(7)], { seed: 1 });
    const x = ids([2, 5], 10);
    await expectError(() => net.backward(x, floats([2, 5]), 'ce'), 'INPUT', /cross-entropy target must hold class ids \(int64 or int32\) of shape \[2, 5\], got float32/);
    await expectError(() => net.backward(x, ids([2, 4], 7), 'ce'), 'INPUT', /cross-entropy target must be \[2, 5\] \(class ids for the output \[2, 5, 7\]\), got \[2, 4\]/);
    const t = ids([2, 5], 7);
    (t.data as Int32Array)[6] = 7;
    await expectError(() => net.backward(x, t, 'ce'), 'INPUT', /target has class id 7 at flat index 6; class ids must be in 0\.\.6/);
    await expectError(() => net.backward(x, new Tensor('int32', new Int32Array(10).fill(-100), [2, 5]), 'ce'), 'INPUT', /every target is the ignore index -100/);
    await expectError(() => net.backward(x, floats([2, 5, 6]), 'mse'), 'INPUT', /MSE target must be \[2, 5, 7\] \(the output's shape\), got \[2, 5, 6\]/);
    const nan = floats([2, 5, 7]);
    (nan.data as Float32Array)[3] = NaN;
    await expectError(() => net.backward(x, nan, 'bce'), 'INPUT', /binary cross-entropy with logits target has NaN at flat index 3/);
    await expectError(() => net.backward(new Tensor('int32', Int32Array.from([1, 2, 3, 11, 0, 1, 2, 3, 4, 5]), [2, 5]), ids([2, 5], 7), 'ce'), 'INPUT',
      /the input has token id 11 at flat index 3; ids must be in 0\.\.9/);
    await expectError(() => net.backward(x, ids([2, 5], 7), 'ce', { lengths: [5, 6] }), 'INPUT', /lengths\[1\] = 6 is outside 1\.\.5/);
    await expectError(() => net.backward(x, ids([2, 5], 7), 'nll' as never), 'OPTION', /loss must be 'ce', 'mse' or 'bce'/);
    await expectError(() => net.backward(x, ids([2, 5, 7], 7), 'mse'), 'INPUT', /MSE target must .*float/);
    await expectError(() => net.backward(x, ids([2, 5, 7], 2), 'bce'), 'INPUT', /binary cross-entropy with logits target must .*float/);
    const pooled = await sequential([embedding(10, 4), lstm(6, { output: 'final_state' }), dense(3)], { seed: 1 });
    await expectError(() => pooled.backward(x, ids([2, 5], 3), 'ce'), 'INPUT', /cross-entropy target must be \[2\] \(class ids for the output \[2, 3\]\), got \[2, 5\]/);
    const neg = ids([2], 3);
    (neg.data as Int32Array)[1] = -3;
    await expectError(() => pooled.backward(x, neg, 'ce'), 'INPUT', /target has class id -3 at flat index 1; class ids must be in 0\.\.2/);
  });

  it('stops a diverging run with the step number and the weight whose gradient became non-finite', async () => {
    const net = await sequential([rnn(8, { nonlinearity: 'relu' }), dense(1)], { inputSize: 2, seed: 2 });
    const opt = sgd({ lr: 1e6 });
    const x = floats([4, 30, 2]), y = floats([4, 30, 1]);
    let err: Error | undefined;
    for (let step = 0; step < 20 && !err; step++) {
      try {
        trainStep(net, x, y, { loss: 'mse', optimizer: opt, step });
      } catch (e) {
        err = e as Error;
      }
    }
    expect(err?.name).toBe('LstmWasmError');
    expect(err?.message).toMatch(new RegExp("^step \\d+: the loss is (NaN|Infinity); (the gradient of '[\\w.]+' is (NaN|-?Infinity) at flat index \\d+|" +
      "the output overflowed; the gradients are finite, the largest \\|gradient\\| [\\d.e+]+ in '[\\w.]+' at flat index \\d+) \\(lower the learning rate, or clip gradients with clipNorm\\)$"));
  });
});

describe('fit()', () => {
  it('reports every step, holds out validation data, stops early and restores the best weights', async () => {
    const net = await sequential([gru(8, { output: 'final_state' }), dense(1)], { inputSize: 3, seed: 6 });
    const x = floats([40, 6, 3]);
    const y = new Tensor('float32', Float32Array.from({ length: 40 }, (_, i) => (x.data as Float32Array)[i * 18] * 0.5), [40, 1]);
    const seen: number[] = [];
    let last: { tokensPerSec: number; stepsPerSec: number; etaMs: number; batches: number } | undefined;
    const r = await fit(net, { x, y }, {
      loss: 'mse', optimizer: adam({ lr: 0.5 }), batchSize: 8, epochs: 30, validation: 0.2, earlyStopping: { patience: 2 }, seed: 1,
      onStep: (s) => {
        seen.push(s.step);
        last = s;
      },
    });
    expect(seen).toEqual(r.losses.map((_, i) => i));
    expect(last!.batches).toBe(4); // 32 training items in batches of 8
    expect(last!.tokensPerSec).toBeGreaterThan(0);
    expect(r.epochs.every((e) => e.valLoss !== undefined)).toBe(true);
    expect(r.stopped).toBe('early'); // lr 0.5 overshoots: validation loss stops improving
    const best = Math.min(...r.epochs.map((e) => e.valLoss!));
    const xv = new Tensor('float32', (x.data as Float32Array).slice(32 * 18), [8, 6, 3]), yv = new Tensor('float32', (y.data as Float32Array).slice(32), [8, 1]);
    expect(net.evaluate(xv, yv, 'mse')).toBeCloseTo(best, 5);
  });

  it('shuffles by its seed: the same seed gives the same run', async () => {
    const data = { x: floats([12, 4, 2]), y: ids([12], 2) };
    const run = async (seed: number) => {
      const net = await sequential([lstm(5, { output: 'mean' }), dense(2)], { inputSize: 2, seed: 1 });
      const r = await fit(net, data, { loss: 'ce', optimizer: sgd({ lr: 0.1 }), batchSize: 3, epochs: 2, seed });
      return r.losses;
    };
    const x = await run(1);
    expect(await run(1)).toEqual(x);
    expect(await run(2)).not.toEqual(x);
  });

  it('stops when a callback returns false', async () => {
    const net = await sequential([rnn(3), dense(1)], { inputSize: 1 });
    const r = await fit(net, { x: floats([8, 3, 1]), y: floats([8, 3, 1]) }, { loss: 'mse', optimizer: sgd({ lr: 0.01 }), batchSize: 2, epochs: 5, onStep: (s) => s.step < 2 });
    expect(r.losses.length).toBe(3);
    expect(r.stopped).toBe('callback');
  });
});

describe('embedding from word vectors', () => {
  it('starts from KeyedVectors.embeddingMatrix, stays frozen under AdamW and clipping, and says what is wrong with bad weights', async () => {
    const { KeyedVectors } = await import('lstm-wasm/text');
    const words = ['king', 'queen', 'man', 'woman'], D = 4;
    const kv = await KeyedVectors.create(words, Float32Array.from({ length: words.length * D }, (_, i) => (i % 7) / 7 - 0.4));
    const vocab = { tokens: ['<pad>', 'woman', 'king', 'unseen'], pad: 0 };
    const matrix = kv.embeddingMatrix(vocab);
    expect(matrix.missing).toEqual(['unseen']);
    const net = await sequential([embedding(4, D, { weights: matrix, trainable: false }), lstm(5, { output: 'final_state' }), dense(2)], { seed: 1 });
    const before = net.weights();
    expect(Array.from((before['embed.weight'].data as Float32Array).subarray(2 * D, 3 * D))).toEqual(Array.from(kv.getVector('king')));
    const x = new Tensor('int32', Int32Array.from([1, 2, 3, 2, 1, 0]), [2, 3]);
    const y = new Tensor('int64', BigInt64Array.from([0n, 1n]), [2]);
    const opt = adam({ lr: 0.1, weightDecay: 0.5 });
    for (let i = 0; i < 3; i++) trainStep(net, x, y, { loss: 'ce', optimizer: opt, clipNorm: 0.1 });
    const after = net.weights();
    expect(after['embed.weight'].data).toEqual(before['embed.weight'].data);
    expect(after['lstm.weight_ih_l0'].data).not.toEqual(before['lstm.weight_ih_l0'].data);
    expect(Array.from(net.gradients()['embed.weight'].data as Float32Array).every((g) => g === 0)).toBe(true);
    const again = await loadNetwork(net.save()); // saved and loaded, it stays frozen
    again.setWeights(after);
    trainStep(again, x, y, { loss: 'ce', optimizer: adam({ lr: 0.1, weightDecay: 0.5 }) });
    expect(again.weights()['embed.weight'].data).toEqual(before['embed.weight'].data);
    again.release();
    net.release();
    await expectError(() => embedding(4, 3, { weights: matrix }), 'OPTION', /embedding\(4, 3\): weights are \[4,4\], expected \[4, 3\]/);
    await expectError(() => embedding(2, 2, { weights: [1, 2, 3] }), 'OPTION', /weights hold 3 values, expected 2 x 2 = 4/);
    await expectError(() => embedding(2, 2, { weights: [1, NaN, 3, 4] }), 'OPTION', /weight NaN at row 0, column 1; weights must be finite/);
    await expectError(() => embedding(2, 2, { trainable: false }), 'OPTION', /trainable: false needs weights/);
  });
});

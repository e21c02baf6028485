// test/train_grads.test.ts: d(mean loss)/d(every weight) of LSTM / GRU / RNN networks against PyTorch autograd
// (fixtures from test/fixtures/gen_train_grads.py), within 1e-4 * max(1, |ref|).
import { describe, expect, it } from 'vitest';
import { expectClose, json, npy } from './helpers';
import { type NetCase, buildNet, maybeNpy, stateDict, worstError } from './train_helpers';

interface GradCase extends NetCase {
  keys: string[];
  loss_value: number;
}

const TOL = 1e-4;
const manifest = json<{ cases: string[] }>('train-grads/manifest.json');

describe('gradients against PyTorch autograd: |ours - torch| <= 1e-4 * max(1, |torch|)', () => {
  it('covers every cell, 1-2 layers, both directions, projection, lengths, batch 1 and 4, every loss and head', () => {
    const cases = manifest.cases.map((n) => json<GradCase>(`train-grads/${n}/case.json`));
    for (const cell of ['LSTM', 'GRU', 'RNN']) {
      const of = cases.filter((c) => c.cell === cell);
      for (const loss of ['mse', 'ce', 'bce']) expect(of.some((c) => c.loss === loss), `${cell} ${loss}`).toBe(true);
      expect(of.some((c) => c.L === 2) && of.some((c) => c.bi) && of.some((c) => c.lengths), cell).toBe(true);
      expect(of.some((c) => c.B === 1) && of.some((c) => c.B === 4), cell).toBe(true);
    }
    expect(cases.some((c) => c.proj && c.bi && c.L === 2)).toBe(true);
    expect(cases.some((c) => c.cell === 'GRU' && !c.reset_after)).toBe(true);
    expect(cases.some((c) => c.cell === 'RNN' && c.nonlin === 'relu')).toBe(true);
    for (const head of ['every_step', 'final_state', 'last_step', 'mean', 'max']) expect(cases.some((c) => c.head === head), head).toBe(true);
  });

  for (const name of manifest.cases) {
    it(name, async () => {
      const dir = `train-grads/${name}`;
      const c = json<GradCase>(`${dir}/case.json`);
      const net = await buildNet(c);
      expect(Object.keys(net.weights())).toEqual(c.keys);
      net.setWeights(stateDict(`${dir}/model.safetensors`));
      const input = maybeNpy(`${dir}/ids.npy`) ?? npy(`${dir}/x.npy`);
      const lengths = maybeNpy(`${dir}/lengths.npy`);
      net.zeroGrad();
      const loss = net.backward(input, npy(`${dir}/target.npy`), c.loss, { lengths: lengths?.data as BigInt64Array | undefined });
      expectClose(net.lastOutput(), npy(`${dir}/out.npy`), `${name} output`);
      expect(Math.abs(loss - c.loss_value) / Math.max(1, Math.abs(c.loss_value)), `${name} loss ${loss} vs ${c.loss_value}`).toBeLessThanOrEqual(TOL);
      const grads = net.gradients(), ref = stateDict(`${dir}/grads.safetensors`);
      for (const key of c.keys) {
        expect(grads[key].dims, key).toEqual(ref[key].dims);
        const err = worstError(grads[key].data as Float32Array, ref[key].data as Float32Array);
        expect(err, `${name}: d loss / d ${key}`).toBeLessThanOrEqual(TOL);
      }
      net.release();
    });
  }
});

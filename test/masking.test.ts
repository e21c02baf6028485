// test/masking.test.ts: per-step masks of the recurrent kernel (Keras masking) against PyTorch's packed sequences.
import { InferenceSession, type Model, type RecurrentNode, Tensor } from 'lstm-wasm';
import { describe, expect, it } from 'vitest';
import { expectClose, fixturePath, npy } from './helpers';

/** The lstm_lengths model (bidirectional, 2 layers) with a mask input instead of lengths. */
async function masked(hold: boolean) {
  const base = (await InferenceSession.create(fixturePath('torch/lstm_lengths/model.safetensors'))).model;
  const n = base.nodes[0] as RecurrentNode;
  const node: RecurrentNode = { ...n, inputs: { x: 'x', mask: 'mask' }, holdSkipped: hold };
  const model: Model = {
    ...base, nodes: [node],
    inputs: [base.inputs[0], { name: 'mask', types: ['int32', 'bool'], dims: ['B', 'T'], optional: true, doc: 'mask' }],
  };
  return InferenceSession.create(model);
}

const x = npy('torch/lstm_lengths/x.npy'); // [T=9, B=5, 13]
const lens = Array.from(npy('torch/lstm_lengths/lengths.npy').data as BigInt64Array, Number);
const [T, B] = x.dims;
const trailing = new Tensor('int32', Int32Array.from({ length: B * T }, (_, i) => (i % T < lens[Math.floor(i / T)] ? 1 : 0)), [B, T]);

describe('masks', () => {
  it('a trailing mask gives what lengths give (PyTorch packed sequences)', async () => {
    const out = await (await masked(false)).run({ x, mask: trailing });
    for (const o of ['y', 'h_n', 'c_n']) expectClose(out[o], npy(`torch/lstm_lengths/${o}.npy`), o);
  });

  it('with hold, a skipped step repeats the state each direction kept', async () => {
    const out = await (await masked(true)).run({ x, mask: trailing });
    const y = out.y.data as Float32Array, ref = npy('torch/lstm_lengths/y.npy').data as Float32Array;
    const hN = npy('torch/lstm_lengths/h_n.npy').data as Float32Array; // [4, B, 37]: layer 1 is rows 2, 3
    const H = 37;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const at = (t * B + b) * 2 * H;
        if (t < lens[b]) {
          for (let i = 0; i < 2 * H; i++) expect(Math.abs(y[at + i] - ref[at + i])).toBeLessThan(1e-5);
        } else {
          // forward: its final state; reverse: its initial state (zeros) until it starts at lens[b]-1
          for (let i = 0; i < H; i++) expect(Math.abs(y[at + i] - hN[(2 * B + b) * H + i])).toBeLessThan(1e-5);
          for (let i = 0; i < H; i++) expect(y[at + H + i]).toBe(0);
        }
      }
    }
  });

  it('a mask with holes skips exactly those steps', async () => {
    // item 0 skips steps 2 and 5; compared with running the same item on x with those steps removed
    const holes = new Int32Array(B * T).fill(1);
    holes[2] = holes[5] = 0;
    const s = await masked(false);
    const out = (await s.run({ x, mask: new Tensor('int32', holes, [B, T]) })).h_n.data as Float32Array;
    const kept = [0, 1, 3, 4, 6, 7, 8];
    const x0 = new Float32Array(kept.length * 13);
    kept.forEach((t, i) => x0.set((x.data as Float32Array).subarray((t * B) * 13, (t * B + 1) * 13), i * 13));
    const ref = (await s.run({ x: new Tensor('float32', x0, [kept.length, 1, 13]) })).h_n.data as Float32Array;
    for (let s2 = 0; s2 < 4; s2++) for (let i = 0; i < 37; i++) expect(Math.abs(out[(s2 * B) * 37 + i] - ref[s2 * 37 + i])).toBeLessThan(1e-6);
  });
});

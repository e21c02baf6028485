// test/torch.test.ts: every PyTorch fixture through the public API, every element against PyTorch's output.
import { InferenceSession, Tensor } from 'lstm-wasm';
import { describe, expect, it } from 'vitest';
import { expectClose, fixturePath, json, npy } from './helpers';

interface Case {
  name: string;
  module: string;
  kwargs: Record<string, unknown>;
  flags: { batchFirst?: boolean; nonlinearity?: 'tanh' | 'relu' };
  inputs: string[];
  outputs: string[];
}

const manifest = json<{ cases: string[] }>('torch/manifest.json');
const load = (name: string) => json<Case>(`torch/${name}/case.json`);
const feedsOf = (c: Case) => Object.fromEntries(c.inputs.map((n) => [n, npy(`torch/${c.name}/${n}.npy`)]));
const open = (c: Case) => InferenceSession.create(fixturePath(`torch/${c.name}/model.safetensors`), c.flags);

describe('PyTorch reference: |ours - torch| <= 1e-5 * max(1, |torch|) on every element', () => {
  it('covers the cases the issue names', () => {
    const cases = manifest.cases.map(load);
    const has = (p: (c: Case) => boolean) => expect(cases.some(p)).toBe(true);
    for (const m of ['LSTM', 'GRU', 'RNN']) has((c) => c.module === m);
    has((c) => c.kwargs.nonlinearity === 'relu');
    for (const L of [1, 2, 3]) has((c) => c.kwargs.num_layers === L);
    has((c) => c.kwargs.bidirectional === true);
    has((c) => (c.kwargs.proj_size as number) > 0);
    has((c) => c.kwargs.batch_first === true);
    has((c) => c.kwargs.hidden_size === 1);
    has((c) => (c.kwargs.hidden_size as number) % 4 !== 0 && (c.kwargs.input_size as number) % 4 !== 0);
    has((c) => c.inputs.includes('h0') && c.inputs.includes('c0'));
    has((c) => c.inputs.includes('lengths'));
    const x = (c: Case) => npy(`torch/${c.name}/x.npy`).dims;
    has((c) => x(c).length === 3 && x(c)[c.kwargs.batch_first ? 0 : 1] === 5);
    has((c) => x(c).length === 3 && x(c)[c.kwargs.batch_first ? 0 : 1] === 1);
    has((c) => x(c)[c.kwargs.batch_first ? 1 : 0] === 1);
    has((c) => x(c)[c.kwargs.batch_first ? 1 : 0] === 1000);
  });

  for (const name of manifest.cases) {
    it(name, async () => {
      const c = load(name);
      const s = await open(c);
      expect([...s.outputNames]).toEqual(c.outputs);
      const out = await s.run(feedsOf(c));
      for (const o of c.outputs) expectClose(out[o], npy(`torch/${name}/${o}.npy`), `${name} ${o}`);
      await s.release();
    });
  }
});

describe('runs that reuse a session', () => {
  it('returns only the fetched outputs', async () => {
    const c = load('lstm_stack3_bi');
    const s = await open(c);
    const out = await s.run(feedsOf(c), ['c_n']);
    expect(Object.keys(out)).toEqual(['c_n']);
    expectClose(out.c_n, npy('torch/lstm_stack3_bi/c_n.npy'), 'c_n');
  });

  it('gives each batch item the same result alone, in a smaller batch, or after a larger run', async () => {
    const c = load('lstm_stack3_bi');
    const s = await open(c);
    const feeds = feedsOf(c);
    const full = await s.run(feeds);
    const [T, B, I] = feeds.x.dims;
    const [LD, , H] = feeds.h0.dims;
    for (const b of [B - 1, 0, 2]) {
      const pick = (t: Tensor, rows: number, width: number) => {
        const src = t.data as Float32Array, dst = new Float32Array(rows * width);
        for (let r = 0; r < rows; r++) dst.set(src.subarray((r * B + b) * width, (r * B + b + 1) * width), r * width);
        return new Tensor('float32', dst, [rows, 1, width]);
      };
      const one = await s.run({ x: pick(feeds.x, T, I), h0: pick(feeds.h0, LD, H), c0: pick(feeds.c0, LD, H) });
      const ref = pick(full.y, T, full.y.dims[2]);
      expectClose(one.y, ref, `item ${b}`, 1e-6);
    }
  });

  it('runs a longer sequence after a short one (the run region grows) with the same numbers', async () => {
    const c = load('lstm_long');
    const s = await open(c);
    const x = npy('torch/lstm_long/x.npy');
    const short = new Tensor('float32', (x.data as Float32Array).slice(0, 10 * 8), [10, 1, 8]);
    const before = await s.run({ x: short });
    const long = await s.run({ x });
    expectClose(long.y, npy('torch/lstm_long/y.npy'), 'long after short');
    const again = await s.run({ x: short });
    expect(Array.from(again.y.data as Float32Array)).toEqual(Array.from(before.y.data as Float32Array));
  });
});

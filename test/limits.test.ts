// test/limits.test.ts: bounded resources and isolation — long sequences in bounded memory, maxMemoryBytes, many runs
// and sessions without leaks, concurrent runs that never mix.
import { InferenceSession, Tensor, writeSafetensors } from 'lstm-wasm';
import { describe, expect, it } from 'vitest';
import { expectClose, expectError, fixturePath, npy } from './helpers';

/** An nn.LSTM(I, H) state dict with seeded weights of scale 0.3. */
function lstmFile(I: number, H: number, seed = 1): Uint8Array {
  let s = seed;
  const rnd = (n: number) => Float32Array.from({ length: n }, () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 0.6);
  return writeSafetensors([
    { name: 'weight_ih_l0', shape: [4 * H, I], data: rnd(4 * H * I) }, { name: 'weight_hh_l0', shape: [4 * H, H], data: rnd(4 * H * H) },
    { name: 'bias_ih_l0', shape: [4 * H], data: rnd(4 * H) }, { name: 'bias_hh_l0', shape: [4 * H], data: rnd(4 * H) },
  ]);
}

describe('long sequences', () => {
  it('T = 100 000 with only h_n fetched runs in memory that does not grow with T, and agrees with step() in pieces', async () => {
    const T = 100_000, I = 2, H = 16;
    const x = new Tensor('float32', Float32Array.from({ length: T * I }, (_, i) => Math.sin(i * 0.01)), [T, 1, I]);
    const s = await InferenceSession.create(lstmFile(I, H));
    const { h_n } = await s.run({ x }, ['h_n']);
    // the run region holds x (800 KB) and one 512-step chunk's workspace, not y (6.4 MB) or anything per step
    expect(s.memoryBytes).toBeLessThan(4 * 2 ** 20);
    const pieces = await InferenceSession.create(lstmFile(I, H));
    for (let t = 0; t < T; t += 4096) {
      const n = Math.min(4096, T - t);
      await pieces.step({ x: new Tensor('float32', (x.data as Float32Array).slice(t * I, (t + n) * I), [n, 1, I]) }, ['h_n']);
    }
    expectClose(h_n, pieces.getState().lstm.h, 'h_n', 1e-6);
    // fetching y too gives the same h_n
    const full = await s.run({ x });
    expectClose(full.h_n, h_n, 'h_n with y fetched', 0);
    expect(full.y.dims).toEqual([T, 1, H]);
  });
});

describe('maxMemoryBytes', () => {
  it('refuses a run that would pass the limit, saying what was asked and what is allowed, and keeps working', async () => {
    const s = await InferenceSession.create(fixturePath('torch/lstm_basic/model.safetensors'), { maxMemoryBytes: 4 * 2 ** 20 });
    const big = new Tensor('float32', new Float32Array(20_000 * 5 * 13), [20_000, 5, 13]); // y alone: 20000 * 5 * 37 floats = 14.8 MB
    await expectError(() => s.run({ x: big }), 'MEMORY', /a run of \d+ bytes \(inputs, outputs and workspace\) needs \d+ bytes; with the \d+ already in use that passes maxMemoryBytes \(4194304\)/);
    const out = await s.run({ x: npy('torch/lstm_basic/x.npy') });
    expectClose(out.y, npy('torch/lstm_basic/y.npy'), 'y');
  });

  it('refuses weights past the limit at load', async () => {
    await expectError(() => InferenceSession.create(lstmFile(512, 512), { maxMemoryBytes: 2 ** 20 }), 'MEMORY', /passes maxMemoryBytes \(1048576\)/);
    await expectError(() => InferenceSession.create(lstmFile(2, 2), { maxMemoryBytes: 1000 }), 'OPTION', /maxMemoryBytes must be an integer from 1 MiB to 4 GiB, got 1000/);
  });
});

describe('no leaks, isolation', () => {
  it('100 000 runs with varying sequence lengths keep wasm memory flat after the first growth', async () => {
    const s = await InferenceSession.create(fixturePath('torch/gru_basic/model.safetensors'));
    const xs = [1, 3, 7, 20, 50].map((T) => new Tensor('float32', new Float32Array(T * 2 * 13).fill(0.1), [T, 2, 13]));
    await s.run({ x: xs[4] }); // the longest first: the region never needs to grow again
    const after = s.memoryBytes;
    for (let i = 0; i < 100_000; i++) await s.run({ x: xs[i % 5] });
    expect(s.memoryBytes).toBe(after);
  }, 300_000);

  it('10 000 sessions created and released leave no wasm memory behind', async () => {
    const bytes = lstmFile(3, 4);
    const gc = (globalThis as { gc?: () => void }).gc!;
    const held = () => (gc(), process.memoryUsage().arrayBuffers);
    const warm = await InferenceSession.create(bytes);
    await warm.release();
    const before = held();
    for (let i = 0; i < 10_000; i++) {
      const s = await InferenceSession.create(bytes);
      await s.run({ x: new Tensor('float32', new Float32Array(6), [2, 1, 3]) });
      await s.release();
    }
    // each session holds at least 64 KiB of wasm memory: 10 000 kept alive would be 640 MB
    expect(held() - before).toBeLessThan(32 * 2 ** 20);
    await expectError(() => warm.run({ x: new Tensor('float32', new Float32Array(6), [2, 1, 3]) }), 'RELEASED', /this session was released/);
  }, 300_000);

  it('concurrent runs on one session never mix: each gets the answer it would get alone', async () => {
    const s = await InferenceSession.create(fixturePath('torch/lstm_stack3_bi/model.safetensors'));
    const inputs = Array.from({ length: 40 }, (_, k) => new Tensor('float32', Float32Array.from({ length: (1 + (k % 7)) * 5 * 13 }, (_, i) => Math.sin(i + k)), [1 + (k % 7), 5, 13]));
    const alone: Tensor[] = [];
    for (const x of inputs) alone.push((await s.run({ x })).y);
    const together = await Promise.all(inputs.map((x) => s.run({ x })));
    together.forEach((o, k) => expect(o.y.data).toEqual(alone[k].data));
  });
});

describe('AbortSignal', () => {
  it('stops a long run between chunks with ABORTED; the session then runs normally', async () => {
    const T = 400_000, I = 4, H = 64;
    const s = await InferenceSession.create(lstmFile(I, H));
    const x = new Tensor('float32', new Float32Array(T * I).fill(0.1), [T, 1, I]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('took too long')), 20);
    const t0 = performance.now();
    await expectError(() => s.run({ x }, ['h_n'], { signal: ac.signal }), 'ABORTED', /the run was aborted: took too long/);
    expect(performance.now() - t0).toBeLessThan(1000); // far less than the whole run
    await expectError(() => s.run({ x }, ['h_n'], { signal: AbortSignal.abort() }), 'ABORTED', /the run was aborted/);
    const small = new Tensor('float32', new Float32Array(5 * I).fill(0.1), [5, 1, I]);
    const a = await s.run({ x: small }, ['h_n'], { signal: new AbortController().signal });
    expectClose(a.h_n, (await s.run({ x: small }, ['h_n'])).h_n, 'h_n', 0);
    await expectError(() => s.run({ x: small }, undefined, { timeout: 5 } as never), 'OPTION', /unknown run option 'timeout'; known: signal/);
  });
});

// test/session.test.ts: the InferenceSession contract — bad feeds, options, wasm sources, release, leaks, isolation.
import { readFileSync } from 'node:fs';
import { InferenceSession, LstmWasmError, type RecurrentNode, Tensor, compileCore, writeSafetensors } from 'lstm-wasm';
import { describe, expect, it } from 'vitest';
import { expectClose, expectError, fixturePath, npy, root } from './helpers';

const model = (name: string) => fixturePath(`torch/${name}/model.safetensors`);
const x = npy('torch/lstm_basic/x.npy'); // [7, 5, 13]
const f32 = (dims: number[], v = 0.1) => new Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(v), dims);

describe('bad feeds get an INPUT error naming the tensor and what was expected', () => {
  const cases: [string, Record<string, Tensor>, RegExp][] = [
    ['x of rank 1', { x: f32([13]) }, /input 'x' must be 3-D \[T, B, 13\] \(or 2-D\), got \[13\]/],
    ['x of rank 4', { x: f32([1, 2, 3, 13]) }, /input 'x' must be 3-D/],
    ['x with the wrong feature size', { x: f32([7, 5, 12]) }, /input 'x' \[7, 5, 12\]: dim 2 must be 13 \(the model declares \[T, B, 13\]\)/],
    ['x with no steps', { x: f32([0, 5, 13]) }, /needs at least one time step/],
    ['x of the wrong type', { x: new Tensor('float64', new Float64Array(13), [1, 1, 13]) }, /input 'x' must be float32, got float64/],
    ['h0 of the wrong shape', { x, h0: f32([1, 4, 37]) }, /input 'h0' must be \[1, 5, 37\] for x \[7, 5, 13\], got \[1, 4, 37\]/],
    ['h0 2-D with a batched x', { x, h0: f32([1, 37]) }, /input 'h0' must be \[1, 5, 37\]/],
    ['lengths longer than T', { x, lengths: new Tensor('int64', [7n, 8n, 1n, 1n, 1n], [5]) }, /input 'lengths'\[1\] = 8 is outside 0\.\.7 \(T\)/],
    ['lengths of the wrong size', { x, lengths: new Tensor('int32', [1, 2], [2]) }, /input 'lengths' must be \[5\] \(one length per batch item\), got \[2\]/],
    ['lengths as floats', { x, lengths: f32([5]) }, /input 'lengths' must be int64 or int32, got float32/],
    ['an unknown input', { x, hx: f32([1, 5, 37]) }, /unknown input 'hx'; the model's inputs are x, h0, c0, lengths/],
    ['no x', { h0: f32([1, 5, 37]) }, /missing input 'x' \(input sequence, \[T, B, 13\]\)/],
    ['NaN in x', { x: new Tensor('float32', Float32Array.from({ length: 13 }, (_, i) => (i === 4 ? NaN : 0)), [1, 1, 13]) }, /input 'x' has NaN at flat index 4; inputs must be finite/],
    ['Infinity in c0', { x, c0: f32([1, 5, 37], Infinity) }, /input 'c0' has Infinity at flat index 0/],
  ];
  for (const [what, feeds, re] of cases) {
    it(what, async () => {
      const s = await InferenceSession.create(model('lstm_basic'));
      await expectError(() => s.run(feeds), 'INPUT', re);
      // the session still works afterwards
      expectClose((await s.run({ x })).y, npy('torch/lstm_basic/y.npy'), 'after the error');
    });
  }

  it('a tensor-like object is checked like a Tensor', async () => {
    const s = await InferenceSession.create(model('lstm_basic'));
    const fake = { type: 'float32', dims: [7, 5, 13], data: new Float32Array(3) } as unknown as Tensor;
    await expectError(() => s.run({ x: fake }), 'INPUT', /input 'x': dims \[7, 5, 13\] hold 455 elements but data has 3/);
    const ortLike = { type: 'float32', dims: x.dims, data: x.data, size: x.size } as unknown as Tensor;
    expectClose((await s.run({ x: ortLike })).y, npy('torch/lstm_basic/y.npy'), 'y');
  });

  it('an unknown fetch', async () => {
    const s = await InferenceSession.create(model('lstm_basic'));
    await expectError(() => s.run({ x }, ['out']), 'INPUT', /unknown output 'out'; the model's outputs are y, h_n, c_n/);
  });

  it('checkFinite: false lets NaN through to the outputs', async () => {
    const s = await InferenceSession.create(model('rnn_tanh'), { checkFinite: false });
    const data = new Float32Array(7 * 5 * 13);
    data[0] = NaN; // item 0, step 0
    const { y } = await s.run({ x: new Tensor('float32', data, [7, 5, 13]) });
    const v = y.data as Float32Array;
    expect(Number.isNaN(v[0])).toBe(true);
    expect(Number.isFinite(v[37])).toBe(true); // item 1 is untouched
  });

  it('Tensor checks its own shape and type', async () => {
    await expectError(() => new Tensor('float32', new Float32Array(5), [2, 3]), 'INPUT', /dims \[2, 3\] hold 6 elements but data has 5/);
    await expectError(() => new (Tensor as any)('float16', new Float32Array(1)), 'INPUT', /type must be one of float32/);
    await expectError(() => new (Tensor as any)('int32', new Float32Array(1)), 'INPUT', /type 'int32' needs a Int32Array/);
    expect(new Tensor(new Float32Array(6), [2, 3]).type).toBe('float32');
    expect(new Tensor('int64', [1, 2], [2]).data).toEqual(BigInt64Array.from([1n, 2n]));
  });
});

describe('create()', () => {
  it('rejects unknown and bad options', async () => {
    await expectError(() => InferenceSession.create(model('lstm_basic'), { batch_first: true } as never), 'OPTION', /unknown option 'batch_first'; known: format, wasm/);
    await expectError(() => InferenceSession.create(model('rnn_tanh'), { nonlinearity: 'gelu' as never }), 'OPTION', /nonlinearity must be 'tanh' or 'relu', got "gelu"/);
    await expectError(() => InferenceSession.create(model('rnn_tanh'), { format: 'keras' as never }), 'OPTION', /format must be 'safetensors', 'onnx' or 'tfjs', got "keras"/);
  });

  it('names a missing file and unrecognised bytes', async () => {
    await expectError(() => InferenceSession.create('/nonexistent/m.safetensors'), 'IO', /cannot read \/nonexistent\/m\.safetensors: ENOENT/);
    await expectError(() => InferenceSession.create(new TextEncoder().encode('hello world, not a model')), 'FORMAT', /cannot tell the format \(first bytes 68 65 6c 6c 6f 20 77 6f\)/);
  });

  it('loads the wasm from a Module, bytes or a path, and refuses a module that is not the core', async () => {
    const path = new URL('dist/lstm.wasm', root);
    const bytes = readFileSync(path);
    for (const wasm of [await compileCore(bytes), bytes, path, path.pathname]) {
      const s = await InferenceSession.create(model('gru_basic'), { wasm });
      expectClose((await s.run({ x: npy('torch/gru_basic/x.npy') })).y, npy('torch/gru_basic/y.npy'), 'y');
    }
    const empty = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    await expectError(() => InferenceSession.create(model('gru_basic'), { wasm: empty }), 'RUNTIME', /not the lstm-wasm core/);
    await expectError(() => InferenceSession.create(model('gru_basic'), { wasm: Uint8Array.from([1, 2, 3]) }), 'RUNTIME', /cannot compile the wasm core/);
  });
});

describe('memory', () => {
  it('10,000 runs of one session do not grow wasm memory', async () => {
    const s = await InferenceSession.create(model('lstm_basic'));
    await s.run({ x });
    const bytes = s.memoryBytes;
    for (let i = 0; i < 10_000; i++) await s.run({ x });
    expect(s.memoryBytes).toBe(bytes);
  });

  it('varying (T, B) sizes the run region for the largest seen, then stays', async () => {
    const s = await InferenceSession.create(model('lstm_basic'));
    const sizes = [[3, 1], [50, 4], [7, 2], [50, 4], [1, 1]];
    let peak = 0;
    for (let round = 0; round < 3; round++) {
      for (const [T, B] of sizes) {
        await s.run({ x: f32([T, B, 13]) });
        if (round === 0) peak = Math.max(peak, s.memoryBytes);
        else expect(s.memoryBytes).toBe(peak);
      }
    }
  });

  it('release() drops the wasm memory and later calls say RELEASED', async () => {
    let s: InferenceSession | undefined = await InferenceSession.create(model('lstm_basic'));
    await s.run({ x });
    const memory = new WeakRef((s as unknown as { rt: { core: { memory: WebAssembly.Memory } } }).rt.core.memory);
    await s.release();
    expect(s.memoryBytes).toBe(0);
    await expectError(() => s!.run({ x }), 'RELEASED', /this session was released/);
    s = undefined;
    // deref() would pin the target for the current job, so collect first and look only at the end
    for (let i = 0; i < 5; i++) {
      (globalThis as { gc: () => void }).gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(memory.deref(), 'the released memory was collected').toBeUndefined();
  });

  it('a run too large for wasm memory is a MEMORY error, not a wrapped size', async () => {
    // H = 512: the workspace of a 300k-item batch is ~30 GiB; x itself is only 1.2 MB
    const H = 512, B = 300_000;
    const dict = [['weight_ih_l0', [4 * H, 1]], ['weight_hh_l0', [4 * H, H]]].map(([name, shape]) => ({
      name: name as string, shape: shape as number[], data: new Float32Array((shape as number[])[0] * (shape as number[])[1]),
    }));
    const s = await InferenceSession.create(writeSafetensors(dict));
    await expectError(() => s.run({ x: f32([1, B, 1]) }), 'MEMORY', /a run of \d+ bytes \(inputs, outputs and workspace\) needs \d+ bytes; .* passes maxMemoryBytes \(1073741824\)/);
    expect((await s.run({ x: f32([2, 3, 1]) })).y.dims).toEqual([2, 3, H]); // and the session still runs
  });

  it('a hand-built Model is validated like an imported one', async () => {
    const good = (await InferenceSession.create(model('gru_basic'))).model;
    const n0 = good.nodes[0] as RecurrentNode;
    const node = { ...n0, weights: [{ ...n0.weights[0], wh: new Float32Array(5) }] };
    await expectError(() => InferenceSession.create({ ...good, nodes: [node] }), 'MODEL',
      /node 'gru', layer 0, recurrent weights Wh: expected \[111, 37\] \(4107 values\), got 5 values/);
  });

  it('two sessions in one process do not disturb each other', async () => {
    const a = await InferenceSession.create(model('lstm_stack3_bi'));
    const b = await InferenceSession.create(model('gru_stack2_bi'));
    const fa = { x: npy('torch/lstm_stack3_bi/x.npy'), h0: npy('torch/lstm_stack3_bi/h0.npy'), c0: npy('torch/lstm_stack3_bi/c0.npy') };
    const fb = { x: npy('torch/gru_stack2_bi/x.npy'), h0: npy('torch/gru_stack2_bi/h0.npy') };
    for (let i = 0; i < 3; i++) {
      const [ra, rb] = await Promise.all([a.run(fa), b.run(fb)]);
      expectClose(ra.y, npy('torch/lstm_stack3_bi/y.npy'), 'lstm');
      expectClose(rb.y, npy('torch/gru_stack2_bi/y.npy'), 'gru');
      await b.run({ x: f32([40, 3, 13]) }); // b grows; a is unaffected
    }
    await b.release();
    expectClose((await a.run(fa)).c_n, npy('torch/lstm_stack3_bi/c_n.npy'), 'after the other was released');
  });
});

it('LstmWasmError is an Error with a code', () => {
  const e = new LstmWasmError('MODEL', 'x');
  expect(e).toBeInstanceOf(Error);
  expect([e.name, e.code, e.message]).toEqual(['LstmWasmError', 'MODEL', 'x']);
});

// test/step.test.ts: step() — a sequence fed in pieces gives what it gives whole; state snapshots; what cannot stream.
import { InferenceSession, Tensor } from 'lstm-wasm';
import { describe, expect, it } from 'vitest';
import { expectClose, expectError, fixturePath, npy } from './helpers';

/** A copy of steps [a, b) of `t` along `axis`. */
function sliceTime(t: Tensor, axis: number, a: number, b: number): Tensor {
  const d = t.dims, outer = d.slice(0, axis).reduce((x, y) => x * y, 1), inner = d.slice(axis + 1).reduce((x, y) => x * y, 1);
  const T = d[axis], n = b - a;
  const src = t.data as unknown as { subarray(s: number, e: number): ArrayLike<number | bigint> };
  const out = new (t.data.constructor as new (n: number) => Float32Array)(outer * n * inner);
  for (let o = 0; o < outer; o++) out.set(src.subarray((o * T + a) * inner, (o * T + b) * inner) as Float32Array, o * n * inner);
  return new Tensor(t.type as 'float32', out, [...d.slice(0, axis), n, ...d.slice(axis + 1)]);
}

function concatTime(parts: Tensor[], axis: number): Tensor {
  const d = parts[0].dims, outer = d.slice(0, axis).reduce((x, y) => x * y, 1), inner = d.slice(axis + 1).reduce((x, y) => x * y, 1);
  const T = parts.reduce((s, p) => s + p.dims[axis], 0);
  const out = new Float32Array(outer * T * inner);
  let at = 0;
  for (const p of parts) {
    const n = p.dims[axis];
    for (let o = 0; o < outer; o++) out.set((p.data as Float32Array).subarray(o * n * inner, (o + 1) * n * inner), (o * T + at) * inner);
    at += n;
  }
  return new Tensor('float32', out, [...d.slice(0, axis), T, ...d.slice(axis + 1)]);
}

interface StreamCase {
  model: string;
  /** the sequence inputs and their time axis */
  seq: Record<string, [file: string, axis: number]>;
  /** inputs fed with the first piece only (initial states) */
  first?: Record<string, string>;
  /** outputs with a time axis; the others are compared as the last piece gives them */
  timeAxis: Record<string, number>;
}

const CASES: Record<string, StreamCase> = {
  'PyTorch LSTM': { model: 'torch/lstm_basic/model.safetensors', seq: { x: ['torch/lstm_basic/x.npy', 0] }, timeAxis: { y: 0 } },
  'PyTorch GRU': { model: 'torch/gru_basic/model.safetensors', seq: { x: ['torch/gru_basic/x.npy', 0] }, timeAxis: { y: 0 } },
  'PyTorch RNN relu, 2 layers': { model: 'torch/rnn_relu/model.safetensors', seq: { x: ['torch/rnn_relu/x.npy', 0] }, timeAxis: { y: 0 } },
  'PyTorch LSTM with projection': { model: 'torch/lstm_proj_uni/model.safetensors', seq: { x: ['torch/lstm_proj_uni/x.npy', 0] }, timeAxis: { y: 0 } },
  'PyTorch LSTM batch_first, 2 layers': { model: 'torch/lstm_batch_first/model.safetensors', seq: { x: ['torch/lstm_batch_first/x.npy', 1] }, timeAxis: { y: 1 } },
  'PyTorch LSTM over 1000 steps': { model: 'torch/lstm_long/model.safetensors', seq: { x: ['torch/lstm_long/x.npy', 0] }, timeAxis: { y: 0 } },
  'PyTorch char LM (ids, batch_first, state in)': {
    model: 'torch-models/charlm_every_logits/model.safetensors', seq: { ids: ['torch-models/charlm_every_logits/ids.npy', 1] },
    first: { h0: 'torch-models/charlm_every_logits/h0.npy', c0: 'torch-models/charlm_every_logits/c0.npy' }, timeAxis: { logits: 1 },
  },
  'PyTorch GRU forecaster': { model: 'torch-models/gru_every_linear/model.safetensors', seq: { x: ['torch-models/gru_every_linear/x.npy', 1] }, timeAxis: { output: 1 } },
  'ONNX export of a PyTorch 3-layer relu RNN': {
    model: 'torch-onnx/rnn_relu3/model.onnx', seq: { x: ['torch-onnx/rnn_relu3/a_x.npy', 0] }, first: { h0: 'torch-onnx/rnn_relu3/a_h0.npy' }, timeAxis: { y: 0 },
  },
  'ONNX export of a PyTorch batch_first GRU': { model: 'torch-onnx/gru_batch_first/model.onnx', seq: { x: ['torch-onnx/gru_batch_first/a_x.npy', 1] }, timeAxis: { y: 1 } },
  'ONNX export of a PyTorch 2-layer LM': {
    model: 'torch-onnx/lm_lstm2/model.onnx', seq: { ids: ['torch-onnx/lm_lstm2/a_ids.npy', 0] },
    first: { h0: 'torch-onnx/lm_lstm2/a_h0.npy', c0: 'torch-onnx/lm_lstm2/a_c0.npy' }, timeAxis: { logits: 0 },
  },
  'Keras stacked LSTM regression': { model: 'tfjs/stacked_lstm/model.json', seq: { lstm1_input: ['tfjs/stacked_lstm/a_in0.npy', 1] }, timeAxis: {} },
  'Keras Masking -> LSTM, GRU, SimpleRNN': { model: 'tfjs/masking_layer/model.json', seq: { x: ['tfjs/masking_layer/a_in0.npy', 1] }, timeAxis: { masking: 1, lstm: 1, gru: 1 } },
};

describe('step(): a sequence fed in pieces of 1, 3, 7 and T steps equals one run to 1e-6', () => {
  for (const [what, c] of Object.entries(CASES)) {
    it(what, async () => {
      const s = await InferenceSession.create(fixturePath(c.model));
      const seq = Object.fromEntries(Object.entries(c.seq).map(([k, [f, axis]]) => [k, { t: npy(f), axis }]));
      const first = Object.fromEntries(Object.entries(c.first ?? {}).map(([k, f]) => [k, npy(f)]));
      const T = Object.values(seq)[0].t.dims[Object.values(seq)[0].axis];
      const whole = await s.run({ ...Object.fromEntries(Object.entries(seq).map(([k, v]) => [k, v.t])), ...first });
      for (const size of [...new Set([1, 3, 7, T])]) {
        s.resetState();
        const pieces: Record<string, Tensor>[] = [];
        for (let a = 0; a < T; a += size) {
          const b = Math.min(T, a + size);
          const feeds = Object.fromEntries(Object.entries(seq).map(([k, v]) => [k, sliceTime(v.t, v.axis, a, b)]));
          pieces.push(await s.step(a === 0 ? { ...feeds, ...first } : feeds));
        }
        for (const name of s.outputNames) {
          const axis = c.timeAxis[name];
          const got = axis === undefined ? pieces[pieces.length - 1][name] : concatTime(pieces.map((p) => p[name]), axis);
          expectClose(got, whole[name], `${what}, pieces of ${size}: ${name}`, 1e-6);
        }
      }
    });
  }
});

describe('step() state', () => {
  const lm = fixturePath('torch-models/charlm_every_logits/model.safetensors');
  const ids = (...v: number[]) => new Tensor('int64', BigInt64Array.from(v.map(BigInt)), [1, v.length]);

  it('getState / setState snapshot and restore a stream; resetState starts over', async () => {
    const s = await InferenceSession.create(lm);
    expect(s.getState()).toEqual({});
    const fresh = await s.step({ ids: ids(1, 2, 3) });
    const snap = s.getState();
    expect(Object.keys(snap)).toEqual(['lstm']);
    expect(snap.lstm.h.dims).toEqual([2, 1, 16]);
    expect(snap.lstm.c!.dims).toEqual([2, 1, 16]);
    expectClose(snap.lstm.h, fresh.h_n, 'state h = h_n', 0);
    const next = await s.step({ ids: ids(4, 5) });
    await s.step({ ids: ids(9) });
    s.setState(snap);
    const again = await s.step({ ids: ids(4, 5) });
    expect(again.logits.data).toEqual(next.logits.data);
    s.resetState();
    expect(s.getState()).toEqual({});
    expect((await s.step({ ids: ids(1, 2, 3) })).logits.data).toEqual(fresh.logits.data);
    // run() neither reads nor moves the stream
    const mid = s.getState();
    await s.run({ ids: ids(7, 7, 7, 7) });
    expect(s.getState()).toEqual(mid);
  });

  it('setState sets the batch size of the stream; a step of another batch is refused until reset', async () => {
    const s = await InferenceSession.create(lm);
    await s.step({ ids: ids(1, 2) });
    const two = new Tensor('int64', BigInt64Array.from([1n, 2n]), [2, 1]);
    await expectError(() => s.step({ ids: two }), 'INPUT', /step\(\): node 'lstm' carries state for \[2, 1, 16\] but this step's input needs \[2, 2, 16\]; call resetState\(\)/);
    const z = new Tensor('float32', new Float32Array(64), [2, 2, 16]);
    s.setState({ lstm: { h: z, c: z } });
    expect((await s.step({ ids: two })).logits.dims).toEqual([2, 1, 23]);
  });

  it('refuses what would silently go wrong', async () => {
    const s = await InferenceSession.create(lm);
    await s.step({ ids: ids(1) });
    const h0 = npy('torch-models/charlm_every_logits/h0.npy');
    await expectError(() => s.step({ ids: ids(2), h0: sliceTime(h0, 1, 0, 1) }), 'INPUT', /step\(\): 'h0' is where the first step starts; later steps continue from the carried state/);
    const z = (d: number[]) => new Tensor('float32', new Float32Array(d.reduce((a, b) => a * b)), d);
    await expectError(() => Promise.resolve(s.setState({ lstm: { h: z([2, 1, 16]) } })), 'INPUT', /setState\(\): node 'lstm' is an LSTM and needs c/);
    await expectError(() => Promise.resolve(s.setState({ lstm: { h: z([2, 1, 15]), c: z([2, 1, 16]) } })), 'INPUT', /setState\(\): h of node 'lstm' is \[2, 1, 15\]; expected \[2, 1, 16\]/);
    await expectError(() => Promise.resolve(s.setState({ gru: { h: z([1]) } })), 'INPUT', /setState\(\): no recurrent node 'gru'; the nodes are lstm/);
    const nan = z([2, 1, 16]);
    (nan.data as Float32Array)[5] = NaN;
    await expectError(() => Promise.resolve(s.setState({ lstm: { h: nan, c: z([2, 1, 16]) } })), 'INPUT', /setState\(\): h of node 'lstm' has NaN at flat index 5/);

    // an exported stacked LSTM slices h0 per layer: the fed h0 still only ever starts the stream
    const onnx = await InferenceSession.create(fixturePath('torch-onnx/lm_lstm2/model.onnx'));
    const f = (n: string) => npy(`torch-onnx/lm_lstm2/a_${n}.npy`);
    await onnx.step({ ids: f('ids'), h0: f('h0'), c0: f('c0') });
    await expectError(() => onnx.step({ ids: f('ids'), c0: f('c0') }), 'INPUT', /step\(\): 'c0' is where the first step starts/);

    const lens = await InferenceSession.create(fixturePath('torch/lstm_lengths/model.safetensors'));
    await expectError(() => lens.step({ x: npy('torch/lstm_lengths/x.npy'), lengths: npy('torch/lstm_lengths/lengths.npy') }), 'MODEL', /recurrent node 'lstm' is bidirectional/);
    const uni = await InferenceSession.create(fixturePath('torch/lstm_basic/model.safetensors'));
    const x = npy('torch/lstm_basic/x.npy');
    await expectError(() => uni.step({ x, lengths: new Tensor('int64', BigInt64Array.from([7n, 7n, 7n, 7n, 7n]), [5]) }), 'INPUT',
      /step\(\): recurrent node 'lstm' got lengths 'lengths'; step\(\) carries every item's state to the next call/);
  });

  it('a bidirectional model cannot stream, and says why', async () => {
    const s = await InferenceSession.create(fixturePath('torch-models/bigru_final_softmax/model.safetensors'));
    await expectError(() => s.step({ ids: npy('torch-models/bigru_final_softmax/ids.npy') }), 'MODEL',
      /step\(\): recurrent node 'lstm' is bidirectional: its reverse direction reads the sequence from the end, so it cannot be fed in pieces; use run\(\)/);
    expect(() => s.setState({})).toThrow(/bidirectional/);
  });
});

describe('step() with odd models and bad states', () => {
  it('an initial state whose batch dim no input names (tf2onnx unk__N) streams on, sized as on the first step', async () => {
    const onnx = await InferenceSession.create(fixturePath('onnx/lstm_fwd/model.onnx'));
    const node = onnx.model.nodes.find((n) => n.op === 'recurrent')!;
    if (node.op !== 'recurrent') throw new Error('no recurrent node');
    const H = node.hiddenSize, I = node.inputSize;
    const m = { ...onnx.model, inputs: [
      { name: node.inputs.x, types: ['float32'] as const, dims: ['T', 'B', I], optional: false, doc: 'x' },
      { name: 'initial_h', types: ['float32'] as const, dims: [1, 'unk__3', H], optional: false, doc: 'h0' },
      { name: 'initial_c', types: ['float32'] as const, dims: [1, 'unk__4', H], optional: false, doc: 'c0' },
    ], outputs: onnx.model.outputs.map((o) => ({ ...o, dims: o.name === node.outputs.y ? ['T', 1, 'B', H] : [1, 'B', H] })),
    nodes: [{ ...node, inputs: { ...node.inputs, h0: 'initial_h', c0: 'initial_c' } }] };
    const s = await InferenceSession.create(m as never);
    const x = new Tensor('float32', Float32Array.from({ length: 6 * 2 * I }, (_, i) => Math.sin(i)), [6, 2, I]);
    const z = new Tensor('float32', new Float32Array(2 * H), [1, 2, H]);
    const whole = await s.run({ [node.inputs.x]: x, initial_h: z, initial_c: z });
    await s.step({ [node.inputs.x]: sliceTime(x, 0, 0, 2), initial_h: z, initial_c: z });
    const rest = await s.step({ [node.inputs.x]: sliceTime(x, 0, 2, 6) });
    const y = node.outputs.y!;
    expectClose(rest[y], sliceTime(whole[y], 0, 2, 6), 'y after the first piece', 1e-6);
  });

  it('setState checks everything before touching the stream', async () => {
    const s = await InferenceSession.create(fixturePath('torch-models/charlm_every_logits/model.safetensors'));
    await s.step({ ids: new Tensor('int64', BigInt64Array.from([1n, 2n]), [1, 2]) });
    const before = s.getState();
    const z = (n: number, d: number[]) => new Tensor('float32', new Float32Array(n), d);
    await expectError(() => Promise.resolve(s.setState({ lstm: { h: 5 as never, c: z(32, [2, 1, 16]) } })), 'INPUT', /setState\(\): h of node 'lstm': not a Tensor/);
    await expectError(() => Promise.resolve(s.setState({ lstm: { h: z(32, [2, 1, 16]), c: null as never } })), 'INPUT', /node 'lstm' is an LSTM and needs c/);
    const long = { type: 'float32', data: new Float32Array(40), dims: [2, 1, 16] };
    await expectError(() => Promise.resolve(s.setState({ lstm: { h: long as never, c: z(32, [2, 1, 16]) } })), 'INPUT', /h of node 'lstm': dims \[2, 1, 16\] hold 32 elements but data has 40/);
    expect(s.getState()).toEqual(before);
  });
});

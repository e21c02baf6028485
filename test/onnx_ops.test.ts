// test/onnx_ops.test.ts: the kernels' ONNX semantics (peepholes, clip, input_forget, reset placement, activations,
// directions, sequence_lens) against onnxruntime-node and the ONNX project's own backend test cases.
import { readdirSync } from 'node:fs';
import { InferenceSession, type Model, Tensor } from 'lstm-wasm';
import { describe, expect, it } from 'vitest';
import { onnxRecurrent, type OnnxRecurrentOp } from '../src/formats/onnx_recurrent';
import { recurrentIO } from '../src/model/layout';
import { expectClose, fixturePath, json, npy } from './helpers';

const has = (dir: string, f: string) => readdirSync(fixturePath(dir)).includes(f);

/** Builds a session for a one-node ONNX model from its weights as .npy files (no protobuf involved). */
async function sessionOf(dir: string, op: OnnxRecurrentOp, attrs: Record<string, never>, file: (n: string) => string) {
  const w = (n: string) => (has(dir, file(n)) ? (npy(`${dir}/${file(n)}`) as Tensor<'float32'>) : undefined);
  const node = onnxRecurrent(op, 'node', attrs, { W: w('W')!, R: w('R')!, B: w('B'), P: w('P') }, {
    inputs: { x: 'X', lengths: 'sequence_lens', h0: 'initial_h', ...(op === 'LSTM' ? { c0: 'initial_c' } : {}) },
    outputs: { y: 'Y', hN: 'Y_h', ...(op === 'LSTM' ? { cN: 'Y_c' } : {}) },
  });
  const model: Model = { source: 'test', ...recurrentIO(node), nodes: [node], metadata: {} };
  return InferenceSession.create(model);
}

describe('onnxruntime-node 1.30 reference: |ours - ort| <= 1e-5 * max(1, |ort|)', () => {
  const cases = readdirSync(fixturePath('onnx')).filter((d) => has(`onnx/${d}`, 'case.json')).sort();
  it('has the cases', () => expect(cases.length).toBeGreaterThanOrEqual(39));
  for (const name of cases) {
    it(name, async () => {
      const dir = `onnx/${name}`;
      const c = json(`${dir}/case.json`);
      const s = await sessionOf(dir, c.op, c.attributes, (n) => `${n}.npy`);
      const feeds: Record<string, Tensor> = {};
      for (const n of ['X', 'sequence_lens', 'initial_h', 'initial_c']) if (has(dir, `${n}.npy`)) feeds[n] = npy(`${dir}/${n}.npy`);
      const out = await s.run(feeds, c.outputs);
      for (const o of c.outputs) expectClose(out[o], npy(`${dir}/${o}.npy`), `${name} ${o}`);
    });
  }
});

describe('ONNX backend node tests (onnx 1.12 reference implementation)', () => {
  const cases = readdirSync(fixturePath('onnx-node')).filter((d) => d.startsWith('test_')).sort();
  for (const name of cases) {
    it(name, async () => {
      const dir = `onnx-node/${name}`;
      const { op, attributes } = json(`${dir}/attributes.json`);
      const c = json(`${dir}/case.json`);
      const s = await sessionOf(dir, op, attributes, (n) => `in_${n}.npy`);
      const feeds: Record<string, Tensor> = {};
      for (const [n, f] of Object.entries<string>(c.inputs)) if (['X', 'sequence_lens', 'initial_h', 'initial_c'].includes(n)) feeds[n] = npy(`${dir}/${f}`);
      const out = await s.run(feeds);
      for (const [o, f] of Object.entries<string>(c.outputs)) expectClose(out[o], npy(`${dir}/${f}`), `${name} ${o}`);
    });
  }
});

describe('ONNX attribute translation', () => {
  const W = { data: new Float32Array(4 * 2 * 3), dims: [1, 8, 3] }, R = { data: new Float32Array(4 * 2 * 2), dims: [1, 8, 2] };
  const io = { inputs: { x: 'X' }, outputs: { y: 'Y' } };
  it('rejects what it does not know, naming it', async () => {
    const { expectError } = await import('./helpers');
    await expectError(() => onnxRecurrent('LSTM', 'n', { linear_before_reset: 1 }, { W, R }, io), 'UNSUPPORTED', /LSTM node 'n': attribute 'linear_before_reset' is not an attribute of LSTM/);
    await expectError(() => onnxRecurrent('LSTM', 'n', { activations: ['Sigmoid', 'Gelu', 'Tanh'] }, { W, R }, io), 'UNSUPPORTED', /activation 'Gelu' is not one of Sigmoid/);
    await expectError(() => onnxRecurrent('LSTM', 'n', { activations: ['Sigmoid', 'Tanh'] }, { W, R }, io), 'MODEL', /activations lists 2 functions; LSTM with 1 direction\(s\) needs 3/);
    await expectError(() => onnxRecurrent('LSTM', 'n', { hidden_size: 3 }, { W, R }, io), 'MODEL', /hidden_size 3 but R is \[1, 8, 2\]/);
    await expectError(() => onnxRecurrent('LSTM', 'n', { direction: 'bidirectional' }, { W, R }, io), 'MODEL', /R is \[1, 8, 2\]; expected \[2, G\*H, H\]/);
    await expectError(() => onnxRecurrent('LSTM', 'n', { clip: -1 }, { W, R }, io), 'MODEL', /clip -1 must be a positive number/);
    await expectError(() => onnxRecurrent('LSTM', 'n', { activation_alpha: [0.5] }, { W, R }, io), 'MODEL', /1 activation_alpha and 0 activation_beta values are left over after Sigmoid, Tanh, Tanh/);
  });
  it('defaults alpha and beta as the ONNX operators do', () => {
    const n = onnxRecurrent('LSTM', 'n', { activations: ['HardSigmoid', 'LeakyRelu', 'Affine'], activation_alpha: [0.3] }, { W, R }, io);
    expect(n.activations[0]).toEqual([
      { name: 'hard_sigmoid', alpha: 0.3, beta: 0.5 }, { name: 'leaky_relu', alpha: 0.01, beta: 0 }, { name: 'affine', alpha: 1, beta: 0 },
    ]);
  });
});

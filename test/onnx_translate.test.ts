// test/onnx_translate.test.ts: the ONNX recurrent attribute translation on its own (defaults, order, refusals).
import { describe, expect, it } from 'vitest';
import { onnxRecurrent } from '../src/formats/onnx_recurrent';

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

// test/keras_ops.test.ts: the ops added for Keras (ReduceMax, Equal/Not/And, Elu … ThresholdedRelu): wasm against the
// host reference, ReduceMax exact to the bit on awkward values.
import { InferenceSession, type Model, Tensor } from 'lstm-wasm';
import { describe, expect, it } from 'vitest';
import { expectError, rng } from './helpers';

/** A model of one op on input x (float32, dims as given), constants as given. */
function oneOp(type: string, dims: (number | string)[], attrs: Record<string, number | number[]> = {}, extra: string[] = [], constants: Model['constants'] = {}): Model {
  return {
    source: 'test', opset: 17, metadata: {}, constants,
    inputs: [{ name: 'x', types: ['float32'], dims, optional: false, doc: 'x' }],
    outputs: [{ name: 'y', types: ['float32'], dims: [], ranks: [0, 1, 2, 3, 4], optional: false, doc: 'y' }],
    nodes: [{ op: 'op', type, name: type, inputs: ['x', ...extra], outputs: ['y'], attrs }],
  };
}

describe('ReduceMax in wasm', () => {
  it('equals the maximum exactly, for odd and even lengths and awkward values', async () => {
    const r = rng(7);
    const special = [0, -0, 1e-45, -1e-45, 3e38, -3e38, 1, 1, -1e-30, 2e-38];
    for (const T of [1, 2, 3, 5, 8, 17]) {
      const B = 2, C = 5, x = new Float32Array(B * T * C);
      for (let i = 0; i < x.length; i++) x[i] = i % 3 === 0 ? special[(i * 7) % special.length] : r() * 10;
      for (const [axes, keep] of [[[1], 0], [[0, 2], 1], [[2], 0]] as const) {
        const s = await InferenceSession.create(oneOp('ReduceMax', [B, T, C], { axes: [...axes], keepdims: keep }));
        const y = (await s.run({ x: new Tensor('float32', x, [B, T, C]) })).y;
        // host reference: the same op on a constant (folded at load)
        const dims = [B, T, C], kept = dims.map((d, i) => (axes.includes(i as never) ? 1 : d));
        const ref = new Float32Array(kept.reduce((a, b) => a * b, 1)).fill(-Infinity);
        for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) {
          const idx = [b, t, c].map((v, i) => (axes.includes(i as never) ? 0 : v));
          const o = (idx[0] * kept[1] + idx[1]) * kept[2] + idx[2];
          ref[o] = Math.max(ref[o], x[(b * T + t) * C + c]);
        }
        expect(y.dims).toEqual(keep ? kept : kept.filter((_, i) => !axes.includes(i as never)));
        const got = y.data as Float32Array;
        for (let i = 0; i < ref.length; i++) expect(got[i] === ref[i], `T=${T} axes=${axes} [${i}]: ${got[i]} vs ${ref[i]}`).toBe(true);
      }
    }
  });
});

describe('activation ops: wasm against the host reference', () => {
  const x = Float32Array.from({ length: 203 }, (_, i) => (i - 101) / 9);
  const cases: [string, Record<string, number>][] = [
    ['Elu', {}], ['Elu', { alpha: 0.5 }], ['Selu', {}], ['Softsign', {}], ['Softplus', {}], ['HardSigmoid', {}],
    ['HardSigmoid', { alpha: 1 / 6, beta: 0.5 }], ['LeakyRelu', {}], ['ThresholdedRelu', { alpha: 0.7 }],
  ];
  for (const [type, attrs] of cases) {
    it(`${type} ${JSON.stringify(attrs)}`, async () => {
      const dev = (await (await InferenceSession.create(oneOp(type, [203], attrs))).run({ x: new Tensor('float32', x, [203]) })).y.data as Float32Array;
      // the same node on a constant input is folded by the host reference at load
      const folded: Model = { ...oneOp(type, [1], attrs), constants: { c: { dtype: 'float32', dims: [203], data: x } } };
      folded.nodes = [{ op: 'op', type, name: type, inputs: ['c'], outputs: ['y'], attrs }];
      const host = (await (await InferenceSession.create(folded)).run({ x: new Tensor('float32', new Float32Array(1), [1]) })).y.data as Float32Array;
      for (let i = 0; i < x.length; i++) expect(Math.abs(dev[i] - host[i]), `${type}(${x[i]})`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(host[i])));
    });
  }
});

describe('mask ops on the host', () => {
  it('Equal, Not and And compute bool masks; float data from wasm is refused at load', async () => {
    const m: Model = {
      source: 'test', opset: 17, metadata: {}, constants: { zero: { dtype: 'int32', dims: [], data: Float64Array.of(0) } },
      inputs: [{ name: 'a', types: ['int32'], dims: [2, 3], optional: false, doc: 'a' }, { name: 'b', types: ['int32'], dims: [2, 3], optional: false, doc: 'b' }],
      outputs: [{ name: 'y', types: ['bool'], dims: [2, 3], optional: false, doc: 'y' }],
      nodes: [
        { op: 'op', type: 'Equal', name: 'e1', inputs: ['a', 'zero'], outputs: ['za'], attrs: {} },
        { op: 'op', type: 'Equal', name: 'e2', inputs: ['b', 'zero'], outputs: ['zb'], attrs: {} },
        { op: 'op', type: 'Not', name: 'n1', inputs: ['za'], outputs: ['na'], attrs: {} },
        { op: 'op', type: 'Not', name: 'n2', inputs: ['zb'], outputs: ['nb'], attrs: {} },
        { op: 'op', type: 'And', name: 'and', inputs: ['na', 'nb'], outputs: ['y'], attrs: {} },
      ],
    };
    const s = await InferenceSession.create(m);
    const y = await s.run({ a: new Tensor('int32', Int32Array.of(1, 0, 2, 3, 4, 0), [2, 3]), b: new Tensor('int32', Int32Array.of(1, 1, 0, 3, 0, 0), [2, 3]) });
    expect(Array.from(y.y.data as Uint8Array)).toEqual([1, 0, 0, 1, 0, 0]);
    const fromWasm: Model = {
      ...oneOp('Relu', [3]), outputs: [{ name: 'y', types: ['bool'], dims: [3], optional: false, doc: 'y' }],
      nodes: [{ op: 'op', type: 'Relu', name: 'relu', inputs: ['x'], outputs: ['r'], attrs: {} }, { op: 'op', type: 'Equal', name: 'eq', inputs: ['r', 'r'], outputs: ['y'], attrs: {} }],
    };
    await expectError(() => InferenceSession.create(fromWasm), 'UNSUPPORTED', /Equal node 'eq': .*'r'.*computed in wasm/);
  });

  it('Equal refuses int64 values past 2^53, where doubles cannot tell neighbours apart', async () => {
    const m: Model = {
      source: 'test', opset: 17, metadata: {},
      inputs: ['a', 'b'].map((name) => ({ name, types: ['int64'] as const, dims: [2], optional: false, doc: name })),
      outputs: [{ name: 'y', types: ['bool'], dims: [2], optional: false, doc: 'y' }],
      nodes: [{ op: 'op', type: 'Equal', name: 'eq', inputs: ['a', 'b'], outputs: ['y'], attrs: {} }],
    };
    const s = await InferenceSession.create(m);
    const t = (...v: bigint[]) => new Tensor('int64', BigInt64Array.from(v), [2]);
    expect(Array.from((await s.run({ a: t(2n ** 53n - 1n, 5n), b: t(2n ** 53n - 1n, 6n) })).y.data as Uint8Array)).toEqual([1, 0]);
    await expectError(() => s.run({ a: t(1n, 2n ** 53n + 1n), b: t(1n, 2n ** 53n) }), 'INPUT', /Equal node 'eq': int64 value 9007199254740992 at flat index 1 is not below 2\^53 in magnitude/);
  });
});

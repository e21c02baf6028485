// test/onnx.test.ts: ONNX models through the importer — PyTorch exports, every recurrent attribute (onnxruntime),
// the ONNX backend tests, each graph op (onnxruntime), and malformed or unsupported models.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { InferenceSession, type Tensor, readNpy } from 'lstm-wasm';
import { describe, expect, it } from 'vitest';
import { expectClose, expectError, fixturePath, json } from './helpers';

const dirs = (rel: string) => readdirSync(fixturePath(rel)).filter((d) => statSync(fixturePath(`${rel}/${d}`)).isDirectory()).sort();
/** Reads a fixture array; bools stored by NumPy as |u1 are read as bool. */
function array(rel: string): Tensor {
  const b = Buffer.from(readFileSync(fixturePath(rel)));
  const head = b.toString('latin1', 0, 128);
  if (head.includes("'|u1'")) b.write("'|b1'", head.indexOf("'|u1'"), 'latin1');
  return readNpy(new Uint8Array(b), rel);
}

/** Every element of every output: floats within 1e-5·max(1,|ref|), ints and bools exact. */
function expectOutputs(out: Record<string, Tensor>, refs: Record<string, Tensor>, what: string) {
  for (const [name, ref] of Object.entries(refs)) {
    if (ref.type === 'float32') expectClose(out[name], ref, `${what} ${name}`);
    else {
      expect(out[name].dims, `${what} ${name} dims`).toEqual(ref.dims);
      expect(Array.from(out[name].data as ArrayLike<number | bigint>, Number), `${what} ${name}`).toEqual(Array.from(ref.data as ArrayLike<number | bigint>, Number));
    }
  }
}

describe('models exported by torch.onnx.export, two input sizes each, against PyTorch', () => {
  for (const name of dirs('torch-onnx')) {
    it(name, async () => {
      const c = json(`torch-onnx/${name}/case.json`);
      const s = await InferenceSession.create(fixturePath(`torch-onnx/${name}/model.onnx`));
      expect([...s.inputNames]).toEqual(c.inputs);
      expect([...s.outputNames]).toEqual(c.outputs);
      expect(c.sets.length).toBe(2);
      for (const set of c.sets) {
        const feeds = Object.fromEntries(c.inputs.map((i: string) => [i, array(`torch-onnx/${name}/${set}_${i}.npy`)]));
        const refs = Object.fromEntries(c.outputs.map((o: string) => [o, array(`torch-onnx/${name}/${set}_${o}.npy`)]));
        expectOutputs(await s.run(feeds), refs, `${name} set ${set}`);
      }
    });
  }
});

/** A fixture folder of single-model cases: model.onnx, <input>.npy, <output>.npy, case.json. */
function suite(folder: string, title: string) {
  describe(title, () => {
    for (const name of dirs(folder)) {
      it(name, async () => {
        const c = json(`${folder}/${name}/case.json`);
        // cast_f_bool feeds NaN and ±Infinity on purpose
        const s = await InferenceSession.create(fixturePath(`${folder}/${name}/model.onnx`), { checkFinite: name !== 'cast_f_bool' });
        const feeds = Object.fromEntries(c.inputs.map((i: string) => [i, array(`${folder}/${name}/${i}.npy`)]));
        const refs = Object.fromEntries(c.outputs.map((o: string) => [o, array(`${folder}/${name}/${o}.npy`)]));
        expectOutputs(await s.run(feeds), refs, name);
      });
    }
  });
}
suite('onnx', 'LSTM/GRU/RNN attributes against onnxruntime-node 1.30 (layout=1 via its layout-0 twin)');
suite('onnx-ops', 'graph ops against onnxruntime-node 1.30');

describe('ONNX backend node tests (weights fed as inputs), at their tolerance', () => {
  for (const name of dirs('onnx-node')) {
    it(name, async () => {
      const c = json(`onnx-node/${name}/case.json`);
      const s = await InferenceSession.create(fixturePath(`onnx-node/${name}/model.onnx`));
      const feeds = Object.fromEntries(Object.entries<string>(c.inputs).map(([k, f]) => [k, array(`onnx-node/${name}/${f}`)]));
      const out = await s.run(feeds);
      for (const [k, f] of Object.entries<string>(c.outputs)) expectClose(out[k], array(`onnx-node/${name}/${f}`), `${name} ${k}`, c.tol);
    });
  }
});

describe('bad models: a specific error at load time', () => {
  const bad = (n: string) => fixturePath(`onnx-bad/${n}.onnx`);
  const cases: [string, string, RegExp][] = [
    ['truncated', 'FORMAT', /truncated\.onnx \(ONNX ModelProto\): field of \d+ bytes runs past the end of its message/],
    ['missing_value', 'MODEL', /Add node 'add0' reads 'nowhere', which no input, initializer or earlier node defines/],
    ['unsupported_op', 'UNSUPPORTED', /Erf node 'erf0': op Erf is not supported; supported ops: Add, .*Concat, .*Gemm, .*LSTM, .*Unsqueeze/],
    ['unknown_attribute', 'UNSUPPORTED', /Softmax node 'sm0': attribute 'temperature' is not supported for Softmax \(supported: axis\)/],
    ['other_domain', 'UNSUPPORTED', /FusedMatMul node 'fm0': domain 'com\.microsoft' is not supported/],
    ['old_opset', 'UNSUPPORTED', /default-domain opset 6 is outside the supported 7\.\.23/],
    ['external_data', 'UNSUPPORTED', /initializer 'w': its data is in an external file/],
    ['lstm_runtime_weights', 'UNSUPPORTED', /LSTM node 'lstm0': W \('W2'\) must be a constant or a graph input/],
    ['lstm_bad_direction', 'MODEL', /LSTM node 'lstm0': direction 'sideways' is not forward, reverse or bidirectional/],
    ['lstm_bad_activation', 'UNSUPPORTED', /LSTM node 'lstm0': activation 'Gelu' is not one of Sigmoid/],
    ['loop', 'UNSUPPORTED', /Loop node 'loop0': attribute 'body' is a subgraph; only If's then_branch and else_branch are supported/],
    ['if_mixed_branches', 'UNSUPPORTED', /If node 'if0': output 0 is computed in wasm in one branch and on the host in the other/],
    ['cast_device_to_int', 'UNSUPPORTED', /Cast node 'cast0': Cast needs the values of 'r' on the host, but they are computed in wasm/],
  ];
  for (const [name, code, re] of cases) it(name, () => expectError(() => InferenceSession.create(bad(name)), code, re));

  it('garbage bytes', async () => {
    await expectError(() => InferenceSession.create(Uint8Array.from([0x08, 0xff, 0xff]), { format: 'onnx' }), 'FORMAT', /varint runs past the end/);
    await expectError(() => InferenceSession.create(new TextEncoder().encode('\x08\x07:\x05hello'), { format: 'onnx' }), 'FORMAT', /model graph: wire type 4 is not supported \(groups are deprecated\)/);
  });

  it('options that only PyTorch state dicts take', () =>
    expectError(() => InferenceSession.create(bad('declared_dims'), { batchFirst: true }), 'OPTION', /batchFirst applies to PyTorch state dicts/));
});

describe('bad feeds: a specific error naming the input', () => {
  const open = () => InferenceSession.create(fixturePath('onnx-bad/declared_dims.onnx'));
  const ids = (dims: number[], v = 1) => ({ type: 'int64', dims, data: new BigInt64Array(dims.reduce((a, b) => a * b, 1)).fill(BigInt(v)), size: 0 }) as unknown as Tensor;
  const f32 = (dims: number[]) => ({ type: 'float32', dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) }) as unknown as Tensor;

  it('runs when the feeds fit', async () => {
    const out = await (await open()).run({ ids: ids([2, 6]), bias: f32([2, 4]) });
    expect(out.z.dims).toEqual([2, 4]);
  });

  it('one plan serves runs whose indices differ (Gather reads them as it runs); each checked again', async () => {
    const s = await open(), fresh = async (v: number) => Array.from((await (await open()).run({ ids: ids([2, 6], v), bias: f32([2, 4]) })).z.data as Float32Array);
    for (const v of [1, 7, 1, 3]) {
      expect(Array.from((await s.run({ ids: ids([2, 6], v), bias: f32([2, 4]) })).z.data as Float32Array), `ids = ${v}`).toEqual(await fresh(v));
    }
    expect(await fresh(1)).not.toEqual(await fresh(7));
    await expectError(() => s.run({ ids: ids([2, 6], 10), bias: f32([2, 4]) }), 'INPUT', /index 10 \(at 0\) is out of range for axis 0 of size 10/);
  });

  it('NaN or Infinity in a float input is an error on a planned run too (checked in wasm after the upload)', async () => {
    const s = await open(), bad = (v: number) => ({ ...f32([2, 4]), data: Float32Array.from({ length: 8 }, (_, i) => (i === 6 ? v : 0)) }) as unknown as Tensor;
    await s.run({ ids: ids([2, 6]), bias: f32([2, 4]) });
    await expectError(() => s.run({ ids: ids([2, 6]), bias: bad(NaN) }), 'INPUT', /input 'bias' has NaN at flat index 6; inputs must be finite/);
    await expectError(() => s.run({ ids: ids([2, 6]), bias: bad(-Infinity) }), 'INPUT', /input 'bias' has -Infinity at flat index 6/);
    expect((await s.run({ ids: ids([2, 6]), bias: f32([2, 4]) })).z.dims).toEqual([2, 4]);
  });
  const cases: [string, () => Record<string, Tensor>, RegExp][] = [
    ['a wrong name', () => ({ id: ids([2, 6]), bias: f32([2, 4]) }), /unknown input 'id'; the model's inputs are ids, bias/],
    ['a wrong dtype', () => ({ ids: f32([2, 6]), bias: f32([2, 4]) }), /input 'ids' must be int64 or int32, got float32/],
    ['a wrong rank', () => ({ ids: ids([12]), bias: f32([2, 4]) }), /input 'ids' must be 2-D \[batch, 6\], got \[12\]/],
    ['a dim that contradicts the declared shape', () => ({ ids: ids([2, 5]), bias: f32([2, 4]) }), /input 'ids' \[2, 5\]: dim 1 must be 6 \(the model declares \[batch, 6\]\)/],
    ['shapes that do not broadcast', () => ({ ids: ids([2, 6]), bias: f32([3, 4]) }), /Add node 'add0': shapes \[2, 4\] and \[3, 4\] do not broadcast/],
    ['an index out of range', () => ({ ids: ids([2, 6], 10), bias: f32([2, 4]) }), /Gather node 'gather0': index 10 \(at 0\) is out of range for axis 0 of size 10/],
  ];
  for (const [what, feeds, re] of cases) it(what, async () => expectError(async () => (await open()).run(feeds()), 'INPUT', re));
});

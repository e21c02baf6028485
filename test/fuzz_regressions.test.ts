// test/fuzz_regressions.test.ts: what fuzzing found (test/fuzz.test.ts), each reduced to the input that broke it and
// now pinned to its specific error.
import { readFileSync } from 'node:fs';
import { InferenceSession, Tensor, readNpy } from 'lstm-wasm';
import { loadKeras } from 'lstm-wasm/keras';
import { KeyedVectors } from 'lstm-wasm/text';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../bench/onnx_writer.mjs';
import { encode, parse } from './fuzz/proto';
import { expectError, fixturePath } from './helpers';

type Spec = Parameters<typeof encodeModel>[0];
const onnx = (spec: Omit<Spec, 'initializers'> & Partial<Pick<Spec, 'initializers'>>) => encodeModel({ ...spec, initializers: spec.initializers ?? [] });
const x23 = { name: 'x', dims: [2, 3] };

describe('fuzzing regressions', () => {
  it('a node whose required output is unnamed (a second Gather writing to ""): MODEL, not a TypeError at run time', async () => {
    const bytes = onnx({
      nodes: [{ op: 'Gather', inputs: ['x', 'i'], outputs: ['y'] }, { op: 'Gather', inputs: ['x', 'i'], outputs: [''] }],
      inputs: [x23, { name: 'i', dims: [2], type: 7 }], outputs: [{ name: 'y', dims: [2, 2] }], // type 7: int64
    });
    await expectError(() => InferenceSession.create(bytes), 'MODEL', /Gather.*: output 0 is required but the node leaves it unnamed/);
  });

  it('a word-vector header announcing 8,999,999,999 vectors: the rows are counted as they come, not allocated from the claim', async () => {
    const src = readFileSync(fixturePath('vectors/small.c.bin'));
    const bytes = new Uint8Array([...new TextEncoder().encode('8999999999'), ...src.subarray(1)]); // "8 6\n…" -> "8999999999 6\n…"
    await expectError(() => KeyedVectors.load(bytes, { name: 'claims.bin', format: 'word2vec-binary' }), 'FORMAT', /claims\.bin: vector 9 of 8999999999: the file ends before its word/);
    const wide = new TextEncoder().encode('2 4000000000\nx 1\n');
    await expectError(() => KeyedVectors.load(wide, { name: 'wide.txt' }), 'MEMORY', /wide\.txt: the header announces vectors of 4000000000 numbers; at most 65536 are supported/);
  });

  it('Keras artifacts whose weightSpecs is not an array: FORMAT, not a TypeError', async () => {
    const json = JSON.parse(readFileSync(fixturePath('tfjs/classifier_masked/model.json'), 'utf8'));
    await expectError(() => loadKeras({ modelTopology: json.modelTopology, weightSpecs: 710225 as never, weightData: new ArrayBuffer(0) }),
      'FORMAT', /weightSpecs must be an array of weight specs, got 710225/);
  });

  it('a graph output that comes out with another shape than the model declares: MODEL, not a silent mismatch', async () => {
    const s = await InferenceSession.create(onnx({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [x23], outputs: [{ name: 'y', dims: [2, 4] }] }));
    await expectError(() => s.run({ x: new Tensor('float32', new Float32Array(6), [2, 3]) }), 'MODEL',
      /graph output 'y' comes out \[2, 3\] but the model declares \[2, 4\]/);
  });

  it('shape arithmetic asking for a gigantic host value: MEMORY, not a RangeError', async () => {
    const bytes = onnx({
      nodes: [{ op: 'ConstantOfShape', inputs: ['shape'], outputs: ['big'] }, { op: 'Add', inputs: ['x', 'big'], outputs: ['y'] }],
      initializers: [{ name: 'shape', dims: [2], data: [2 ** 20, 2 ** 20] }], inputs: [x23], outputs: [{ name: 'y', dims: [2, 3] }],
    });
    await expectError(() => InferenceSession.create(bytes), 'MEMORY', /a host value of \[1048576, 1048576\] \(1099511627776 elements\) is past the 134217728/);
  });

  it('a required input left empty: MODEL, not a TypeError', async () => {
    const bytes = onnx({ nodes: [{ op: 'Pow', inputs: ['x', ''], outputs: ['y'] }], inputs: [x23], outputs: [{ name: 'y', dims: [2, 3] }] });
    await expectError(() => InferenceSession.create(bytes), 'MODEL', /Pow node 'Pow_0': input 1 is required but the node leaves it empty/);
  });

  it('a version-2 npy cut before its 4-byte header length: FORMAT, not a RangeError', () => {
    const bytes = Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0x76, 0]); // \x93NUMPY v2.0, 10 bytes
    expect(() => readNpy(bytes, 'cut.npy')).toThrow(/cut\.npy: a version 2 header needs 12 bytes before it, the file has 10/);
  });

  it('a TENSOR attribute with no tensor: FORMAT, not a TypeError', async () => {
    const good = onnx({ nodes: [{ op: 'Constant', inputs: [], outputs: ['y'], attrs: { value_int: 3 } }], inputs: [], outputs: [{ name: 'y', dims: [] }] });
    const tree = parse(good);
    // the node's attribute: type INT (2) with i = 3 becomes type TENSOR (4) with no t
    const graph = tree.find((f) => f.field === 7)!.value as ReturnType<typeof parse>;
    const node = graph.find((f) => f.field === 1)!.value as ReturnType<typeof parse>;
    const attr = node.find((f) => f.field === 5)!.value as ReturnType<typeof parse>;
    attr.find((f) => f.field === 20)!.value = 4n;
    attr.splice(attr.findIndex((f) => f.field === 3), 1);
    await expectError(() => InferenceSession.create(Uint8Array.from(encode(tree))), 'FORMAT', /attribute 'value_int' is of type TENSOR but holds no tensor/);
  });
});

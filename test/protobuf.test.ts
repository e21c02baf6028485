// test/protobuf.test.ts: the hand-written ONNX protobuf reader against what the onnx package reads from the same
// files (test/fixtures/onnx-dump.json, written by gen_onnx_dump.py): every field, every tensor value (by hash).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tensorOf } from '../src/formats/onnx';
import { type OnnxGraphProto, type OnnxTensorProto, decodeModel } from '../src/formats/onnx_proto';
import { json, readFixture } from './helpers';

const dump = json<Record<string, any>>('onnx-dump.json');

function values(t: OnnxTensorProto) {
  const v = Float64Array.from(tensorOf(t, t.name).data);
  const sha = createHash('sha256').update(new Uint8Array(v.buffer)).digest('hex').slice(0, 16);
  return { n: v.length, sha, first: Array.from(v.slice(0, 4), (x) => (Number.isFinite(x) ? x : String(x).replace('Infinity', 'inf'))) };
}

const attr = (a: any) => {
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  switch (a.type) {
    case 1: return a.f;
    case 2: return a.i;
    case 3: return text(a.s);
    case 4: return { tensor: { dims: a.t.dims, data_type: a.t.dataType, ...values(a.t) } };
    case 6: return a.floats;
    case 7: return a.ints;
    case 8: return a.strings.map(text);
    case 5: return { graph: graph(a.g) };
  }
  return `type ${a.type}`;
};

/** A graph as gen_onnx_dump.py writes it. */
function graph(g: OnnxGraphProto): Record<string, unknown> {
  const io = (list: typeof g.inputs) => list.map((v) => [v.name, v.elemType, v.shape ?? null]);
  return {
    inputs: io(g.inputs),
    outputs: io(g.outputs),
    initializers: g.initializers.map((t) => ({ name: t.name, dims: t.dims, data_type: t.dataType, ...values(t) })),
    nodes: g.nodes.map((n) => ({
      op: n.opType, name: n.name, domain: n.domain, inputs: n.inputs, outputs: n.outputs,
      attributes: Object.fromEntries(n.attributes.map((a) => [a.name, attr(a)])),
    })),
  };
}

describe('the protobuf reader reads what the onnx package reads', () => {
  it('covers every fixture model', () => expect(Object.keys(dump).length).toBeGreaterThan(200));
  for (const [path, want] of Object.entries(dump)) {
    it(path, () => {
      const m = decodeModel(readFixture(path), path);
      expect({
        ir_version: m.irVersion,
        opsets: m.opsets.map((o) => [o.domain, o.version]),
        producer: [m.producerName, m.producerVersion],
        ...graph(m.graph!),
      }).toEqual(want);
    });
  }
});

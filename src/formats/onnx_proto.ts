// formats/onnx_proto.ts: the part of ONNX's protobuf schema (onnx.proto, IR 3-10) a recurrent model uses, decoded.
import { I32, I64, LEN, ProtoReader, VARINT } from './protobuf.js';

export interface OnnxTensorProto {
  name: string;
  dims: number[];
  dataType: number;
  raw?: Uint8Array;
  floats: number[];
  int32s: number[];
  int64s: number[];
  doubles: number[];
  uint64s: number[];
  strings: number;
  /** data_location EXTERNAL or external_data entries present */
  external: boolean;
}

export interface OnnxAttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensorProto;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  /** GRAPH and GRAPHS (If, Loop, Scan bodies) */
  g?: OnnxGraphProto;
  graphs: OnnxGraphProto[];
  /** tensors of TENSORS, sparse and type attributes: counted, not decoded */
  unsupported: string[];
  refAttrName?: string;
}

export interface OnnxNodeProto {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttributeProto[];
}

export interface OnnxValueInfoProto {
  name: string;
  /** tensor element type; 0 when not a tensor type or unknown */
  elemType: number;
  /** undefined: no shape given; a dim is a number, a parameter name, or null when unknown */
  shape?: (number | string | null)[];
  /** 'tensor', 'sequence', 'map', 'optional', 'sparse_tensor' or '' */
  kind: string;
}

export interface OnnxGraphProto {
  name: string;
  nodes: OnnxNodeProto[];
  initializers: OnnxTensorProto[];
  sparseInitializers: number;
  inputs: OnnxValueInfoProto[];
  outputs: OnnxValueInfoProto[];
}

export interface OnnxModelProto {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: { domain: string; version: number }[];
  graph?: OnnxGraphProto;
  metadata: Record<string, string>;
  functions: number;
}

function tensor(r: ProtoReader): OnnxTensorProto {
  const t: OnnxTensorProto = { name: '', dims: [], dataType: 0, floats: [], int32s: [], int64s: [], doubles: [], uint64s: [], strings: 0, external: false };
  while (r.more()) {
    const [f, w] = r.tag();
    switch (f) {
      case 1: r.repeated(w, VARINT, r.int64, t.dims); break;
      case 2: r.expect(w, VARINT, 'data_type'); t.dataType = r.varint(); break;
      case 4: r.repeated(w, I32, r.float, t.floats); break;
      case 5: r.repeated(w, VARINT, r.int64, t.int32s); break;
      case 6: r.expect(w, LEN, 'string_data'); r.bytes(); t.strings++; break;
      case 7: r.repeated(w, VARINT, r.int64, t.int64s); break;
      case 8: r.expect(w, LEN, 'name'); t.name = r.string(); break;
      case 9: r.expect(w, LEN, 'raw_data'); t.raw = r.bytes(); break;
      case 10: r.repeated(w, I64, r.double, t.doubles); break;
      case 11: r.repeated(w, VARINT, r.varint, t.uint64s); break;
      case 13: r.expect(w, LEN, 'external_data'); r.bytes(); t.external = true; break;
      case 14: r.expect(w, VARINT, 'data_location'); if (r.varint() === 1) t.external = true; break;
      default: r.skip(w);
    }
  }
  return t;
}

const ATTR_UNDECODED: Record<number, string> = { 10: 'tensors', 14: 'tp (type)', 15: 'type_protos', 22: 'sparse_tensor', 23: 'sparse_tensors' };

function attribute(r: ProtoReader): OnnxAttributeProto {
  const a: OnnxAttributeProto = { name: '', type: 0, floats: [], ints: [], strings: [], graphs: [], unsupported: [] };
  while (r.more()) {
    const [f, w] = r.tag();
    switch (f) {
      case 1: r.expect(w, LEN, 'name'); a.name = r.string(); break;
      case 2: r.expect(w, I32, 'f'); a.f = r.float(); break;
      case 3: r.expect(w, VARINT, 'i'); a.i = r.int64(); break;
      case 4: r.expect(w, LEN, 's'); a.s = r.bytes(); break;
      case 5: r.expect(w, LEN, 't'); a.t = tensor(r.message(`${r.where}.t`)); break;
      case 6: r.expect(w, LEN, 'g'); a.g = graph(r.message(`${r.where}.g`)); break;
      case 11: r.expect(w, LEN, 'graphs'); a.graphs.push(graph(r.message(`${r.where}.graphs[${a.graphs.length}]`))); break;
      case 7: r.repeated(w, I32, r.float, a.floats); break;
      case 8: r.repeated(w, VARINT, r.int64, a.ints); break;
      case 9: r.expect(w, LEN, 'strings'); a.strings.push(r.bytes()); break;
      case 20: r.expect(w, VARINT, 'type'); a.type = r.varint(); break;
      case 21: r.expect(w, LEN, 'ref_attr_name'); a.refAttrName = r.string(); break;
      default:
        if (ATTR_UNDECODED[f]) a.unsupported.push(ATTR_UNDECODED[f]);
        r.skip(w);
    }
  }
  return a;
}

function node(r: ProtoReader): OnnxNodeProto {
  const n: OnnxNodeProto = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  while (r.more()) {
    const [f, w] = r.tag();
    switch (f) {
      case 1: r.expect(w, LEN, 'input'); n.inputs.push(r.string()); break;
      case 2: r.expect(w, LEN, 'output'); n.outputs.push(r.string()); break;
      case 3: r.expect(w, LEN, 'name'); n.name = r.string(); break;
      case 4: r.expect(w, LEN, 'op_type'); n.opType = r.string(); break;
      case 5: r.expect(w, LEN, 'attribute'); n.attributes.push(attribute(r.message(`${r.where}.attribute[${n.attributes.length}]`))); break;
      case 7: r.expect(w, LEN, 'domain'); n.domain = r.string(); break;
      default: r.skip(w);
    }
  }
  return n;
}

function shape(r: ProtoReader): (number | string | null)[] {
  const dims: (number | string | null)[] = [];
  while (r.more()) {
    const [f, w] = r.tag();
    if (f !== 1) {
      r.skip(w);
      continue;
    }
    r.expect(w, LEN, 'dim');
    const d = r.message(`${r.where}.dim[${dims.length}]`);
    let dim: number | string | null = null;
    while (d.more()) {
      const [g, x] = d.tag();
      if (g === 1 && x === VARINT) dim = d.int64();
      else if (g === 2 && x === LEN) dim = d.string() || null;
      else d.skip(x);
    }
    dims.push(dim);
  }
  return dims;
}

function valueInfo(r: ProtoReader): OnnxValueInfoProto {
  const v: OnnxValueInfoProto = { name: '', elemType: 0, kind: '' };
  while (r.more()) {
    const [f, w] = r.tag();
    if (f === 1 && w === LEN) v.name = r.string();
    else if (f === 2 && w === LEN) {
      const tp = r.message(`${r.where}.type`);
      while (tp.more()) {
        const [g, x] = tp.tag();
        const kinds: Record<number, string> = { 1: 'tensor', 4: 'sequence', 5: 'map', 8: 'sparse_tensor', 9: 'optional' };
        if (kinds[g] && x === LEN) {
          v.kind = kinds[g];
          const tt = tp.message(`${tp.where}.${kinds[g]}_type`);
          if (g !== 1) continue;
          while (tt.more()) {
            const [h, y] = tt.tag();
            if (h === 1 && y === VARINT) v.elemType = tt.varint();
            else if (h === 2 && y === LEN) v.shape = shape(tt.message(`${tt.where}.shape`));
            else tt.skip(y);
          }
        } else tp.skip(x);
      }
    } else r.skip(w);
  }
  return v;
}

function graph(r: ProtoReader): OnnxGraphProto {
  const g: OnnxGraphProto = { name: '', nodes: [], initializers: [], sparseInitializers: 0, inputs: [], outputs: [] };
  while (r.more()) {
    const [f, w] = r.tag();
    switch (f) {
      case 1: r.expect(w, LEN, 'node'); g.nodes.push(node(r.message(`${r.where}.node[${g.nodes.length}]`))); break;
      case 2: r.expect(w, LEN, 'name'); g.name = r.string(); break;
      case 5: r.expect(w, LEN, 'initializer'); g.initializers.push(tensor(r.message(`${r.where}.initializer[${g.initializers.length}]`))); break;
      case 11: r.expect(w, LEN, 'input'); g.inputs.push(valueInfo(r.message(`${r.where}.input[${g.inputs.length}]`))); break;
      case 12: r.expect(w, LEN, 'output'); g.outputs.push(valueInfo(r.message(`${r.where}.output[${g.outputs.length}]`))); break;
      case 15: r.skip(w); g.sparseInitializers++; break;
      default: r.skip(w);
    }
  }
  return g;
}

/** Decodes a ModelProto; `file` names it in errors. Unknown fields are skipped, as protobuf requires. */
export function decodeModel(bytes: Uint8Array, file = 'model'): OnnxModelProto {
  const r = ProtoReader.of(bytes, `${file} (ONNX ModelProto)`);
  const m: OnnxModelProto = { irVersion: 0, producerName: '', producerVersion: '', opsets: [], metadata: {}, functions: 0 };
  while (r.more()) {
    const [f, w] = r.tag();
    switch (f) {
      case 1: r.expect(w, VARINT, 'ir_version'); m.irVersion = r.varint(); break;
      case 2: r.expect(w, LEN, 'producer_name'); m.producerName = r.string(); break;
      case 3: r.expect(w, LEN, 'producer_version'); m.producerVersion = r.string(); break;
      case 7: r.expect(w, LEN, 'graph'); m.graph = graph(r.message(`${file} graph`)); break;
      case 8: {
        r.expect(w, LEN, 'opset_import');
        const o = r.message(`${file} opset_import`);
        const op = { domain: '', version: 0 };
        while (o.more()) {
          const [g, x] = o.tag();
          if (g === 1 && x === LEN) op.domain = o.string();
          else if (g === 2 && x === VARINT) op.version = o.varint();
          else o.skip(x);
        }
        m.opsets.push(op);
        break;
      }
      case 14: {
        r.expect(w, LEN, 'metadata_props');
        const e = r.message(`${file} metadata_props`);
        let k = '', v = '';
        while (e.more()) {
          const [g, x] = e.tag();
          if (g === 1 && x === LEN) k = e.string();
          else if (g === 2 && x === LEN) v = e.string();
          else e.skip(x);
        }
        m.metadata[k] = v;
        break;
      }
      case 25: r.skip(w); m.functions++; break;
      default: r.skip(w);
    }
  }
  return m;
}

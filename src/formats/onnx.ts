// formats/onnx.ts: an ONNX model (.onnx ModelProto) as a canonical model — tensors, nodes, recurrent ops translated.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { REGISTRY, checkNode } from '../model/ops/registry.js';
import '../model/ops/math.js';
import '../model/ops/shape.js';
import '../model/ops/keras.js';
import '../model/ops/conv.js';
import '../model/ops/control.js';
import type { AttrValue, DType, HostTensor, Model, Node, OpNode, SubGraph, ValueInfo } from '../model/types.js';
import { type OnnxRecurrentOp, onnxRecurrent, onnxRecurrentTemplate } from './onnx_recurrent.js';
import { type OnnxAttributeProto, type OnnxGraphProto, type OnnxModelProto, type OnnxNodeProto, type OnnxTensorProto, type OnnxValueInfoProto, decodeModel } from './onnx_proto.js';

/** Default-domain opsets whose semantics this importer implements. */
export const OPSET_RANGE = [7, 23] as const;

const TYPE_NAMES: Record<number, string> = {
  1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'STRING', 9: 'BOOL',
  10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64', 15: 'COMPLEX128', 16: 'BFLOAT16',
};
/** ONNX element type -> the type lstm-wasm computes with; floats become float32, small ints int32. */
const DTYPE: Record<number, DType> = { 1: 'float32', 10: 'float32', 11: 'float32', 16: 'float32', 2: 'int32', 3: 'int32', 4: 'int32', 5: 'int32', 6: 'int32', 12: 'int64', 7: 'int64', 13: 'int64', 9: 'bool' };
const RAW_BYTES: Record<number, number> = { 1: 4, 10: 2, 11: 8, 16: 2, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 12: 4, 7: 8, 13: 8, 9: 1 };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const f16 = (h: number) => {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  return e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
};
const bf16 = (h: number) => new Float32Array(new Uint32Array([h << 16]).buffer)[0];

/** A TensorProto's values as a host tensor; `what` names it in errors. */
export function tensorOf(t: OnnxTensorProto, what: string): HostTensor {
  const type = TYPE_NAMES[t.dataType] ?? `type ${t.dataType}`;
  check(!t.external, 'UNSUPPORTED', `${what}: its data is in an external file; save the model with the data inside (onnx.save(model, path, save_as_external_data=False))`);
  const dtype = DTYPE[t.dataType];
  check(dtype !== undefined, 'UNSUPPORTED', `${what}: element type ${type} is not supported (supported: FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT8..INT64, UINT8..UINT64, BOOL)`);
  check(t.dims.every((d) => Number.isSafeInteger(d) && d >= 0), 'FORMAT', `${what}: dims ${fmtDims(t.dims)} are not valid`);
  const n = t.dims.reduce((a, b) => a * b, 1);
  // the values must be there before anything is allocated for them (dims alone could claim terabytes)
  const size = RAW_BYTES[t.dataType];
  if (t.raw) check(t.raw.length === n * size, 'FORMAT', `${what}: ${type} ${fmtDims(t.dims)} needs ${n * size} bytes of raw_data, has ${t.raw.length}`);
  const out = dtype === 'float32' ? new Float32Array(t.raw ? n : 0) : new Float64Array(t.raw ? n : 0);
  if (t.raw) {
    if (t.dataType === 1 && LITTLE_ENDIAN) {
      return { dtype, dims: t.dims, data: new Float32Array(Uint8Array.from(t.raw).buffer) }; // one aligned copy
    }
    const dv = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
    const read: Record<number, (o: number) => number> = {
      1: (o) => dv.getFloat32(o, true), 11: (o) => dv.getFloat64(o, true), 10: (o) => f16(dv.getUint16(o, true)),
      16: (o) => bf16(dv.getUint16(o, true)), 2: (o) => dv.getUint8(o), 3: (o) => dv.getInt8(o), 4: (o) => dv.getUint16(o, true),
      5: (o) => dv.getInt16(o, true), 6: (o) => dv.getInt32(o, true), 12: (o) => dv.getUint32(o, true),
      7: (o) => Number(dv.getBigInt64(o, true)), 13: (o) => Number(dv.getBigUint64(o, true)), 9: (o) => (dv.getUint8(o) ? 1 : 0),
    };
    const r = read[t.dataType];
    for (let i = 0; i < n; i++) out[i] = r(i * size);
  } else {
    const typed: Record<number, number[]> = {
      1: t.floats, 11: t.doubles, 7: t.int64s, 12: t.uint64s, 13: t.uint64s, 10: t.int32s, 16: t.int32s,
      2: t.int32s, 3: t.int32s, 4: t.int32s, 5: t.int32s, 6: t.int32s, 9: t.int32s,
    };
    const src = typed[t.dataType];
    check(src.length === n, 'FORMAT', `${what}: ${type} ${fmtDims(t.dims)} needs ${n} values, the tensor holds ${src.length}`);
    return { dtype, dims: t.dims, data: dtype === 'float32' ? Float32Array.from(src, (v) => (t.dataType === 10 ? f16(v) : t.dataType === 16 ? bf16(v) : v)) : Float64Array.from(src) };
  }
  return { dtype, dims: t.dims, data: out };
}

function attrOf(a: OnnxAttributeProto, where: string): AttrValue {
  const what = `${where}: attribute '${a.name}'`;
  check(a.unsupported.length === 0 && a.refAttrName === undefined, 'UNSUPPORTED',
    `${what} holds ${a.unsupported.join(', ') || 'a reference to a function attribute'}, which is not supported`);
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  switch (a.type) {
    case 1: return a.f ?? 0;
    case 2: return a.i ?? 0;
    case 3: return text(a.s ?? new Uint8Array());
    case 4:
      check(a.t, 'FORMAT', `${what} is of type TENSOR but holds no tensor`);
      return tensorOf(a.t, what);
    case 6: return a.floats;
    case 7: return a.ints;
    case 8: return a.strings.map(text);
    default:
      // IR < 3 files may omit the type: infer it from the field that is set
      if (a.type === 0) {
        if (a.f !== undefined) return a.f;
        if (a.i !== undefined) return a.i;
        if (a.s !== undefined) return text(a.s);
        if (a.t) return tensorOf(a.t, what);
        if (a.ints.length) return a.ints;
        if (a.floats.length) return a.floats;
        if (a.strings.length) return a.strings.map(text);
      }
      throw new LstmWasmError('UNSUPPORTED', `${what} is of type ${a.type} (graphs, sparse tensors and type protos are not supported)`);
  }
}

function valueInfo(v: OnnxValueInfoProto, doc: string, where: string): ValueInfo {
  check(v.kind === 'tensor', 'UNSUPPORTED', `${where} '${v.name}' is a ${v.kind || 'value of unknown type'}; only tensors are supported`);
  const dtype = DTYPE[v.elemType];
  check(dtype !== undefined && (dtype !== 'float32' || v.elemType === 1), 'UNSUPPORTED',
    `${where} '${v.name}' is ${TYPE_NAMES[v.elemType] ?? `type ${v.elemType}`}; supported: FLOAT, INT64, INT32, BOOL`);
  const types = dtype === 'int64' ? (['int64', 'int32'] as const) : [dtype];
  const dims = (v.shape ?? []).map((d, i) => (d === null ? `${v.name}_dim${i}` : d));
  return { name: v.name, types, dims, optional: false, doc, ...(v.shape ? {} : { ranks: [] }) };
}

interface TranslateCtx {
  /** initializers and folded values of this graph and the graphs around it (ONNX names are unique across them) */
  constants: Record<string, HostTensor>;
  inputs: ValueInfo[];
  file: string;
  opset: number;
}

/** A branch of If: its initializers join the constants, its nodes are translated like the main graph's. */
function subgraphOf(g: OnnxGraphProto, ctx: TranslateCtx, where: string): SubGraph {
  check(g.sparseInitializers === 0, 'UNSUPPORTED', `${where}: sparse initializers are not supported`);
  for (const t of g.initializers) ctx.constants[t.name] = tensorOf(t, `${where}: initializer '${t.name}'`);
  return { subgraph: true, nodes: translateNodes(g.nodes, ctx), outputs: g.outputs.map((o) => o.name) };
}

/** Translates a graph's nodes: recurrent ops to recurrent nodes, constants folded, If on a known condition inlined. */
function translateNodes(pnodes: OnnxNodeProto[], ctx: TranslateCtx): Node[] {
  const { constants, inputs, opset } = ctx;
  const nodes: Node[] = [];
  // Constant nodes and subgraphs of constants are folded here, so recurrent weights computed from constants work
  const emit = (node: OpNode) => {
    if (REGISTRY[node.type] && node.type !== 'If' && node.inputs.every((n) => n === '' || n in constants)) {
      const def = checkNode(node, opset);
      const results = def.host(node, node.inputs.map((n) => (n ? constants[n] : undefined)), opset);
      node.outputs.forEach((o, k) => o && (constants[o] = results[k]));
      return;
    }
    nodes.push(node);
  };
  pnodes.forEach((p, i) => {
    const name = p.name || `${p.opType}_${i}`;
    const where = `${p.opType} node '${name}'`;
    check(p.domain === '' || p.domain === 'ai.onnx', 'UNSUPPORTED', `${where}: domain '${p.domain}' is not supported (only the default ONNX domain)`);
    const attrs: Record<string, AttrValue> = {};
    for (const a of p.attributes) {
      if (a.g || a.graphs.length) {
        check(p.opType === 'If' && a.g && (a.name === 'then_branch' || a.name === 'else_branch'), 'UNSUPPORTED',
          () => `${where}: attribute '${a.name}' is a subgraph; only If's then_branch and else_branch are supported`);
        attrs[a.name] = subgraphOf(a.g, ctx, `${where} ${a.name}`);
      } else attrs[a.name] = attrOf(a, where);
    }
    if (p.opType === 'If') {
      // a condition known at load (a constant, or computed from constants): the chosen branch replaces the node
      const [cond] = p.inputs, c = constants[cond];
      if (c) {
        check(c.data.length === 1, 'MODEL', () => `${where}: the condition '${cond}' must hold one value, got ${fmtDims(c.dims)}`);
        const branch = attrs[c.data[0] ? 'then_branch' : 'else_branch'] as SubGraph | undefined;
        check(branch, 'MODEL', () => `${where}: has no ${c.data[0] ? 'then_branch' : 'else_branch'}`);
        check(branch.outputs.length === p.outputs.length, 'MODEL', () => `${where}: the branch gives ${branch.outputs.length} outputs, the node ${p.outputs.length}`);
        nodes.push(...branch.nodes);
        branch.outputs.forEach((o, k) => emit({ op: 'op', type: 'Identity', name: `${name}/out${k}`, inputs: [o], outputs: [p.outputs[k]], attrs: {} }));
        return;
      }
    }
    const ins = p.inputs, outs = p.outputs;
    if (p.opType === 'LSTM' || p.opType === 'GRU' || p.opType === 'RNN') {
      check(ins.length >= 3 && ins[0] && ins[1] && ins[2], 'MODEL', `${where}: needs inputs X, W and R`);
      const lstm = p.opType === 'LSTM', op = p.opType as OnnxRecurrentOp;
      check(ins.length <= (lstm ? 8 : 6), 'MODEL', `${where}: has ${ins.length} inputs; ${p.opType} takes at most ${lstm ? 8 : 6}`);
      check(outs.length <= (lstm ? 3 : 2), 'MODEL', `${where}: has ${outs.length} outputs; ${p.opType} gives at most ${lstm ? 3 : 2}`);
      const io = {
        inputs: { x: ins[0], ...(ins[4] ? { lengths: ins[4] } : {}), ...(ins[5] ? { h0: ins[5] } : {}), ...(lstm && ins[6] ? { c0: ins[6] } : {}) },
        outputs: { ...(outs[0] ? { y: outs[0] } : {}), ...(outs[1] ? { hN: outs[1] } : {}), ...(lstm && outs[2] ? { cN: outs[2] } : {}) },
      };
      const ks = lstm ? [1, 2, 3, 7] : [1, 2, 3];
      const label: Record<number, string> = { 1: 'W', 2: 'R', 3: 'B', 7: 'P' };
      for (const k of ks) {
        const c = ins[k] ? constants[ins[k]] : undefined;
        check(!c || c.dtype === 'float32', 'MODEL', `${where}: ${label[k]} ('${ins[k]}') must be float, got ${c?.dtype}`);
      }
      if (ks.every((k) => !ins[k] || ins[k] in constants)) {
        const arr = (k: number) => (ins[k] ? { data: constants[ins[k]].data as Float32Array, dims: constants[ins[k]].dims } : undefined);
        const node = onnxRecurrent(op, name, attrs as never, { W: arr(1)!, R: arr(2)!, B: arr(3), P: lstm ? arr(7) : undefined }, io);
        node.sourceWeights = { W: ins[1], R: ins[2], ...(ins[3] ? { B: ins[3] } : {}), ...(lstm && ins[7] ? { P: ins[7] } : {}) };
        nodes.push(node);
        return;
      }
      // weights fed at run time (the ONNX backend tests do this): checked now, translated at each run
      for (const k of ks) {
        check(!ins[k] || ins[k] in constants || inputs.some((v) => v.name === ins[k]), 'UNSUPPORTED',
          `${where}: ${label[k]} ('${ins[k]}') must be a constant or a graph input`);
      }
      const declared = (k: number, axis: number) => inputs.find((v) => v.name === ins[k])?.dims[axis] ?? constants[ins[k]]?.dims[axis];
      const H = (attrs.hidden_size as number | undefined) ?? declared(2, 2);
      const I = declared(1, 2);
      check(typeof H === 'number' && typeof I === 'number', 'UNSUPPORTED',
        `${where}: with W and R as graph inputs, hidden_size and W's input size must be known (declare them in the model)`);
      nodes.push(onnxRecurrentTemplate(op, name, attrs as never, H, I, {
        W: ins[1], R: ins[2], ...(ins[3] ? { B: ins[3] } : {}), ...(lstm && ins[7] ? { P: ins[7] } : {}),
      }, io));
      return;
    }
    emit({ op: 'op' as const, type: p.opType, name, inputs: [...ins], outputs: [...outs], attrs });
  });
  return nodes;
}

/** Parses and translates an ONNX model; `file` names it in errors. */
export function onnxToModel(bytes: Uint8Array, file = 'model'): Model {
  return onnxProtoToModel(decodeModel(bytes, file), file);
}

/** Translates a decoded ModelProto (fine-tuning keeps the proto for the initializer names it writes back). */
export function onnxProtoToModel(m: OnnxModelProto, file = 'model'): Model {
  const g = m.graph;
  check(g !== undefined, 'FORMAT', `${file}: the ModelProto has no graph`);
  const opset = m.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
  check(opset >= OPSET_RANGE[0] && opset <= OPSET_RANGE[1], 'UNSUPPORTED',
    `${file}: default-domain opset ${opset || '(none)'} is outside the supported ${OPSET_RANGE[0]}..${OPSET_RANGE[1]}`);
  check(g.sparseInitializers === 0, 'UNSUPPORTED', `${file}: sparse initializers are not supported`);

  const constants: Record<string, HostTensor> = {};
  for (const t of g.initializers) constants[t.name] = tensorOf(t, `${file}: initializer '${t.name}'`);
  const inputs = g.inputs.filter((v) => !(v.name in constants)).map((v) => valueInfo(v, 'graph input', `${file}: graph input`));
  const outputs = g.outputs.map((v) => valueInfo(v, 'graph output', `${file}: graph output`));

  const nodes = translateNodes(g.nodes, { constants, inputs, file, opset });
  // constants read only by translated recurrent nodes now live in those nodes: drop the raw copies
  const used = new Set(outputs.map((o) => o.name));
  const use = (list: Node[]): void => {
    for (const n of list) {
      const names = n.op === 'op' ? n.inputs : [...Object.values(n.inputs), ...Object.values(n.runtimeWeights ?? {})];
      for (const name of names) if (typeof name === 'string') used.add(name);
      if (n.op === 'op') {
        for (const a of Object.values(n.attrs)) {
          if (typeof a === 'object' && 'subgraph' in a) {
            use(a.nodes);
            a.outputs.forEach((o) => used.add(o));
          }
        }
      }
    }
  };
  use(nodes);
  for (const name of Object.keys(constants)) if (!used.has(name)) delete constants[name];
  const producer = [m.producerName, m.producerVersion].filter(Boolean).join(' ') || 'unknown producer';
  return { source: `ONNX (${producer}, IR ${m.irVersion})`, inputs, outputs, nodes, constants, opset, metadata: m.metadata };
}

// model/graph.ts: load-time analysis of a model — every value defined before use, ops and attributes known,
// each node placed on the host (shape arithmetic, int data, constants) or the device (float data), constants folded.
import { check } from '../errors.js';
import { checkNode, type OpDef, where } from './ops/registry.js';
import { recurrentInputs, recurrentOutputs } from './ops/rnn.js';
import './ops/shape.js';
import './ops/math.js';
import './ops/keras.js';
import './ops/conv.js';
import type { DType, HostTensor, Model, Node, OpNode, ValueInfo } from './types.js';

export interface PlacedNode {
  node: Node;
  /** null for a recurrent node */
  def: OpDef | null;
  inputs: string[];
  outputs: string[];
  /** runs in wasm on float data; otherwise computed on the host each run */
  device: boolean;
}

export interface Graph {
  nodes: PlacedNode[];
  constants: Map<string, HostTensor>;
  dtypes: Map<string, DType>;
  /** values held in wasm memory during a run (float data computed from the inputs' data) */
  device: Set<string>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  opset: number;
}

export const nodeName = (n: Node) => (n.op === 'op' ? where(n) : `recurrent node '${n.name}'`);

function inputDType(v: ValueInfo): DType {
  return v.types[0] as DType;
}

/** Validates, places and folds; every problem is reported here, at load time, naming the node. */
export function analyze(model: Model): Graph {
  const opset = model.opset ?? 0;
  const constants = new Map(Object.entries(model.constants ?? {}));
  const dtypes = new Map<string, DType>();
  const dataDep = new Set<string>(); // computed from the inputs' data (not only from their shapes)
  const device = new Set<string>(); // held in wasm during a run: float inputs and what device nodes compute
  const wasmOnly = new Set<string>(); // computed in wasm: the host never sees these values
  for (const [name, t] of constants) dtypes.set(name, t.dtype);
  for (const v of model.inputs) {
    dtypes.set(v.name, inputDType(v));
    dataDep.add(v.name);
    if (inputDType(v) === 'float32') device.add(v.name);
  }
  const nodes: PlacedNode[] = [];
  for (const node of model.nodes) {
    const isOp = node.op === 'op';
    const def = isOp ? checkNode(node, opset) : null;
    const inputs = isOp ? node.inputs : recurrentInputs(node);
    const outputs = isOp ? node.outputs : recurrentOutputs(node);
    for (const name of inputs) {
      check(name === '' || dtypes.has(name), 'MODEL',
        () => `${nodeName(node)} reads '${name}', which no input, initializer or earlier node defines`);
    }
    const inTypes = inputs.map((n) => (n ? dtypes.get(n) : undefined));
    const outTypes: DType[] = def ? def.dtypes?.(node as OpNode, inTypes) ?? outputs.map(() => inTypes[0]!) : outputs.map(() => 'float32');
    outputs.forEach((o, i) => o && dtypes.set(o, outTypes[i]));

    // fold: every input a constant (or absent) -> compute now, once
    if (def && inputs.every((n) => n === '' || constants.has(n))) {
      const results = def.host(node as OpNode, inputs.map((n) => (n ? constants.get(n) : undefined)), opset);
      outputs.forEach((o, i) => o && constants.set(o, results[i]));
      continue;
    }
    const depends = !def?.dimsOnly && inputs.some((n) => dataDep.has(n));
    if (depends) outputs.forEach((o) => o && dataDep.add(o));
    // float data computed from the inputs' data runs in wasm, when the op can do it with these input types
    const onDevice = !def || (depends && outTypes.some((t) => t === 'float32') && !!def.device && (def.deviceWhen?.(node as OpNode, inTypes) ?? true));
    const reads = (i: number) => !def?.dimsOnly && !!inputs[i];
    if (onDevice) {
      const hostOuts = def?.hostOutputs ?? [];
      outputs.forEach((o, i) => {
        if (!o || hostOuts.includes(i)) return;
        check(outTypes[i] === 'float32', 'UNSUPPORTED',
          () => `${nodeName(node)}: output '${o}' would be ${outTypes[i]} computed from float data at run time; only float32 results are computed in wasm`);
        device.add(o);
        wasmOnly.add(o);
      });
      for (const i of def?.hostInputs?.(opset) ?? []) {
        check(!reads(i) || !wasmOnly.has(inputs[i]), 'UNSUPPORTED',
          () => `${nodeName(node)}: input '${inputs[i]}' must be known before the run (a constant, an input, or computed from shapes), but it is computed in wasm`);
      }
    } else {
      inputs.forEach((n, i) => check(!reads(i) || !wasmOnly.has(n), 'UNSUPPORTED',
        () => `${nodeName(node)}: ${(node as OpNode).type} needs the values of '${n}' on the host, but they are computed in wasm at run time`));
    }
    nodes.push({ node, def, inputs, outputs, device: onDevice });
  }
  for (const o of model.outputs) {
    check(dtypes.has(o.name), 'MODEL', () => `graph output '${o.name}' is not produced by any node, input or initializer`);
  }
  return { nodes, constants, dtypes, device, inputs: model.inputs, outputs: model.outputs, opset };
}

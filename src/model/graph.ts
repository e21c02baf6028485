// model/graph.ts: load-time analysis of a model — every value defined before use, ops and attributes known,
// each node placed on the host (shape arithmetic, int data, constants) or the device (float data), constants folded.
import { check } from '../errors.js';
import { checkNode, type OpDef, where } from './ops/registry.js';
import { recurrentInputs, recurrentOutputs } from './ops/rnn.js';
import './ops/shape.js';
import './ops/math.js';
import './ops/keras.js';
import './ops/conv.js';
import './ops/control.js';
import type { DType, HostTensor, Model, Node, OpNode, SubGraph, ValueInfo } from './types.js';

export interface PlacedNode {
  node: Node;
  /** null for a recurrent node (and an If, which has `branches`) */
  def: OpDef | null;
  inputs: string[];
  outputs: string[];
  /** runs in wasm on float data; otherwise computed on the host each run */
  device: boolean;
  /** If: [then, else]; the executor runs the one its condition picks */
  branches?: PlacedBranch[];
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

/** A branch of an If: its placed nodes and the values it gives. */
export interface PlacedBranch {
  nodes: PlacedNode[];
  outputs: string[];
}

/** What placing reads and writes: shared by a graph and its subgraphs (ONNX names are unique across them). */
interface Scope {
  opset: number;
  constants: Map<string, HostTensor>;
  dtypes: Map<string, DType>;
  /** computed from the inputs' data (not only from their shapes) */
  dataDep: Set<string>;
  /** held in wasm during a run: float inputs and what device nodes compute */
  device: Set<string>;
  /** computed in wasm: the host never sees these values */
  wasmOnly: Set<string>;
}

/** Validates, places and folds; every problem is reported here, at load time, naming the node. */
export function analyze(model: Model): Graph {
  const opset = model.opset ?? 0;
  const scope: Scope = { opset, constants: new Map(Object.entries(model.constants ?? {})), dtypes: new Map(), dataDep: new Set(), device: new Set(), wasmOnly: new Set() };
  for (const [name, t] of scope.constants) scope.dtypes.set(name, t.dtype);
  for (const v of model.inputs) {
    scope.dtypes.set(v.name, inputDType(v));
    scope.dataDep.add(v.name);
    if (inputDType(v) === 'float32') scope.device.add(v.name);
  }
  const nodes = place(model.nodes, scope);
  for (const o of model.outputs) {
    check(scope.dtypes.has(o.name), 'MODEL', () => `graph output '${o.name}' is not produced by any node, input or initializer`);
  }
  return { nodes, constants: scope.constants, dtypes: scope.dtypes, device: scope.device, inputs: model.inputs, outputs: model.outputs, opset };
}

/** Every placed node, the branches of If nodes included (for planning, which prepares all of them). */
export function allPlaced(nodes: PlacedNode[]): PlacedNode[] {
  return nodes.flatMap((pn) => [pn, ...(pn.branches ?? []).flatMap((b) => allPlaced(b.nodes))]);
}

function placeIf(node: OpNode, scope: Scope): PlacedNode {
  const cond = node.inputs[0];
  check(scope.dtypes.has(cond), 'MODEL', () => `${where(node)} reads '${cond}', which no input, initializer or earlier node defines`);
  check(!scope.wasmOnly.has(cond), 'UNSUPPORTED', () => `${where(node)}: its condition '${cond}' is computed in wasm at run time; it must be known on the host`);
  const branches = (['then_branch', 'else_branch'] as const).map((key): PlacedBranch => {
    const g = node.attrs[key] as SubGraph | undefined;
    check(g && typeof g === 'object' && 'subgraph' in g, 'MODEL', () => `${where(node)}: has no ${key}`);
    check(g.outputs.length === node.outputs.length, 'MODEL', () => `${where(node)}: ${key} gives ${g.outputs.length} outputs, the node ${node.outputs.length}`);
    const nodes = place(g.nodes, scope);
    g.outputs.forEach((o) => check(scope.dtypes.has(o), 'MODEL', () => `${where(node)}: ${key} output '${o}' is not produced in it or around it`));
    return { nodes, outputs: g.outputs };
  });
  node.outputs.forEach((o, i) => {
    const [a, b] = branches.map((br) => br.outputs[i]);
    check(scope.dtypes.get(a) === scope.dtypes.get(b), 'MODEL',
      () => `${where(node)}: output ${i} is ${scope.dtypes.get(a)} in then_branch and ${scope.dtypes.get(b)} in else_branch`);
    const onDevice = [a, b].map((v) => scope.device.has(v) && !scope.constants.has(v));
    check(onDevice[0] === onDevice[1], 'UNSUPPORTED',
      () => `${where(node)}: output ${i} is computed in wasm in one branch and on the host in the other`);
    scope.dtypes.set(o, scope.dtypes.get(a)!);
    if ([a, b].some((v) => scope.dataDep.has(v)) || scope.dataDep.has(cond)) scope.dataDep.add(o);
    if (onDevice[0]) scope.device.add(o);
    if ([a, b].some((v) => scope.wasmOnly.has(v))) scope.wasmOnly.add(o);
  });
  return { node, def: null, inputs: [cond], outputs: node.outputs, device: false, branches };
}

function place(list: Node[], scope: Scope): PlacedNode[] {
  const { opset, constants, dtypes, dataDep, device, wasmOnly } = scope;
  const nodes: PlacedNode[] = [];
  for (const node of list) {
    if (node.op === 'op' && node.type === 'If') {
      checkNode(node, opset);
      nodes.push(placeIf(node, scope));
      continue;
    }
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
  return nodes;
}

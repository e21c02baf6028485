// model/ops/registry.ts: what an op is — its attributes, shape inference, host reference and device kernel.
import { LstmWasmError, check, fmtDims } from '../../errors.js';
import type { Runtime } from '../../runtime.js';
import type { Device } from '../device.js';
import type { AttrValue, DType, HostTensor, OpNode } from '../types.js';

/** A value as shape inference sees it; `data` is there when the value is known on the host. */
export interface Val {
  dtype: DType;
  dims: number[];
  data?: Float32Array | Float64Array;
}

/** A value in wasm memory (float32, or int32 for indices and lengths). */
export interface DevVal {
  ptr: number;
  dtype: DType;
  dims: number[];
  /** host copy when the value was computed on the host */
  data?: Float32Array | Float64Array;
}

export type AttrKind = 'int' | 'float' | 'string' | 'ints' | 'floats' | 'strings' | 'tensor' | 'graph';

export interface OpDef {
  /** Every attribute the op accepts; any other is refused at load time. */
  attrs: Record<string, AttrKind>;
  /** Input and output counts [min, max]. */
  inputs: [number, number];
  outputs: [number, number];
  /** Inputs whose values (not just shapes) must be known on the host: shapes, axes, indices of shape math. */
  hostInputs?(opset: number): number[];
  /** Host inputs whose values only the device kernel reads, when it runs (Gather's indices): a plan depends on their dims alone. */
  runValues?: number[];
  /** Load-time checks of attribute values (kinds are checked by the registry). */
  check?(node: OpNode, opset: number): void;
  /** Output types and shapes; throws INPUT naming the node when the inputs do not fit. */
  infer(node: OpNode, ins: (Val | undefined)[], opset: number): Val[];
  /** The op on host tensors: the reference, used to fold constants and for shape arithmetic. */
  host(node: OpNode, ins: (HostTensor | undefined)[], opset: number): HostTensor[];
  /** The op on float data in wasm memory; absent for ops that only ever see host values. */
  device?(d: Device, node: OpNode, ins: (DevVal | undefined)[], outs: DevVal[], opset: number): void;
  /** Output 0 is input 0's buffer seen with new dims (Reshape and friends): nothing is copied. */
  alias?: boolean;
  /** The op reads only its inputs' dims (Shape): its output is a host value even when its input is not. */
  dimsOnly?: boolean;
  /** Whether the device kernel handles these input types (default: yes). */
  deviceWhen?(node: OpNode, ins: (DType | undefined)[]): boolean;
  /** Outputs of a device node that are host values all the same (computed by infer from shapes). */
  hostOutputs?: number[];
  /** Output types from input types; default: every output has input 0's type. */
  dtypes?(node: OpNode, ins: (DType | undefined)[]): DType[];
  /**
   * Plan time, with the inputs that are constants (others undefined): work done once, e.g. packing a
   * weight matrix into the arena. What it returns is `Device.prepared` when the node runs.
   */
  prepare?(rt: Runtime, node: OpNode, consts: (HostTensor | undefined)[], opset: number): unknown;
  /** Inputs that prepare() turned into its state (not uploaded as they are). */
  prepareConsumes?: number[];
  /** Bytes of wasm scratch the device kernel needs for these shapes. */
  scratch?(node: OpNode, ins: (Val | undefined)[], outs: Val[], opset: number): number;
}

export const REGISTRY: Record<string, OpDef> = {};

export function register(types: string[], def: OpDef): void {
  for (const t of types) REGISTRY[t] = def;
}

export const where = (node: OpNode) => `${node.type} node '${node.name}'`;

/** Attribute getters with the op's default; kinds were checked at load. */
export function attrInt(node: OpNode, name: string, dflt: number): number {
  const v = node.attrs[name];
  return v === undefined ? dflt : (v as number);
}
export function attrFloat(node: OpNode, name: string, dflt: number): number {
  const v = node.attrs[name];
  return v === undefined ? dflt : (v as number);
}
export function attrInts(node: OpNode, name: string): number[] | undefined {
  return node.attrs[name] as number[] | undefined;
}

function kindOf(v: AttrValue): AttrKind {
  if (typeof v === 'object' && 'subgraph' in v) return 'graph';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return 'strings';
    return v.every((x) => Number.isInteger(x)) ? 'ints' : 'floats';
  }
  return 'tensor';
}

/** Load-time: the op exists, its attributes are known and of the right kind, its arity fits. */
export function checkNode(node: OpNode, opset: number): OpDef {
  const def = REGISTRY[node.type];
  if (!def) {
    throw new LstmWasmError('UNSUPPORTED',
      `${where(node)}: op ${node.type} is not supported; supported ops: ${[...Object.keys(REGISTRY), 'LSTM', 'GRU', 'RNN'].sort().join(', ')}`);
  }
  for (const [name, v] of Object.entries(node.attrs)) {
    const want = def.attrs[name];
    check(want !== undefined, 'UNSUPPORTED',
      () => `${where(node)}: attribute '${name}' is not supported for ${node.type}${Object.keys(def.attrs).length ? ` (supported: ${Object.keys(def.attrs).join(', ')})` : ' (it takes none)'}`);
    const got = kindOf(v);
    const fits = got === want || (want === 'float' && got === 'int') || (want === 'floats' && got === 'ints') ||
      (Array.isArray(v) && v.length === 0 && want.endsWith('s'));
    check(fits, 'MODEL', () => `${where(node)}: attribute '${name}' should be ${want}, got ${JSON.stringify(v)}`);
  }
  const nIn = node.inputs.length, nOut = node.outputs.length;
  check(nIn >= def.inputs[0] && nIn <= def.inputs[1], 'MODEL',
    () => `${where(node)}: takes ${def.inputs[0]}..${def.inputs[1]} inputs, has ${nIn}`);
  for (let i = 0; i < def.inputs[0]; i++) {
    check(node.inputs[i] !== '', 'MODEL', () => `${where(node)}: input ${i} is required but the node leaves it empty`);
  }
  check(nOut >= def.outputs[0] && nOut <= def.outputs[1], 'MODEL',
    () => `${where(node)}: has ${def.outputs[0]}..${def.outputs[1]} outputs, the model gives ${nOut}`);
  for (let i = 0; i < def.outputs[0]; i++) {
    check(node.outputs[i] !== '', 'MODEL', () => `${where(node)}: output ${i} is required but the node leaves it unnamed`);
  }
  def.check?.(node, opset);
  return def;
}

/** A host tensor; ints and bools are stored as exact doubles. */
/** The most elements one host value may hold (2^27: 0.5–1 GiB): shape arithmetic past it is a broken model, not a run. */
export const MAX_HOST_ELEMENTS = 2 ** 27;

export function hostTensor(dtype: DType, dims: number[], data?: Float32Array | Float64Array): HostTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  if (!data && !(n <= MAX_HOST_ELEMENTS)) {
    throw new LstmWasmError('MEMORY', `a host value of ${fmtDims(dims)} (${n} elements) is past the ${MAX_HOST_ELEMENTS} a model's shape arithmetic may make`);
  }
  return { dtype, dims, data: data ?? (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)) };
}

/** The integer values of a host input (shape, axes, indices), or an error naming it. */
export function ints(node: OpNode, v: Val | HostTensor | undefined, what: string): number[] {
  check(v?.data !== undefined, 'MODEL', () => `${where(node)}: ${what} must be known before the run (a constant or computed from shapes)`);
  check(v.dtype !== 'float32', 'MODEL', () => `${where(node)}: ${what} must be an integer tensor, got float32`);
  return Array.from(v.data);
}

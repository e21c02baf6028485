// formats/keras_build.ts: what the Keras layer translators share — Keras tensors, the graph being built, options, weights.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import type { AttrValue, HostTensor, Node } from '../model/types.js';
import type { LayerSpec } from './keras_topology.js';

/** A tensor of the Keras graph: its value in the canonical graph and what Keras knows about it. */
export interface KTensor {
  name: string;
  /** Keras's shape: batch first, null where unknown until the run */
  shape: (number | null)[];
  dtype: 'float32' | 'int32';
  /** bool (B, T) host value: the Keras mask riding along with this tensor (0 = skip that step) */
  mask?: string;
  /** the host sees its values at run time (a model input, or integers) — masks can be computed from it */
  host: boolean;
  /** suffix naming it when it is a model output (e.g. '_state_h' for an LSTM's second output) */
  role?: string;
}

/** How one Keras layer class is read and translated. */
export interface LayerDef {
  /** Options it reads, besides name/trainable/dtype/batch_input_shape and the training-only ones. */
  options: readonly string[];
  /** How many tensors a call takes [min, max]; default one. */
  inputs?: [number, number];
  /** The weights it reads ('kernel', 'forward/bias' …), to check the manifest before translating. */
  weights?(c: LayerCtx): string[];
  translate(c: LayerCtx, ins: KTensor[]): KTensor[];
}

export const fmtShape = (s: (number | null)[]) => fmtDims(s.map((d) => d ?? 'None'));

/** Float data the layer computes with (not integer ids). */
export function needFloat(c: LayerCtx, x: KTensor): void {
  check(x.dtype === 'float32', 'UNSUPPORTED', `${c.where}: its input is ${x.dtype} ids ${fmtShape(x.shape)}; it needs float data (ids go to an Embedding)`);
}

/** A known last dimension (the feature size a weight is shaped by). */
export function lastDim(c: LayerCtx, x: KTensor): number {
  const n = x.shape[x.shape.length - 1];
  check(typeof n === 'number', 'MODEL', `${c.where}: the last dimension of its input ${fmtShape(x.shape)} must be known`);
  return n;
}

/** A weight from the manifest, dequantized to float32. */
export interface WeightEntry {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** The canonical graph under construction: nodes in order, constants, unique value names. */
export class Builder {
  readonly nodes: Node[] = [];
  readonly constants: Record<string, HostTensor> = {};
  private readonly names = new Set<string>();

  /** `base`, or `base_1`, `base_2` … : a name no value has yet. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Appends an op node with one output; returns the output's name. */
  op(type: string, inputs: string[], attrs: Record<string, AttrValue> = {}, base = type): string {
    const name = this.fresh(base);
    this.nodes.push({ op: 'op', type, name, inputs, outputs: [name], attrs });
    return name;
  }

  constant(base: string, t: HostTensor): string {
    const name = this.fresh(base);
    this.constants[name] = t;
    return name;
  }

  int64(base: string, values: number[]): string {
    return this.constant(base, { dtype: 'int64', dims: [values.length], data: Float64Array.from(values) });
  }

  float(base: string, data: Float32Array, dims: number[]): string {
    return this.constant(base, { dtype: 'float32', dims, data });
  }
}

const COMMON = ['name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'batch_size', 'input_dtype'];
/** Options that only matter for training: initializers, regularizers, constraints. */
const TRAINING_ONLY = /_(initializer|regularizer|constraint)$/;

/** A layer being translated: its options (checked), its weights, and the graph it adds to. */
export class LayerCtx {
  /** 'LSTM layer 'lstm'' — or, for the layer inside a wrapper, 'Bidirectional layer 'bi' (LSTM 'lstm')' */
  readonly where: string;

  constructor(
    readonly spec: LayerSpec,
    readonly g: Builder,
    private readonly weights: Map<string, WeightEntry>,
    outer?: LayerCtx,
    /** weight path prefix inside the wrapper ('forward/') */
    private readonly prefix = '',
  ) {
    this.where = outer ? `${outer.where} (${spec.className} '${spec.name}')` : `${spec.className} layer '${spec.name}'`;
  }

  /** The layer wrapped by this one (Bidirectional, TimeDistributed), its weights under `prefix`. */
  inner(spec: LayerSpec, prefix = ''): LayerCtx {
    return new LayerCtx(spec, this.g, this.weights, this, prefix);
  }

  /** Refuses any option outside `known` (besides the common and training-only ones), naming it. */
  checkOptions(known: readonly string[]): void {
    for (const key of Object.keys(this.spec.config)) {
      if (COMMON.includes(key) || TRAINING_ONLY.test(key) || known.includes(key)) continue;
      throw new LstmWasmError('UNSUPPORTED', `${this.where}: option '${key}' is not supported (supported: ${known.join(', ') || 'none besides name and the training-only ones'})`);
    }
    const dtype = this.spec.config.dtype;
    const policy = typeof dtype === 'object' && dtype !== null ? (dtype as { config?: { name?: unknown } }).config?.name : dtype;
    check(policy === undefined || policy === null || policy === 'float32' || (this.spec.className === 'InputLayer' && /^u?int\d+$/.test(String(policy))),
      'UNSUPPORTED', `${this.where}: option 'dtype' = ${JSON.stringify(policy)} is not supported (supported: float32)`);
  }

  get(key: string): unknown {
    return this.spec.config[key];
  }

  /** A refused option value: UNSUPPORTED naming the layer, the option and what is supported. */
  refuse(key: string, value: unknown, supported: string): never {
    throw new LstmWasmError('UNSUPPORTED', `${this.where}: option '${key}' = ${JSON.stringify(value)} is not supported (supported: ${supported})`);
  }

  bool(key: string, dflt: boolean): boolean {
    const v = this.spec.config[key] ?? dflt;
    check(typeof v === 'boolean', 'MODEL', `${this.where}: option '${key}' must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A positive integer option (units, input_dim …). */
  count(key: string): number {
    const v = this.spec.config[key];
    check(Number.isSafeInteger(v) && (v as number) > 0, 'MODEL', `${this.where}: option '${key}' must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  }

  number(key: string, dflt: number): number {
    const v = this.spec.config[key] ?? dflt;
    check(typeof v === 'number' && Number.isFinite(v), 'MODEL', `${this.where}: option '${key}' must be a number, got ${JSON.stringify(v)}`);
    return v;
  }

  /** Weight paths with this layer's prefix ('forward/kernel'), for the manifest check. */
  paths(...names: string[]): string[] {
    return names.map((n) => this.prefix + n);
  }

  /** A weight (float32, row-major) of exactly these dims. */
  weight(name: string, dims: number[]): Float32Array {
    const e = this.weights.get(this.prefix + name);
    if (!e) throw new LstmWasmError('MODEL', `${this.where}: weight '${this.prefix + name}' is not in the weights manifest`);
    check(e.shape.length === dims.length && e.shape.every((d, i) => d === dims[i]), 'MODEL',
      `${this.where}: weight '${e.name}' is ${fmtDims(e.shape)}; expected ${fmtDims(dims)}`);
    return e.data;
  }

  /** A name for a value or node of this layer. */
  fresh(what: string): string {
    return this.g.fresh(`${this.spec.name}/${what}`);
  }

  op(type: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.g.op(type, inputs, attrs, `${this.spec.name}/${type}`);
  }

  ints(what: string, values: number[]): string {
    return this.g.int64(`${this.spec.name}/${what}`, values);
  }

  reshape(x: string, shape: number[]): string {
    return this.op('Reshape', [x, this.ints('shape', shape)]);
  }

  slice(x: string, axis: number, start: number, end: number, step = 1): string {
    return this.op('Slice', [x, this.ints('starts', [start]), this.ints('ends', [end]), this.ints('axes', [axis]), this.ints('steps', [step])]);
  }

  unsqueeze(x: string, axis: number): string {
    return this.op('Unsqueeze', [x, this.ints('axes', [axis])]);
  }
}

/**
 * Splits the manifest among the layers: a weight belongs to the layer its name starts with (`lstm/kernel`,
 * `lstm/lstm_cell/kernel`, `bi/forward_lstm/kernel`; a leading model-name part is skipped, `:0` dropped).
 */
export function assignWeights(entries: WeightEntry[], layerNames: string[], file: string): Map<string, WeightEntry[]> {
  const byLayer = new Map<string, WeightEntry[]>(layerNames.map((n) => [n, []]));
  for (const e of entries) {
    const tokens = e.name.replace(/:\d+$/, '').split('/');
    const at = tokens.findIndex((t) => byLayer.has(t));
    check(at >= 0 && at < tokens.length - 1, 'MODEL',
      `${file}: weight '${e.name}' in the weights manifest belongs to no layer of the topology (layers: ${layerNames.join(', ')})`);
    byLayer.get(tokens[at])!.push({ ...e, name: tokens.slice(at).join('/') });
  }
  return byLayer;
}

/**
 * Matches the paths a layer reads ('kernel', 'forward/bias') with its manifest entries: the last part names the
 * weight, a 'forward_…'/'backward_…' part the direction of a Bidirectional layer. Every entry must be read.
 */
export function matchWeights(where: string, paths: string[], entries: WeightEntry[]): Map<string, WeightEntry> {
  const listed = entries.map((e) => e.name).join(', ') || 'none';
  const need = `${where} needs ${paths.length} weight${paths.length === 1 ? '' : 's'} (${paths.join(', ') || 'none'})`;
  check(entries.length === paths.length, 'MODEL', `${need}; the weights manifest has ${entries.length} for it: ${listed}`);
  const out = new Map<string, WeightEntry>();
  for (const path of paths) {
    const parts = path.split('/'), last = parts.pop()!, dir = parts[0];
    const found = entries.filter((e) => {
      const t = e.name.split('/');
      const mid = t.slice(1, -1);
      const sided = mid.find((m) => /^(forward|backward)(_|$)/.test(m));
      return t[t.length - 1] === last && (dir ? sided !== undefined && sided.startsWith(dir) : sided === undefined);
    });
    check(found.length === 1, 'MODEL', `${need}; the weights manifest has ${found.length ? 'more than one' : 'no'} '${path}' among: ${listed}`);
    out.set(path, found[0]);
  }
  return out;
}

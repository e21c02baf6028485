// formats/keras.ts: a Keras / TF.js layers model (model.json + weight shards, or in-memory artifacts) as a canonical model.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { concatBytes, readBytes } from '../io.js';
import { validateRecurrent } from '../model/recurrent.js';
import type { Model, ValueInfo } from '../model/types.js';
import { Builder, type KTensor, LayerCtx, type WeightEntry, assignWeights, matchWeights } from './keras_build.js';
import { layerDef } from './keras_layers.js';
import { type Topology, parseTopology } from './keras_topology.js';

/** One entry of a weights manifest (tf.io.WeightsManifestEntry). */
export interface KerasWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  /** uint8/uint16: value = q * scale + min; float16: IEEE half */
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
  /** 'optimizer' weights (saved with includeOptimizer) are skipped */
  group?: string;
}

/** What a tf.io save handler receives (tf.io.ModelArtifacts): the topology, the weight specs, their bytes in order. */
export interface KerasArtifacts {
  modelTopology: unknown;
  weightSpecs?: KerasWeightSpec[];
  weightData?: ArrayBuffer | ArrayBuffer[] | ArrayBufferView;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/** Loads model.json from a path or URL (its shards are read from beside it), or in-memory artifacts. */
export async function loadKeras(source: string | URL | KerasArtifacts): Promise<Model> {
  if (typeof source === 'string' || source instanceof URL) return kerasFromJson(await readBytes(source), source instanceof URL ? source.href : source);
  return kerasToModel(source);
}

const hasScheme = (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s) && !/^[a-z]:[\\/]/i.test(s); // not C:\ paths

/** Where a shard lives: beside model.json, under its URL or in its directory (as TF.js's loaders find them). */
function shardLocation(file: string, path: string, at: string): string | URL {
  check(!hasScheme(path) && !/^[/\\]/.test(path), 'FORMAT', `${at}: weight file '${path}' must be a path relative to model.json`);
  return hasScheme(file) ? new URL(path, file) : file.replace(/[^/\\]*$/, '') + path;
}

/** model.json's bytes; `file`, its path or URL, locates the weight shards. */
export async function kerasFromJson(bytes: Uint8Array, file = 'model.json'): Promise<Model> {
  return kerasToModel(await kerasArtifactsFromJson(bytes, file), file);
}

/** model.json and its shards as in-memory artifacts (every key of model.json kept, the shards joined in order). */
export async function kerasArtifactsFromJson(bytes: Uint8Array, file = 'model.json'): Promise<KerasArtifacts> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new LstmWasmError('FORMAT', `${file}: not valid JSON (${(e as Error).message})`);
  }
  check(typeof json === 'object' && json !== null && !Array.isArray(json), 'FORMAT', `${file}: expected a JSON object (a TF.js model.json)`);
  check(json.format !== 'graph-model', 'UNSUPPORTED',
    `${file}: a TF.js graph model (format 'graph-model') is a TensorFlow graph, not Keras layers; convert the Keras model with --output_format=tfjs_layers_model`);
  check(json.modelTopology !== undefined, 'FORMAT', `${file}: has no modelTopology; expected a TF.js layers model.json`);
  const manifest = json.weightsManifest ?? [];
  check(Array.isArray(manifest), 'FORMAT', `${file}: weightsManifest must be a list of {paths, weights}`);
  const specs: KerasWeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const [gi, group] of manifest.entries()) {
    const at = `${file}: weightsManifest group ${gi + 1}`;
    const { paths, weights } = group as { paths?: unknown; weights?: unknown };
    check(Array.isArray(paths) && paths.every((p) => typeof p === 'string') && Array.isArray(weights), 'FORMAT', `${at} must be {paths: [file, …], weights: [spec, …]}`);
    // read together; a failure is reported for the first file in order that failed, not whichever failed first
    const read = await Promise.allSettled(paths.map((p: string) => readBytes(shardLocation(file, p, at))));
    const shards = read.map((r, i) => {
      if (r.status === 'fulfilled') return r.value;
      if (!(r.reason instanceof LstmWasmError)) throw r.reason;
      throw new LstmWasmError('IO', `${at}: weight file '${paths[i]}' cannot be read (${r.reason.message})`);
    });
    const got = shards.reduce((a, s) => a + s.length, 0);
    const want = (weights as KerasWeightSpec[]).reduce((a, w) => a + specBytes(w, at), 0);
    check(got === want, 'FORMAT', () => `${at}: its files ${paths.map((p, i) => `'${p}' (${shards[i].length} bytes)`).join(', ')} hold ${got} bytes; its ${weights.length} weights (${(weights as KerasWeightSpec[]).map((w) => w.name).join(', ')}) need ${want}`);
    specs.push(...(weights as KerasWeightSpec[]));
    parts.push(...shards);
  }
  const { weightsManifest: _, ...rest } = json;
  return { ...rest, modelTopology: json.modelTopology, weightSpecs: specs, weightData: concatBytes(parts) } as KerasArtifacts;
}

function specBytes(w: KerasWeightSpec, at: string): number {
  const ok = typeof w === 'object' && w !== null && typeof w.name === 'string' && Array.isArray(w.shape) && w.shape.every((d) => Number.isSafeInteger(d) && d >= 0);
  check(ok, 'FORMAT', `${at}: weight spec ${JSON.stringify(w)?.slice(0, 80)} needs a name and a shape of non-negative integers`);
  const q = w.quantization;
  const dtype = q ? q.dtype : w.dtype;
  check(BYTES[dtype] !== undefined && (q !== undefined || dtype === 'float32' || dtype === 'int32'), 'UNSUPPORTED',
    `${at}: weight '${w.name}' is ${q ? `quantized to ${dtype}` : dtype}; supported: float32, and quantized uint8, uint16, float16`);
  return w.shape.reduce((a, b) => a * b, 1) * BYTES[dtype];
}

const f16 = (h: number) => {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  return e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
};

/** The weights in order, dequantized to float32 as TF.js does (q * scale + min in double, then rounded to float). */
export function decodeWeights(specs: KerasWeightSpec[], data: Uint8Array, file: string): WeightEntry[] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: WeightEntry[] = [];
  let at = 0;
  for (const w of specs) {
    const bytes = specBytes(w, `${file}: weight specs`), n = w.shape.reduce((a, b) => a * b, 1);
    check(at + bytes <= data.length, 'FORMAT', `${file}: the weight data holds ${data.length} bytes; weight '${w.name}' ${fmtDims(w.shape)} needs bytes ${at}..${at + bytes}`);
    const q = w.quantization, values = new Float32Array(n);
    if (q && q.dtype !== 'float16') {
      check(w.dtype === 'float32', 'UNSUPPORTED', `${file}: weight '${w.name}' is ${w.dtype}; only float32 weights are supported`);
      check(typeof q.scale === 'number' && typeof q.min === 'number', 'FORMAT', `${file}: weight '${w.name}' is quantized to ${q.dtype} without a numeric scale and min`);
      for (let i = 0; i < n; i++) values[i] = (q.dtype === 'uint8' ? dv.getUint8(at + i) : dv.getUint16(at + 2 * i, true)) * q.scale + q.min;
    } else if (q) {
      for (let i = 0; i < n; i++) values[i] = f16(dv.getUint16(at + 2 * i, true));
    } else {
      check(w.dtype === 'float32' || w.group === 'optimizer', 'UNSUPPORTED', `${file}: weight '${w.name}' is ${w.dtype}; only float32 weights are supported`);
      for (let i = 0; i < n; i++) values[i] = dv.getFloat32(at + 4 * i, true);
    }
    if (w.group !== 'optimizer') {
      const bad = values.findIndex((v) => !Number.isFinite(v));
      check(bad < 0, 'MODEL', () => `${file}: weight '${w.name}' has ${values[bad]} at flat index ${bad}; weights must be finite`);
      out.push({ name: w.name, shape: w.shape, data: values });
    }
    at += bytes;
  }
  check(at === data.length, 'FORMAT', `${file}: the weight data holds ${data.length} bytes, ${data.length - at} more than its ${specs.length} weight specs describe`);
  return out;
}

export function bytesOf(d: KerasArtifacts['weightData']): Uint8Array {
  if (d === undefined) return new Uint8Array(0);
  if (Array.isArray(d)) return concatBytes(d.map((b) => new Uint8Array(b)));
  if (ArrayBuffer.isView(d)) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  return new Uint8Array(d as ArrayBuffer);
}

/** In-memory artifacts (tf.io.ModelArtifacts) as a canonical model; `file` names them in errors. */
export function kerasToModel(artifacts: KerasArtifacts, file = 'model.json'): Model {
  check(typeof artifacts === 'object' && artifacts !== null && artifacts.modelTopology !== undefined, 'FORMAT',
    `${file}: expected TF.js model artifacts {modelTopology, weightSpecs, weightData}`);
  check(artifacts.weightSpecs === undefined || Array.isArray(artifacts.weightSpecs), 'FORMAT',
    `${file}: weightSpecs must be an array of weight specs, got ${JSON.stringify(artifacts.weightSpecs)?.slice(0, 60)}`);
  const topology = parseTopology(artifacts.modelTopology, file);
  const weights = decodeWeights(artifacts.weightSpecs ?? [], bytesOf(artifacts.weightData), file);
  const raw = artifacts.modelTopology as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  for (const [k, v] of [['model', topology.name], ['format', artifacts.format], ['generated_by', artifacts.generatedBy],
    ['converted_by', artifacts.convertedBy], ['keras_version', raw.keras_version], ['backend', raw.backend]]) {
    if (typeof v === 'string') metadata[k as string] = v;
  }
  const model = build(topology, weights, file);
  return { ...model, source: `Keras ${topology.kind} model '${topology.name}' (${metadata.keras_version ?? metadata.generated_by ?? 'TF.js layers format'})`, metadata };
}

/** Walks the calls in an order where each one's inputs exist, translating each layer into graph nodes. */
function build(t: Topology, weights: WeightEntry[], file: string): Omit<Model, 'source' | 'metadata'> {
  const g = new Builder();
  const byLayer = assignWeights(weights, t.layers.map((l) => l.name), file);
  const ctxs = new Map<string, LayerCtx>();
  for (const spec of t.layers) {
    if (spec.className === 'InputLayer') {
      new LayerCtx(spec, g, new Map()).checkOptions(['sparse', 'ragged', 'input_shape']);
      continue;
    }
    const def = layerDef(spec.className, spec.name);
    const pre = new LayerCtx(spec, g, new Map());
    pre.checkOptions(def.options);
    const matched = matchWeights(pre.where, def.weights?.(pre) ?? [], byLayer.get(spec.name)!);
    ctxs.set(spec.name, new LayerCtx(spec, g, matched));
  }
  const tensors = new Map<string, KTensor[]>(); // `${layer}:${node}` -> its outputs
  const inputs: ValueInfo[] = t.inputs.map(([name]) => modelInput(t, name, g, tensors));
  let pending = t.calls;
  while (pending.length) {
    const waiting = pending.filter((call) => {
      const ins = call.inputs.map(([l, n, k]) => tensors.get(`${l}:${n}`)?.[k]);
      if (ins.some((x) => x === undefined)) return true;
      const def = layerDef(call.layer.className, call.layer.name), ctx = ctxs.get(call.layer.name)!;
      const [lo, hi] = def.inputs ?? [1, 1];
      check(ins.length >= lo && ins.length <= hi, 'MODEL', `${ctx.where}: takes ${lo === hi ? lo : `${lo}..${hi}`} input tensor(s), the model gives ${ins.length}`);
      // a role names an output of the layer that made it; a layer passing a tensor on does not keep it
      tensors.set(`${call.layer.name}:${call.node}`, def.translate(ctx, (ins as KTensor[]).map((x) => ({ ...x, role: undefined }))));
      return false;
    });
    if (waiting.length === pending.length) {
      const call = waiting[0], missing = call.inputs.find(([l, n, k]) => !tensors.get(`${l}:${n}`)?.[k])!;
      throw new LstmWasmError('MODEL', `${file}: layer '${call.layer.name}' reads output ${missing[2]} of call ${missing[1]} of layer '${missing[0]}', which the model never computes`);
    }
    pending = waiting;
  }
  const outputs: ValueInfo[] = t.outputs.map(([l, n, k]) => {
    const x = tensors.get(`${l}:${n}`)?.[k];
    check(x !== undefined, 'MODEL', `${file}: output_layers names output ${k} of call ${n} of layer '${l}', which the model never computes`);
    const name = g.fresh(`${l}${x.role ?? (k ? `_${k}` : '')}${n ? `_call${n}` : ''}`);
    g.nodes.push({ op: 'op', type: 'Identity', name, inputs: [x.name], outputs: [name], attrs: {} });
    return { name, types: [x.dtype], dims: freeDims(x.shape, name), optional: false, doc: `output of layer '${l}'` };
  });
  for (const n of g.nodes) if (n.op === 'recurrent') validateRecurrent(n);
  return { inputs, outputs, nodes: g.nodes, constants: g.constants, opset: 17 };
}

const freeDims = (shape: (number | null)[], name: string) =>
  shape.map((d, i) => (i === 0 ? 'B' : d ?? (i === 1 ? 'T' : `${name}_dim${i}`)));

/** A model input from its InputLayer: ids (int32/int64) when an Embedding reads it or its dtype says so, else float32. */
function modelInput(t: Topology, name: string, g: Builder, tensors: Map<string, KTensor[]>): ValueInfo {
  const spec = t.layers.find((l) => l.name === name)!;
  const where = `InputLayer '${name}'`;
  const shape = spec.config.batch_input_shape ?? spec.config.batch_shape;
  check(Array.isArray(shape) && shape.length >= 2 && shape.every((d) => d === null || (Number.isSafeInteger(d) && d > 0)), 'MODEL',
    `${where}: batch_input_shape must be [batch, …] with positive sizes or null, got ${JSON.stringify(shape)}`);
  for (const key of ['sparse', 'ragged']) {
    if (spec.config[key]) throw new LstmWasmError('UNSUPPORTED', `${where}: option '${key}' = true is not supported`);
  }
  const ids = /int/.test(String(spec.config.dtype)) ||
    t.calls.some((c) => c.layer.className === 'Embedding' && c.inputs[0][0] === name);
  g.fresh(name);
  const x: KTensor = { name, shape: [null, ...shape.slice(1)], dtype: ids ? 'int32' : 'float32', host: true };
  tensors.set(`${name}:0`, [x]);
  const doc = ids ? 'token ids (batch, …)' : shape.length === 3 ? 'input sequence (batch, time, features)' : 'input (batch, …)';
  return { name, types: ids ? ['int32', 'int64'] : ['float32'], dims: freeDims(x.shape, name), optional: false, doc };
}

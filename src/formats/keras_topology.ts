// formats/keras_topology.ts: a Keras model config (Sequential or functional) as a list of layer calls and their inputs.
import { LstmWasmError, check } from '../errors.js';

/** One layer of the config: its class, name and options (Keras's snake_case names). */
export interface LayerSpec {
  className: string;
  name: string;
  config: Record<string, unknown>;
}

/** A tensor of the graph: output `tensor` of call `node` of layer `layer` (Keras's [layer, node, tensor]). */
export type Ref = [layer: string, node: number, tensor: number];

/** One call of a layer: which tensors it reads (initial states follow the input, as TF.js saves them). */
export interface Call {
  layer: LayerSpec;
  node: number;
  inputs: Ref[];
}

export interface Topology {
  kind: 'Sequential' | 'Functional';
  name: string;
  layers: LayerSpec[];
  /** In the config's order; a call may read a later call's output (the builder waits for it). */
  calls: Call[];
  inputs: Ref[];
  outputs: Ref[];
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** modelTopology as TF.js saves it ({class_name, config}) or as the converter writes it ({model_config, …}). */
export function parseTopology(raw: unknown, file: string): Topology {
  check(isObject(raw), 'FORMAT', `${file}: modelTopology must be an object, got ${JSON.stringify(raw)?.slice(0, 40)}`);
  const top = isObject(raw.model_config) ? raw.model_config : raw;
  const cls = top.class_name;
  if (cls === 'Sequential') return sequential(top.config, file);
  if (cls === 'Model' || cls === 'Functional') return functional(top.config, file);
  throw new LstmWasmError('UNSUPPORTED', `${file}: model class ${JSON.stringify(cls)} is not supported; supported: Sequential, Model (functional)`);
}

function layerSpec(raw: unknown, file: string, at: string): LayerSpec {
  check(isObject(raw) && typeof raw.class_name === 'string' && isObject(raw.config), 'FORMAT',
    `${file}: ${at} must be {class_name, config}, got ${JSON.stringify(raw)?.slice(0, 80)}`);
  const name = (raw.name ?? raw.config.name) as unknown;
  check(typeof name === 'string' && name !== '', 'FORMAT', `${file}: ${at} (${raw.class_name}) has no name`);
  return { className: raw.class_name, name, config: raw.config };
}

function sequential(config: unknown, file: string): Topology {
  const list = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined; // Keras 2.2 wrote a bare list
  check(Array.isArray(list) && list.length > 0, 'FORMAT', `${file}: a Sequential config needs a non-empty list of layers`);
  const layers = list.map((l, i) => layerSpec(l, file, `layer ${i}`));
  const name = isObject(config) && typeof config.name === 'string' ? config.name : 'sequential';
  if (layers[0].className !== 'InputLayer') {
    // TF.js (and old Keras) keep the input shape on the first layer; the input is named after it
    const first = layers[0].config;
    const shape = first.batch_input_shape ?? first.batch_shape;
    check(Array.isArray(shape), 'MODEL',
      `${file}: layer ${layers[0].className} '${layers[0].name}' is first in the Sequential model but has no batch_input_shape, so the input's shape is unknown`);
    const dtype = first.dtype ?? 'float32';
    layers.unshift({ className: 'InputLayer', name: `${layers[0].name}_input`, config: { batch_input_shape: shape, dtype, name: `${layers[0].name}_input` } });
  }
  for (const l of layers.slice(1)) {
    check(l.className !== 'InputLayer', 'MODEL', `${file}: InputLayer '${l.name}' is not first in the Sequential model`);
  }
  const calls = layers.slice(1).map((layer, i) => ({ layer, node: 0, inputs: [[layers[i].name, 0, 0] as Ref] }));
  return { kind: 'Sequential', name, layers, calls, inputs: [[layers[0].name, 0, 0]], outputs: [[layers[layers.length - 1].name, 0, 0]] };
}

function ref(raw: unknown, file: string, at: string): Ref {
  const ok = Array.isArray(raw) && typeof raw[0] === 'string' && Number.isInteger(raw[1]) && Number.isInteger(raw[2] ?? 0);
  check(ok, 'FORMAT', `${file}: ${at} must be [layer, node, tensor], got ${JSON.stringify(raw)?.slice(0, 80)}`);
  return [raw[0], raw[1], raw[2] ?? 0];
}

/** [[name, node, tensor], …]; Keras writes a single one flat for some models. */
function refs(raw: unknown, file: string, at: string): Ref[] {
  check(Array.isArray(raw), 'FORMAT', `${file}: ${at} must be a list of [layer, node, tensor]`);
  const list = typeof raw[0] === 'string' ? [raw] : raw;
  return list.map((r, i) => ref(r, file, `${at}[${i}]`));
}

function functional(config: unknown, file: string): Topology {
  check(isObject(config) && Array.isArray(config.layers), 'FORMAT', `${file}: a functional model config needs a list of layers`);
  const layers: LayerSpec[] = [];
  const calls: Call[] = [];
  config.layers.forEach((raw, i) => {
    const layer = layerSpec(raw, file, `layer ${i}`);
    check(!layers.some((l) => l.name === layer.name), 'MODEL', `${file}: two layers are named '${layer.name}'`);
    layers.push(layer);
    const nodes = (raw as Record<string, unknown>).inbound_nodes ?? [];
    check(Array.isArray(nodes), 'FORMAT', `${file}: inbound_nodes of layer '${layer.name}' must be a list`);
    nodes.forEach((node, n) => {
      const at = `layer '${layer.name}' inbound node ${n}`;
      check(Array.isArray(node), 'UNSUPPORTED',
        `${file}: ${at} is ${JSON.stringify(node)?.slice(0, 60)}; only the Keras 2 / TF.js form [[layer, node, tensor, kwargs], …] is supported`);
      const inputs: Ref[] = [];
      for (const [k, entry] of node.entries()) {
        inputs.push(ref(entry, file, `${at} input ${k}`));
        const kwargs = (entry as unknown[])[3] ?? {};
        check(isObject(kwargs), 'FORMAT', `${file}: ${at} input ${k}: kwargs must be an object`);
        for (const [key, v] of Object.entries(kwargs)) {
          // Keras 2 (Python) writes a call's initial_state into kwargs; TF.js lists the states as inputs
          if (key === 'initial_state') inputs.push(...refs(v, file, `${at} initial_state`));
          else if (key === 'training' || (key === 'mask' && v === null)) continue;
          else throw new LstmWasmError('UNSUPPORTED', `${file}: ${at}: call argument '${key}' is not supported (supported: initial_state)`);
        }
      }
      calls.push({ layer, node: n, inputs });
    });
  });
  const inputs = refs(config.input_layers, file, 'input_layers');
  const outputs = refs(config.output_layers, file, 'output_layers');
  for (const [name] of inputs) {
    check(layers.some((l) => l.name === name && l.className === 'InputLayer'), 'MODEL', `${file}: input_layers names '${name}', which is not an InputLayer of the model`);
  }
  return { kind: 'Functional', name: typeof config.name === 'string' ? config.name : 'model', layers, calls, inputs, outputs };
}

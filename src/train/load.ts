// train/load.ts: a trained model file as a network to fine-tune — safetensors that save() wrote (its layer list rebuilds
// it exactly), a PyTorch state dict the torch importer reads ([embedding ->] LSTM/GRU/RNN [-> Linear head]), or an
// ONNX model of such a stack (load_onnx.ts), or a Keras / TF.js layers model of one (load_keras.ts).
import { LstmWasmError, check } from '../errors.js';
import { type ByteSource, readBytes } from '../io.js';
import type { KerasArtifacts } from '../formats/keras.js';
import { parseSafetensors, toFloat32 } from '../formats/safetensors.js';
import { type TorchOptions, torchToModel } from '../formats/torch.js';
import { RECURRENT_KEY } from '../formats/torch_recurrent.js';
import type { OpNode, RecurrentNode } from '../model/types.js';
import type { WasmSource } from '../runtime.js';
import { type LayerConfig, type RecurrentOutput, dense, dropout, embedding, gru, lstm, rnn } from './layers.js';
import { Network } from './network.js';
import { LAYERS_KEY } from './save.js';

/** In-memory Keras artifacts ({ modelTopology, weightSpecs, weightData }), not bytes or a location. */
const isArtifacts = (s: unknown): s is KerasArtifacts =>
  typeof s === 'object' && s !== null && !(s instanceof URL) && !ArrayBuffer.isView(s) && !(s instanceof ArrayBuffer) && 'modelTopology' in s;

/** safetensors: a little-endian u64 header size (a first byte of 0x7b is only its low byte), then the JSON header. */
const isSafetensors = (b: Uint8Array) =>
  b.length > 8 && b[8] === 0x7b && b[4] === 0 && b[5] === 0 && b[6] === 0 && b[7] === 0 && 8 + (b[0] | (b[1] << 8) | (b[2] << 16)) + b[3] * 2 ** 24 <= b.length;

/** ONNX: a protobuf ModelProto, whose first field is almost always ir_version (tag 0x08); as formats/load.ts reads it. */
const ONNX_FIRST_BYTES = [0x08, 0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42];

export interface LoadNetworkOptions extends TorchOptions {
  /** ONNX: the graph output to train, when the graph has more than one. */
  graphOutput?: string;
  /** Seeds dropout masks (default 0). */
  seed?: number;
  /** The training core (see SequentialOptions.wasm). */
  wasm?: WasmSource;
}

const OUTPUT_OF: Record<string, RecurrentOutput> = { every_step: 'sequence', final_state: 'final_state', last_step: 'last_step', mean: 'mean', max: 'max' };

/** Rebuilds layer configs from JSON through the factories, so a hand-edited file gets the same checks as code. */
function layersFromJson(raw: unknown, file: string): LayerConfig[] {
  check(Array.isArray(raw), 'FORMAT', `${file}: __metadata__.${LAYERS_KEY} must hold a list of layers`);
  return raw.map((l: Record<string, any>, i: number) => {
    const name = l?.name;
    switch (l?.type) {
      case 'embedding': // a frozen one stays frozen; its values come with the other weights
        return l.trainable === false
          ? embedding(l.numEmbeddings, l.dim, { name, trainable: false, weights: new Float32Array(l.numEmbeddings * l.dim) })
          : embedding(l.numEmbeddings, l.dim, { name });
      case 'dropout':
        return dropout(l.p, { name });
      case 'dense':
        return dense(l.units, { activation: l.activation, name });
      case 'recurrent': {
        const common = { layers: l.layers, bidirectional: l.bidirectional, dropout: l.dropout, output: l.output, name, recurrentBias: l.recurrentBias };
        if (l.cell === 'lstm') return lstm(l.hidden, { ...common, projSize: l.projSize });
        if (l.cell === 'gru') return gru(l.hidden, { ...common, resetAfter: l.resetAfter });
        if (l.cell === 'rnn') return rnn(l.hidden, { ...common, nonlinearity: l.nonlinearity });
      }
    }
    throw new LstmWasmError('FORMAT', `${file}: __metadata__.${LAYERS_KEY}: layer ${i} is not an embedding, lstm, gru, rnn, dropout or dense layer`);
  });
}

/**
 * Loads a model to train further: safetensors written by Network.save(), or a PyTorch state dict of
 * [nn.Embedding ->] nn.LSTM / nn.GRU / nn.RNN [-> nn.Linear] (the torch importer's conventions and metadata). save()
 * writes the weights back under the same names, with the file's metadata. Also an ONNX model (load_onnx.ts) and a
 * Keras / TF.js layers model — a path or URL to model.json, or in-memory artifacts (load_keras.ts) — whose
 * fileWeights() / fileGradients() / saveFiles() speak the file's own names and layouts.
 */
export async function loadNetwork(source: ByteSource | KerasArtifacts, options: LoadNetworkOptions = {}): Promise<Network> {
  const file = typeof source === 'string' ? source : source instanceof URL ? source.href : 'model';
  const { seed, wasm, graphOutput, ...torch } = options;
  const keras = isArtifacts(source);
  const bytes = keras ? new Uint8Array(0) : await readBytes(source as ByteSource);
  if (keras || /\.json$/i.test(file) || (bytes[0] === 0x7b && !isSafetensors(bytes))) {
    // a Keras / TF.js layers model: model.json (its shards beside it) or in-memory artifacts (tf.io.ModelArtifacts)
    for (const k of Object.keys(torch)) check((torch as Record<string, unknown>)[k] === undefined, 'OPTION', `${k} applies to PyTorch state dicts; a Keras model says it itself`);
    check(graphOutput === undefined, 'OPTION', 'graphOutput names the graph output of an ONNX model; a trainable Keras model has one output');
    const { kerasArtifactsFromJson } = await import('../formats/keras.js');
    const { loadKerasNetwork } = await import('./load_keras.js');
    const art = keras ? (source as KerasArtifacts) : await kerasArtifactsFromJson(bytes, file === 'model' ? 'model.json' : file);
    return loadKerasNetwork(art, keras ? 'model.json' : file, { seed, wasm });
  }
  if (!(bytes.length > 8 && bytes[8] === 0x7b) && (/\.onnx$/i.test(file) || ONNX_FIRST_BYTES.includes(bytes[0]))) {
    for (const k of Object.keys(torch)) check((torch as Record<string, unknown>)[k] === undefined, 'OPTION', `${k} applies to PyTorch state dicts; an ONNX model says it itself`);
    const { loadOnnxNetwork } = await import('./load_onnx.js');
    return loadOnnxNetwork(bytes, file, { output: graphOutput, seed, wasm });
  }
  check(graphOutput === undefined, 'OPTION', 'graphOutput names the graph output of an ONNX model to train; a state dict has one');
  check(bytes.length > 8 && bytes[8] === 0x7b, 'UNSUPPORTED',
    `${file}: not a safetensors, ONNX or Keras / TF.js (model.json) model`);
  const st = parseSafetensors(bytes, file);
  const tensors = Object.fromEntries([...st.tensors].map(([k, t]) => [k, { dims: t.shape, data: toFloat32(t, k) }]));
  const { [LAYERS_KEY]: spec, ...meta } = st.metadata;
  let net: Network;
  if (spec !== undefined) {
    let parsed: { layers?: unknown; inputSize?: number; batchFirst?: boolean };
    try {
      parsed = JSON.parse(spec);
    } catch (e) {
      throw new LstmWasmError('FORMAT', `${file}: __metadata__.${LAYERS_KEY} is not JSON (${(e as Error).message})`);
    }
    net = await Network.create(layersFromJson(parsed.layers, file), { inputSize: parsed.inputSize, batchFirst: parsed.batchFirst, seed, wasm });
  } else {
    const model = torchToModel(st, torch, file); // validates the file and reads its metadata as inference would
    const node = model.nodes.find((n): n is RecurrentNode => n.op === 'recurrent')!;
    const prefix = RECURRENT_KEY.exec([...st.tensors.keys()].find((k) => RECURRENT_KEY.test(k))!)![1];
    check(st.tensors.has(`${prefix}bias_ih_l0`), 'UNSUPPORTED', `${file}: a recurrent module without biases (bias=False) cannot be trained yet`);
    const ops = model.nodes.filter((n): n is OpNode => n.op === 'op');
    const gather = ops.find((n) => n.type === 'Gather' && n.inputs[1] === 'ids'), matmul = ops.find((n) => n.type === 'MatMul');
    const layers: LayerConfig[] = [];
    if (gather) {
      const w = st.tensors.get(`${gather.name}.weight`)!;
      layers.push(embedding(w.shape[0], w.shape[1], { name: gather.name }));
    }
    const head = torch.head ?? meta.head;
    const common = {
      layers: node.numLayers, bidirectional: node.direction === 'bidirectional', name: prefix.replace(/\.$/, ''),
      output: matmul ? OUTPUT_OF[head!] : 'sequence' as RecurrentOutput,
    };
    if (node.cell === 'lstm') layers.push(lstm(node.hiddenSize, { ...common, projSize: node.projSize }));
    else if (node.cell === 'gru') layers.push(gru(node.hiddenSize, common));
    else layers.push(rnn(node.hiddenSize, { ...common, nonlinearity: node.activations[0][0].name as 'tanh' | 'relu' }));
    if (matmul) layers.push(dense(st.tensors.get(`${matmul.name}.weight`)!.shape[0], { name: matmul.name }));
    net = await Network.create(layers, { inputSize: gather ? undefined : node.inputSize, batchFirst: node.batchFirst, seed, wasm });
    // what the file said, and what the options said it lacked, go back into it
    if (torch.batchFirst !== undefined) meta.batch_first = String(torch.batchFirst);
    if (torch.nonlinearity !== undefined) meta.nonlinearity = torch.nonlinearity;
    if (torch.head !== undefined) meta.head = torch.head;
    if (torch.output !== undefined) meta.output = torch.output;
  }
  net.setWeights(tensors);
  net.metadata = meta;
  return net;
}

// train/save.ts: a network to safetensors with PyTorch's state-dict names and layout (load_state_dict(strict=True)
// takes it), plus the __metadata__ the torch importer reads and the layer list that rebuilds it for more training.
import { writeSafetensors } from '../formats/safetensors.js';
import type { LayerConfig } from './layers.js';
import type { Network } from './network.js';

/** The metadata key holding the layers and options of the network (JSON), so loadNetwork rebuilds it exactly. */
export const LAYERS_KEY = 'lstm_wasm_layers';

const HEAD_OF = { sequence: 'every_step', final_state: 'final_state', last_step: 'last_step', mean: 'mean', max: 'max' } as const;

/** What the torch importer reads from __metadata__ (batch_first, head, output, nonlinearity) for this network. */
export function torchMetadata(net: Network): Record<string, string> {
  const meta: Record<string, string> = { batch_first: String(net.batchFirst) };
  const layers = net.layers;
  const r = layers.find((l) => l.type === 'recurrent');
  const denses = layers.filter((l) => l.type === 'dense');
  if (r && r.type === 'recurrent') {
    if (r.cell === 'rnn') meta.nonlinearity = r.nonlinearity;
    if (denses.length) meta.head = HEAD_OF[r.output];
    if (r.cell === 'gru' && !r.resetAfter) meta.gru_reset = 'before'; // no PyTorch module computes this GRU
  }
  const last = denses[denses.length - 1];
  if (last && last.type === 'dense' && last.activation !== 'linear') meta.output = last.activation;
  return meta;
}

/** The network as safetensors bytes: every weight (float32) under its PyTorch name, in the network's order. */
export function saveSafetensors(net: Network): Uint8Array {
  const w = net.weights();
  const spec = {
    // the layers' options; an embedding's initial weights are in the tensors, and trainable is said only when false
    layers: net.layers.map((l): Partial<LayerConfig> => {
      if (l.type === 'recurrent') {
        const { recurrentBias, ...rest } = l;
        return recurrentBias ? rest : { ...rest, recurrentBias }; // said only when false (Keras's one bias)
      }
      if (l.type !== 'embedding') return { ...l };
      const { weights: _, trainable, ...rest } = l;
      return trainable ? rest : { ...rest, trainable };
    }),
    inputSize: net.input.kind === 'float' ? net.input.size : undefined,
    batchFirst: net.batchFirst,
  };
  const meta = { ...net.metadata, ...torchMetadata(net), [LAYERS_KEY]: JSON.stringify(spec) };
  return writeSafetensors(Object.entries(w).map(([name, t]) => ({ name, shape: [...t.dims], data: t.data as Float32Array })), meta);
}

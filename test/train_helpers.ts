// test/train_helpers.ts: building the networks of the training fixtures with the layers API, and reading their files.
import { Tensor, parseSafetensors } from 'lstm-wasm';
import { type LayerConfig, type Network, dense, embedding, gru, lstm, rnn, sequential } from 'lstm-wasm/train';
import { fixturePath, npy, readFixture } from './helpers';
import { existsSync } from 'node:fs';

/** The network shape of test/fixtures/train_net.py, as case.json records it. */
export interface NetCase {
  name: string;
  cell: 'LSTM' | 'GRU' | 'RNN';
  I: number; H: number; L: number; bi: boolean; proj: number; nonlin: 'tanh' | 'relu';
  B: number; T: number; lengths: boolean; loss: 'ce' | 'mse' | 'bce';
  head: 'every_step' | 'final_state' | 'last_step' | 'mean' | 'max';
  V: number; O: number; bf: boolean; hidden: number; act: 'tanh' | 'relu'; reset_after: boolean; dropout?: number;
  /** the embedding is frozen (PyTorch from_pretrained(freeze=True)); its weights come with the others */
  freeze_embed?: boolean;
}

const OUTPUT = { every_step: 'sequence', final_state: 'final_state', last_step: 'last_step', mean: 'mean', max: 'max' } as const;

export function layersOf(c: NetCase): LayerConfig[] {
  const layers: LayerConfig[] = [];
  if (c.V) layers.push(c.freeze_embed ? embedding(c.V, c.I, { weights: new Float32Array(c.V * c.I), trainable: false }) : embedding(c.V, c.I));
  const common = { layers: c.L, bidirectional: c.bi, output: OUTPUT[c.head], ...(c.dropout ? { dropout: c.dropout } : {}) };
  if (c.cell === 'LSTM') layers.push(lstm(c.H, { ...common, projSize: c.proj }));
  else if (c.cell === 'GRU') layers.push(gru(c.H, { ...common, resetAfter: c.reset_after }));
  else layers.push(rnn(c.H, { ...common, nonlinearity: c.nonlin }));
  if (c.hidden) layers.push(dense(c.hidden, { activation: c.act }));
  layers.push(dense(c.O));
  return layers;
}

export function buildNet(c: NetCase, seed = 0): Promise<Network> {
  return sequential(layersOf(c), { inputSize: c.V ? undefined : c.I, batchFirst: c.bf, seed });
}

/** The float32 tensors of a safetensors fixture, by key. */
export function stateDict(rel: string): Record<string, Tensor> {
  const st = parseSafetensors(readFixture(rel), rel);
  const out: Record<string, Tensor> = {};
  for (const [k, t] of st.tensors) out[k] = new Tensor('float32', new Float32Array(Uint8Array.from(t.bytes).buffer), t.shape);
  return out;
}

export const maybeNpy = (rel: string) => (existsSync(fixturePath(rel)) ? npy(rel) : undefined);

/** |ours - ref| / max(1, |ref|) over every element (NaN counts as infinitely bad). */
export function worstError(a: ArrayLike<number>, r: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < r.length; i++) {
    const e = Math.abs(a[i] - r[i]) / Math.max(1, Math.abs(r[i]));
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}

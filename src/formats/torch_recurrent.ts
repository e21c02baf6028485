// formats/torch_recurrent.ts: the nn.LSTM / nn.GRU / nn.RNN part of a PyTorch state dict as a canonical recurrent node.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { defaultActivations, validateRecurrent } from '../model/recurrent.js';
import type { CellKind, DirectionWeights, RecurrentNode } from '../model/types.js';
import { type SafetensorsTensor, toFloat32 } from './safetensors.js';

/** What a state dict cannot say; the file's `__metadata__` says it too (same names as PyTorch's arguments). */
export interface TorchRecurrentOptions {
  /** nn.RNN's nonlinearity. Metadata key `nonlinearity`. Default 'tanh'. */
  nonlinearity?: 'tanh' | 'relu';
  /** Inputs and outputs are (B, T, features). Metadata key `batch_first` ('true' / 'false'). Default false. */
  batchFirst?: boolean;
}

/** A recurrent module's parameter: prefix, kind, layer, reverse. */
export const RECURRENT_KEY = /^(.*?)(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?$/;
export const KEYS_HELP = 'weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, weight_hr_l{k} (each optionally _reverse), under one common prefix such as "lstm."';

/** Reads an option from the metadata or the caller; both given and different is an error, not a silent choice. */
export function setting<T>(file: string, meta: Record<string, string>, key: string, flag: string, given: T | undefined,
  parse: (s: string) => T | undefined, expected: string): T | undefined {
  const raw = meta[key];
  const fromFile = raw === undefined ? undefined : parse(raw);
  check(raw === undefined || fromFile !== undefined, 'MODEL', `${file}: __metadata__.${key} = '${raw}'; expected ${expected}`);
  check(given === undefined || fromFile === undefined || given === fromFile, 'OPTION',
    `${flag} ${String(given)} contradicts the file's __metadata__.${key} = '${raw}'`);
  return given ?? fromFile;
}

/**
 * The recurrent module whose parameters are `tensors` (every name matching RECURRENT_KEY) as one node reading `x`
 * and giving y, h_n, c_n. `meta` is the file's __metadata__.
 */
export function torchRecurrent(tensors: [string, SafetensorsTensor][], meta: Record<string, string>,
  options: TorchRecurrentOptions, file: string): RecurrentNode {
  const bad = (msg: string) => new LstmWasmError('MODEL', `${file}: ${msg}`);
  let prefix: string | undefined;
  const found = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>();
  let layers = 0, reverse = false;
  for (const [name, t] of tensors) {
    const m = RECURRENT_KEY.exec(name)!;
    if (prefix === undefined) prefix = m[1];
    else if (m[1] !== prefix) throw bad(`key '${name}' has prefix '${m[1]}' but earlier keys have '${prefix}'; one module per file`);
    const key = `${m[2]}_l${m[3]}${m[4] ?? ''}`;
    layers = Math.max(layers, Number(m[3]) + 1);
    reverse ||= m[4] !== undefined;
    found.set(key, toFloat32(t, name));
    shapes.set(key, t.shape);
  }
  const D = reverse ? 2 : 1;
  const full = (key: string) => `'${prefix}${key}'`;
  const need = (key: string, rank: number) => {
    const s = shapes.get(key);
    if (!s) throw bad(`missing weight ${full(key)}; found ${[...shapes.keys()].map(full).join(', ')}`);
    if (s.length !== rank) throw bad(`${full(key)} is ${fmtDims(s)}; expected a ${rank}-D tensor`);
    return s;
  };

  // Sizes from layer 0: weight_hh is (G*H, P); weight_hr (P, H) exists only with a projection.
  const [rowsHH, P] = need('weight_hh_l0', 2);
  const hr = shapes.get('weight_hr_l0');
  const H = hr ? need('weight_hr_l0', 2)[1] : P;
  const G = rowsHH / H;
  const cell: CellKind | undefined = G === 4 ? 'lstm' : G === 3 ? 'gru' : G === 1 ? 'rnn' : undefined;
  if (!cell || !Number.isInteger(G)) {
    throw bad(`${full('weight_hh_l0')} is ${fmtDims([rowsHH, P])}: rows must be 4, 3 or 1 times the hidden size ${H} (LSTM, GRU, RNN)`);
  }
  if (hr && cell !== 'lstm') throw bad(`${full('weight_hr_l0')} (a projection) exists only for nn.LSTM, but the gates say ${cell.toUpperCase()}`);
  const hasBias = shapes.has('bias_ih_l0');

  const nonlinearity = setting(file, meta, 'nonlinearity', '--nonlinearity', options.nonlinearity,
    (s) => (s === 'tanh' || s === 'relu' ? s : undefined), "'tanh' or 'relu'");
  check(nonlinearity === undefined || cell === 'rnn', 'OPTION',
    `nonlinearity applies only to nn.RNN; ${file} holds an nn.${cell.toUpperCase()}`);
  const batchFirst = setting(file, meta, 'batch_first', '--batch-first', options.batchFirst,
    (s) => (/^true$/i.test(s) ? true : /^false$/i.test(s) ? false : undefined), "'true' or 'false'");

  const weights: DirectionWeights[] = [];
  let inputSize = 0;
  for (let l = 0; l < layers; l++) {
    for (let d = 0; d < D; d++) {
      const s = `_l${l}${d ? '_reverse' : ''}`;
      const [gh, I] = need(`weight_ih${s}`, 2);
      if (l === 0 && d === 0) inputSize = I;
      const hh = need(`weight_hh${s}`, 2);
      const want = (key: string, got: number[], dims: number[]) => {
        if (got.length !== dims.length || got.some((v, i) => v !== dims[i])) {
          throw bad(`${full(key)} is ${fmtDims(got)}; expected ${fmtDims(dims)} for an nn.${cell.toUpperCase()} with hidden_size ${H}${hr ? `, proj_size ${P}` : ''}`);
        }
      };
      want(`weight_ih${s}`, [gh, I], [G * H, l === 0 ? inputSize : D * P]);
      want(`weight_hh${s}`, hh, [G * H, P]);
      if (hasBias) {
        want(`bias_ih${s}`, need(`bias_ih${s}`, 1), [G * H]);
        want(`bias_hh${s}`, need(`bias_hh${s}`, 1), [G * H]);
      } else {
        for (const k of [`bias_ih${s}`, `bias_hh${s}`]) {
          if (shapes.has(k)) throw bad(`${full(k)} is present but layer 0 has no biases; all layers must agree (bias=True or False)`);
        }
      }
      if (hr) want(`weight_hr${s}`, need(`weight_hr${s}`, 2), [P, H]);
      else if (shapes.has(`weight_hr${s}`)) throw bad(`${full(`weight_hr${s}`)} is present but layer 0 has no projection`);
      const zeros = () => new Float32Array(G * H);
      weights.push({
        wx: found.get(`weight_ih${s}`)!,
        wh: found.get(`weight_hh${s}`)!,
        bx: hasBias ? found.get(`bias_ih${s}`)! : zeros(),
        bh: hasBias ? found.get(`bias_hh${s}`)! : zeros(),
        wr: hr ? found.get(`weight_hr${s}`) : undefined,
      });
    }
  }

  const node: RecurrentNode = {
    op: 'recurrent',
    name: prefix ? prefix.replace(/\.$/, '') : cell,
    cell,
    inputSize,
    hiddenSize: H,
    projSize: hr ? P : 0,
    numLayers: layers,
    direction: D === 2 ? 'bidirectional' : 'forward',
    activations: Array.from({ length: D }, () => defaultActivations(cell, nonlinearity ?? 'tanh')),
    clip: 0,
    inputForget: false,
    linearBeforeReset: true, // PyTorch's GRU applies the reset gate after the recurrent product
    layout: 'torch',
    batchFirst: batchFirst ?? false,
    weights,
    inputs: { x: 'x', h0: 'h0', ...(cell === 'lstm' ? { c0: 'c0' } : {}), lengths: 'lengths' },
    outputs: { y: 'y', hN: 'h_n', ...(cell === 'lstm' ? { cN: 'c_n' } : {}) },
  };
  validateRecurrent(node);
  return node;
}

/** How `source` names the module: nn.LSTM, nn.RNN(nonlinearity='relu'). */
export const torchModuleName = (n: RecurrentNode) =>
  n.cell === 'rnn' ? `nn.RNN(nonlinearity='${n.activations[0][0].name}')` : `nn.${n.cell.toUpperCase()}`;


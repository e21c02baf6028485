// model/recurrent.ts: facts about a recurrent node — sizes, its inputs and outputs, validation, parameter count.
import { check, fmtDims } from '../errors.js';
import type { Activation, ActivationName, CellKind, RecurrentNode } from './types.js';

export const GATES: Record<CellKind, number> = { lstm: 4, gru: 3, rnn: 1 };

/** Gate names in canonical order, for messages and `info`. */
export const GATE_NAMES: Record<CellKind, string> = { lstm: 'i, f, g, o', gru: 'r, z, n', rnn: 'h' };

export const ACTIVATIONS: readonly ActivationName[] = [
  'sigmoid', 'tanh', 'relu', 'hard_sigmoid', 'leaky_relu', 'thresholded_relu', 'scaled_tanh', 'affine', 'elu',
  'softsign', 'softplus', 'selu',
];

export const act = (name: ActivationName, alpha = 0, beta = 0): Activation => ({ name, alpha, beta });

/** PyTorch's activations: LSTM sigmoid/tanh/tanh, GRU sigmoid/tanh, RNN tanh or relu. */
export function defaultActivations(cell: CellKind, nonlinearity: 'tanh' | 'relu' = 'tanh'): Activation[] {
  if (cell === 'lstm') return [act('sigmoid'), act('tanh'), act('tanh')];
  if (cell === 'gru') return [act('sigmoid'), act('tanh')];
  return [act(nonlinearity)];
}

export const directionsOf = (n: RecurrentNode) => (n.direction === 'bidirectional' ? 2 : 1);

/** Width of the state fed back and output per direction: the projection size, or H. */
export const stateSizeOf = (n: RecurrentNode) => n.projSize || n.hiddenSize;

/** Input width of layer l: I for the first, D*P for the others. */
export const layerInputSize = (n: RecurrentNode, l: number) => (l === 0 ? n.inputSize : directionsOf(n) * stateSizeOf(n));

export function paramCount(n: RecurrentNode): number {
  let total = 0;
  for (const w of n.weights) {
    total += w.wx.length + w.wh.length + w.bx.length + w.bh.length + (w.peep?.length ?? 0) + (w.wr?.length ?? 0);
  }
  return total;
}

/** Names the weight of layer l, direction d the way PyTorch does (weight_ih_l1_reverse). */
export function torchWeightName(kind: 'weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh' | 'weight_hr', l: number, d: number) {
  return `${kind}_l${l}${d ? '_reverse' : ''}`;
}

/** Checks that every size, weight length and option is consistent; throws MODEL naming the part. */
export function validateRecurrent(n: RecurrentNode): void {
  const where = `node '${n.name}'`;
  const G = GATES[n.cell];
  check(G !== undefined, 'MODEL', () => `${where}: cell '${n.cell}' is not one of lstm, gru, rnn`);
  for (const [k, v] of [['inputSize', n.inputSize], ['hiddenSize', n.hiddenSize], ['numLayers', n.numLayers]] as const) {
    check(Number.isSafeInteger(v) && v >= 1, 'MODEL', () => `${where}: ${k} must be a positive integer, got ${v}`);
  }
  check(n.projSize === 0 || n.cell === 'lstm', 'MODEL', () => `${where}: a projection (proj_size) exists only for LSTM`);
  check(n.projSize === 0 || (Number.isSafeInteger(n.projSize) && n.projSize > 0 && n.projSize < n.hiddenSize), 'MODEL',
    () => `${where}: proj_size must be smaller than hidden_size (${n.hiddenSize}), got ${n.projSize}`);
  check(Number.isFinite(n.clip) && n.clip >= 0, 'MODEL', () => `${where}: clip must be a non-negative number, got ${n.clip}`);
  check(['forward', 'reverse', 'bidirectional'].includes(n.direction), 'MODEL',
    () => `${where}: direction must be forward, reverse or bidirectional, got '${n.direction}'`);
  check(n.layout === 'torch' || (n.layout === 'onnx' && n.numLayers === 1 && !n.projSize), 'MODEL',
    () => `${where}: the onnx layout has one layer and no projection`);
  check(!n.inputForget || n.cell === 'lstm', 'MODEL', () => `${where}: input_forget applies only to LSTM`);
  const D = directionsOf(n), H = n.hiddenSize, P = stateSizeOf(n);
  const nActs = n.cell === 'lstm' ? 3 : n.cell === 'gru' ? 2 : 1;
  check(n.activations.length === D, 'MODEL', () => `${where}: needs activations for ${D} direction(s), got ${n.activations.length}`);
  for (const list of n.activations) {
    check(list.length === nActs, 'MODEL', () => `${where}: a ${n.cell.toUpperCase()} takes ${nActs} activations, got ${list.length}`);
    for (const a of list) {
      check(ACTIVATIONS.includes(a.name), 'UNSUPPORTED', () => `${where}: activation '${a.name}' is not one of ${ACTIVATIONS.join(', ')}`);
      check(Number.isFinite(a.alpha) && Number.isFinite(a.beta), 'MODEL', () => `${where}: activation ${a.name} has a non-finite alpha or beta`);
    }
  }
  check(n.weights.length === n.numLayers * D, 'MODEL',
    () => `${where}: needs ${n.numLayers * D} weight sets (layers x directions), got ${n.weights.length}`);
  n.weights.forEach((w, i) => {
    const l = Math.floor(i / D), d = i % D, I = layerInputSize(n, l);
    const part = (name: string) => `${where}, layer ${l}${d ? ' reverse' : ''}, ${name}`;
    const expect = (a: Float32Array | undefined, name: string, dims: number[]) => {
      check(a !== undefined, 'MODEL', () => `${part(name)}: missing, expected ${fmtDims(dims)}`);
      const size = dims.reduce((x, y) => x * y, 1);
      check(a.length === size, 'MODEL', () => `${part(name)}: expected ${fmtDims(dims)} (${size} values), got ${a.length} values`);
      if (dims.length > 1) return; // matrices are checked for NaN/Infinity in wasm while they are packed
      for (let i = 0; i < a.length; i++) {
        check(a[i] - a[i] === 0, 'MODEL', () => `${part(name)}: value ${a[i]} at flat index ${i}; weights must be finite`);
      }
    };
    expect(w.wx, 'input weights Wx', [G * H, I]);
    expect(w.wh, 'recurrent weights Wh', [G * H, P]);
    expect(w.bx, 'input bias bx', [G * H]);
    expect(w.bh, 'recurrent bias bh', [G * H]);
    if (w.peep) expect(w.peep, 'peepholes', [3, H]);
    check(!w.peep || n.cell === 'lstm', 'MODEL', () => `${part('peepholes')}: only LSTM has peepholes`);
    if (n.projSize) expect(w.wr, 'projection Wr', [P, H]);
    else check(!w.wr, 'MODEL', () => `${part('projection Wr')}: present but proj_size is 0`);
  });
}

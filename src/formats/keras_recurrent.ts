// formats/keras_recurrent.ts: Keras LSTM / GRU / SimpleRNN (and Bidirectional around them) as canonical recurrent nodes.
import { check } from '../errors.js';
import { act } from '../model/recurrent.js';
import type { Activation, CellKind, DirectionWeights, RecurrentNode } from '../model/types.js';
import { type KTensor, type LayerCtx, type LayerDef, fmtShape, lastDim, needFloat } from './keras_build.js';

interface CellInfo {
  cell: CellKind;
  gates: number;
  /** canonical gate k comes from Keras gate perm[k]: LSTM i,f,c,o -> i,f,g,o; GRU z,r,h -> r,z,n */
  perm: number[];
  /** roles of the states after the output, as model output names */
  states: string[];
  options: string[];
}

const COMMON = ['units', 'activation', 'use_bias', 'dropout', 'recurrent_dropout', 'implementation', 'return_sequences',
  'return_state', 'go_backwards', 'stateful', 'unroll', 'time_major', 'zero_output_for_mask', 'seed'];
const CELLS: Record<string, CellInfo> = {
  LSTM: { cell: 'lstm', gates: 4, perm: [0, 1, 2, 3], states: ['_state_h', '_state_c'], options: [...COMMON, 'recurrent_activation', 'unit_forget_bias'] },
  GRU: { cell: 'gru', gates: 3, perm: [1, 0, 2], states: ['_state'], options: [...COMMON, 'recurrent_activation', 'reset_after'] },
  SimpleRNN: { cell: 'rnn', gates: 1, perm: [0], states: ['_state'], options: COMMON },
};

/** The activations the recurrent kernel has, under TF.js's names (hard_sigmoid is TF.js's: 0.2x + 0.5, clipped). */
const ACTS: Record<string, Activation> = {
  tanh: act('tanh'), sigmoid: act('sigmoid'), hardsigmoid: act('hard_sigmoid', 0.2, 0.5), relu: act('relu'),
  linear: act('affine', 1, 0), softsign: act('softsign'), softplus: act('softplus'), elu: act('elu', 1),
  selu: act('selu', 1.6732632423543772, 1.0507009873554805),
};

function activation(c: LayerCtx, key: string, dflt: string): Activation {
  const raw = c.get(key) ?? dflt;
  const a = typeof raw === 'string' ? ACTS[raw.toLowerCase().replace(/_/g, '')] : undefined;
  return a ?? c.refuse(key, raw, 'tanh, sigmoid, hard_sigmoid, relu, linear, softsign, softplus, elu, selu');
}

/** A recurrent layer's configuration, every option checked. */
interface Rnn extends CellInfo {
  H: number;
  acts: Activation[];
  useBias: boolean;
  resetAfter: boolean;
  sequences: boolean;
  returnState: boolean;
  backwards: boolean;
}

function rnnConfig(c: LayerCtx): Rnn {
  const info = CELLS[c.spec.className];
  if (!info) c.refuse('layer', c.spec.className, 'LSTM, GRU, SimpleRNN');
  c.checkOptions(info.options);
  for (const [key, why] of [['stateful', 'false (each run starts from zero or given states)'], ['time_major', 'false'],
    ['zero_output_for_mask', "false (a masked step outputs the state it kept, as TF.js does)"]] as const) {
    if (c.bool(key, false)) c.refuse(key, true, why);
  }
  const f = info.cell === 'rnn' ? [] : [activation(c, 'recurrent_activation', 'hard_sigmoid')]; // TF.js's default
  const g = activation(c, 'activation', 'tanh');
  return {
    ...info, H: c.count('units'), acts: info.cell === 'lstm' ? [...f, g, g] : [...f, g], useBias: c.bool('use_bias', true),
    resetAfter: info.cell === 'gru' && c.bool('reset_after', false), sequences: c.bool('return_sequences', false),
    returnState: c.bool('return_state', false), backwards: c.bool('go_backwards', false),
  };
}

const rnnWeights = (c: LayerCtx) => c.paths(...(c.bool('use_bias', true) ? ['kernel', 'recurrent_kernel', 'bias'] : ['kernel', 'recurrent_kernel']));

/** Keras's W (K, G*H), gate blocks along columns, as canonical (G*H, K) rows in canonical gate order. */
function gateRows(w: Float32Array, K: number, H: number, perm: number[]): Float32Array {
  const GH = perm.length * H, out = new Float32Array(GH * K);
  perm.forEach((from, g) => {
    for (let j = 0; j < H; j++) for (let k = 0; k < K; k++) out[(g * H + j) * K + k] = w[k * GH + from * H + j];
  });
  return out;
}

function gateVector(b: Float32Array | undefined, H: number, perm: number[]): Float32Array {
  const out = new Float32Array(perm.length * H);
  if (b) perm.forEach((from, g) => out.set(b.subarray(from * H, (from + 1) * H), g * H));
  return out;
}

function directionWeights(c: LayerCtx, r: Rnn, I: number): DirectionWeights {
  const GH = r.gates * r.H;
  // GRU reset_after: bias (2, 3H) = [input bias; recurrent bias]; otherwise one bias on the input side
  const b = r.useBias ? c.weight('bias', r.resetAfter ? [2, GH] : [GH]) : undefined;
  return {
    wx: gateRows(c.weight('kernel', [I, GH]), I, r.H, r.perm),
    wh: gateRows(c.weight('recurrent_kernel', [r.H, GH]), r.H, r.H, r.perm),
    bx: gateVector(b?.subarray(0, GH), r.H, r.perm),
    bh: gateVector(r.resetAfter ? b?.subarray(GH) : undefined, r.H, r.perm),
  };
}

/** Checks the input and initial states; returns the input size. */
function checkInputs(c: LayerCtx, r: Rnn, D: number, [x, ...states]: KTensor[]): number {
  needFloat(c, x);
  check(x.shape.length === 3, 'MODEL', `${c.where}: needs a 3-D input (batch, time, features), got ${fmtShape(x.shape)}`);
  const want = D * (r.cell === 'lstm' ? 2 : 1);
  check(states.length === 0 || states.length === want, 'MODEL',
    `${c.where}: takes ${want} initial state${want > 1 ? 's' : ''}, got ${states.length}`);
  for (const s of states) {
    needFloat(c, s);
    check(s.shape.length === 2 && (s.shape[1] === null || s.shape[1] === r.H), 'MODEL',
      `${c.where}: an initial state must be (batch, ${r.H}), got ${fmtShape(s.shape)}`);
  }
  return lastDim(c, x);
}

/**
 * One recurrent node for the layer (D = 1, or 2 for Bidirectional), x (B, T, I) batch-first, Keras's masking:
 * a masked step keeps the state and outputs it. Returns y (B, T, D*H) when asked, h_n and c_n (D, B, H).
 */
function recurrentNode(c: LayerCtx, r: Rnn, weights: DirectionWeights[], I: number, [x, ...states]: KTensor[]) {
  const D = weights.length, lstm = r.cell === 'lstm';
  // initial states arrive per direction as (B, H): [h, c] or [h_fwd, c_fwd, h_bwd, c_bwd]; the node takes (D, B, H)
  const per = lstm ? 2 : 1;
  const stack = (k: number) => {
    const parts = Array.from({ length: D }, (_, d) => c.unsqueeze(states[d * per + k].name, 0));
    return parts.length === 1 ? parts[0] : c.op('Concat', parts, { axis: 0 });
  };
  const name = c.spec.name; // a label: node names are not values
  const out = (what: string) => c.fresh(what);
  const y = r.sequences ? out('y') : undefined, hN = out('h_n'), cN = lstm && r.returnState ? out('c_n') : undefined;
  const node: RecurrentNode = {
    op: 'recurrent', name, cell: r.cell, inputSize: I, hiddenSize: r.H, projSize: 0, numLayers: 1,
    direction: D === 2 ? 'bidirectional' : r.backwards ? 'reverse' : 'forward',
    activations: weights.map(() => r.acts), clip: 0, inputForget: false, linearBeforeReset: r.resetAfter,
    layout: 'torch', batchFirst: true, weights, holdSkipped: true,
    inputs: { x: x.name, ...(x.mask ? { mask: x.mask } : {}), ...(states.length ? { h0: stack(0) } : {}), ...(states.length && lstm ? { c0: stack(1) } : {}) },
    outputs: { ...(y ? { y } : {}), hN, ...(cN ? { cN } : {}) },
  };
  c.g.nodes.push(node);
  return { y, hN, cN };
}

const MIN_INDEX = -Number.MAX_SAFE_INTEGER;

const SINGLE: LayerDef['translate'] = (c, ins) => {
  const r = rnnConfig(c);
  const I = checkInputs(c, r, 1, ins), [x] = ins, [B, T] = x.shape;
  const { y, hN, cN } = recurrentNode(c, r, [directionWeights(c, r, I)], I, ins);
  const h = c.reshape(hN, [-1, r.H]);
  const t = (name: string, shape: (number | null)[], role?: string, mask?: string): KTensor => ({ name, shape, dtype: 'float32', host: false, role, mask });
  // go_backwards: Keras returns the steps in the order it walked them, last first
  const main = y ? t(r.backwards ? c.slice(y, 1, -1, MIN_INDEX, -1) : y, [B, T, r.H], undefined, x.mask) : t(h, [B, r.H]);
  if (!r.returnState) return [main];
  return [main, t(h, [B, r.H], r.states[0]), ...(cN ? [t(c.reshape(cN, [-1, r.H]), [B, r.H], r.states[1])] : [])];
};

const MERGE_MODES = ['concat', 'sum', 'mul', 'ave', null];

/** The wrapped layer of a Bidirectional; its backward twin must be the same layer walking the other way. */
function bidirectionalConfig(c: LayerCtx): { fwd: LayerCtx; bwd: LayerCtx; r: Rnn } {
  const raw = c.get('layer') as { class_name?: unknown; config?: Record<string, unknown> } | undefined;
  if (!raw?.config || !CELLS[String(raw.class_name)]) c.refuse('layer', raw?.class_name, 'LSTM, GRU, SimpleRNN');
  const spec = { className: String(raw.class_name), name: String(raw.config.name ?? raw.class_name), config: raw.config };
  const fwd = c.inner(spec, 'forward/'), bwd = c.inner(spec, 'backward/');
  const r = rnnConfig(fwd);
  if (r.backwards) fwd.refuse('go_backwards', true, 'false inside Bidirectional');
  const back = c.get('backward_layer') as { class_name?: unknown; config?: Record<string, unknown> } | undefined;
  if (back) {
    const b = rnnConfig(c.inner({ className: String(back.class_name), name: String(back.config?.name), config: back.config ?? {} }));
    const same = back.class_name === raw.class_name && b.backwards && b.H === r.H && b.useBias === r.useBias && b.resetAfter === r.resetAfter &&
      b.sequences === r.sequences && b.returnState === r.returnState && JSON.stringify(b.acts) === JSON.stringify(r.acts);
    if (!same) c.refuse('backward_layer', back.class_name, 'a copy of the forward layer with go_backwards true');
  }
  return { fwd, bwd, r };
}

const BIDIRECTIONAL: LayerDef = {
  options: ['layer', 'merge_mode', 'backward_layer'],
  weights: (c) => {
    const { fwd, bwd } = bidirectionalConfig(c);
    return [...rnnWeights(fwd), ...rnnWeights(bwd)];
  },
  translate: (c, ins) => {
    const { fwd, bwd, r } = bidirectionalConfig(c);
    const mode = c.get('merge_mode') === undefined ? 'concat' : c.get('merge_mode');
    if (!MERGE_MODES.includes(mode as string)) c.refuse('merge_mode', mode, 'concat, sum, mul, ave, null');
    const I = checkInputs(c, r, 2, ins), [x] = ins, [B, T] = x.shape, H = r.H;
    const { y, hN, cN } = recurrentNode(c, r, [directionWeights(fwd, r, I), directionWeights(bwd, r, I)], I, ins);
    const t = (name: string, shape: (number | null)[], role?: string, mask?: string): KTensor => ({ name, shape, dtype: 'float32', host: false, role, mask });
    const state = (s: string, d: number) => c.reshape(c.slice(s, 0, d, d + 1), [-1, H]);
    let outs: KTensor[];
    if (y) {
      // the reverse direction's outputs are already in time order, as TF.js's Bidirectional returns them
      const part = (d: number) => c.slice(y, 2, d * H, (d + 1) * H);
      outs = mode === 'concat' ? [t(y, [B, T, 2 * H], undefined, x.mask)] : merge(c, mode as string | null, part(0), part(1)).map((n, i, all) =>
        t(n, [B, T, H], all.length > 1 ? ['_forward', '_backward'][i] : undefined, x.mask));
    } else if (mode === 'concat') {
      outs = [t(c.reshape(c.op('Transpose', [hN], { perm: [1, 0, 2] }), [-1, 2 * H]), [B, 2 * H])]; // (2, B, H) -> (B, 2H)
    } else {
      outs = merge(c, mode as string | null, state(hN, 0), state(hN, 1)).map((n, i, all) => t(n, [B, H], all.length > 1 ? ['_forward', '_backward'][i] : undefined));
    }
    if (!r.returnState) return outs;
    const states = (d: number, side: string) => [t(state(hN, d), [B, H], `_${side}_${cN ? 'h' : 'state'}`), ...(cN ? [t(state(cN, d), [B, H], `_${side}_c`)] : [])];
    return [...outs, ...states(0, 'forward'), ...states(1, 'backward')];
  },
};

/** Bidirectional's merge of the forward and backward outputs (null: both, apart). */
function merge(c: LayerCtx, mode: string | null, f: string, b: string): string[] {
  switch (mode) {
    case 'sum': return [c.op('Add', [f, b])];
    case 'mul': return [c.op('Mul', [f, b])];
    case 'ave': return [c.op('Mul', [c.op('Add', [f, b]), c.g.float(c.fresh('half'), Float32Array.of(0.5), [])])];
    default: return [f, b];
  }
}

const rnnLayer = (cls: string): LayerDef => ({ options: CELLS[cls].options, inputs: [1, 3], weights: rnnWeights, translate: SINGLE });

export const RECURRENT_LAYERS: Record<string, LayerDef> = {
  LSTM: rnnLayer('LSTM'), GRU: rnnLayer('GRU'), SimpleRNN: rnnLayer('SimpleRNN'),
  Bidirectional: { ...BIDIRECTIONAL, inputs: [1, 5] },
};

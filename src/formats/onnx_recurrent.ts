// formats/onnx_recurrent.ts: an ONNX LSTM / GRU / RNN node (attributes + W, R, B, P) as a canonical recurrent node.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { act, validateRecurrent } from '../model/recurrent.js';
import type { Activation, ActivationName, AttrValue, CellKind, DirectionWeights, RecurrentNode } from '../model/types.js';

export type OnnxRecurrentOp = 'LSTM' | 'GRU' | 'RNN';
export type OnnxAttributes = Record<string, number | string | readonly number[] | readonly string[]>;
export interface OnnxArray {
  data: Float32Array;
  dims: readonly number[];
}

const CELL: Record<OnnxRecurrentOp, CellKind> = { LSTM: 'lstm', GRU: 'gru', RNN: 'rnn' };
const GATES: Record<OnnxRecurrentOp, number> = { LSTM: 4, GRU: 3, RNN: 1 };
const ACTS_PER_DIRECTION: Record<OnnxRecurrentOp, number> = { LSTM: 3, GRU: 2, RNN: 1 };
// canonical gate k comes from ONNX gate PERM[k]: LSTM i,o,f,c -> i,f,g,o; GRU z,r,h -> r,z,n
const PERM: Record<OnnxRecurrentOp, number[]> = { LSTM: [0, 2, 3, 1], GRU: [1, 0, 2], RNN: [0] };
const PEEP_PERM = [0, 2, 1]; // ONNX P is i, o, f; canonical is i, f, o
const COMMON = ['activation_alpha', 'activation_beta', 'activations', 'clip', 'direction', 'hidden_size', 'layout'];
const ATTRIBUTES: Record<OnnxRecurrentOp, string[]> = {
  LSTM: [...COMMON, 'input_forget'], GRU: [...COMMON, 'linear_before_reset'], RNN: COMMON,
};

/**
 * ONNX activation names, whether they read alpha/beta, and the defaults of the ONNX operator of the same
 * name. (onnxruntime defaults ThresholdedRelu, ScaledTanh and Affine to 0; we follow the specification.)
 */
const ACTIVATIONS: Record<string, { name: ActivationName; alpha?: number; beta?: number }> = {
  sigmoid: { name: 'sigmoid' },
  tanh: { name: 'tanh' },
  relu: { name: 'relu' },
  hardsigmoid: { name: 'hard_sigmoid', alpha: 0.2, beta: 0.5 },
  leakyrelu: { name: 'leaky_relu', alpha: 0.01 },
  thresholdedrelu: { name: 'thresholded_relu', alpha: 1 },
  scaledtanh: { name: 'scaled_tanh', alpha: 1, beta: 1 },
  affine: { name: 'affine', alpha: 1, beta: 0 },
  elu: { name: 'elu', alpha: 1 },
  softsign: { name: 'softsign' },
  softplus: { name: 'softplus' },
};

/** Reorders G gate blocks of `rows` rows of `K` values each: block k of the result is block perm[k] of src. */
function permuteGates(src: Float32Array, perm: number[], block: number): Float32Array {
  const out = new Float32Array(src.length);
  perm.forEach((from, to) => out.set(src.subarray(from * block, (from + 1) * block), to * block));
  return out;
}

/**
 * Activations in the spec's order, alpha and beta consumed in order by the activations that take them
 * ("the values are consumed in the order of activation functions").
 */
function activations(op: OnnxRecurrentOp, D: number, attrs: OnnxAttributes, where: string): Activation[][] {
  const per = ACTS_PER_DIRECTION[op];
  const defaults = { LSTM: ['Sigmoid', 'Tanh', 'Tanh'], GRU: ['Sigmoid', 'Tanh'], RNN: ['Tanh'] }[op];
  const names = (attrs.activations as readonly string[] | undefined) ?? Array.from({ length: D }, () => defaults).flat();
  check(names.length === per * D, 'MODEL', `${where}: activations lists ${names.length} functions; ${op} with ${D} direction(s) needs ${per * D}`);
  const alphas = [...((attrs.activation_alpha as readonly number[]) ?? [])];
  const betas = [...((attrs.activation_beta as readonly number[]) ?? [])];
  const list = names.map((n) => {
    const a = ACTIVATIONS[String(n).toLowerCase()];
    if (!a) throw new LstmWasmError('UNSUPPORTED', `${where}: activation '${n}' is not one of Sigmoid, Tanh, Relu, HardSigmoid, LeakyRelu, ThresholdedRelu, ScaledTanh, Affine, Elu, Softsign, Softplus`);
    const alpha = a.alpha === undefined ? 0 : alphas.length ? alphas.shift()! : a.alpha;
    const beta = a.beta === undefined ? 0 : betas.length ? betas.shift()! : a.beta;
    return act(a.name, alpha, beta);
  });
  check(alphas.length === 0 && betas.length === 0, 'MODEL',
    `${where}: ${alphas.length} activation_alpha and ${betas.length} activation_beta values are left over after ${names.join(', ')}`);
  return Array.from({ length: D }, (_, d) => list.slice(d * per, (d + 1) * per));
}

export interface OnnxRecurrentIO {
  inputs: RecurrentNode['inputs'];
  outputs: RecurrentNode['outputs'];
}

/** Translates one ONNX recurrent node; weights are float32 arrays with their ONNX dims. */
export function onnxRecurrent(
  op: OnnxRecurrentOp, name: string, attrs: OnnxAttributes,
  w: { W: OnnxArray; R: OnnxArray; B?: OnnxArray; P?: OnnxArray }, io: OnnxRecurrentIO,
): RecurrentNode {
  const where = `${op} node '${name}'`;
  for (const key of Object.keys(attrs)) {
    check(ATTRIBUTES[op].includes(key), 'UNSUPPORTED', `${where}: attribute '${key}' is not an attribute of ${op} (known: ${ATTRIBUTES[op].join(', ')})`);
  }
  const direction = (attrs.direction as string | undefined) ?? 'forward';
  check(['forward', 'reverse', 'bidirectional'].includes(direction), 'MODEL', `${where}: direction '${direction}' is not forward, reverse or bidirectional`);
  const D = direction === 'bidirectional' ? 2 : 1, G = GATES[op];
  const dims = (a: OnnxArray | undefined, what: string, want: (number | string)[]) => {
    if (!a) return;
    check(a.dims.length === want.length && a.dims.every((v, i) => typeof want[i] === 'string' || v === want[i]), 'MODEL',
      `${where}: ${what} is ${fmtDims(a.dims)}; expected ${fmtDims(want)}`);
  };
  dims(w.R, 'R', [D, 'G*H', 'H']);
  const H = w.R.dims[2];
  check(attrs.hidden_size === undefined || attrs.hidden_size === H, 'MODEL', `${where}: hidden_size ${attrs.hidden_size} but R is ${fmtDims(w.R.dims)}`);
  dims(w.R, 'R', [D, G * H, H]);
  dims(w.W, 'W', [D, G * H, 'I']);
  const I = w.W.dims[2];
  dims(w.B, 'B', [D, 2 * G * H]);
  check(!w.P || op === 'LSTM', 'MODEL', `${where}: only LSTM has peepholes (P)`);
  dims(w.P, 'P', [D, 3 * H]);
  const layout = attrs.layout ?? 0, clip = attrs.clip;
  check(layout === 0 || layout === 1, 'MODEL', `${where}: layout ${layout} is not 0 or 1`);
  check(clip === undefined || (typeof clip === 'number' && clip > 0), 'MODEL', `${where}: clip ${clip} must be a positive number`);
  for (const flag of ['input_forget', 'linear_before_reset']) {
    check(attrs[flag] === undefined || attrs[flag] === 0 || attrs[flag] === 1, 'MODEL', `${where}: ${flag} ${attrs[flag]} is not 0 or 1`);
  }

  const perm = PERM[op];
  const weights: DirectionWeights[] = [];
  for (let d = 0; d < D; d++) {
    const slice = (a: OnnxArray, n: number) => a.data.subarray(d * n, (d + 1) * n);
    const b = w.B ? slice(w.B, 2 * G * H) : new Float32Array(2 * G * H);
    weights.push({
      wx: permuteGates(slice(w.W, G * H * I), perm, H * I),
      wh: permuteGates(slice(w.R, G * H * H), perm, H * H),
      bx: permuteGates(b.subarray(0, G * H), perm, H),
      bh: permuteGates(b.subarray(G * H), perm, H),
      peep: w.P ? permuteGates(slice(w.P, 3 * H), PEEP_PERM, H) : undefined,
    });
  }
  const node: RecurrentNode = {
    op: 'recurrent',
    name,
    cell: CELL[op],
    inputSize: I,
    hiddenSize: H,
    projSize: 0,
    numLayers: 1,
    direction: direction as RecurrentNode['direction'],
    activations: activations(op, D, attrs, where),
    clip: (clip as number | undefined) ?? 0,
    inputForget: attrs.input_forget === 1,
    linearBeforeReset: attrs.linear_before_reset === 1,
    layout: 'onnx',
    batchFirst: layout === 1,
    weights,
    inputs: io.inputs,
    outputs: io.outputs,
  };
  validateRecurrent(node);
  return node;
}

/**
 * A node whose W, R (and B, P) are graph inputs: checked now against zero weights of the declared sizes,
 * translated from the fed values at each run (see RecurrentNode.runtimeWeights).
 */
export function onnxRecurrentTemplate(
  op: OnnxRecurrentOp, name: string, attrs: OnnxAttributes, H: number, I: number,
  names: { W: string; R: string; B?: string; P?: string }, io: OnnxRecurrentIO,
): RecurrentNode {
  const D = attrs.direction === 'bidirectional' ? 2 : 1, G = GATES[op];
  const zeros = (dims: number[]) => ({ data: new Float32Array(dims.reduce((a, b) => a * b, 1)), dims });
  const node = onnxRecurrent(op, name, attrs, {
    W: zeros([D, G * H, I]), R: zeros([D, G * H, H]), B: names.B ? zeros([D, 2 * G * H]) : undefined,
    P: names.P ? zeros([D, 3 * H]) : undefined,
  }, io);
  return { ...node, weights: [], runtimeWeights: { op, attrs: attrs as Record<string, AttrValue>, ...names } };
}

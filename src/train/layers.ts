// train/layers.ts: layer configurations for the layers API — embedding, lstm / gru / rnn, dropout, dense — with
// their options checked (unknown or invalid ones are refused, never ignored) and PyTorch's default initialisation.
import { LstmWasmError, check } from '../errors.js';
import type { Rng } from '../decode/rng.js';
import type { CellKind } from '../model/types.js';

export type DenseActivation = 'linear' | 'relu' | 'tanh' | 'sigmoid';

/**
 * What a recurrent layer hands on: 'sequence' (every step, many-to-many), or one vector per item (many-to-one):
 * 'final_state' (h_n of the last layer; both directions concatenated, as torch.cat([h_n[-2], h_n[-1]], 1)),
 * 'last_step' (the output at each item's last valid step), 'mean' / 'max' (over each item's valid steps).
 */
export type RecurrentOutput = 'sequence' | 'final_state' | 'last_step' | 'mean' | 'max';
export const RECURRENT_OUTPUTS: readonly RecurrentOutput[] = ['sequence', 'final_state', 'last_step', 'mean', 'max'];

export interface EmbeddingConfig {
  type: 'embedding';
  name?: string;
  numEmbeddings: number;
  dim: number;
  /** Initial weights [numEmbeddings, dim] row-major (e.g. from KeyedVectors.embeddingMatrix); else PyTorch's N(0, 1). */
  weights?: Float32Array;
  /** false: the weights stay as they are — no gradient, no optimizer update (PyTorch Embedding.from_pretrained(freeze=True)). */
  trainable: boolean;
}

export interface RecurrentConfig {
  type: 'recurrent';
  cell: CellKind;
  name?: string;
  hidden: number;
  /** Stacked layers (PyTorch num_layers). Default 1. */
  layers: number;
  bidirectional: boolean;
  /** LSTM only: project h to this size (PyTorch proj_size); 0 = none. */
  projSize: number;
  /** Dropout on the outputs of every layer but the last, while training (PyTorch's dropout argument). */
  dropout: number;
  output: RecurrentOutput;
  /** RNN only. Default 'tanh'. */
  nonlinearity: 'tanh' | 'relu';
  /** GRU only: the reset gate applied after the recurrent product (PyTorch, the default) or before it (ONNX's default). */
  resetAfter: boolean;
  /**
   * false: one bias per gate, as Keras's LSTM, SimpleRNN and reset-before GRU have — bias_hh stays zero and is not
   * trained (frozen), so the optimizers move the one bias as Keras would. Default true (PyTorch's two biases).
   */
  recurrentBias: boolean;
}

export interface DropoutConfig {
  type: 'dropout';
  name?: string;
  p: number;
}

export interface DenseConfig {
  type: 'dense';
  name?: string;
  units: number;
  activation: DenseActivation;
}

export type LayerConfig = EmbeddingConfig | RecurrentConfig | DropoutConfig | DenseConfig;

function known(opts: object | undefined, keys: readonly string[], what: string): void {
  if (opts === undefined) return;
  check(opts !== null && typeof opts === 'object', 'OPTION', `${what}: options must be an object`);
  for (const k of Object.keys(opts)) check(keys.includes(k), 'OPTION', `${what}: unknown option '${k}'; known: ${keys.join(', ')}`);
}

const positiveInt = (v: unknown, what: string) =>
  check(Number.isSafeInteger(v) && (v as number) >= 1, 'OPTION', `${what} must be a positive integer, got ${String(v)}`);
const probability = (v: unknown, what: string) =>
  check(typeof v === 'number' && v >= 0 && v < 1, 'OPTION', `${what} must be a number in [0, 1), got ${String(v)}`);
// a module path as PyTorch names it ('lstm', 'encoder.rnn'); a recurrent layer may also be '' (a bare nn.LSTM's keys)
const nameOf = (v: unknown, what: string, empty = false) =>
  check(v === undefined || (typeof v === 'string' && (/^[A-Za-z_][\w.]*$/.test(v) || (empty && v === ''))), 'OPTION',
    `${what}: name must be a module path such as 'lstm' or 'encoder.rnn', got ${JSON.stringify(v)}`);

/** nn.Embedding(numEmbeddings, dim): token ids -> rows of a (numEmbeddings, dim) table. */
export interface EmbeddingOptions {
  name?: string;
  /**
   * Initial weights, [numEmbeddings, dim] row-major: a flat array, or { weights, dims } as KeyedVectors.embeddingMatrix
   * returns it (pretrained word vectors into a recurrent model). Default: PyTorch's N(0, 1), seeded.
   */
  weights?: ArrayLike<number> | { weights: ArrayLike<number>; dims: readonly number[] };
  /** Default true. false freezes the weights (PyTorch nn.Embedding.from_pretrained(w, freeze=True)). */
  trainable?: boolean;
}

/** nn.Embedding(numEmbeddings, dim), optionally from given (e.g. pretrained word2vec) weights, optionally frozen. */
export function embedding(numEmbeddings: number, dim: number, opts?: EmbeddingOptions): EmbeddingConfig {
  positiveInt(numEmbeddings, 'embedding(numEmbeddings)');
  positiveInt(dim, 'embedding(dim)');
  known(opts, ['name', 'weights', 'trainable'], 'embedding');
  nameOf(opts?.name, 'embedding');
  const what = `embedding(${numEmbeddings}, ${dim})`;
  check(opts?.trainable === undefined || typeof opts.trainable === 'boolean', 'OPTION', `${what}: trainable must be a boolean`);
  let weights: Float32Array | undefined;
  const w = opts?.weights;
  if (w !== undefined) {
    const flat = w !== null && typeof w === 'object' && 'dims' in w ? w.weights : w;
    if (w !== null && typeof w === 'object' && 'dims' in w) {
      check(Array.isArray(w.dims) && w.dims.length === 2 && w.dims[0] === numEmbeddings && w.dims[1] === dim, 'OPTION',
        () => `${what}: weights are ${JSON.stringify(w.dims)}, expected [${numEmbeddings}, ${dim}]`);
    }
    check(flat !== null && typeof flat === 'object' && typeof (flat as ArrayLike<number>).length === 'number', 'OPTION',
      `${what}: weights must be an array of numbers or { weights, dims }`);
    check(flat.length === numEmbeddings * dim, 'OPTION', () => `${what}: weights hold ${flat.length} values, expected ${numEmbeddings} x ${dim} = ${numEmbeddings * dim}`);
    weights = Float32Array.from(flat);
    const bad = weights.findIndex((v) => !Number.isFinite(v));
    check(bad < 0, 'OPTION', () => `${what}: weight ${flat[bad]} at row ${Math.floor(bad / dim)}, column ${bad % dim}; weights must be finite`);
  }
  check(weights !== undefined || opts?.trainable !== false, 'OPTION', `${what}: trainable: false needs weights (frozen random vectors learn nothing)`);
  return { type: 'embedding', numEmbeddings, dim, name: opts?.name, weights, trainable: opts?.trainable ?? true };
}

export interface RecurrentOptions {
  layers?: number;
  bidirectional?: boolean;
  dropout?: number;
  output?: RecurrentOutput;
  name?: string;
  /** false: no trained recurrent bias (bias_hh held at zero), as Keras's LSTM, SimpleRNN and reset-before GRU. Default true. */
  recurrentBias?: boolean;
}

function recurrent(cell: CellKind, hidden: number, opts: RecurrentOptions | undefined, extra: string[]): RecurrentConfig {
  const what = `${cell}(${hidden})`;
  positiveInt(hidden, `${cell}(hidden)`);
  known(opts, ['layers', 'bidirectional', 'dropout', 'output', 'name', 'recurrentBias', ...extra], cell);
  const o = opts ?? {};
  if (o.layers !== undefined) positiveInt(o.layers, `${what}: layers`);
  check(o.bidirectional === undefined || typeof o.bidirectional === 'boolean', 'OPTION', `${what}: bidirectional must be a boolean`);
  if (o.dropout !== undefined) probability(o.dropout, `${what}: dropout`);
  check(o.output === undefined || RECURRENT_OUTPUTS.includes(o.output), 'OPTION',
    `${what}: output must be one of ${RECURRENT_OUTPUTS.map((s) => `'${s}'`).join(', ')}, got ${String(o.output)}`);
  nameOf(o.name, what, true);
  check(o.recurrentBias === undefined || typeof o.recurrentBias === 'boolean', 'OPTION', `${what}: recurrentBias must be a boolean`);
  return {
    type: 'recurrent', cell, name: o.name, hidden, layers: o.layers ?? 1, bidirectional: o.bidirectional ?? false, projSize: 0,
    dropout: o.dropout ?? 0, output: o.output ?? 'sequence', nonlinearity: 'tanh', resetAfter: true,
    recurrentBias: o.recurrentBias ?? true,
  };
}

/** nn.LSTM(input, hidden, num_layers, bidirectional, dropout, proj_size). */
export function lstm(hidden: number, opts?: RecurrentOptions & { projSize?: number }): RecurrentConfig {
  const c = recurrent('lstm', hidden, opts, ['projSize']);
  const p = opts?.projSize ?? 0;
  check(p === 0 || (Number.isSafeInteger(p) && p > 0 && p < hidden), 'OPTION', `lstm(${hidden}): projSize must be an integer in 1..${hidden - 1}, got ${p}`);
  c.projSize = p;
  return c;
}

/** nn.GRU; resetAfter: false applies the reset gate before the recurrent product (ONNX's default; no PyTorch equivalent). */
export function gru(hidden: number, opts?: RecurrentOptions & { resetAfter?: boolean }): RecurrentConfig {
  const c = recurrent('gru', hidden, opts, ['resetAfter']);
  check(opts?.resetAfter === undefined || typeof opts.resetAfter === 'boolean', 'OPTION', `gru(${hidden}): resetAfter must be a boolean`);
  c.resetAfter = opts?.resetAfter ?? true;
  return c;
}

/** nn.RNN(nonlinearity='tanh' | 'relu'). */
export function rnn(hidden: number, opts?: RecurrentOptions & { nonlinearity?: 'tanh' | 'relu' }): RecurrentConfig {
  const c = recurrent('rnn', hidden, opts, ['nonlinearity']);
  const nl = opts?.nonlinearity ?? 'tanh';
  check(nl === 'tanh' || nl === 'relu', 'OPTION', `rnn(${hidden}): nonlinearity must be 'tanh' or 'relu', got ${String(nl)}`);
  c.nonlinearity = nl;
  return c;
}

/** nn.Dropout(p): while training, zeroes each value with probability p and scales the rest by 1/(1-p). */
export function dropout(p: number, opts?: { name?: string }): DropoutConfig {
  probability(p, 'dropout(p)');
  known(opts, ['name'], 'dropout');
  nameOf(opts?.name, 'dropout');
  return { type: 'dropout', p, name: opts?.name };
}

/** nn.Linear(in, units), then the activation (default 'linear': none). Applied at every step of a sequence. */
export function dense(units: number, opts?: { activation?: DenseActivation; name?: string }): DenseConfig {
  positiveInt(units, 'dense(units)');
  known(opts, ['activation', 'name'], 'dense');
  const a = opts?.activation ?? 'linear';
  check(['linear', 'relu', 'tanh', 'sigmoid'].includes(a), 'OPTION', `dense(${units}): activation must be 'linear', 'relu', 'tanh' or 'sigmoid', got ${String(a)}`);
  nameOf(opts?.name, 'dense');
  return { type: 'dense', units, activation: a, name: opts?.name };
}

// PyTorch's default initialisations, from our seeded generator (the distributions match; the numbers cannot).
export const uniform = (rng: Rng, bound: number) => (out: Float32Array) => {
  for (let i = 0; i < out.length; i++) out[i] = (rng.next() * 2 - 1) * bound;
};

export const normal = (rng: Rng) => (out: Float32Array) => {
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng.next())), a = 2 * Math.PI * rng.next(); // Box-Muller
    out[i] = r * Math.cos(a);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(a);
  }
};

/** Assigns default names: embed, lstm / gru / rnn, head for the last dense layer and fc1, fc2 … before it, dropout1 …; suffixes repeats. */
export function nameLayers(layers: readonly LayerConfig[]): string[] {
  const denses = layers.filter((l) => l.type === 'dense').length;
  let d = 0, drop = 0;
  const names = layers.map((l) => {
    if (l.name !== undefined) return l.name;
    if (l.type === 'embedding') return 'embed';
    if (l.type === 'recurrent') return l.cell;
    if (l.type === 'dropout') return `dropout${++drop}`;
    return ++d === denses ? 'head' : `fc${d}`;
  });
  const seen = new Map<string, number>();
  return names.map((n, i) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    if (layers[i].name !== undefined && k > 1) throw new LstmWasmError('OPTION', `two layers are named '${n}'`);
    return k > 1 ? `${n}${k}` : n;
  });
}

// train/fit.ts: training loops — one step (zero_grad, forward, loss, backward, clip, optimizer step), and fit() over a
// data set in batches for some epochs (shuffled by a seed, validation and early stopping, truncated BPTT over
// streams), reporting loss, steps/s and tokens/s through callbacks.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { Rng } from '../decode/rng.js';
import { Tensor } from '../tensor.js';
import type { Loss } from './loss.js';
import type { Network } from './network.js';
import { type Optimizer, type Schedule, clipGradNorm, clipGradValue, gradNorm } from './optim.js';

export interface StepOptions {
  loss: Loss;
  optimizer: Optimizer;
  lengths?: ArrayLike<number | bigint> | Tensor;
  /** torch.nn.utils.clip_grad_norm_ with this max norm. */
  clipNorm?: number;
  /** torch.nn.utils.clip_grad_value_ with this bound (after clipNorm when both are given). */
  clipValue?: number;
  /** Learning rate for this step (default: the optimizer's). */
  lr?: number;
  /** Numbers the step in a NaN error. */
  step?: number;
}

/** One optimizer step; returns the loss and the gradient norm before clipping. A NaN loss or gradient stops with an error. */
export function trainStep(net: Network, input: Tensor, target: Tensor, o: StepOptions): { loss: number; gradNorm: number } {
  net.zeroGrad();
  const loss = net.backward(input, target, o.loss, { lengths: o.lengths, training: true });
  const bad = net.nonFiniteGradient();
  if (!Number.isFinite(loss) || bad) {
    let where: string;
    if (bad) where = `the gradient of '${bad.name}' is ${bad.value} at flat index ${bad.index}`;
    else {
      const big = net.largestGradient();
      where = `the output overflowed; the gradients are finite, the largest |gradient| ${big.value.toExponential(2)} in '${big.name}' at flat index ${big.index}`;
    }
    throw new LstmWasmError('NUMERIC', `step ${o.step ?? 0}: the loss is ${loss}; ${where} (lower the learning rate, or clip gradients with clipNorm)`);
  }
  const norm = o.clipNorm !== undefined ? clipGradNorm(net, o.clipNorm) : gradNorm(net);
  if (o.clipValue !== undefined) clipGradValue(net, o.clipValue);
  o.optimizer.step(net, o.lr);
  return { loss, gradNorm: norm };
}

export interface FitData {
  /** Inputs: token ids (B, T) or floats (B, T, I), time first when the network is not batchFirst. */
  x: Tensor;
  /** Targets for the loss: class ids or values, the shape of the output (ids: without its last axis). */
  y: Tensor;
  /** Valid steps per item. */
  lengths?: ArrayLike<number | bigint> | Tensor;
}

export interface StepInfo {
  step: number;
  epoch: number;
  /** batch within the epoch, and batches per epoch */
  batch: number;
  batches: number;
  loss: number;
  gradNorm: number;
  lr: number;
  stepsPerSec: number;
  tokensPerSec: number;
  elapsedMs: number;
  /** estimated time to the end of the last epoch */
  etaMs: number;
}

export interface EpochInfo {
  epoch: number;
  /** mean training loss over the epoch's steps */
  loss: number;
  valLoss?: number;
}

export interface FitOptions {
  loss: Loss;
  optimizer: Optimizer;
  /** Items per step (default 32; the whole set when smaller). Ignored with tbptt (every stream is in every step). */
  batchSize?: number;
  epochs?: number;
  /** Reorder the items each epoch (default true). */
  shuffle?: boolean;
  /** Seeds the shuffling (default 0). */
  seed?: number;
  clipNorm?: number;
  clipValue?: number;
  schedule?: Schedule;
  /** Held-out data, or the fraction of the items to hold out (taken from the end, before shuffling). */
  validation?: FitData | number;
  /** Stop when the validation loss has not improved by minDelta for `patience` epochs; restore the best weights. */
  earlyStopping?: { patience: number; minDelta?: number };
  /**
   * Truncated BPTT: x holds one long stream per item; each step trains on the next `tbptt` steps of every stream,
   * starting from the state the last step ended in (detached); each epoch starts the streams over from zeros.
   */
  tbptt?: number;
  /** Called after every step; return false to stop. */
  onStep?: (info: StepInfo) => void | boolean;
  /** Called after every epoch; return false to stop. */
  onEpoch?: (info: EpochInfo) => void | boolean;
}

export interface FitResult {
  /** the training loss of every step */
  losses: number[];
  epochs: EpochInfo[];
  /** why it ended */
  stopped: 'done' | 'early' | 'callback';
}

const FIT_OPTIONS = ['loss', 'optimizer', 'batchSize', 'epochs', 'shuffle', 'seed', 'clipNorm', 'clipValue', 'schedule', 'validation',
  'earlyStopping', 'tbptt', 'onStep', 'onEpoch'];

type Typed = { length: number; subarray(a: number, b: number): Typed; set(a: Typed, at: number): void; constructor: new (n: number) => Typed };

/** The items `idx` of t along `axis` (0 or 1), as a new tensor. */
export function takeItems(t: Tensor, axis: number, idx: readonly number[]): Tensor {
  const dims = [...t.dims], outer = axis === 0 ? 1 : dims[0], n = dims[axis], inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const src = t.data as unknown as Typed, out = new src.constructor(outer * idx.length * inner);
  for (let o = 0; o < outer; o++) {
    idx.forEach((i, j) => {
      check(i >= 0 && i < n, 'INPUT', `item ${i} is outside 0..${n - 1}`);
      out.set(src.subarray((o * n + i) * inner, (o * n + i + 1) * inner), (o * idx.length + j) * inner);
    });
  }
  dims[axis] = idx.length;
  return new Tensor(t.type, out as unknown as Tensor['data'], dims);
}

/** Steps [a, b) of t along its time axis. */
function takeSteps(t: Tensor, axis: number, a: number, b: number): Tensor {
  return takeItems(t, axis, Array.from({ length: b - a }, (_, i) => a + i));
}

const lengthsOf = (l: FitData['lengths']) =>
  l === undefined ? undefined : Array.from(((l as { dims?: unknown }).dims ? (l as Tensor).data : l) as ArrayLike<number | bigint>, Number);

/** Trains the network on data; returns the loss of every step and each epoch's mean (and validation) loss. */
export async function fit(net: Network, data: FitData, o: FitOptions): Promise<FitResult> {
  check(o !== null && typeof o === 'object', 'OPTION', 'fit: options must be an object');
  for (const k of Object.keys(o)) check(FIT_OPTIONS.includes(k), 'OPTION', `fit: unknown option '${k}'; known: ${FIT_OPTIONS.join(', ')}`);
  check(o.optimizer && typeof o.optimizer.step === 'function', 'OPTION', 'fit: optimizer is required (sgd, adam or adamw)');
  const epochs = o.epochs ?? 1;
  check(Number.isSafeInteger(epochs) && epochs >= 1, 'OPTION', `fit: epochs must be a positive integer, got ${epochs}`);
  const bf = net.batchFirst;
  // batch axis of x and y: items come first unless the network is time-major (then they are axis 1 of a sequence)
  const xAxis = bf ? 0 : 1, yAxis = bf || !net.outputSeq ? 0 : 1;
  const items = data.x.dims[xAxis];
  check(data.y.dims[yAxis] === items, 'INPUT', `fit: x ${fmtDims(data.x.dims)} has ${items} items but y ${fmtDims(data.y.dims)} has ${data.y.dims[yAxis]}`);
  let lengths = lengthsOf(data.lengths);
  check(!lengths || lengths.length === items, 'INPUT', `fit: lengths must hold one length per item (${items}), got ${lengths?.length}`);

  let train = Array.from({ length: items }, (_, i) => i);
  let val: FitData | undefined;
  if (typeof o.validation === 'number') {
    check(o.validation > 0 && o.validation < 1, 'OPTION', `fit: validation as a fraction must be in (0, 1), got ${o.validation}`);
    const n = Math.max(1, Math.round(items * o.validation));
    check(n < items, 'OPTION', `fit: validation ${o.validation} of ${items} items leaves none to train on`);
    const held = train.slice(items - n);
    train = train.slice(0, items - n);
    val = { x: takeItems(data.x, xAxis, held), y: takeItems(data.y, yAxis, held), lengths: lengths && held.map((i) => lengths![i]) };
  } else val = o.validation;
  check(!o.earlyStopping || val, 'OPTION', 'fit: earlyStopping needs validation data (validation: a fraction or { x, y })');

  const tb = o.tbptt;
  const T = data.x.dims[bf ? 1 : 0];
  if (tb !== undefined) {
    check(Number.isSafeInteger(tb) && tb >= 1 && tb <= T, 'OPTION', `fit: tbptt must be an integer in 1..${T} (the stream length)`);
    check(!lengths, 'OPTION', 'fit: tbptt trains on whole streams; lengths do not apply');
    check(net.outputSeq, 'OPTION', 'fit: tbptt needs a sequence output (a many-to-many network)');
    net.carryState(true);
  }
  const batchSize = tb !== undefined ? train.length : Math.min(o.batchSize ?? 32, train.length);
  check(Number.isSafeInteger(batchSize) && batchSize >= 1, 'OPTION', `fit: batchSize must be a positive integer, got ${o.batchSize}`);
  const batches = tb !== undefined ? Math.floor(T / tb) : Math.ceil(train.length / batchSize);
  const rng = new Rng(o.seed ?? 0);
  const losses: number[] = [], epochInfo: EpochInfo[] = [];
  const t0 = Date.now();
  let lastYield = t0, tokens = 0, best = Infinity, bestWeights: ReturnType<Network['weights']> | undefined, bad = 0;
  let stopped: FitResult['stopped'] = 'done';
  const total = epochs * batches;
  try {
    outer: for (let epoch = 0; epoch < epochs; epoch++) {
      const order = [...train];
      if ((o.shuffle ?? true) && tb === undefined) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(rng.next() * (i + 1));
          [order[i], order[j]] = [order[j], order[i]];
        }
      }
      if (tb !== undefined) net.resetState();
      let sum = 0;
      for (let b = 0; b < batches; b++) {
        let x: Tensor, y: Tensor, lens: number[] | undefined;
        if (tb !== undefined) {
          x = takeSteps(data.x, bf ? 1 : 0, b * tb, (b + 1) * tb);
          y = takeSteps(data.y, bf ? 1 : 0, b * tb, (b + 1) * tb);
        } else {
          const idx = order.slice(b * batchSize, (b + 1) * batchSize);
          x = takeItems(data.x, xAxis, idx);
          y = takeItems(data.y, yAxis, idx);
          lens = lengths && idx.map((i) => lengths![i]);
        }
        const step = losses.length, lr = o.schedule ? o.schedule(step, o.optimizer.lr) : o.optimizer.lr;
        const r = trainStep(net, x, y, { loss: o.loss, optimizer: o.optimizer, lengths: lens, clipNorm: o.clipNorm, clipValue: o.clipValue, lr, step });
        losses.push(r.loss);
        sum += r.loss;
        const steps = x.dims[bf ? 1 : 0], n = x.dims[bf ? 0 : 1];
        tokens += lens ? lens.reduce((a, v) => a + v, 0) : steps * n;
        const elapsed = Math.max(1, Date.now() - t0), done = losses.length;
        const info: StepInfo = {
          step, epoch, batch: b, batches, loss: r.loss, gradNorm: r.gradNorm, lr, stepsPerSec: (done * 1000) / elapsed,
          tokensPerSec: (tokens * 1000) / elapsed, elapsedMs: elapsed, etaMs: (elapsed / done) * (total - done),
        };
        if (o.onStep?.(info) === false) {
          stopped = 'callback';
          break outer;
        }
        if (Date.now() - lastYield > 50) {
          await new Promise((r) => setTimeout(r, 0)); // let a page repaint and timers run
          lastYield = Date.now();
        }
      }
      const e: EpochInfo = { epoch, loss: sum / batches };
      if (val) e.valLoss = net.evaluate(val.x, val.y, o.loss, { lengths: lengthsOf(val.lengths) });
      epochInfo.push(e);
      if (o.onEpoch?.(e) === false) {
        stopped = 'callback';
        break;
      }
      if (o.earlyStopping && e.valLoss !== undefined) {
        if (e.valLoss < best - (o.earlyStopping.minDelta ?? 0)) {
          best = e.valLoss;
          bestWeights = net.weights();
          bad = 0;
        } else if (++bad >= o.earlyStopping.patience) {
          stopped = 'early';
          break;
        }
      }
    }
  } finally {
    if (tb !== undefined) net.carryState(false);
  }
  if (stopped === 'early' && bestWeights) net.setWeights(bestWeights);
  lengths = undefined;
  return { losses, epochs: epochInfo, stopped };
}

// train/optim.ts: optimizers with PyTorch's exact update formulas (torch.optim.SGD, Adam, AdamW of 1.13), gradient
// clipping as torch.nn.utils (by global norm, by value), and learning-rate schedules. One kernel call per update
// covers every parameter: they sit in one flat block (params.ts).
import { check } from '../errors.js';
import type { TrainCore } from './core.js';
import type { ParamStore } from './params.js';

/** What the optimizers and clipping read: parameters in one flat block, and the kernels (a Network, a Seq2SeqTrainer). */
export interface Trainable {
  readonly params: ParamStore;
  readonly core: TrainCore;
}

/** Learning rate at optimizer step `step` (0-based) from the base rate. */
export type Schedule = (step: number, baseLr: number) => number;

export interface Optimizer {
  readonly type: 'sgd' | 'adam' | 'adamw';
  /** The base learning rate (a schedule scales it per step). */
  lr: number;
  /** Steps taken so far. */
  readonly steps: number;
  /** Updates the network's weights from its gradients, at learning rate `lr` (default: this.lr). */
  step(net: Trainable, lr?: number): void;
}

const f = Math.fround;
const nonNegative = (v: unknown, what: string) => check(typeof v === 'number' && v >= 0 && Number.isFinite(v), 'OPTION', `${what} must be a non-negative number, got ${String(v)}`);

function known(opts: object, keys: string[], what: string) {
  check(opts !== null && typeof opts === 'object', 'OPTION', `${what}: options must be an object`);
  for (const k of Object.keys(opts)) check(keys.includes(k), 'OPTION', `${what}: unknown option '${k}'; known: ${keys.join(', ')}`);
}

abstract class Base implements Optimizer {
  abstract readonly type: 'sgd' | 'adam' | 'adamw';
  steps = 0;
  private net: Trainable | undefined;
  constructor(public lr: number) {}

  step(net: Trainable, lr = this.lr): void {
    check(this.net === undefined || this.net === net, 'OPTION', 'an optimizer keeps state for one network; create another for this one');
    if (!this.net) net.params.resetState(); // a new optimizer starts from zero moments
    this.net = net;
    this.update(net, lr);
    this.steps++;
    net.params.version++;
  }

  protected abstract update(net: Trainable, lr: number): void;
}

class SGD extends Base {
  readonly type = 'sgd';
  constructor(lr: number, readonly momentum: number, readonly dampening: number, readonly weightDecay: number, readonly nesterov: boolean) {
    super(lr);
  }

  protected update(net: Trainable, lr: number): void {
    const p = net.params;
    net.core.sgd_f32(p.values, p.grads, p.state1, p.trainable, f(lr), f(this.momentum), f(1 - this.dampening), f(this.weightDecay),
      this.nesterov ? 1 : 0, this.steps === 0 ? 1 : 0);
  }
}

class Adam extends Base {
  constructor(readonly type: 'adam' | 'adamw', lr: number, readonly betas: [number, number], readonly eps: number, readonly weightDecay: number) {
    super(lr);
  }

  protected update(net: Trainable, lr: number): void {
    const p = net.params, t = this.steps + 1, [b1, b2] = this.betas;
    // as PyTorch: the bias corrections in float64, then each scalar rounded to float32 where a float32 kernel uses it
    const step = lr / (1 - b1 ** t), bc2 = Math.sqrt(1 - b2 ** t);
    const decoupled = this.type === 'adamw';
    net.core.adam_f32(p.values, p.grads, p.state1, p.state2, p.trainable, decoupled ? f(1 - lr * this.weightDecay) : 1, f(b1), f(1 - b1),
      f(b2), f(1 - b2), f(this.eps), decoupled ? 0 : f(this.weightDecay), f(step), f(bc2));
  }
}

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/** torch.optim.SGD(lr, momentum=0, dampening=0, weight_decay=0, nesterov=False). */
export function sgd(opts: SGDOptions): Optimizer {
  known(opts, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'], 'sgd');
  nonNegative(opts.lr, 'sgd: lr');
  const momentum = opts.momentum ?? 0, dampening = opts.dampening ?? 0, wd = opts.weightDecay ?? 0, nesterov = opts.nesterov ?? false;
  nonNegative(momentum, 'sgd: momentum');
  nonNegative(dampening, 'sgd: dampening');
  nonNegative(wd, 'sgd: weightDecay');
  check(!nesterov || (momentum > 0 && dampening === 0), 'OPTION', 'sgd: nesterov needs momentum > 0 and dampening 0 (as PyTorch)');
  return new SGD(opts.lr, momentum, dampening, wd, nesterov);
}

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

function adamOf(type: 'adam' | 'adamw', opts: AdamOptions, wdDefault: number): Optimizer {
  known(opts, ['lr', 'betas', 'eps', 'weightDecay'], type);
  const lr = opts.lr ?? 1e-3, betas = opts.betas ?? [0.9, 0.999], eps = opts.eps ?? 1e-8, wd = opts.weightDecay ?? wdDefault;
  nonNegative(lr, `${type}: lr`);
  check(Array.isArray(betas) && betas.length === 2 && betas.every((b) => typeof b === 'number' && b >= 0 && b < 1), 'OPTION',
    `${type}: betas must be two numbers in [0, 1), got ${JSON.stringify(betas)}`);
  nonNegative(eps, `${type}: eps`);
  nonNegative(wd, `${type}: weightDecay`);
  return new Adam(type, lr, [betas[0], betas[1]], eps, wd);
}

/** torch.optim.Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0): weight decay added to the gradient. */
export function adam(opts: AdamOptions = {}): Optimizer {
  return adamOf('adam', opts, 0);
}

/** torch.optim.AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2): decoupled weight decay. */
export function adamw(opts: AdamOptions = {}): Optimizer {
  return adamOf('adamw', opts, 1e-2);
}

/** The global L2 norm of all gradients, as torch.nn.utils.clip_grad_norm_ computes it (float32 result). */
export function gradNorm(net: Trainable): number {
  return f(Math.sqrt(net.core.sumsq_f32(net.params.grads, net.params.trainable)));
}

/**
 * torch.nn.utils.clip_grad_norm_(max_norm): scales every gradient by min(1, max_norm / (norm + 1e-6)), in float32 as
 * PyTorch does; returns the norm before clipping.
 */
export function clipGradNorm(net: Trainable, maxNorm: number): number {
  check(typeof maxNorm === 'number' && maxNorm > 0, 'OPTION', `clipNorm must be a positive number, got ${String(maxNorm)}`);
  const total = gradNorm(net);
  const coef = Math.min(f(f(maxNorm) / f(total + f(1e-6))), 1);
  net.core.scale_f32(net.params.grads, net.params.trainable, coef);
  return total;
}

/** torch.nn.utils.clip_grad_value_(v): every gradient clamped to [-v, v]. */
export function clipGradValue(net: Trainable, v: number): void {
  check(typeof v === 'number' && v > 0, 'OPTION', `clipValue must be a positive number, got ${String(v)}`);
  net.core.clamp_f32(net.params.grads, net.params.trainable, f(-v), f(v));
}

/** StepLR: the rate times gamma every `stepSize` steps. */
export function stepDecay(opts: { stepSize: number; gamma?: number }): Schedule {
  check(Number.isSafeInteger(opts?.stepSize) && opts.stepSize >= 1, 'OPTION', 'stepDecay: stepSize must be a positive integer');
  const gamma = opts.gamma ?? 0.1;
  return (t, base) => base * gamma ** Math.floor(t / opts.stepSize);
}

/** CosineAnnealingLR: from the base rate down to minLr over `total` steps (then minLr). */
export function cosine(opts: { total: number; minLr?: number }): Schedule {
  check(Number.isSafeInteger(opts?.total) && opts.total >= 1, 'OPTION', 'cosine: total must be a positive integer');
  const min = opts.minLr ?? 0;
  return (t, base) => min + ((base - min) * (1 + Math.cos((Math.PI * Math.min(t, opts.total)) / opts.total))) / 2;
}

/** Linear warm-up: base*(t+1)/steps for the first `steps` steps, then `then` (counted from the end of the warm-up) or the base rate. */
export function warmup(opts: { steps: number; then?: Schedule }): Schedule {
  check(Number.isSafeInteger(opts?.steps) && opts.steps >= 1, 'OPTION', 'warmup: steps must be a positive integer');
  return (t, base) => (t < opts.steps ? (base * (t + 1)) / opts.steps : opts.then ? opts.then(t - opts.steps, base) : base);
}

// test/train_steps.test.ts: whole training runs against PyTorch (test/fixtures/gen_train_steps.py) — the same initial
// weights and batch order give PyTorch's loss, gradient norm and learning rate at every step (1e-4 relative) and its
// final weights (1e-4 * max(1, |ref|)): SGD + momentum + clip-norm, Adam, AdamW, nesterov, clip-value, schedules,
// an exploding ReLU RNN clipped, truncated BPTT over streams.
import { type Optimizer, type Schedule, adam, adamw, cosine, fit, sgd, stepDecay, warmup } from 'lstm-wasm/train';
import { describe, expect, it } from 'vitest';
import { json, npy } from './helpers';
import { type NetCase, buildNet, maybeNpy, stateDict, worstError } from './train_helpers';

interface StepCase {
  name: string;
  net: NetCase;
  steps: number;
  tbptt?: number;
  optimizer: { type: 'sgd' | 'adam' | 'adamw'; lr: number; momentum?: number; weight_decay?: number; nesterov?: boolean; betas?: [number, number]; eps?: number };
  clip_norm?: number;
  clip_value?: number;
  schedule?: ScheduleJson;
  keys: string[];
  steps_log: { loss: number; grad_norm: number; lr: number }[];
  float64_drift: number;
}
type ScheduleJson = { type: 'cosine'; total: number; min_lr: number } | { type: 'step'; step_size: number; gamma: number } | { type: 'warmup'; steps: number; then?: ScheduleJson };

const TOL = 1e-4;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

function optimizerOf(o: StepCase['optimizer']): Optimizer {
  if (o.type === 'sgd') return sgd({ lr: o.lr, momentum: o.momentum, weightDecay: o.weight_decay, nesterov: o.nesterov });
  const opts = { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weight_decay };
  return o.type === 'adam' ? adam(opts) : adamw(opts);
}

function scheduleOf(s: ScheduleJson | undefined): Schedule | undefined {
  if (!s) return undefined;
  if (s.type === 'cosine') return cosine({ total: s.total, minLr: s.min_lr });
  if (s.type === 'step') return stepDecay({ stepSize: s.step_size, gamma: s.gamma });
  return warmup({ steps: s.steps, then: scheduleOf(s.then) });
}

const manifest = json<{ cases: string[] }>('train-steps/manifest.json');

describe('training runs against PyTorch, step by step', () => {
  for (const name of manifest.cases) {
    it(name, async () => {
      const dir = `train-steps/${name}`;
      const c = json<StepCase>(`${dir}/case.json`);
      const net = await buildNet(c.net);
      net.setWeights(stateDict(`${dir}/init.safetensors`));
      const x = maybeNpy(`${dir}/ids.npy`) ?? npy(`${dir}/x.npy`), y = npy(`${dir}/target.npy`), lengths = maybeNpy(`${dir}/lengths.npy`);
      const chunks = c.tbptt ? c.net.T / c.tbptt : 0;
      const log: { loss: number; gradNorm: number; lr: number }[] = [];
      const result = await fit(net, { x, y, lengths: lengths?.data as BigInt64Array | undefined }, {
        loss: c.net.loss, optimizer: optimizerOf(c.optimizer), batchSize: c.net.B, epochs: c.tbptt ? c.steps / chunks : 1, shuffle: false,
        clipNorm: c.clip_norm, clipValue: c.clip_value, schedule: scheduleOf(c.schedule), tbptt: c.tbptt,
        onStep: (s) => void log.push({ loss: s.loss, gradNorm: s.gradNorm, lr: s.lr }),
      });
      expect(result.losses.length).toBe(c.steps);
      c.steps_log.forEach((ref, i) => {
        expect(rel(log[i].loss, ref.loss), `step ${i} loss ${log[i].loss} vs ${ref.loss}`).toBeLessThanOrEqual(TOL);
        expect(Math.abs(log[i].gradNorm - ref.grad_norm) / Math.max(1e-3, ref.grad_norm), `step ${i} gradient norm ${log[i].gradNorm} vs ${ref.grad_norm}`).toBeLessThanOrEqual(TOL);
        expect(rel(log[i].lr, ref.lr), `step ${i} lr`).toBeLessThanOrEqual(1e-12);
      });
      const final = stateDict(`${dir}/final.safetensors`), w = net.weights();
      for (const key of c.keys) expect(worstError(w[key].data as Float32Array, final[key].data as Float32Array), `${name} final ${key}`).toBeLessThanOrEqual(TOL);
      if (name.includes('clip')) expect(c.steps_log.some((s) => s.grad_norm > c.clip_norm!), 'the fixture clips at some step').toBe(true);
      expect(c.float64_drift, 'the run is well conditioned: float32 rounding alone moves it far less than the tolerance').toBeLessThan(TOL / 10);
      net.release();
    });
  }

  it('the exploding RNN: raw gradient norm ~1e9, each clipped update moves the weights by lr * 1.0 at most', () => {
    const c = json<StepCase>('train-steps/clip_exploding_relu_rnn/case.json');
    expect(c.steps_log[0].grad_norm).toBeGreaterThan(1e8);
  });
});

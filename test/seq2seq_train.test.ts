// test/seq2seq_train.test.ts: teacher-forced Seq2Seq training against PyTorch autograd (fixtures from
// test/fixtures/gen_seq2seq_grads.py): the mean cross-entropy and d loss / d every weight within 1e-4 * max(1, |ref|).
import { describe, expect, it } from 'vitest';
import { type Tensor, parseSafetensors, writeSafetensors } from 'lstm-wasm';
import { Seq2Seq } from 'lstm-wasm/seq2seq';
import { type Seq2SeqBatch, adam, clipGradNorm, gradNorm, seq2seqTrainer } from 'lstm-wasm/train';
import { expectError, fixturePath, json, readFixture } from './helpers';
import { stateDict, worstError } from './train_helpers';

const TOL = 1e-4;
// the last two: an nn.GRUCell decoder under PyTorch's tutorial names (encoder.gru., decoder.gru., attention Wa / Ua / Va)
// and an nn.LSTMCell decoder (decoder.rnn.weight_ih, no _l0); every file of theirs is keyed by those names
const CASES = ['dates_like', 'bahdanau_gru', 'dot_gru2_none', 'concat_gru', 'tied_general', 'stacked_general', 'stacked_bahdanau_gru',
  'tutorial_gru_cell', 'lstm_cell_context'];

interface BatchFile { source: number[][]; lengths: number[]; target_in: number[][]; target_out: number[][]; pad: number; loss: number }

/** The fixture's padded arrays as the trainer's unpadded batch: sources to their lengths, targets up to eos. */
function batchOf(f: BatchFile, eos: number): Seq2SeqBatch {
  return {
    source: f.source.map((s, b) => s.slice(0, f.lengths[b])),
    target: f.target_out.map((t) => t.slice(0, t.indexOf(eos))),
  };
}

/** Every gradient within TOL of PyTorch's, the same names and shapes. */
function expectGrads(name: string, grads: Record<string, Tensor>, ref: Record<string, Tensor>): void {
  expect(Object.keys(grads).sort()).toEqual(Object.keys(ref).sort());
  for (const key of Object.keys(ref)) {
    expect(grads[key].dims, key).toEqual(ref[key].dims);
    const r = ref[key].data as Float32Array, err = worstError(grads[key].data as Float32Array, r);
    expect(err, `${name}: d loss / d ${key}`).toBeLessThanOrEqual(TOL);
    // and within 0.1% of the tensor's largest gradient, so a small gradient cannot pass by being small
    // (decoder.attention.v.bias is ~1e-9 in PyTorch: no softmax sees a constant added to every score)
    const top = Math.max(...Array.from(r, Math.abs));
    if (top > 1e-6) expect(err, `${name}: d loss / d ${key} against its scale ${top}`).toBeLessThanOrEqual(1e-3 * top);
  }
}

describe('Seq2Seq teacher-forced training: loss and gradients = PyTorch autograd within 1e-4', () => {
  for (const name of CASES) {
    it(`${name}: loss and every parameter's gradient`, async () => {
      const dir = `seq2seq-grads/${name}`;
      const f = json<BatchFile>(`${dir}/batch.json`), cfg = json(`${dir}/seq2seq.json`);
      const tr = await seq2seqTrainer(fixturePath(dir));
      const loss = tr.loss(batchOf(f, cfg.tokens.eos));
      expect(Math.abs(loss - f.loss) / Math.max(1, Math.abs(f.loss)), `loss ${loss} vs ${f.loss}`).toBeLessThanOrEqual(TOL);
      tr.zeroGrad();
      tr.backward();
      const ref = stateDict(`${dir}/grads.safetensors`);
      expectGrads(name, tr.gradients(), ref);
      // src/train's clipping works on the trainer: the global norm is PyTorch's (from its gradients), clipped to 0.5
      const norm = Math.sqrt(Object.values(ref).reduce((a, t) => a + Array.from(t.data as Float32Array).reduce((b, x) => b + x * x, 0), 0));
      expect(Math.abs(clipGradNorm(tr, 0.5) - norm), `norm vs ${norm}`).toBeLessThanOrEqual(TOL * Math.max(1, norm));
      expect(Math.abs(gradNorm(tr) - Math.min(norm, 0.5))).toBeLessThanOrEqual(TOL);
      tr.release();
    });
  }

  it('backward() before loss() and bad batches are INPUT errors; a tensor name that fits no part is a MODEL error naming it', async () => {
    const tr = await seq2seqTrainer(fixturePath('seq2seq-grads/dates_like'));
    await expectError(() => tr.backward(), 'INPUT', /loss\(batch\) first/);
    await expectError(() => tr.loss({ source: [[3, 4]], target: [] }), 'INPUT', /as many targets as sources/);
    await expectError(() => tr.loss({ source: [[3, 99]], target: [[4]] }), 'INPUT', /source 0 token 1: id 99/);
    await expectError(() => tr.loss({ source: [[]], target: [[4]] }), 'INPUT', /source 0 is empty/);
    tr.release();
    // the inference fixtures with a cell decoder and the tutorial's names load for training too
    for (const name of ['bahdanau_cell_context', 'bahdanau_tutorial']) (await seq2seqTrainer(fixturePath(`seq2seq/${name}`))).release();
    // a name no alias fits, a part this seq2seq.json does not have, a cell key beside nn.LSTM keys: MODEL errors naming the tensor
    const edit = (name: string, f: (t: Map<string, { shape: number[]; data: Float32Array }>) => void) => {
      const st = parseSafetensors(readFixture(`seq2seq-grads/${name}/model.safetensors`));
      const t = new Map([...st.tensors].map(([k, v]) => [k, { shape: v.shape, data: new Float32Array(Uint8Array.from(v.bytes).buffer) }]));
      f(t);
      return seq2seqTrainer({ config: json(`seq2seq-grads/${name}/seq2seq.json`), weights: writeSafetensors([...t].map(([n, v]) => ({ name: n, ...v }))) });
    };
    const extra = { shape: [2], data: new Float32Array(2) };
    await expectError(() => edit('tutorial_gru_cell', (t) => t.set('decoder.attention.Xa.weight', extra)), 'MODEL', /the state dict has 'decoder\.attention\.Xa\.weight', which/);
    await expectError(() => edit('dates_like', (t) => t.set('decoder.attention.key.bias', extra)), 'MODEL', /'decoder\.attention\.key\.bias', which this seq2seq.json's model/);
    await expectError(() => edit('dates_like', (t) => t.set('decoder.rnn.weight_ih', extra)), 'MODEL', /'decoder\.rnn\.weight_ih', which/);
    await expectError(() => edit('tutorial_gru_cell', (t) => t.set('decoder.attention.Wa.weight', { shape: [2, 7], data: new Float32Array(14) })), 'MODEL',
      /'decoder\.attention\.Wa\.weight' is \[2, 7\]; seq2seq.json says \[6, 7\]/);
    await expectError(() => edit('tutorial_gru_cell', (t) => t.delete('decoder.gru.weight_hh')), 'MODEL', /the state dict has no 'decoder\.rnn\.weight_hh_l0' \[21, 7\]/);
  });
});

describe('Seq2Seq training steps = PyTorch', () => {
  for (const name of CASES) {
    it(`${name}: 3 Adam steps (lr 1e-2) — the loss before each and the final weights within 1e-4; save() reloads`, async () => {
      const dir = `seq2seq-grads/${name}`;
      const f = json<BatchFile>(`${dir}/batch.json`), cfg = json(`${dir}/seq2seq.json`), ref = json<{ lr: number; losses: number[] }>(`${dir}/steps.json`);
      const tr = await seq2seqTrainer(fixturePath(dir)), opt = adam({ lr: ref.lr }), batch = batchOf(f, cfg.tokens.eos);
      for (const want of ref.losses) {
        const loss = tr.loss(batch);
        expect(Math.abs(loss - want) / Math.max(1, Math.abs(want)), `loss ${loss} vs ${want}`).toBeLessThanOrEqual(TOL);
        tr.zeroGrad();
        tr.backward();
        tr.step(opt);
      }
      const w = tr.weights(), trained = stateDict(`${dir}/trained.safetensors`);
      for (const key of Object.keys(trained)) {
        expect(worstError(w[key].data as Float32Array, trained[key].data as Float32Array), `${name}: ${key} after 3 steps`).toBeLessThanOrEqual(TOL);
      }
      const saved = tr.save();
      expect(saved.config).toEqual(cfg);
      // the file's names in its order (a tied output weight too): what the user's module loads with load_state_dict(strict=True)
      const names = (b: Uint8Array) => [...parseSafetensors(b).tensors.keys()];
      expect(names(saved.weights)).toEqual(names(readFixture(`${dir}/model.safetensors`)));
      const inference = await Seq2Seq.create({ config: saved.config, weights: saved.weights });
      inference.release();
      const again = await seq2seqTrainer({ config: saved.config, weights: saved.weights });
      const w2 = again.weights();
      for (const key of Object.keys(w)) expect(Array.from(w2[key].data as Float32Array), key).toEqual(Array.from(w[key].data as Float32Array));
      tr.release();
      again.release();
    });
  }
});

// scheduled sampling (test/fixtures/gen_seq2seq_grads.py, cases with sampled.json): PyTorch steps one at a time and feeds
// argmax(logits of the step before).detach() where the mask says so; run "random" (each input with probability 1/2) and
// "all"; min_gap is the smallest top-1/top-2 logit gap of a fed argmax (>= 1.5e-3, far above the 1e-6 the logits differ by)
const SAMPLED = ['dates_like', 'bahdanau_gru', 'concat_gru', 'tutorial_gru_cell'];
interface SampledRun { name: string; mask: boolean[][]; fed: number[][]; loss: number; min_gap: number; grads: string }

describe('Seq2Seq scheduled sampling = PyTorch (argmax of the step before, detached)', () => {
  for (const name of SAMPLED) {
    it(`${name}: the ids fed, the loss and every gradient within 1e-4, for a random mask and for every input`, async () => {
      const dir = `seq2seq-grads/${name}`;
      const f = json<BatchFile>(`${dir}/batch.json`), cfg = json(`${dir}/seq2seq.json`), batch = batchOf(f, cfg.tokens.eos);
      const tr = await seq2seqTrainer(fixturePath(dir));
      for (const run of json<{ runs: SampledRun[] }>(`${dir}/sampled.json`).runs) {
        const loss = tr.loss(batch, { sampling: { mask: run.mask } });
        const fed = tr.lastInputs();
        expect(fed.inputs, `${name} ${run.name}: the ids fed`).toEqual(run.fed);
        expect(fed.mask).toEqual(run.mask);
        expect(fed.sampled).toBe(run.mask.flat().filter(Boolean).length);
        expect(Math.abs(loss - run.loss) / Math.max(1, Math.abs(run.loss)), `${run.name}: loss ${loss} vs ${run.loss}`).toBeLessThanOrEqual(TOL);
        tr.zeroGrad();
        tr.backward();
        expectGrads(`${name} ${run.name}`, tr.gradients(), stateDict(`${dir}/${run.grads}`));
      }
      // probability 1 with argmax is the "all" run
      const all = json<{ runs: SampledRun[] }>(`${dir}/sampled.json`).runs.find((r) => r.name === 'all')!;
      tr.loss(batch, { sampling: { probability: 1 } });
      expect(tr.lastInputs()).toEqual({ inputs: all.fed, mask: all.mask, sampled: all.mask.flat().length });
      tr.release();
    });
  }

  it('probability 0 (and a mask of no flags) is teacher forcing: the same loss and gradients, bit for bit', async () => {
    const dir = 'seq2seq-grads/dates_like', f = json<BatchFile>(`${dir}/batch.json`), batch = batchOf(f, 2);
    const tr = await seq2seqTrainer(fixturePath(dir));
    const run = (options?: Parameters<typeof tr.loss>[1]) => {
      const loss = tr.loss(batch, options);
      tr.zeroGrad();
      tr.backward();
      return { loss, grads: Object.fromEntries(Object.entries(tr.gradients()).map(([k, t]) => [k, Array.from(t.data as Float32Array)])), fed: tr.lastInputs() };
    };
    const forced = run();
    expect(forced.fed.inputs).toEqual(f.target_in.map((t, b) => t.slice(0, batch.target[b].length + 1)));
    expect(forced.fed.sampled).toBe(0);
    for (const o of [{ sampling: { probability: 0 } }, { sampling: { mask: batch.target.map((y) => y.map(() => false)) } }, {}]) expect(run(o)).toEqual(forced);
    tr.release();
  });

  it("mode 'sample': reproducible by seed, the model's own distribution; a tiny temperature is argmax", async () => {
    const dir = 'seq2seq-grads/bahdanau_gru', f = json<BatchFile>(`${dir}/batch.json`), batch = batchOf(f, 2);
    const tr = await seq2seqTrainer(fixturePath(dir));
    const run = (sampling: object) => {
      const loss = tr.loss(batch, { sampling });
      tr.zeroGrad();
      tr.backward();
      return { loss, fed: tr.lastInputs(), grads: Array.from(tr.gradients()['decoder.embedding.weight'].data as Float32Array) };
    };
    const a = run({ probability: 1, mode: 'sample', seed: 7 }), b = run({ probability: 1, mode: 'sample', seed: 7 });
    expect(b).toEqual(a);
    expect(a.fed.sampled).toBe(batch.target.flat().length);
    const others = [8, 9, 10].map((seed) => run({ probability: 1, mode: 'sample', seed }).fed.inputs);
    expect(others.some((x) => JSON.stringify(x) !== JSON.stringify(a.fed.inputs)), 'other seeds, other draws').toBe(true);
    // temperature -> 0 is argmax (the "all" run's ids); a mask with a seed samples where it says
    const all = json<{ runs: SampledRun[] }>(`${dir}/sampled.json`).runs.find((r) => r.name === 'all')!;
    expect(run({ probability: 1, mode: 'sample', temperature: 1e-6, seed: 3 }).fed.inputs).toEqual(all.fed);
    const random = json<{ runs: SampledRun[] }>(`${dir}/sampled.json`).runs.find((r) => r.name === 'random')!;
    const m = run({ mask: random.mask, mode: 'sample', temperature: 1e-6, seed: 3 });
    expect(m.fed.inputs).toEqual(random.fed);
    expect(Math.abs(m.loss - random.loss)).toBeLessThanOrEqual(TOL * Math.max(1, random.loss));
    // without a seed the trainer's own generator moves on: two calls draw two masks
    const p1 = run({ probability: 0.5 }).fed.mask, p2 = run({ probability: 0.5 }).fed.mask;
    expect(p1).not.toEqual(p2);
    // a fresh trainer draws the same ones again
    const again = await seq2seqTrainer(fixturePath(dir));
    again.loss(batch, { sampling: { probability: 0.5 } });
    expect(again.lastInputs().mask).toEqual(p1);
    tr.release();
    again.release();
  });

  it('bad options are OPTION errors naming the option', async () => {
    const dir = 'seq2seq-grads/dates_like', batch = batchOf(json<BatchFile>(`${dir}/batch.json`), 2);
    const tr = await seq2seqTrainer(fixturePath(dir));
    await expectError(() => tr.lastInputs(), 'INPUT', /lastInputs\(\) needs a loss\(batch\) first/);
    const lens = batch.target.map((y) => y.length);
    const cases: [unknown, RegExp][] = [
      [5, /options must be an object/],
      [{ schedule: {} }, /unknown loss option 'schedule'; known: sampling/],
      [{ sampling: 0.5 }, /sampling must be an object/],
      [{ sampling: { p: 0.5 } }, /unknown sampling option 'p'; known: probability, mask, mode, temperature, seed/],
      [{ sampling: {} }, /sampling takes probability or mask, got neither/],
      [{ sampling: { probability: 0.5, mask: [] } }, /sampling takes probability or mask, not both/],
      [{ sampling: { probability: 1.5 } }, /sampling.probability must be a number in \[0, 1\], got 1.5/],
      [{ sampling: { probability: NaN } }, /sampling.probability must be a number in \[0, 1\], got NaN/],
      [{ sampling: { probability: '0.5' } }, /sampling.probability must be a number in \[0, 1\], got 0.5/],
      [{ sampling: { mask: [[true]] } }, new RegExp(`sampling.mask must be an array of ${lens.length} arrays`)],
      [{ sampling: { mask: lens.map((n, b) => Array(b === 2 ? n + 1 : n).fill(false)) } }, new RegExp(`sampling.mask\\[2\\] must have one flag per token of target 2 \\(${lens[2]}\\), got ${lens[2] + 1}`)],
      [{ sampling: { mask: lens.map((n) => Array(n).fill(1)) } }, /sampling.mask\[0\]\[0\] must be true or false, got 1/],
      [{ sampling: { probability: 0.5, mode: 'beam' } }, /sampling.mode must be 'argmax' or 'sample', got "beam"/],
      [{ sampling: { probability: 0.5, temperature: 2 } }, /sampling.temperature applies to mode 'sample' only/],
      [{ sampling: { probability: 0.5, mode: 'sample', temperature: 0 } }, /sampling.temperature must be a number > 0, got 0/],
      [{ sampling: { mask: lens.map((n) => Array(n).fill(true)), seed: 1 } }, /sampling.seed has nothing to draw/],
      [{ sampling: { probability: 0.5, seed: 1.5 } }, /seed must be a safe integer, got 1.5/],
    ];
    for (const [o, re] of cases) await expectError(() => tr.loss(batch, o as never), 'OPTION', re);
    tr.release();
  });
});

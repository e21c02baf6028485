// test/seq2seq_train.test.ts: teacher-forced Seq2Seq training against PyTorch autograd (fixtures from
// test/fixtures/gen_seq2seq_grads.py): the mean cross-entropy and d loss / d every weight within 1e-4 * max(1, |ref|).
import { describe, expect, it } from 'vitest';
import { parseSafetensors, writeSafetensors } from 'lstm-wasm';
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
      const grads = tr.gradients(), ref = stateDict(`${dir}/grads.safetensors`);
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

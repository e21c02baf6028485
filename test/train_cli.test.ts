// test/train_cli.test.ts: lstm-wasm grad / train / train-lm as a user runs them — gradients against PyTorch autograd,
// training through the command equal to fit(), the progress bar, a character model from a text file, one-line errors.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, writeNpy } from 'lstm-wasm';
import { adam, fit, loadNetwork } from 'lstm-wasm/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, json, npy, root } from './helpers';
import { stateDict, worstError } from './train_helpers';

const bin = new URL('bin/lstm-wasm.js', root).pathname;
const scratch = new URL('out/train_cli/', root).pathname; // git-ignored, emptied each run

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: scratch, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

beforeAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
});

describe('lstm-wasm grad: PyTorch autograd gradients of the mean loss', () => {
  for (const name of ['lstm_mse_seq', 'lstm2_bi_ce_final', 'rnn_relu_b1_bce_final', 'gru2_bi_len_ce_final']) {
    it(name, async () => {
      const dir = `train-grads/${name}`, c = json(`${dir}/case.json`), out = join(scratch, `grad_${name}`);
      const args = ['grad', fixturePath(`${dir}/model.safetensors`), '--input', fixturePath(`${dir}/${c.V ? 'ids' : 'x'}.npy`),
        '--target', fixturePath(`${dir}/target.npy`), '--loss', c.loss, '--out', out];
      if (c.lengths) args.push('--lengths', fixturePath(`${dir}/lengths.npy`));
      const r = await cli(...args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const result = lastJson(r.stdout);
      expect(Math.abs(result.loss - c.loss_value) / Math.max(1, c.loss_value)).toBeLessThanOrEqual(1e-4);
      expect(result.grads.map((g: { name: string }) => g.name)).toEqual(c.keys);
      const ref = stateDict(`${dir}/grads.safetensors`);
      for (const g of result.grads) {
        expect(g.file).toBe(join(out, `${g.name}.npy`));
        const got = readNpy(readFileSync(g.file));
        expect(got.dims).toEqual(g.dims);
        expect(worstError(got.data as Float32Array, ref[g.name].data as Float32Array), g.name).toBeLessThanOrEqual(1e-4);
      }
    });
  }
});

describe('lstm-wasm train', () => {
  it('trains as fit() does, draws a progress bar on stderr, writes the model back', async () => {
    const dir = 'train-save/lm_lstm2', model = fixturePath(`${dir}/model.safetensors`);
    const out = join(scratch, 'trained', 'lm.safetensors');
    const r = await cli('train', model, '--input', fixturePath(`${dir}/ids.npy`), '--target', fixturePath(`${dir}/target.npy`), '--loss', 'ce',
      '--optimizer', 'adam', '--lr', '0.01', '--batch-size', '2', '--epochs', '3', '--no-shuffle', '--clip-norm', '1', '--out', out);
    expect(r.code).toBe(0);
    const result = lastJson(r.stdout);
    expect(result.out).toBe(out);
    expect(result.losses.length).toBe(6); // 3 items in batches of 2, three epochs
    expect(r.stderr).toMatch(/\[█+░*\] +\d+%  step 1\/6  loss \d\.\d{4}  [\d.k]+ steps\/s  [\d.k]+ tok\/s  ETA \d+s/);
    expect(r.stderr).toMatch(/step 6\/6/);
    expect(r.stderr).toMatch(/epoch 3\/3  loss \d\.\d{4}/);
    // the same run through the library
    const net = await loadNetwork(model);
    const lib = await fit(net, { x: npy(`${dir}/ids.npy`), y: npy(`${dir}/target.npy`) },
      { loss: 'ce', optimizer: adam({ lr: 0.01 }), batchSize: 2, epochs: 3, shuffle: false, clipNorm: 1 });
    expect(result.losses).toEqual(lib.losses);
    const saved = await loadNetwork(out);
    expect(saved.weights()['lstm.weight_hh_l1'].data).toEqual(net.weights()['lstm.weight_hh_l1'].data);
  });

  it('one-line errors for bad options and bad data', async () => {
    const dir = 'train-grads/lstm2_bi_ce_final', model = fixturePath(`${dir}/model.safetensors`);
    const base = ['--input', fixturePath(`${dir}/ids.npy`), '--target', fixturePath(`${dir}/target.npy`)];
    let r = await cli('train', model, ...base, '--loss', 'hinge', '--out', 'x');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("lstm-wasm: OPTION: --loss must be mse, ce or bce, got 'hinge'\n");
    r = await cli('grad', model, ...base, '--loss', 'ce');
    expect(r.stderr).toMatch(/^lstm-wasm: OPTION: missing --out DIR; usage: lstm-wasm grad MODEL/);
    r = await cli('train', model, ...base, '--loss', 'mse', '--optimizer', 'sgd', '--lr', '0.1', '--out', 'x');
    expect(r.stderr).toMatch(/^lstm-wasm: INPUT: \S*target\.npy holds int64 but input 'target' takes float32\n$/);
    r = await cli('train', model, ...base, '--loss', 'ce', '--optimizer', 'sgd', '--out', 'x');
    expect(r.stderr).toBe('lstm-wasm: OPTION: --optimizer sgd needs --lr\n');
    const bad = join(scratch, 'bad_target.npy');
    const t = npy(`${dir}/target.npy`);
    (t.data as BigInt64Array)[1] = 7n;
    writeFileSync(bad, writeNpy(t));
    r = await cli('grad', model, '--input', fixturePath(`${dir}/ids.npy`), '--target', bad, '--loss', 'ce', '--out', 'g');
    expect(r.stderr).toBe("lstm-wasm: INPUT: cross-entropy target has class id 7 at flat index 1; class ids must be in 0..2 (the output's last axis) or the ignore index -100\n");
    r = await cli('grad', fixturePath('torch-onnx/lm_lstm2/model.onnx'), ...base, '--loss', 'ce', '--output', 'logits', '--out', 'g');
    expect(r.stderr).toMatch(/^lstm-wasm: UNSUPPORTED: .*cannot train output 'logits': LSTM node '\/lstm\/LSTM': the initial state '.*' is not all zeros/);
  });
});

describe('lstm-wasm train-lm', () => {
  it('learns a character model from a text file that generate then reads', async () => {
    const text = 'the cat sat on the mat. the dog sat on the log. '.repeat(60);
    const file = join(scratch, 'tiny.txt'), out = join(scratch, 'charlm');
    writeFileSync(file, text);
    const r = await cli('train-lm', file, '--hidden', '24', '--layers', '1', '--embed', '8', '--seq-len', '24', '--batch-size', '8',
      '--steps', '120', '--lr', '0.02', '--valid', '0.1', '--out', out);
    expect(r.code).toBe(0);
    const result = lastJson(r.stdout);
    expect(result.steps).toBe(120);
    const V = json<{ chars: string[] }>('../../out/train_cli/charlm/vocab.json').chars.length;
    expect(V).toBe(new Set(text).size + 1);
    expect(result.valLoss).toBeLessThan(0.35 * Math.log(V)); // far below a uniform guess: the text is nearly deterministic
    expect(r.stderr).toMatch(/held-out loss \d\.\d{4} nats\/char/);
    const g = await cli('generate', join(out, 'model.safetensors'), '--prompt', 'the cat ', '--max-tokens', '12');
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/^the cat sat on the /);
  });
});


describe('lstm-wasm grad / train on ONNX models: the file\'s initializer names, the file\'s format', () => {
  for (const name of ['lstm2_classifier_ce', 'bigru_tagger_mse']) {
    it(`grad ${name}: DIR/<initializer>.npy = PyTorch autograd`, async () => {
      const dir = `train-onnx/${name}`, c = json(`${dir}/case.json`), out = join(scratch, `grad_onnx_${name}`);
      const r = await cli('grad', fixturePath(`${dir}/model.onnx`), '--input', `${c.input}=${fixturePath(`${dir}/${c.input}.npy`)}`,
        '--target', fixturePath(`${dir}/target.npy`), '--loss', c.loss, '--out', out);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const result = lastJson(r.stdout), ref = stateDict(`${dir}/grads.safetensors`);
      expect(Math.abs(result.loss - c.loss_value) / Math.max(1, c.loss_value)).toBeLessThanOrEqual(1e-4);
      expect(result.grads.map((g: { name: string }) => g.name).sort()).toEqual([...c.weights].sort());
      for (const g of result.grads) {
        expect(g.file).toBe(join(out, `${g.name}.npy`));
        const got = readNpy(readFileSync(g.file));
        expect(got.dims).toEqual(ref[g.name].dims);
        expect(worstError(got.data as Float32Array, ref[g.name].data as Float32Array), g.name).toBeLessThanOrEqual(1e-4);
      }
    });
  }

  it('train writes an ONNX model: the input\'s graph with the trained initializers, as fit() trains them', async () => {
    const dir = 'train-onnx/lstm2_classifier_ce', model = fixturePath(`${dir}/model.onnx`), out = join(scratch, 'trained_onnx', 'clf.onnx');
    const r = await cli('train', model, '--input', fixturePath(`${dir}/ids.npy`), '--target', fixturePath(`${dir}/target.npy`), '--loss', 'ce',
      '--optimizer', 'adam', '--lr', '0.05', '--batch-size', '2', '--epochs', '2', '--no-shuffle', '--out', out);
    expect(r.code).toBe(0);
    const result = lastJson(r.stdout);
    expect(result.out).toBe(out);
    const net = await loadNetwork(model);
    const lib = await fit(net, { x: npy(`${dir}/ids.npy`), y: npy(`${dir}/target.npy`) },
      { loss: 'ce', optimizer: adam({ lr: 0.05 }), batchSize: 2, epochs: 2, shuffle: false });
    expect(result.losses).toEqual(lib.losses);
    const saved = await loadNetwork(out);
    expect(saved.source?.format).toBe('onnx');
    for (const [k, t] of Object.entries(saved.fileWeights())) expect(t.data, k).toEqual(net.fileWeights()[k].data);
  });

  it('a graph output that does not exist, and state-dict flags on an ONNX model: one-line errors', async () => {
    const dir = 'train-onnx/bigru_tagger_mse', base = ['--input', fixturePath(`${dir}/x.npy`), '--target', fixturePath(`${dir}/target.npy`), '--loss', 'mse', '--out', 'g'];
    let r = await cli('grad', fixturePath(`${dir}/model.onnx`), ...base, '--output', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lstm-wasm: OPTION: .*model\.onnx: no graph output 'nope'; its outputs are 'y'\n$/);
    r = await cli('grad', fixturePath(`${dir}/model.onnx`), ...base, '--head', 'mean');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('lstm-wasm: OPTION: head applies to PyTorch state dicts; an ONNX model says it itself\n');
  });
});

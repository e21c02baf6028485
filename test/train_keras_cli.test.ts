// test/train_keras_cli.test.ts: lstm-wasm grad / train on Keras / TF.js model.json files as a user runs them —
// gradients written as DIR/<TF.js weight name>.npy equal to tf.variableGrads, training through the command equal to
// fit(), the trained model.json + weights.bin run by tf.loadLayersModel to the network's outputs, one-line errors.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Tensor, readNpy, writeNpy } from 'lstm-wasm';
import { adam, fit, loadNetwork } from 'lstm-wasm/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, fixturePath, root, rng } from './helpers';
import { worstError } from './train_helpers';

const bin = new URL('bin/lstm-wasm.js', root).pathname;
const scratch = new URL('out/train_keras_cli/', root).pathname; // git-ignored, emptied each run

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: scratch, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);
const rand = rng(41);

/** A model.json on disk (its shards beside it) loaded by TF.js. */
async function tfLoad(file: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const specs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
  const parts = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => readFileSync(join(dirname(file), p))));
  const all = Buffer.concat(parts);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length) as ArrayBuffer }));
}

const toTf = (t: Tensor) => tf.tensor(Float32Array.from(t.data as ArrayLike<number>), [...t.dims]);

/** tf.variableGrads of the model's own loss on its output, by manifest name. */
function tfGrads(model: tf.LayersModel, x: Tensor, y: Tensor, loss: 'ce' | 'mse', classes: number) {
  const names = new Map(model.trainableWeights.map((w) => [w.name, w.originalName]));
  const f = () => {
    const out = model.apply(toTf(x)) as tf.Tensor;
    return (loss === 'ce'
      ? tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(tf.tensor(y.data as Int32Array, [...y.dims], 'int32'), classes), tf.log(out)), -1)))
      : tf.losses.meanSquaredError(toTf(y), out)) as tf.Scalar;
  };
  const { value, grads } = tf.variableGrads(f);
  return { loss: value.dataSync()[0], grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [names.get(k)!, g.dataSync() as Float32Array])) };
}

let classifier: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  // an Embedding -> LSTM -> Dense softmax classifier saved by TF.js as model.json + a shard
  const m = tf.sequential({ layers: [
    tf.layers.embedding({ inputDim: 9, outputDim: 4, batchInputShape: [null, null], name: 'embedding' }),
    tf.layers.lstm({ units: 5, recurrentActivation: 'sigmoid', name: 'lstm' }),
    tf.layers.dropout({ rate: 0.2, name: 'dropout' }),
    tf.layers.dense({ units: 3, activation: 'softmax', name: 'dense' }),
  ] });
  m.setWeights(m.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => rand() * 0.6), w.shape)));
  const dir = join(scratch, 'clf');
  mkdirSync(dir, { recursive: true });
  await m.save(tf.io.withSaveHandler(async (a) => {
    const data = tf.io.CompositeArrayBuffer.join(a.weightData!);
    writeFileSync(join(dir, 'group1-shard1of1.bin'), new Uint8Array(data));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, modelTopology: a.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  m.dispose();
  classifier = join(dir, 'model.json');
  writeFileSync(join(scratch, 'clf_ids.npy'), writeNpy(new Tensor('int32', Int32Array.from({ length: 4 * 7 }, () => Math.floor(((rand() + 1) / 2) * 9) % 9), [4, 7])));
  writeFileSync(join(scratch, 'clf_target.npy'), writeNpy(new Tensor('int32', Int32Array.from({ length: 4 }, () => Math.floor(((rand() + 1) / 2) * 3) % 3), [4])));
  writeFileSync(join(scratch, 'rnn_target.npy'), writeNpy(new Tensor('float32', Float32Array.from({ length: 3 * 2 }, () => rand()), [3, 2])));
});

describe('lstm-wasm grad MODEL.json: DIR/<TF.js weight name>.npy = tf.variableGrads', () => {
  const cases = [
    { name: 'stacked SimpleRNN regressor (fixture tfjs/stacked_simplernn, 4 KiB shards), MSE', model: () => fixturePath('tfjs/stacked_simplernn/model.json'),
      input: () => fixturePath('tfjs/stacked_simplernn/a_in0.npy'), target: () => join(scratch, 'rnn_target.npy'), loss: 'mse' as const, classes: 2 },
    { name: 'Embedding -> LSTM -> Dropout -> Dense softmax, cross-entropy on the logits', model: () => classifier,
      input: () => join(scratch, 'clf_ids.npy'), target: () => join(scratch, 'clf_target.npy'), loss: 'ce' as const, classes: 3 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const out = join(scratch, `grad_${c.loss}`);
      const r = await cli('grad', c.model(), '--input', c.input(), '--target', c.target(), '--loss', c.loss, '--out', out);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const result = lastJson(r.stdout);
      const model = await tfLoad(c.model());
      const x = readNpy(readFileSync(c.input())), y = readNpy(readFileSync(c.target()));
      const ref = tfGrads(model, x, y, c.loss, c.classes);
      expect(Math.abs(result.loss - ref.loss) / Math.max(1, ref.loss)).toBeLessThanOrEqual(1e-5);
      const manifest = JSON.parse(readFileSync(c.model(), 'utf8')).weightsManifest.flatMap((g: { weights: { name: string; shape: number[] }[] }) => g.weights);
      expect(result.grads.map((g: { name: string }) => g.name)).toEqual(manifest.map((w: { name: string }) => w.name));
      for (const g of result.grads) {
        expect(g.file).toBe(join(out, `${g.name}.npy`)); // lstm/kernel -> DIR/lstm/kernel.npy
        const got = readNpy(readFileSync(g.file));
        expect(got.dims).toEqual(manifest.find((w: { name: string }) => w.name === g.name).shape);
        expect(worstError(got.data as Float32Array, ref.grads[g.name]), g.name).toBeLessThanOrEqual(1e-4);
      }
      model.dispose();
    });
  }
});

describe('lstm-wasm train MODEL.json --out DIR', () => {
  it('trains as fit() does and writes DIR/model.json + DIR/weights.bin that TF.js runs to the trained network\'s outputs', async () => {
    const out = join(scratch, 'trained');
    const args = ['--input', join(scratch, 'clf_ids.npy'), '--target', join(scratch, 'clf_target.npy'), '--loss', 'ce',
      '--optimizer', 'adam', '--lr', '0.05', '--batch-size', '2', '--epochs', '2', '--no-shuffle', '--seed', '5'];
    const r = await cli('train', classifier, ...args, '--out', out);
    expect(r.code).toBe(0);
    const result = lastJson(r.stdout);
    expect(result.out).toBe(join(out, 'model.json'));
    expect(result.losses.length).toBe(4);
    expect(r.stderr).toMatch(/step 4\/4/);
    // the same run through the library
    const net = await loadNetwork(classifier); // the dropout masks: the network's seed (0), as the command's
    const lib = await fit(net, { x: readNpy(readFileSync(join(scratch, 'clf_ids.npy'))), y: readNpy(readFileSync(join(scratch, 'clf_target.npy'))) },
      { loss: 'ce', optimizer: adam({ lr: 0.05 }), batchSize: 2, epochs: 2, shuffle: false, seed: 5 });
    expect(result.losses).toEqual(lib.losses);
    const saved = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(saved.modelTopology).toEqual(JSON.parse(readFileSync(classifier, 'utf8')).modelTopology);
    expect(saved.weightsManifest).toEqual([{ paths: ['weights.bin'], weights: expect.any(Array) }]);
    const model = await tfLoad(join(out, 'model.json')), x = readNpy(readFileSync(join(scratch, 'clf_ids.npy')));
    const logits = net.forward(x);
    const probs = new Tensor('float32', tf.softmax(toTf(logits)).dataSync() as Float32Array, logits.dims);
    expectClose(new Tensor('float32', (model.predict(toTf(x)) as tf.Tensor).dataSync() as Float32Array, logits.dims), probs, 'TF.js on DIR/model.json vs fit()');
    // OUT naming the model.json to write
    const r2 = await cli('train', classifier, ...args, '--out', join(scratch, 'named', 'clf.json'));
    expect(lastJson(r2.stdout).out).toBe(join(scratch, 'named', 'clf.json'));
    expect(readFileSync(join(scratch, 'named', 'weights.bin'))).toEqual(readFileSync(join(out, 'weights.bin')));
    model.dispose();
    net.release();
  });

  it('one-line errors: a model that is not a trainable stack, an --output that is not the model\'s', async () => {
    const base = ['--input', fixturePath('tfjs/stacked_lstm/a_in0.npy'), '--target', join(scratch, 'rnn_target.npy'), '--loss', 'mse', '--out', 'g'];
    let r = await cli('grad', fixturePath('tfjs/stacked_lstm/model.json'), ...base);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lstm-wasm: UNSUPPORTED: .*model\.json: cannot train this model: LSTM layer 'lstm1': option 'recurrent_activation' = "hard_sigmoid" cannot be trained .*\n$/);
    r = await cli('grad', fixturePath('tfjs/stacked_simplernn/model.json'), '--input', fixturePath('tfjs/stacked_simplernn/a_in0.npy'),
      '--target', join(scratch, 'rnn_target.npy'), '--loss', 'mse', '--out', 'g', '--output', 'rnn2');
    expect(r.stderr).toBe("lstm-wasm: OPTION: --output rnn2: the model's output is its last layer 'out'\n");
  });
});

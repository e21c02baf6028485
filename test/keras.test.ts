// test/keras.test.ts: Keras / TF.js layers models (test/fixtures/tfjs, written by gen_tfjs.mjs) against TF.js's own
// outputs, loaded every way a user loads them: a path, a URL (shards fetched beside model.json), in-memory artifacts.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InferenceSession, type Model, Tensor, readNpy } from 'lstm-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { expectClose, fixturePath, json, npy, root } from './helpers';

const cases = readdirSync(fixturePath('tfjs')).filter((d) => statSync(fixturePath(`tfjs/${d}`)).isDirectory()).sort();
const fx = (name: string, file: string) => fixturePath(`tfjs/${name}/${file}`);
/** The lstm-wasm/keras entry as built (dist/keras.js). */
const kerasEntry = () => import(/* @vite-ignore */ new URL('dist/keras.js', root).href);

/** Runs every input set of a case; each output within 1e-5·max(1,|ref|) of TF.js's. Returns the worst error. */
async function expectCase(s: InferenceSession, name: string): Promise<number> {
  const c = json(`tfjs/${name}/case.json`);
  expect([...s.inputNames]).toEqual(c.inputs);
  expect(s.outputNames.length).toBe(c.outputs);
  let worst = 0;
  for (const set of c.sets) {
    const feeds: Record<string, Tensor> = Object.fromEntries(s.inputNames.map((n, k) => [n, npy(`tfjs/${name}/${set}_in${k}.npy`)]));
    const out = await s.run(feeds);
    s.outputNames.forEach((o, k) => {
      worst = Math.max(worst, expectClose(out[o], npy(`tfjs/${name}/${set}_out${k}.npy`), `${name} set ${set} output ${k} (${o})`));
    });
  }
  return worst;
}

const worst: Record<string, number> = {};
afterAll(() => console.log(`worst error vs TF.js: ${Object.entries(worst).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`));

describe('Keras / TF.js layers models against TF.js 4.22 (cpu backend)', () => {
  for (const name of cases) {
    it(name, async () => {
      const s = await InferenceSession.create(fx(name, 'model.json'));
      worst[name] = await expectCase(s, name);
      await s.release();
    });
  }

  it('names outputs after their layers, with the role of each extra output', async () => {
    const s = await InferenceSession.create(fx('return_state', 'model.json'));
    expect([...s.outputNames]).toEqual(['lstm', 'lstm_state_h', 'lstm_state_c', 'gru', 'gru_state', 'bi', 'bi_forward_h', 'bi_forward_c',
      'bi_backward_h', 'bi_backward_c', 'rnn', 'rnn_state']);
    expect(s.inputMetadata[0]).toMatchObject({ name: 'x', types: ['float32'], dims: ['B', 'T', 4] });
    const ids = await InferenceSession.create(fx('two_inputs', 'model.json'));
    expect(ids.inputMetadata.map((i) => [i.name, i.types])).toEqual([['tokens', ['int32', 'int64']], ['features', ['float32']]]);
  });

  it('takes int64 ids as well as int32', async () => {
    const s = await InferenceSession.create(fx('classifier', 'model.json'));
    const x = npy('tfjs/classifier/a_in0.npy');
    const x64 = new Tensor('int64', BigInt64Array.from(x.data as Int32Array, (v) => BigInt(v)), x.dims);
    expectClose((await s.run({ [s.inputNames[0]]: x64 }))[s.outputNames[0]], npy('tfjs/classifier/a_out0.npy'), 'int64 ids');
  });
});

/** A copy of fixture `name` with its model.json rewritten by `edit`; returns the new model.json's path. */
function rewritten(name: string, edit: (mj: any) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'lw-'));
  for (const f of readdirSync(fixturePath(`tfjs/${name}`))) copyFileSync(fx(name, f), join(dir, f));
  const mj = JSON.parse(readFileSync(fx(name, 'model.json'), 'utf8'));
  edit(mj);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(mj));
  return join(dir, 'model.json');
}

describe('what tensorflowjs_converter writes from Keras 2 (Python)', () => {
  it('a functional model: model_config wrapper, class Functional, initial_state as a call argument, cell-scoped weight names', async () => {
    const f = rewritten('encoder_decoder', (mj) => {
      const config = mj.modelTopology.config;
      mj.modelTopology = { keras_version: '2.15.0', backend: 'tensorflow', model_config: { class_name: 'Functional', config } };
      mj.convertedBy = 'TensorFlow.js Converter v4.22.0';
      for (const l of config.layers) {
        l.config.dtype = 'float32';
        if (l.class_name === 'InputLayer') l.config.ragged = false;
        if (l.name === 'decoder') l.inbound_nodes = [[['target', 0, 0, { initial_state: [['encoder', 0, 1], ['encoder', 0, 2]] }]]];
      }
      config.output_layers = config.output_layers[0]; // written flat for one output
      for (const w of mj.weightsManifest[0].weights) w.name = w.name.replace(/^(encoder|decoder)\//, 'model/$1/lstm_cell/');
    });
    await expectCase(await InferenceSession.create(f), 'encoder_decoder');
  });

  it('a Sequential model whose config starts with its InputLayer', async () => {
    const f = rewritten('stacked_lstm', (mj) => {
      const layers = mj.modelTopology.config.layers;
      const shape = layers[0].config.batch_input_shape;
      delete layers[0].config.batch_input_shape;
      layers.unshift({ class_name: 'InputLayer', config: { batch_input_shape: shape, dtype: 'float32', sparse: false, ragged: false, name: 'lstm1_input' } });
    });
    await expectCase(await InferenceSession.create(f), 'stacked_lstm');
  });
});

describe('loading', () => {
  it('from a file: URL, a format option, and without a .json name (detected by its content)', async () => {
    const a = await InferenceSession.create(pathToFileURL(fx('stacked_lstm', 'model.json')), { format: 'tfjs' });
    await expectCase(a, 'stacked_lstm');
    expect(a.model.source).toMatch(/^Keras Sequential model/);
    const dir = mkdtempSync(join(tmpdir(), 'lw-'));
    for (const f of readdirSync(fixturePath('tfjs/stacked_lstm'))) copyFileSync(fx('stacked_lstm', f), join(dir, f === 'model.json' ? 'topology' : f));
    await expectCase(await InferenceSession.create(join(dir, 'topology')), 'stacked_lstm');
  });

  it('from an http URL: model.json fetched, its shards fetched relative to it', async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url!);
      try {
        res.end(readFileSync(fixturePath(`tfjs${decodeURIComponent(req.url!)}`)));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/two_inputs/model.json`;
      const s = await InferenceSession.create(url);
      await expectCase(s, 'two_inputs');
      expect(requests.sort()).toEqual(['/two_inputs/group1-shard1of1.bin', '/two_inputs/group2-shard1of1.bin', '/two_inputs/model.json']);
    } finally {
      server.close();
    }
  });

  it('from in-memory artifacts {modelTopology, weightSpecs, weightData} with lstm-wasm/keras', async () => {
    const { loadKeras, kerasToModel } = await kerasEntry();
    const mj = JSON.parse(readFileSync(fx('classifier', 'model.json'), 'utf8'));
    const group = mj.weightsManifest[0];
    const bytes = Buffer.concat(group.paths.map((p: string) => readFileSync(fx('classifier', p))));
    const artifacts = { modelTopology: mj.modelTopology, weightSpecs: group.weights, weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) };
    for (const model of [kerasToModel(artifacts) as Model, (await loadKeras(artifacts)) as Model]) {
      await expectCase(await InferenceSession.create(model), 'classifier');
    }
    // weightData as a list of buffers (TF.js 4's WeightData), one per shard
    const parts = group.paths.map((p: string) => new Uint8Array(readFileSync(fx('classifier', p))).slice().buffer);
    await expectCase(await InferenceSession.create(kerasToModel({ ...artifacts, weightData: parts }) as Model), 'classifier');
  });

  it('keeps the importer out of the core: a chunk loaded when a model.json arrives', () => {
    // the files dist/index.js loads statically, followed through their imports
    const files = new Map<string, string>();
    const walk = (url: URL) => {
      if (files.has(url.href)) return;
      const src = readFileSync(url, 'utf8');
      files.set(url.href, src);
      for (const m of src.matchAll(/(?:from|import)\s*"(\.[^"]+)"/g)) walk(new URL(m[1], url));
    };
    walk(new URL('dist/index.js', root));
    const core = [...files.values()].join('\n');
    expect(core).toMatch(/import\("\.\/(chunks\/)?keras-[A-Z0-9]+\.js"\)/);
    expect(core).not.toMatch(/modelTopology is|weightsManifest group/);
  });
});

const bin = new URL('bin/lstm-wasm.js', root).pathname;
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: tmpdir() }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

describe('lstm-wasm run / info with a model.json', () => {
  it('run: the unnamed input binds to the first model input, named ones by name; --expect checks', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-'));
    const r = await cli('run', fx('two_inputs', 'model.json'), '--input', `features=${fx('two_inputs', 'a_in1.npy')}`, '--input', fx('two_inputs', 'a_in0.npy'),
      '--expect', `probs=${fx('two_inputs', 'a_out0.npy')}`, '--expect', `sum=${fx('two_inputs', 'a_out1.npy')}`, '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(result.outputs).toEqual([{ name: 'probs', file: join(out, 'probs.npy'), dims: [3, 3] }, { name: 'sum', file: join(out, 'sum.npy'), dims: [3, 8] }]);
    expectClose(readNpy(readFileSync(join(out, 'sum.npy'))), npy('tfjs/two_inputs/a_out1.npy'), 'sum');
  });

  it('info: layers, ops, inputs and outputs', async () => {
    const r = await cli('info', fx('classifier', 'model.json'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^source +Keras Sequential model '.*' \(tfjs-layers 4\.22\.0\)/);
    expect(r.stdout).toMatch(/node +bidirectional: LSTM .*\n +layer 0 +bidirectional +input 8 -> hidden 12 +output 24/);
    expect(r.stdout).toMatch(/node +gru: GRU \(gates r, z, n; activations sigmoid, tanh\), batch_first, reset before the product/);
    expect(r.stdout).toMatch(/input +embedding_input int32\|int64 +\[B, T\]/);
    expect(r.stdout).toMatch(/output +dense +float32 +\[B, 5\]/);
  });

  it('a bad model.json is one line on stderr and exit code 1', async () => {
    const r = await cli('info', fx('classifier', 'case.json'), '--format', 'tfjs');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lstm-wasm: FORMAT: .*case\.json: has no modelTopology/);
  });
});

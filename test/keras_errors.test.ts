// test/keras_errors.test.ts: broken or unsupported Keras / TF.js models fail at load with an error naming the file
// part, layer class, layer name and option — variants of the fixtures written to a temporary folder.
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'lstm-wasm';
import { describe, it } from 'vitest';
import { expectError, fixturePath } from './helpers';

/** A copy of fixture `name` whose model.json `edit` may change (and whose other files it may touch); returns model.json's path. */
function variant(name: string, edit: (mj: any, dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'lw-keras-'));
  for (const f of readdirSync(fixturePath(`tfjs/${name}`))) copyFileSync(fixturePath(`tfjs/${name}/${f}`), join(dir, f));
  const mj = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  edit(mj, dir);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(mj));
  return join(dir, 'model.json');
}
const load = (file: string) => InferenceSession.create(file);
/** The config of layer `name` (looked up in Sequential and functional configs, and inside wrappers). */
function layer(mj: any, name: string): any {
  const all = mj.modelTopology.config.layers.flatMap((l: any) => [l, ...(l.config.layer ? [l.config.layer] : [])]);
  return all.find((l: any) => (l.config.name ?? l.name) === name);
}

describe('weight files', () => {
  it('a missing shard', async () => {
    const f = variant('classifier', (_mj, dir) => rmSync(join(dir, 'group1-shard2of4.bin')));
    await expectError(() => load(f), 'IO', /weightsManifest group 1: weight file 'group1-shard2of4\.bin' cannot be read \(cannot read .*group1-shard2of4\.bin: ENOENT\)/);
  });

  it('a shard shorter or longer than the manifest says', async () => {
    const short = variant('classifier', (_mj, dir) => truncateSync(join(dir, 'group1-shard4of4.bin'), 100));
    await expectError(() => load(short), 'FORMAT', /group 1: its files .*'group1-shard4of4\.bin' \(100 bytes\) hold 12388 bytes; its 12 weights \(embedding\/embeddings, .*\) need 13444/);
    const long = variant('classifier', (_mj, dir) => appendFileSync(join(dir, 'group1-shard4of4.bin'), Buffer.alloc(8)));
    await expectError(() => load(long), 'FORMAT', /hold 13452 bytes; its 12 weights .* need 13444/);
  });

  it('the manifest lists fewer weights than the topology needs', async () => {
    const f = variant('classifier', (mj, dir) => {
      mj.weightsManifest[0].weights.pop(); // dense/bias, the last 5 floats
      truncateSync(join(dir, 'group1-shard4of4.bin'), readFileSync(join(dir, 'group1-shard4of4.bin')).length - 20);
    });
    await expectError(() => load(f), 'MODEL', /Dense layer 'dense' needs 2 weights \(kernel, bias\); the weights manifest has 1 for it: dense\/kernel/);
  });

  it('the manifest lists a weight no layer has', async () => {
    const f = variant('classifier', (mj, dir) => {
      mj.weightsManifest[0].weights.push({ name: 'dense/extra', shape: [2], dtype: 'float32' });
      appendFileSync(join(dir, 'group1-shard4of4.bin'), Buffer.alloc(8));
    });
    await expectError(() => load(f), 'MODEL', /Dense layer 'dense' needs 2 weights \(kernel, bias\); the weights manifest has 3 for it: dense\/kernel, dense\/bias, dense\/extra/);
    const g = variant('classifier', (mj, dir) => {
      mj.weightsManifest[0].weights.push({ name: 'conv/kernel', shape: [2], dtype: 'float32' });
      appendFileSync(join(dir, 'group1-shard4of4.bin'), Buffer.alloc(8));
    });
    await expectError(() => load(g), 'MODEL', /weight 'conv\/kernel' in the weights manifest belongs to no layer of the topology \(layers: embedding_input, embedding, bidirectional, gru, dense\)/);
  });

  it('a weight of the wrong shape, an unknown dtype or quantization', async () => {
    const shape = variant('classifier', (mj) => (mj.weightsManifest[0].weights.find((w: any) => w.name === 'dense/kernel').shape = [5, 10]));
    await expectError(() => load(shape), 'MODEL', /Dense layer 'dense': weight 'dense\/kernel' is \[5, 10\]; expected \[10, 5\]/);
    const q = variant('quantized_uint8', (mj) => (mj.weightsManifest[0].weights[0].quantization.dtype = 'int4'));
    await expectError(() => load(q), 'UNSUPPORTED', /weight 'embedding\/embeddings' is quantized to int4; supported: float32, and quantized uint8, uint16, float16/);
    const d = variant('classifier', (mj) => (mj.weightsManifest[0].weights[0].dtype = 'string'));
    await expectError(() => load(d), 'UNSUPPORTED', /weight 'embedding\/embeddings' is string/);
    const s = variant('quantized_uint8', (mj) => delete mj.weightsManifest[0].weights[1].quantization.scale);
    await expectError(() => load(s), 'FORMAT', /weight 'bidirectional\/forward_lstm\/kernel' is quantized to uint8 without a numeric scale and min/);
  });
});

describe('topology', () => {
  it('an unknown layer names its class and name', async () => {
    const f = variant('classifier', (mj) => (layer(mj, 'gru').class_name = 'Conv1D'));
    await expectError(() => load(f), 'UNSUPPORTED', /layer Conv1D 'gru' is not supported; supported layers: InputLayer, Activation, Add, .*LSTM/);
    const nested = variant('two_inputs', (mj) => (layer(mj, 'dense').class_name = 'Sequential'));
    await expectError(() => load(nested), 'UNSUPPORTED', /layer Sequential 'dense' is not supported/);
  });

  it('an unknown option, or an option value outside what runs, names the layer, the option and the value', async () => {
    const cases: [string, (mj: any) => void, RegExp][] = [
      ['classifier', (mj) => (layer(mj, 'lstm').config.foo = 1), /Bidirectional layer 'bidirectional' \(LSTM 'lstm'\): option 'foo' is not supported \(supported: units, /],
      ['classifier', (mj) => (layer(mj, 'gru').config.stateful = true), /GRU layer 'gru': option 'stateful' = true is not supported \(supported: false/],
      ['classifier', (mj) => (layer(mj, 'dense').config.activation = 'gelu'), /Dense layer 'dense': option 'activation' = "gelu" is not supported \(supported: linear, relu/],
      ['classifier', (mj) => (layer(mj, 'gru').config.recurrent_activation = 'relu6'), /GRU layer 'gru': option 'recurrent_activation' = "relu6" is not supported \(supported: tanh, sigmoid, hard_sigmoid/],
      ['classifier', (mj) => (layer(mj, 'lstm').config.go_backwards = true), /\(LSTM 'lstm'\): option 'go_backwards' = true is not supported \(supported: false inside Bidirectional\)/],
      ['classifier', (mj) => (layer(mj, 'bidirectional').config.merge_mode = 'max'), /Bidirectional layer 'bidirectional': option 'merge_mode' = "max" is not supported \(supported: concat, sum, mul, ave, null\)/],
      ['classifier', (mj) => (layer(mj, 'gru').config.zero_output_for_mask = true), /option 'zero_output_for_mask' = true is not supported/],
      ['classifier', (mj) => (layer(mj, 'dense').config.dtype = 'float16'), /Dense layer 'dense': option 'dtype' = "float16" is not supported \(supported: float32\)/],
      ['layers', (mj) => (layer(mj, 'avg').config.data_format = 'channels_first'), /GlobalAveragePooling1D layer 'avg': option 'data_format' = "channels_first" is not supported/],
      ['gru_reset_before', (mj) => (layer(mj, 'td').config.layer.class_name = 'LSTM'), /TimeDistributed layer 'td': option 'layer' = "LSTM" is not supported \(supported: Dense, Activation, Dropout/],
    ];
    for (const [name, edit, re] of cases) await expectError(() => load(variant(name, edit)), 'UNSUPPORTED', re);
  });

  it('layers that need host-visible data refuse data computed in wasm', async () => {
    const f = variant('masking_layer', (mj) => {
      // Masking reading the LSTM's output instead of the model input
      const m = mj.modelTopology.config.layers.find((l: any) => l.name === 'masking');
      m.inbound_nodes = [[['lstm', 0, 0, {}]]];
      mj.modelTopology.config.layers.find((l: any) => l.name === 'lstm').inbound_nodes = [[['x', 0, 0, {}]]];
    });
    await expectError(() => load(f), 'UNSUPPORTED', /Masking layer 'masking': its input must be a model input .* but it is computed in wasm/);
  });

  it('a graph that does not connect, and unsupported formats', async () => {
    const f = variant('two_inputs', (mj) => (mj.modelTopology.config.layers.find((l: any) => l.name === 'probs').inbound_nodes = [[['nowhere', 0, 0, {}]]]));
    await expectError(() => load(f), 'MODEL', /layer 'probs' reads output 0 of call 0 of layer 'nowhere', which the model never computes/);
    const k3 = variant('two_inputs', (mj) => (mj.modelTopology.config.layers[2].inbound_nodes = [{ args: [], kwargs: {} }]));
    await expectError(() => load(k3), 'UNSUPPORTED', /inbound node 0 is \{"args".*only the Keras 2 \/ TF\.js form/);
    const graph = variant('classifier', (mj) => (mj.format = 'graph-model'));
    await expectError(() => load(graph), 'UNSUPPORTED', /a TF\.js graph model \(format 'graph-model'\) is a TensorFlow graph, not Keras layers/);
    const cls = variant('classifier', (mj) => (mj.modelTopology.class_name = 'Custom'));
    await expectError(() => load(cls), 'UNSUPPORTED', /model class "Custom" is not supported; supported: Sequential, Model/);
    const bad = mkdtempSync(join(tmpdir(), 'lw-keras-'));
    writeFileSync(join(bad, 'model.json'), '{"modelTopology": ');
    await expectError(() => load(join(bad, 'model.json')), 'FORMAT', /model\.json: not valid JSON/);
  });

  it('model.json as bytes reads its shards relative to the working directory, and says which it could not read', async () => {
    const bytes = readFileSync(fixturePath('tfjs/classifier/model.json'));
    await expectError(() => InferenceSession.create(bytes, { format: 'tfjs' }), 'IO', /weight file 'group1-shard1of4\.bin' cannot be read/);
    await expectError(() => InferenceSession.create(bytes, { format: 'tfjs', batchFirst: true }), 'OPTION', /batchFirst applies to PyTorch state dicts; a Keras model says it itself/);
  });

  it('inputs of the wrong shape or type are INPUT errors at run time', async () => {
    const s = await InferenceSession.create(fixturePath('tfjs/stacked_lstm/model.json'));
    await expectError(() => s.run({ lstm1_input: new Tensor('float32', new Float32Array(8), [1, 2, 4]) }), 'INPUT', /input 'lstm1_input' \[1, 2, 4\]: dim 2 must be 3/);
    const ids = await InferenceSession.create(fixturePath('tfjs/classifier/model.json'));
    await expectError(() => ids.run({ embedding_input: new Tensor('float32', new Float32Array(2), [1, 2]) }), 'INPUT', /input 'embedding_input' must be int32 or int64, got float32/);
    await expectError(() => ids.run({ embedding_input: new Tensor('int32', Int32Array.of(1, 30), [1, 2]) }), 'INPUT', /index 30 \(at 1\) is out of range for axis 0 of size 30/);
  });
});

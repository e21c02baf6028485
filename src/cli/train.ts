// cli/train.ts: `lstm-wasm train MODEL --input X.npy --target T.npy --loss … --optimizer … --out OUT` — trains a model
// file, drawing a progress bar on stderr, and writes it back in its own format (safetensors, ONNX, or Keras model.json +
// weights.bin; the same names).
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { check } from '../errors.js';
import { fit } from '../train/fit.js';
import { type Optimizer, adam, adamw, sgd } from '../train/optim.js';
import { type Io, num, parse } from './common.js';
import { TRAIN_MODEL_FLAGS, checkKerasOutput, openNetwork, trainingData } from './grad.js';
import { Progress } from './progress.js';

export const TRAIN_USAGE =
  'lstm-wasm train MODEL --input X.npy --target T.npy --loss mse|ce|bce [--lengths L.npy] --optimizer sgd|adam|adamw --lr LR [--momentum M] [--nesterov] ' +
  '[--weight-decay W] [--clip-norm N] [--clip-value V] [--batch-size 32] [--epochs 1] [--no-shuffle] [--seed 0] [--validation FRACTION] [--patience N] [--output NAME (ONNX)] --out OUT (a folder; or OUT.safetensors, OUT.onnx, OUT/model.json)';

export function optimizerOf(values: Record<string, unknown>): Optimizer {
  const lr = num(values, 'lr'), wd = num(values, 'weight-decay'), momentum = num(values, 'momentum');
  const kind = values.optimizer ?? 'adam';
  check(kind === 'sgd' || kind === 'adam' || kind === 'adamw', 'OPTION', `--optimizer must be sgd, adam or adamw, got '${String(kind)}'`);
  if (kind === 'sgd') {
    check(lr !== undefined, 'OPTION', '--optimizer sgd needs --lr');
    return sgd({ lr, momentum, weightDecay: wd, nesterov: !!values.nesterov });
  }
  check(momentum === undefined && !values.nesterov, 'OPTION', `--momentum and --nesterov apply to sgd, not ${kind}`);
  return kind === 'adam' ? adam({ lr, weightDecay: wd }) : adamw({ lr, weightDecay: wd });
}

export const OPTIMIZER_FLAGS = {
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  momentum: { type: 'string' },
  nesterov: { type: 'boolean' },
  'weight-decay': { type: 'string' },
  'clip-norm': { type: 'string' },
  'clip-value': { type: 'string' },
  seed: { type: 'string' },
} as const;

/** OUT as a file: OUT itself when it names a .safetensors (or `ext`) file, else OUT/name. */
export async function outFile(out: string, name = 'model.safetensors', ext = /\.safetensors$/i): Promise<string> {
  const isDir = await stat(out).then((s) => s.isDirectory(), () => false);
  if (!isDir && ext.test(out)) {
    await mkdir(dirname(out), { recursive: true });
    return out;
  }
  await mkdir(out, { recursive: true });
  return join(out, name);
}

export async function train(args: string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, {
    ...TRAIN_MODEL_FLAGS, ...OPTIMIZER_FLAGS,
    'batch-size': { type: 'string' }, epochs: { type: 'string' }, 'no-shuffle': { type: 'boolean' },
    validation: { type: 'string' }, patience: { type: 'string' },
  });
  check(positionals.length <= 1, 'OPTION', `unexpected argument '${positionals[1]}'; usage: ${TRAIN_USAGE}`);
  check(typeof values.out === 'string', 'OPTION', `missing --out OUT; usage: ${TRAIN_USAGE}`);
  const model = positionals[0];
  const net = await openNetwork(model, values, TRAIN_USAGE);
  checkKerasOutput(net, values.output);
  const { x, y, lengths, loss } = await trainingData(net, values, TRAIN_USAGE);
  const optimizer = optimizerOf(values);
  const epochs = num(values, 'epochs') ?? 1, batchSize = num(values, 'batch-size') ?? 32, validation = num(values, 'validation');
  const patience = num(values, 'patience');
  const items = x.dims[net.batchFirst ? 0 : 1], train = validation ? items - Math.max(1, Math.round(items * validation)) : items;
  const progress = new Progress(io.err, epochs * Math.ceil(train / Math.min(batchSize, train)));
  const r = await fit(net, { x, y, lengths }, {
    loss, optimizer, epochs, batchSize, shuffle: !values['no-shuffle'], seed: num(values, 'seed') ?? 0,
    clipNorm: num(values, 'clip-norm'), clipValue: num(values, 'clip-value'), validation,
    earlyStopping: patience !== undefined ? { patience } : undefined,
    onStep: (s) => progress.step(s),
    onEpoch: (e) => progress.note(`epoch ${e.epoch + 1}/${epochs}  loss ${e.loss.toFixed(4)}${e.valLoss !== undefined ? `  validation ${e.valLoss.toFixed(4)}` : ''}`),
  });
  // the input's format: safetensors, the ONNX model with its initializers trained (OUT a .onnx file or a folder), or a
  // Keras model.json + weights.bin (OUT a folder, or the model.json to write; weights.bin goes beside it)
  const files = net.saveFiles(), [first] = Object.keys(files);
  const file = await outFile(values.out, first, net.source ? { onnx: /\.onnx$/i, tfjs: /\.json$/i }[net.source.format] : undefined);
  for (const [name, bytes] of Object.entries(files)) await writeFile(name === first ? file : join(dirname(file), name), bytes);
  // a vocabulary beside the model goes with it, so generate / classify find it
  const vocab = join(dirname(model!), 'vocab.json');
  if (dirname(file) !== dirname(model!) && (await stat(vocab).then((s) => s.isFile(), () => false))) await copyFile(vocab, join(dirname(file), 'vocab.json'));
  net.release();
  io.out(JSON.stringify({ losses: r.losses, epochs: r.epochs, stopped: r.stopped, out: file }));
}

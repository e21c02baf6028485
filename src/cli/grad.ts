// cli/grad.ts: `lstm-wasm grad MODEL --input X.npy --target T.npy --loss …` — d(mean loss)/d(every weight) as .npy files,
// named as the model file names its weights (state-dict keys, ONNX initializers, TF.js weight names such as lstm/kernel).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { check } from '../errors.js';
import { writeNpy } from '../formats/npy.js';
import { loadNetwork } from '../train/load.js';
import type { Loss } from '../train/loss.js';
import type { Network } from '../train/network.js';
import { Tensor } from '../tensor.js';
import { type Io, parse } from './common.js';
import { coerce, readArray, splitNamed } from './run.js';

export const GRAD_USAGE =
  'lstm-wasm grad MODEL --input [NAME=]X.npy --target T.npy --loss mse|ce|bce [--lengths L.npy] [--ignore-index -100] [--output NAME] --out DIR [--batch-first] [--nonlinearity tanh|relu] [--head every_step|final_state|last_step|mean]';

/** Flags every training command shares: what a PyTorch state dict cannot say, and the data. */
export const TRAIN_MODEL_FLAGS = {
  'batch-first': { type: 'boolean' },
  nonlinearity: { type: 'string' },
  head: { type: 'string' },
  input: { type: 'string', short: 'i' },
  target: { type: 'string', short: 't' },
  lengths: { type: 'string' },
  loss: { type: 'string' },
  'ignore-index': { type: 'string' },
  out: { type: 'string', short: 'o' },
  output: { type: 'string' },
} as const;

export async function openNetwork(path: string | undefined, values: Record<string, unknown>, usage: string): Promise<Network> {
  check(path !== undefined, 'OPTION', `missing MODEL; usage: ${usage}`);
  return loadNetwork(path, {
    // an ONNX model's graph output to train (a state dict's --output is only 'logits' / 'output', checked by grad)
    ...(/\.onnx$/i.test(path) && values.output !== undefined ? { graphOutput: values.output as string } : {}),
    ...(values['batch-first'] ? { batchFirst: true } : {}),
    ...(values.nonlinearity !== undefined ? { nonlinearity: values.nonlinearity as 'tanh' | 'relu' } : {}),
    ...(values.head !== undefined ? { head: values.head as 'mean' } : {}),
  });
}

/** A Keras model has one output (its last layer's): --output may only name it. */
export function checkKerasOutput(net: Network, output: unknown): void {
  const src = net.source;
  check(output === undefined || src?.format !== 'tfjs' || output === src.outputName, 'OPTION',
    `--output ${String(output)}: the model's output is its last layer '${src?.outputName}'`);
}

/** The input, target and lengths files, checked against the network; the loss with its ignore index. */
export async function trainingData(net: Network, values: Record<string, unknown>, usage: string) {
  check(typeof values.input === 'string', 'OPTION', `missing --input X.npy; usage: ${usage}`);
  check(typeof values.target === 'string', 'OPTION', `missing --target T.npy; usage: ${usage}`);
  const loss = values.loss as string;
  check(loss === 'mse' || loss === 'ce' || loss === 'bce', 'OPTION', `--loss must be mse, ce or bce, got ${loss === undefined ? 'nothing' : `'${loss}'`}`);
  const [name, file] = splitNamed(values.input);
  const want = net.source?.inputName ?? (net.input.kind === 'ids' ? 'ids' : 'x');
  check(name === undefined || name === want, 'OPTION', `--input ${values.input}: the model's input is '${want}'`);
  const x = coerce(await readArray(file), net.input.kind === 'ids' ? ['int64', 'int32'] : ['float32'], want, file);
  const targetFile = values.target as string;
  let y = coerce(await readArray(targetFile), loss === 'ce' ? ['int64', 'int32'] : ['float32'], 'target', targetFile);
  // the file's output has a size-1 axis the network leaves out (a bare ONNX node's directions): so may the target
  const sq = net.source?.outputSqueeze;
  if (sq !== undefined && y.dims.length === 4 && y.dims[sq] === 1) y = new Tensor(y.type, y.data as Float32Array, y.dims.filter((_, i) => i !== sq));
  const lengths = typeof values.lengths === 'string' ? coerce(await readArray(values.lengths), ['int32'], 'lengths', values.lengths) : undefined;
  const ignore = values['ignore-index'] === undefined ? undefined : Number(values['ignore-index']);
  check(ignore === undefined || Number.isSafeInteger(ignore), 'OPTION', `--ignore-index must be an integer, got '${String(values['ignore-index'])}'`);
  const spec: Loss = loss === 'ce' ? { type: 'ce', ignoreIndex: ignore } : { type: loss };
  return { x, y, lengths: lengths?.data as Int32Array | undefined, loss: spec };
}

export async function grad(args: string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, TRAIN_MODEL_FLAGS);
  check(positionals.length <= 1, 'OPTION', `unexpected argument '${positionals[1]}'; usage: ${GRAD_USAGE}`);
  check(typeof values.out === 'string', 'OPTION', `missing --out DIR; usage: ${GRAD_USAGE}`);
  const net = await openNetwork(positionals[0], values, GRAD_USAGE);
  const names = ['logits', 'output'];
  check(values.output === undefined || net.source !== undefined || names.includes(values.output), 'OPTION',
    `--output ${values.output}: the loss reads the network's last layer before any softmax or sigmoid ('logits'), as nn.CrossEntropyLoss and nn.BCEWithLogitsLoss do`);
  checkKerasOutput(net, values.output);
  const { x, y, lengths, loss } = await trainingData(net, values, GRAD_USAGE);
  net.zeroGrad();
  const value = net.backward(x, y, loss, { lengths, training: false }); // no dropout: the gradient of the model as it runs
  const dir = values.out;
  await mkdir(dir, { recursive: true });
  const grads: { name: string; file: string; dims: number[] }[] = [];
  // by the model file's own weight names: state-dict keys, ONNX initializer names, TF.js names ('lstm/kernel' in a folder)
  for (const [name, t] of Object.entries(net.fileGradients()) as [string, Tensor][]) {
    const file = join(dir, `${name}.npy`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, writeNpy(t));
    grads.push({ name, file, dims: [...t.dims] });
  }
  net.release();
  io.out(JSON.stringify({ loss: value, grads }));
}

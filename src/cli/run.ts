// cli/run.ts: `lstm-wasm run MODEL --input [NAME=]FILE.npy ...` — run a model on .npy inputs, write .npy outputs.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { readNpy, writeNpy } from '../formats/npy.js';
import { Tensor } from '../tensor.js';
import { type Io, MODEL_FLAGS, openModel, parse } from './common.js';

export const RUN_USAGE = 'lstm-wasm run MODEL --input [NAME=]FILE.npy ... [--out DIR] [--batch-first] [--nonlinearity tanh|relu]';

/** Converts a loaded array to a type the model input accepts: f8 -> f4 for floats, i4 <-> i8 for integers. */
function coerce(t: Tensor, types: readonly string[], name: string, file: string): Tensor {
  if (types.includes(t.type)) return t;
  const wantsFloat = types.includes('float32');
  const isFloat = t.type === 'float32' || t.type === 'float64';
  check(wantsFloat === isFloat, 'INPUT', `${file} holds ${t.type} but input '${name}' takes ${types.join(' or ')}`);
  if (wantsFloat) return new Tensor('float32', Float32Array.from(t.data as Float64Array), t.dims);
  const values = Array.from(t.data as ArrayLike<number | bigint>, Number);
  if (types.includes('int64')) return new Tensor('int64', BigInt64Array.from(values, BigInt), t.dims);
  check(values.every((v) => v >= -(2 ** 31) && v < 2 ** 31), 'INPUT', `${file}: values do not fit input '${name}' (int32)`);
  return new Tensor('int32', Int32Array.from(values), t.dims);
}

const summary = (t: Tensor) => {
  const d = t.data as Float32Array;
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of d) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const head = Array.from(d.subarray(0, 4), (v) => v.toFixed(5)).join(', ');
  return `${fmtDims(t.dims)}  min ${min.toFixed(5)}  max ${max.toFixed(5)}  mean ${(sum / (d.length || 1)).toFixed(5)}  first [${head}${d.length > 4 ? ', …' : ''}]`;
};

export async function run(args: string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, {
    ...MODEL_FLAGS,
    input: { type: 'string', multiple: true, short: 'i' },
    out: { type: 'string', short: 'o', default: 'out' },
  });
  check(positionals.length <= 1, 'OPTION', `unexpected argument '${positionals[1]}'; usage: ${RUN_USAGE}`);
  const session = await openModel(positionals[0], values, RUN_USAGE);
  const inputs = session.inputMetadata;
  const feeds: Record<string, Tensor> = {};
  let next = 0;
  for (const spec of values.input ?? []) {
    const eq = spec.indexOf('=');
    const named = eq > 0 && !/^[a-z]:[\\/]/i.test(spec) ? spec.slice(0, eq) : undefined;
    const file = named ? spec.slice(eq + 1) : spec;
    let name = named;
    if (!name) {
      while (next < inputs.length && inputs[next].name in feeds) next++;
      check(next < inputs.length, 'OPTION', `more inputs than the model takes (${inputs.map((i) => i.name).join(', ')})`);
      name = inputs[next++].name;
    }
    const info = inputs.find((i) => i.name === name);
    check(info, 'OPTION', `--input ${spec}: the model has no input '${name}'; its inputs are ${inputs.map((i) => i.name).join(', ')}`);
    check(!(name in feeds), 'OPTION', `input '${name}' given twice`);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (e) {
      throw new LstmWasmError('IO', `cannot read ${file}: ${(e as { code?: string }).code ?? (e as Error).message}`);
    }
    feeds[name] = coerce(readNpy(bytes, file), info.types, name, file);
  }
  check(Object.keys(feeds).length > 0, 'OPTION', `no --input given; usage: ${RUN_USAGE}`);

  const t0 = performance.now();
  const outputs = await session.run(feeds);
  const ms = performance.now() - t0;
  const dir = values.out as string;
  await mkdir(dir, { recursive: true });
  const listed = [];
  for (const name of session.outputNames) {
    const t = outputs[name];
    const file = join(dir, `${name}.npy`);
    await writeFile(file, writeNpy(t as Tensor<'float32'>));
    io.out(`${name.padEnd(6)} ${summary(t)}  -> ${file}`);
    listed.push({ name, file, dims: t.dims });
  }
  await session.release();
  io.out(JSON.stringify({ outputs: listed, ms: Math.round(ms * 1000) / 1000 }));
}

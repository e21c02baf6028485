// cli/run.ts: `lstm-wasm run MODEL --input [NAME=]FILE.npy ...` — run a model on .npy inputs, write .npy outputs.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { readNpy, writeNpy } from '../formats/npy.js';
import { Tensor } from '../tensor.js';
import { type Io, MODEL_FLAGS, openModel, parse } from './common.js';

export const RUN_USAGE =
  'lstm-wasm run MODEL --input [NAME=]FILE.npy ... [--out DIR] [--expect NAME=FILE.npy ...] [--tolerance 1e-5] [--batch-first] [--nonlinearity tanh|relu] [--format safetensors|onnx|tfjs] [--weights float32|int8]';

/** Converts a loaded array to a type the model input accepts: f8 -> f4 for floats, i4 <-> i8 for integers. */
export function coerce(t: Tensor, types: readonly string[], name: string, file: string): Tensor {
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
  const d = Float64Array.from(t.data as ArrayLike<number | bigint>, Number);
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of d) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const head = Array.from(d.subarray(0, 4), (v) => v.toFixed(5)).join(', ');
  return `${fmtDims(t.dims)}  min ${min.toFixed(5)}  max ${max.toFixed(5)}  mean ${(sum / (d.length || 1)).toFixed(5)}  first [${head}${d.length > 4 ? ', …' : ''}]`;
};

/** Splits NAME=FILE (a Windows drive letter is not a name). */
export function splitNamed(spec: string): [string | undefined, string] {
  const eq = spec.indexOf('=');
  return eq > 0 && !/^[a-z]:[\\/]/i.test(spec) ? [spec.slice(0, eq), spec.slice(eq + 1)] : [undefined, spec];
}

export async function readArray(file: string): Promise<Tensor> {
  try {
    return readNpy(await readFile(file), file);
  } catch (e) {
    if (e instanceof LstmWasmError) throw e;
    throw new LstmWasmError('IO', `cannot read ${file}: ${(e as { code?: string }).code ?? (e as Error).message}`);
  }
}

/** Compares an output with an expected array: |ours - ref| <= tol * max(1, |ref|) on every element. */
function compare(name: string, t: Tensor, ref: Tensor, file: string, tol: number): string {
  check(ref.type === 'float32' || ref.type === 'float64', 'INPUT', `--expect ${name}=${file}: holds ${ref.type}, expected floats`);
  check(ref.dims.join() === t.dims.join(), 'MISMATCH', `output '${name}' is ${fmtDims(t.dims)} but ${file} is ${fmtDims(ref.dims)}`);
  const a = t.data as Float32Array, r = ref.data as Float32Array;
  let maxAbs = 0, worst = 0, at = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - r[i]);
    maxAbs = Math.max(maxAbs, d);
    const e = d / Math.max(1, Math.abs(r[i]));
    if (!(e <= worst)) [worst, at] = [e, i];
  }
  check(worst <= tol, 'MISMATCH',
    () => `output '${name}' differs from ${file}: element ${at} is ${a[at]}, expected ${r[at]} (error ${worst.toExponential(2)} > tolerance ${tol.toExponential()}·max(1,|ref|))`);
  return `expect ${name.padEnd(6)} max |ours - ${file}| = ${maxAbs.toExponential(2)}, within ${tol.toExponential()}·max(1,|ref|)`;
}

export async function run(args: string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, {
    ...MODEL_FLAGS,
    input: { type: 'string', multiple: true, short: 'i' },
    out: { type: 'string', short: 'o', default: 'out' },
    expect: { type: 'string', multiple: true },
    tolerance: { type: 'string', default: '1e-5' },
  });
  const tol = Number(values.tolerance);
  check(Number.isFinite(tol) && tol >= 0, 'OPTION', `--tolerance ${values.tolerance} must be a non-negative number`);
  check(positionals.length <= 1, 'OPTION', `unexpected argument '${positionals[1]}'; usage: ${RUN_USAGE}`);
  const session = await openModel(positionals[0], values, RUN_USAGE);
  const inputs = session.inputMetadata;
  const feeds: Record<string, Tensor> = {};
  let next = 0;
  for (const spec of values.input ?? []) {
    const [named, file] = splitNamed(spec);
    let name = named;
    if (!name) {
      while (next < inputs.length && inputs[next].name in feeds) next++;
      check(next < inputs.length, 'OPTION', `more inputs than the model takes (${inputs.map((i) => i.name).join(', ')})`);
      name = inputs[next++].name;
    }
    const info = inputs.find((i) => i.name === name);
    check(info, 'OPTION', `--input ${spec}: the model has no input '${name}'; its inputs are ${inputs.map((i) => i.name).join(', ')}`);
    check(!(name in feeds), 'OPTION', `input '${name}' given twice`);
    feeds[name] = coerce(await readArray(file), info.types, name, file);
  }
  check(Object.keys(feeds).length > 0, 'OPTION', `no --input given; usage: ${RUN_USAGE}`);
  const expected: [string, string][] = (values.expect ?? []).map((spec) => {
    const [name, file] = splitNamed(spec);
    check(name !== undefined && session.outputNames.includes(name), 'OPTION',
      `--expect ${spec}: give NAME=FILE.npy with NAME one of the outputs ${session.outputNames.join(', ')}`);
    return [name, file];
  });

  const t0 = performance.now();
  const outputs = await session.run(feeds);
  const ms = performance.now() - t0;
  const dir = values.out as string;
  await mkdir(dir, { recursive: true });
  const listed = [];
  for (const name of session.outputNames) {
    const t = outputs[name];
    const file = join(dir, `${name}.npy`);
    await writeFile(file, writeNpy(t));
    io.out(`${name.padEnd(6)} ${summary(t)}  -> ${file}`);
    listed.push({ name, file, dims: t.dims });
  }
  await session.release();
  for (const [name, file] of expected) io.out(compare(name, outputs[name], await readArray(file), file, tol));
  io.out(JSON.stringify({ outputs: listed, ms: Math.round(ms * 1000) / 1000 }));
}

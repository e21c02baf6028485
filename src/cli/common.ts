// cli/common.ts: what every command shares — option parsing, model loading, the one-line error.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { LstmWasmError } from '../errors.js';
import { InferenceSession, type SessionOptions } from '../session.js';
import { Vocab } from '../text/vocab.js';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** text without a line end (streamed tokens); default: out() */
  write?(text: string): void;
}

/** Options that say what a model file cannot (same meaning as the safetensors metadata keys). */
export const MODEL_FLAGS = {
  'batch-first': { type: 'boolean' },
  nonlinearity: { type: 'string' },
  format: { type: 'string' },
  weights: { type: 'string' },
} as const;

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new LstmWasmError('OPTION', (e as Error).message);
  }
}

export function sessionOptions(values: Record<string, unknown>): SessionOptions {
  const o: SessionOptions = {};
  if (values['batch-first']) o.batchFirst = true;
  if (values.nonlinearity !== undefined) o.nonlinearity = values.nonlinearity as SessionOptions['nonlinearity'];
  if (values.format !== undefined) o.format = values.format as SessionOptions['format'];
  if (values.weights !== undefined) o.weights = values.weights as SessionOptions['weights'];
  return o;
}

export async function openModel(path: string | undefined, values: Record<string, unknown>, usage: string) {
  if (!path) throw new LstmWasmError('OPTION', `missing MODEL; usage: ${usage}`);
  return InferenceSession.create(path, sessionOptions(values));
}

/** Options of the task commands: where the model's sequence is, and its vocabulary. */
export const TASK_FLAGS = {
  vocab: { type: 'string' },
  input: { type: 'string' },
  output: { type: 'string' },
} as const;

/**
 * The vocabulary of a model: --vocab FILE, else the file its metadata names (`vocab`), else vocab.json beside it;
 * undefined when there is none and it is optional.
 */
export async function modelVocab(modelPath: string, session: InferenceSession, values: Record<string, unknown>, required: boolean): Promise<Vocab | undefined> {
  if (typeof values.vocab === 'string') return Vocab.load(values.vocab);
  const dir = modelPath.replace(/[^/\\]*$/, '');
  const named = session.model.metadata.vocab;
  const path = `${dir}${named ?? 'vocab.json'}`;
  try {
    return await Vocab.load(path);
  } catch (e) {
    if (e instanceof LstmWasmError && e.code === 'IO' && !named && !required) return undefined;
    if (e instanceof LstmWasmError && e.code === 'IO') {
      throw new LstmWasmError('OPTION', `${named ? `the model's vocabulary ${path}` : `no --vocab given and no ${path}`}: ${e.message}`);
    }
    throw e;
  }
}

/** A number option: undefined when absent, else a finite number or an OPTION error naming the flag. */
export function num(values: Record<string, unknown>, flag: string): number | undefined {
  const v = values[flag];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new LstmWasmError('OPTION', `--${flag} must be a number, got '${String(v)}'`);
  return n;
}

/** The numeric flags given, under their option names (`{ 'top-k': 'topK' }` → `{ topK: 5 }`); absent flags left out. */
export function numberFlags<T>(values: Record<string, unknown>, flags: Record<string, keyof T>): Partial<T> {
  const out: Partial<T> = {};
  for (const [flag, key] of Object.entries(flags)) {
    const v = num(values, flag);
    if (v !== undefined) out[key] = v as T[keyof T];
  }
  return out;
}

/** The decoding flags generate and translate share. */
export const SAMPLING_FLAGS = { temperature: 'temperature', 'top-k': 'topK', 'top-p': 'topP', beam: 'beam', 'length-penalty': 'lengthPenalty', seed: 'seed' } as const;

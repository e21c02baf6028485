// cli/common.ts: what every command shares — option parsing, model loading, the one-line error.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { LstmWasmError } from '../errors.js';
import { InferenceSession, type SessionOptions } from '../session.js';

export interface Io {
  out(line: string): void;
  err(line: string): void;
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

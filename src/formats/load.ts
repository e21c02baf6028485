// formats/load.ts: turn model bytes into the canonical model, choosing the importer by option or by content.
import { LstmWasmError } from '../errors.js';
import type { Model } from '../model/types.js';
import { parseSafetensors } from './safetensors.js';
import { type TorchOptions, torchToModel } from './torch.js';

export type ModelFormat = 'safetensors';

export interface LoadOptions extends TorchOptions {
  /** The file's format; detected from its first bytes when omitted. */
  format?: ModelFormat;
}

/** safetensors: 8-byte header length, then a JSON object (a damaged length still goes to the parser for its error). */
const looksLikeSafetensors = (b: Uint8Array) => b.length > 8 && b[8] === 0x7b; // '{'

export function loadModel(bytes: Uint8Array, options: LoadOptions = {}, file = 'model'): Model {
  const format = options.format ?? (looksLikeSafetensors(bytes) ? 'safetensors' : undefined);
  if (format === 'safetensors') return torchToModel(parseSafetensors(bytes, file), options, file);
  if (options.format !== undefined) {
    throw new LstmWasmError('OPTION', `format '${String(options.format)}' is not supported; supported: safetensors`);
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new LstmWasmError('FORMAT',
    `${file}: cannot tell the format (first bytes ${head || 'none'}); supported: safetensors (PyTorch state dict)`);
}

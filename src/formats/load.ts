// formats/load.ts: turn model bytes into the canonical model, choosing the importer by option or by content.
import { LstmWasmError } from '../errors.js';
import type { Model } from '../model/types.js';
import { parseSafetensors } from './safetensors.js';
import { type TorchOptions, torchToModel } from './torch.js';

export type ModelFormat = 'safetensors' | 'onnx' | 'tfjs';

export interface LoadOptions extends TorchOptions {
  /** The file's format ('tfjs': a Keras / TF.js layers model.json); detected from its bytes and name when omitted. */
  format?: ModelFormat;
}

/** safetensors: 8-byte header length, then a JSON object (a damaged length still goes to the parser for its error). */
const looksLikeSafetensors = (b: Uint8Array) => b.length > 8 && b[8] === 0x7b; // '{'

/** ONNX: a protobuf ModelProto, whose first field is almost always ir_version (tag 0x08). */
const looksLikeOnnx = (b: Uint8Array, file: string) =>
  /\.onnx$/i.test(file) || [0x08, 0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42].includes(b[0]);

/** TF.js layers model: a JSON object — named *.json, or with a modelTopology near its start. */
function looksLikeTfjs(b: Uint8Array, file: string): boolean {
  let i = 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  if (b[i] !== 0x7b) return false;
  return /\.json$/i.test(file) || new TextDecoder().decode(b.subarray(i, i + 4096)).includes('"modelTopology"');
}

/**
 * Starts loading the importer a file name points to (*.onnx, *.json) while its bytes are still being read; the
 * module system keeps the promise, so loadModel's own import of it then costs nothing. Failures surface there.
 */
export function prefetchImporter(file: string, format?: ModelFormat): void {
  const f = format ?? (/\.onnx$/i.test(file) ? 'onnx' : /\.json$/i.test(file) ? 'tfjs' : undefined);
  const p = f === 'onnx' ? import('./onnx.js') : f === 'tfjs' ? import('./keras.js') : undefined;
  p?.catch(() => {});
}

export async function loadModel(bytes: Uint8Array, options: LoadOptions = {}, file = 'model'): Promise<Model> {
  const format = options.format ??
    (looksLikeTfjs(bytes, file) ? 'tfjs' : looksLikeSafetensors(bytes) ? 'safetensors' : looksLikeOnnx(bytes, file) ? 'onnx' : undefined);
  if (format === 'safetensors') return torchToModel(parseSafetensors(bytes, file), options, file);
  if (format === 'onnx' || format === 'tfjs') {
    for (const k of ['nonlinearity', 'batchFirst', 'head', 'output'] as const) {
      if (options[k] !== undefined) throw new LstmWasmError('OPTION', `${k} applies to PyTorch state dicts; ${format === 'onnx' ? 'an ONNX' : 'a Keras'} model says it itself`);
    }
  }
  if (format === 'onnx') {
    const { onnxToModel } = await import('./onnx.js'); // kept out of the core bundle until an ONNX model arrives
    return onnxToModel(bytes, file);
  }
  if (format === 'tfjs') {
    const { kerasFromJson } = await import('./keras.js'); // likewise for a Keras / TF.js model.json; its shards sit beside it
    return kerasFromJson(bytes, file);
  }
  if (options.format !== undefined) {
    throw new LstmWasmError('OPTION', `format '${String(options.format)}' is not supported; supported: safetensors, onnx, tfjs`);
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new LstmWasmError('FORMAT',
    `${file}: cannot tell the format (first bytes ${head || 'none'}); supported: safetensors (PyTorch state dict), ONNX, TF.js layers model.json`);
}

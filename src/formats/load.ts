// formats/load.ts: turn model bytes into the canonical model, choosing the importer by option or by content.
import { LstmWasmError } from '../errors.js';
import type { Model } from '../model/types.js';
import { parseSafetensors } from './safetensors.js';
import { type TorchOptions, torchToModel } from './torch.js';

export type ModelFormat = 'safetensors' | 'onnx';

export interface LoadOptions extends TorchOptions {
  /** The file's format; detected from its first bytes when omitted. */
  format?: ModelFormat;
}

/** safetensors: 8-byte header length, then a JSON object (a damaged length still goes to the parser for its error). */
const looksLikeSafetensors = (b: Uint8Array) => b.length > 8 && b[8] === 0x7b; // '{'

/** ONNX: a protobuf ModelProto, whose first field is almost always ir_version (tag 0x08). */
const looksLikeOnnx = (b: Uint8Array, file: string) =>
  /\.onnx$/i.test(file) || [0x08, 0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42].includes(b[0]);

export async function loadModel(bytes: Uint8Array, options: LoadOptions = {}, file = 'model'): Promise<Model> {
  const format = options.format ?? (looksLikeSafetensors(bytes) ? 'safetensors' : looksLikeOnnx(bytes, file) ? 'onnx' : undefined);
  if (format === 'safetensors') return torchToModel(parseSafetensors(bytes, file), options, file);
  if (format === 'onnx') {
    for (const k of ['nonlinearity', 'batchFirst'] as const) {
      if (options[k] !== undefined) throw new LstmWasmError('OPTION', `${k} applies to PyTorch state dicts; an ONNX model says it itself`);
    }
    const { onnxToModel } = await import('./onnx.js'); // kept out of the core bundle until an ONNX model arrives
    return onnxToModel(bytes, file);
  }
  if (options.format !== undefined) {
    throw new LstmWasmError('OPTION', `format '${String(options.format)}' is not supported; supported: safetensors, onnx`);
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new LstmWasmError('FORMAT',
    `${file}: cannot tell the format (first bytes ${head || 'none'}); supported: safetensors (PyTorch state dict), ONNX`);
}

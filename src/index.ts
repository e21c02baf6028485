// index.ts: the public API (re-exports only).
export { InferenceSession, type SessionOptions } from './session.js';
export { Tensor, type TensorType, type TensorData } from './tensor.js';
export { LstmWasmError, type ErrorCode } from './errors.js';
export { compileCore, hasRelaxedSimd, type WasmSource } from './runtime.js';
export type { ByteSource } from './io.js';
export type { ModelFormat } from './formats/load.js';
export type { TorchHead, TorchHeadOutput, TorchOptions } from './formats/torch.js';
export type { RecurrentState } from './model/state.js';
export type * from './model/types.js';
export { parseSafetensors, writeSafetensors } from './formats/safetensors.js';
export { readNpy, writeNpy } from './formats/npy.js';

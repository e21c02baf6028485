// seq2seq.ts: the lstm-wasm/seq2seq entry — encoder-decoder models with attention (PyTorch state dicts or two ONNX graphs), batched decoding.
export { Seq2Seq, type Seq2SeqFiles, type Seq2SeqOptions } from './seq2seq/model.js';
export type { TranslateOptions, Translation, TranslationResult } from './seq2seq/translate.js';
export { Seq2SeqStream, type DecoderState, type StreamWays } from './seq2seq/stream.js';
export { parseConfig, type Seq2SeqConfig, type AttentionKind, type BridgeKind, type DecoderOutput } from './seq2seq/config.js';
export type { Seq2SeqWeights, Affine } from './seq2seq/weights.js';
export { decodeRows, type BatchDecodeOptions, type Hypothesis, type RowModel, type StepOutput } from './decode/batch.js';
export { OnnxSeq2Seq, OnnxStream, type GraphRuntime, type GraphSession, type TensorLike } from './seq2seq/onnx.js';

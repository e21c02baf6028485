// train.ts: the lstm-wasm/train entry — define, train, fine-tune and save recurrent networks (re-exports only).
export { Network, sequential, type RunOptions, type SequentialOptions } from './train/network.js';
export {
  dense, dropout, embedding, gru, lstm, rnn, type DenseActivation, type DenseConfig, type DropoutConfig, type EmbeddingConfig, type EmbeddingOptions,
  type LayerConfig, type RecurrentConfig, type RecurrentOptions, type RecurrentOutput,
} from './train/layers.js';
export type { Loss, LossName } from './train/loss.js';
export { adam, adamw, clipGradNorm, clipGradValue, cosine, gradNorm, sgd, stepDecay, warmup, type AdamOptions, type Optimizer, type SGDOptions, type Schedule, type Trainable } from './train/optim.js';
export {
  Seq2SeqTrainer, seq2seqTrainer, type ScheduledSampling, type Seq2SeqBatch, type Seq2SeqInputs, type Seq2SeqLossOptions, type Seq2SeqTrainFiles,
  type Seq2SeqTrainerOptions,
} from './seq2seq/train.js';
export { fit, trainStep, type EpochInfo, type FitData, type FitOptions, type FitResult, type StepInfo, type StepOptions } from './train/fit.js';
export { loadNetwork, type LoadNetworkOptions } from './train/load.js';
export type { FileSource, FileWeight } from './train/file_source.js';
export type { OnnxExportOptions } from './train/onnx_export.js';

// train/file_source.ts: what a network loaded from an ONNX or Keras / TF.js file keeps of that file — its weight names
// and layouts, and how to write the file back with new values — so gradients and saves speak the file's own names.

/** One weight as the file holds it, and how to compute it from the network's (canonical, PyTorch-named) weights. */
export interface FileWeight {
  /** The name in the file: an ONNX initializer, a TF.js weight ('lstm/kernel'). */
  name: string;
  /** Its shape in the file. */
  dims: number[];
  /**
   * The file's tensor from the network's parameters (gate reorder, transposes, directions stacked …). Linear and
   * made of permutations only, so it maps gradients the same way as values.
   */
  fromNetwork(get: (param: string) => Float32Array): Float32Array;
}

export interface FileSource {
  format: 'onnx' | 'tfjs';
  /** The file's input name (a graph input, a Keras input layer). */
  inputName: string;
  /** The file's output the network computes. */
  outputName: string;
  /**
   * What the file applies after the network's last layer ('softmax', 'log_softmax', 'sigmoid'); the network stops
   * before it (the losses take logits, as nn.CrossEntropyLoss and nn.BCEWithLogitsLoss do), and it stays in the file.
   */
  outputTransform?: 'softmax' | 'log_softmax' | 'sigmoid';
  /** An axis of size 1 the file's output has and the network's leaves out (the directions of a bare ONNX node's Y). */
  outputSqueeze?: number;
  /** Every trainable weight of the file, in the file's order. */
  weights: FileWeight[];
  /** The file(s) with the given values (by FileWeight name): file name -> bytes, e.g. { 'model.onnx': … }. */
  write(values: ReadonlyMap<string, Float32Array>): Record<string, Uint8Array>;
}

// model/types.ts: the canonical model every importer translates to — plain data, float32 weights.

export type CellKind = 'lstm' | 'gru' | 'rnn';

export type ActivationName =
  | 'sigmoid' | 'tanh' | 'relu' | 'hard_sigmoid' | 'leaky_relu' | 'thresholded_relu' | 'scaled_tanh' | 'affine'
  | 'elu' | 'softsign' | 'softplus' | 'selu';

/** An activation with its parameters (ONNX's alpha/beta; unused ones are 0). */
export interface Activation {
  name: ActivationName;
  alpha: number;
  beta: number;
}

/**
 * Weights of one direction of one layer. Gate order: LSTM i, f, g, o; GRU r, z, n; RNN one gate.
 * G = gates, H = hidden, I = input width, P = projection size or H.
 */
export interface DirectionWeights {
  wx: Float32Array; // (G*H, I)
  wh: Float32Array; // (G*H, P)
  bx: Float32Array; // (G*H)
  bh: Float32Array; // (G*H) kept apart from bx: GRU's n gate may need it inside the reset product
  peep?: Float32Array; // (3, H): LSTM peepholes for i, f, o
  wr?: Float32Array; // (P, H): LSTM projection
}

/**
 * How a recurrent node's tensors are shaped (D directions, L layers, P state width, H hidden).
 * - `torch` (PyTorch): x (T, B, I), y (T, B, D*P), states (L*D, B, P); batchFirst puts B before T in x and y
 *   only; a 2-D x (T, I) is one unbatched sequence: y (T, D*P), states (L*D, P).
 * - `onnx` (ONNX LSTM/GRU/RNN, one layer): x (T, B, I), y (T, D, B, H), states (D, B, H); batchFirst
 *   (ONNX layout=1) gives x (B, T, I), y (B, T, D, H), states (B, D, H). An item of length 0 ends with
 *   zero states, as onnxruntime does.
 */
export type RecurrentLayout = 'torch' | 'onnx';

/** forward; reverse (one direction walking from the last step); bidirectional (forward, then reverse). */
export type Direction = 'forward' | 'reverse' | 'bidirectional';

/** A stack of recurrent layers, one or two directions each; layer k+1 reads [forward, reverse] of layer k. */
export interface RecurrentNode {
  op: 'recurrent';
  name: string;
  cell: CellKind;
  inputSize: number;
  hiddenSize: number;
  /** LSTM projection size (PyTorch proj_size); 0 = none. */
  projSize: number;
  numLayers: number;
  direction: Direction;
  /** Per direction: [f, g, h] for LSTM, [f, g] for GRU, [f] for RNN. */
  activations: Activation[][];
  /** Gate pre-activations are clipped to [-clip, clip]; 0 = no clip. */
  clip: number;
  /** LSTM: forget gate coupled to the input gate, f = 1 - i. */
  inputForget: boolean;
  /** GRU: n = g(xn + r * (Wn h + bn)) (PyTorch; ONNX linear_before_reset=1) instead of g(xn + Wn (r * h) + bn). */
  linearBeforeReset: boolean;
  layout: RecurrentLayout;
  batchFirst: boolean;
  /** Weights of layer l, direction d at [l * D + d]. */
  weights: DirectionWeights[];
  /** mask: int or bool (B, T), 0 = skip that step of that item (Keras masking; any pattern, not only a tail) */
  inputs: { x: string; h0?: string; c0?: string; lengths?: string; mask?: string };
  outputs: { y?: string; hN?: string; cN?: string };
  /** A skipped step (mask 0 or past its length) outputs the state it kept, as Keras does; default zeros, as ONNX. */
  holdSkipped?: boolean;
  /**
   * ONNX only: W, R, B, P are graph inputs fed at each run rather than constants. `weights` is then empty;
   * the node is translated from the fed values and packed for each run.
   */
  runtimeWeights?: { op: 'LSTM' | 'GRU' | 'RNN'; attrs: Record<string, AttrValue>; W: string; R: string; B?: string; P?: string };
  /** ONNX only: the names of the constants W, R, B, P came from (fine-tuning maps its gradients back to them). */
  sourceWeights?: { W: string; R: string; B?: string; P?: string };
}

/** Element types a graph computes with. float32 is the only float type; ints and bools are exact on the host. */
export type DType = 'float32' | 'int64' | 'int32' | 'bool';

/** A tensor held by the host: float32 as a Float32Array; int64, int32 and bool as exact numbers in a Float64Array. */
export interface HostTensor {
  dtype: DType;
  dims: number[];
  data: Float32Array | Float64Array;
}

/** A subgraph attribute (If's branches): nodes reading values of the enclosing graph by name, and its outputs. */
export interface SubGraph {
  subgraph: true;
  nodes: Node[];
  /** the values the subgraph produces, in order */
  outputs: string[];
}

export type AttrValue = number | string | number[] | string[] | HostTensor | SubGraph;

/**
 * A graph op with ONNX's semantics (type is the ONNX op_type, attributes keep ONNX's names and the
 * model's opset decides their meaning). An omitted optional input is ''.
 */
export interface OpNode {
  op: 'op';
  type: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

export type Node = RecurrentNode | OpNode;

export type Dim = number | string;

/** A graph input or output: accepted element types and shape (strings name free dimensions). */
export interface ValueInfo {
  name: string;
  types: readonly ('float32' | 'int32' | 'int64' | 'bool')[];
  dims: Dim[];
  /** Ranks accepted besides dims.length (PyTorch's unbatched 2-D input). */
  ranks?: number[];
  /** Integer inputs: the values allowed, inclusive (token ids 0..V-1). */
  range?: [number, number];
  optional: boolean;
  doc: string;
}

export interface Model {
  /** Where it came from, e.g. 'safetensors (PyTorch nn.LSTM)'. */
  source: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** In an order where every node comes after the nodes whose outputs it reads. */
  nodes: Node[];
  /** Named constant tensors (ONNX initializers); absent for a model without them. */
  constants?: Record<string, HostTensor>;
  /** The ONNX default-domain opset the op nodes follow; absent without op nodes. */
  opset?: number;
  metadata: Record<string, string>;
}

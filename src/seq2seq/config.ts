// seq2seq/config.ts: seq2seq.json — what a state dict cannot say about an encoder-decoder, read and checked.
import { check } from '../errors.js';

export type Seq2SeqCell = 'lstm' | 'gru';
/** bahdanau: additive, before the step (context into the cell); dot / general / concat: Luong's, after the step. */
export type AttentionKind = 'bahdanau' | 'dot' | 'general' | 'concat';
/** What the output layer reads: h~ = tanh(Wc [ctx; h]) (Luong), h, or [h; ctx] (Bahdanau). */
export type DecoderOutput = 'attentional' | 'hidden' | 'hidden_context';
/** How the encoder's final states start the decoder: zeros, copied ([fwd; bwd] of layer l), or tanh(Linear) of them. */
export type BridgeKind = 'none' | 'copy' | 'linear';

export interface EncoderConfig {
  cell: Seq2SeqCell;
  embeddingSize: number;
  hiddenSize: number;
  /** stacked layers (default 1) */
  layers: number;
  /** a backward direction too; memory rows are [forward; backward] (default false) */
  bidirectional: boolean;
}

export interface DecoderConfig {
  cell: Seq2SeqCell;
  embeddingSize: number;
  hiddenSize: number;
  /** stacked layers (default 1); nn.LSTMCell / nn.GRUCell weights are one layer */
  layers: number;
  /** Luong: the previous step's h~ is appended to the embedding (default false) */
  inputFeeding: boolean;
  /** default: 'attentional' for Luong, 'hidden' for Bahdanau */
  output: DecoderOutput;
}

/** The ONNX form: the two graphs and the names of their tensors (roles -> tensor names). */
export interface OnnxGraphConfig {
  file: string;
  inputs: Record<string, string>;
  outputs: Record<string, string>;
}

export interface Seq2SeqConfig {
  /** the safetensors state dict, beside seq2seq.json */
  weights: string;
  /** vocabulary JSON files beside seq2seq.json (the format Vocab reads), or the objects themselves */
  sourceVocab: string | object;
  targetVocab: string | object;
  /** target ids: bos starts every output, eos ends it; pad (optional) is never produced by the decoder loop's input */
  tokens: { bos: number; eos: number; pad?: number };
  /** longest source accepted (tokens) and the default limit of an output */
  maxSourceLength: number;
  maxTargetLength: number;
  encoder: EncoderConfig;
  bridge: BridgeKind;
  decoder: DecoderConfig;
  /** size: the hidden width of additive scores (bahdanau, concat) */
  attention: { kind: AttentionKind; size: number };
  /** out.weight is the target embedding (default false) */
  tiedEmbeddings: boolean;
  onnx?: { encoder: OnnxGraphConfig; decoder: OnnxGraphConfig };
}

export const LUONG: readonly AttentionKind[] = ['dot', 'general', 'concat'];

type Obj = Record<string, unknown>;

function obj(v: unknown, where: string): Obj {
  check(v !== null && typeof v === 'object' && !Array.isArray(v), 'MODEL', `${where} must be a JSON object, got ${JSON.stringify(v)}`);
  return v as Obj;
}

function keys(o: Obj, where: string, known: string[]): void {
  for (const k of Object.keys(o)) check(known.includes(k), 'MODEL', `${where}: unknown key "${k}"; known: ${known.join(', ')}`);
}

function int(o: Obj, k: string, where: string, dflt?: number, min = 1): number {
  const v = o[k] ?? dflt;
  check(v !== undefined, 'MODEL', `${where}.${k} is missing`);
  check(Number.isSafeInteger(v) && (v as number) >= min, 'MODEL', `${where}.${k} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v as number;
}

function oneOf<T extends string>(o: Obj, k: string, where: string, values: readonly T[], dflt?: T): T {
  const v = o[k] ?? dflt;
  check(v !== undefined, 'MODEL', `${where}.${k} is missing; one of ${values.map((x) => `"${x}"`).join(', ')}`);
  check(values.includes(v as T), 'MODEL', `${where}.${k} must be one of ${values.map((x) => `"${x}"`).join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function bool(o: Obj, k: string, where: string, dflt: boolean): boolean {
  const v = o[k] ?? dflt;
  check(typeof v === 'boolean', 'MODEL', `${where}.${k} must be true or false, got ${JSON.stringify(v)}`);
  return v as boolean;
}

function graph(v: unknown, where: string): OnnxGraphConfig {
  const o = obj(v, where);
  keys(o, where, ['file', 'inputs', 'outputs']);
  check(typeof o.file === 'string', 'MODEL', `${where}.file must be a file name`);
  const names = (k: string) => {
    const m = obj(o[k], `${where}.${k}`);
    for (const [role, name] of Object.entries(m)) check(typeof name === 'string', 'MODEL', `${where}.${k}.${role} must be a tensor name`);
    return m as Record<string, string>;
  };
  return { file: o.file as string, inputs: names('inputs'), outputs: names('outputs') };
}

/** Reads and checks seq2seq.json's content (`file` names it in errors); the sizes are checked against the weights later. */
export function parseConfig(json: unknown, file = 'seq2seq.json'): Seq2SeqConfig {
  const o = obj(json, file);
  keys(o, file, ['seq2seq', 'weights', 'source_vocab', 'target_vocab', 'tokens', 'max_source_length', 'max_target_length',
    'encoder', 'bridge', 'decoder', 'attention', 'tied_embeddings', 'onnx']);
  check(o.seq2seq === 1, 'MODEL', `${file}: "seq2seq" must be 1 (the version of this format), got ${JSON.stringify(o.seq2seq)}`);
  check(typeof o.weights === 'string', 'MODEL', `${file}: "weights" must name the safetensors file, got ${JSON.stringify(o.weights)}`);
  for (const k of ['source_vocab', 'target_vocab']) {
    check(typeof o[k] === 'string' || (o[k] !== null && typeof o[k] === 'object'), 'MODEL', `${file}: "${k}" must name a vocabulary file or hold one`);
  }
  const t = obj(o.tokens, `${file}: tokens`);
  keys(t, `${file}: tokens`, ['bos', 'eos', 'pad']);
  const tokens = { bos: int(t, 'bos', 'tokens', undefined, 0), eos: int(t, 'eos', 'tokens', undefined, 0),
    ...(t.pad === undefined ? {} : { pad: int(t, 'pad', 'tokens', undefined, 0) }) };

  const e = obj(o.encoder, `${file}: encoder`);
  keys(e, `${file}: encoder`, ['cell', 'embedding_size', 'hidden_size', 'layers', 'bidirectional']);
  const encoder: EncoderConfig = {
    cell: oneOf(e, 'cell', 'encoder', ['lstm', 'gru']), embeddingSize: int(e, 'embedding_size', 'encoder'),
    hiddenSize: int(e, 'hidden_size', 'encoder'), layers: int(e, 'layers', 'encoder', 1), bidirectional: bool(e, 'bidirectional', 'encoder', false),
  };
  const a = obj(o.attention, `${file}: attention`);
  keys(a, `${file}: attention`, ['kind', 'size']);
  const kind = oneOf(a, 'kind', 'attention', ['bahdanau', 'dot', 'general', 'concat']);
  const additive = kind === 'bahdanau' || kind === 'concat';
  check(additive || a.size === undefined, 'MODEL', `${file}: attention.size applies only to additive scores (bahdanau, concat), not "${kind}"`);
  const attention = { kind, size: additive ? int(a, 'size', 'attention') : 0 };
  const luong = LUONG.includes(kind);

  const d = obj(o.decoder, `${file}: decoder`);
  keys(d, `${file}: decoder`, ['cell', 'embedding_size', 'hidden_size', 'layers', 'input_feeding', 'output']);
  check(luong || d.input_feeding === undefined, 'MODEL', `${file}: decoder.input_feeding is Luong's (dot, general, concat); Bahdanau feeds the context`);
  const decoder: DecoderConfig = {
    cell: oneOf(d, 'cell', 'decoder', ['lstm', 'gru']), embeddingSize: int(d, 'embedding_size', 'decoder'),
    hiddenSize: int(d, 'hidden_size', 'decoder'), layers: int(d, 'layers', 'decoder', 1), inputFeeding: bool(d, 'input_feeding', 'decoder', false),
    output: luong ? oneOf(d, 'output', 'decoder', ['attentional'], 'attentional') : oneOf(d, 'output', 'decoder', ['hidden', 'hidden_context'], 'hidden'),
  };

  const Denc = (encoder.bidirectional ? 2 : 1) * encoder.hiddenSize, Hd = decoder.hiddenSize;
  const bridge = oneOf(o, 'bridge', file, ['none', 'copy', 'linear'], 'none');
  if (bridge !== 'none') {
    check(encoder.cell === decoder.cell, 'MODEL', `${file}: bridge "${bridge}" passes the encoder's states to the decoder, so both cells must agree; encoder "${encoder.cell}", decoder "${decoder.cell}"`);
    check(encoder.layers === decoder.layers, 'MODEL', `${file}: bridge "${bridge}" maps encoder layer l to decoder layer l; encoder has ${encoder.layers} layers, decoder ${decoder.layers}`);
  }
  check(bridge !== 'copy' || Denc === Hd, 'MODEL', `${file}: bridge "copy" needs the encoder's state width (${encoder.bidirectional ? '2 x ' : ''}${encoder.hiddenSize} = ${Denc}) to equal decoder.hidden_size ${Hd}`);
  check(kind !== 'dot' || Denc === Hd, 'MODEL', `${file}: dot attention needs the memory width ${Denc} to equal decoder.hidden_size ${Hd}`);
  const tiedEmbeddings = bool(o, 'tied_embeddings', file, false);
  const F = decoder.output === 'hidden_context' ? Hd + Denc : Hd;
  check(!tiedEmbeddings || F === decoder.embeddingSize, 'MODEL',
    `${file}: tied_embeddings needs the output layer's input width (${F}) to equal decoder.embedding_size ${decoder.embeddingSize}`);
  const config: Seq2SeqConfig = {
    weights: o.weights as string, sourceVocab: o.source_vocab as string | object, targetVocab: o.target_vocab as string | object, tokens,
    maxSourceLength: int(o, 'max_source_length', file), maxTargetLength: int(o, 'max_target_length', file),
    encoder, bridge, decoder, attention, tiedEmbeddings,
  };
  if (o.onnx !== undefined) {
    const x = obj(o.onnx, `${file}: onnx`);
    keys(x, `${file}: onnx`, ['encoder', 'decoder']);
    config.onnx = { encoder: graph(x.encoder, `${file}: onnx.encoder`), decoder: graph(x.decoder, `${file}: onnx.decoder`) };
  }
  return config;
}

// seq2seq/onnx.ts: the exported form people ship — encoder.onnx + decoder.onnx (one step) + seq2seq.json — decoded by
// the same search loop, the rows' states gathered in JS between steps; on lstm-wasm sessions or any onnxruntime-web-like runtime.
import type { BatchDecodeOptions, Hypothesis, RowModel, StepOutput } from '../decode/batch.js';
import { checkBatchDecode, decodeRows } from '../decode/batch.js';
import { LstmWasmError, check } from '../errors.js';
import { readBytes } from '../io.js';
import { InferenceSession } from '../session.js';
import { Tensor } from '../tensor.js';
import type { Vocab } from '../text/vocab.js';
import type { OnnxGraphConfig, Seq2SeqConfig } from './config.js';
import { readFolder, vocabsOf } from './files.js';
import { type TranslateOptions, type TranslationResult, checkSources, translateTexts } from './translate.js';
import type { NamedVocab } from './vocab.js';

/** A tensor as onnxruntime-web and lstm-wasm have it. */
export interface TensorLike {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** A session as onnxruntime-web and lstm-wasm have it. */
export interface GraphSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, TensorLike>): Promise<Record<string, TensorLike>>;
  release?(): unknown;
}

/** Where the two graphs run: lstm-wasm by default; onnxruntime-web with { session: (b) => ort.InferenceSession.create(b), tensor: (t, d, s) => new ort.Tensor(t, d, s) }. */
export interface GraphRuntime {
  session(bytes: Uint8Array, name: string): Promise<GraphSession>;
  tensor(type: 'int64' | 'float32', data: BigInt64Array | Float32Array, dims: number[]): TensorLike;
}

const LSTM_WASM: GraphRuntime = {
  session: (bytes) => InferenceSession.create(bytes, { format: 'onnx' }) as unknown as Promise<GraphSession>,
  tensor: (type, data, dims) => new Tensor(type, data as Float32Array, dims),
};

const ROLES = {
  encoderIn: ['source', 'lengths'], encoderOut: ['memory', 'keys', 'h'],
  decoderIn: ['token', 'h', 'memory', 'keys', 'mask'], decoderOut: ['logits', 'h', 'attention'],
};

/** Checks that each role the loop needs is named and that the graph has that tensor. */
function roles(g: OnnxGraphConfig, s: GraphSession, side: 'inputs' | 'outputs', need: string[], what: string): Record<string, string> {
  const names = g[side], have = side === 'inputs' ? s.inputNames : s.outputNames;
  for (const r of need) check(names[r] !== undefined, 'MODEL', `seq2seq.json onnx.${what}.${side} does not name the "${r}" tensor`);
  for (const [r, n] of Object.entries(names)) {
    check(have.includes(n), 'MODEL', `seq2seq.json onnx.${what}.${side}.${r} = "${n}", but ${g.file} has ${side} ${have.map((x) => `"${x}"`).join(', ')}`);
  }
  return names;
}

export class OnnxSeq2Seq {
  readonly sourceVocab: Vocab;
  readonly targetVocab: NamedVocab;

  private constructor(
    readonly config: Seq2SeqConfig,
    src: NamedVocab,
    tgt: NamedVocab,
    private readonly encoder: GraphSession,
    private readonly decoder: GraphSession,
    private readonly rt: GraphRuntime,
  ) {
    this.sourceVocab = src.vocab;
    this.targetVocab = tgt;
    const o = config.onnx!;
    const lstm = config.decoder.cell === 'lstm', feeding = config.decoder.inputFeeding && config.attention.kind !== 'bahdanau';
    const extra = [...(lstm ? ['c'] : []), ...(feeding ? ['feed'] : [])];
    roles(o.encoder, encoder, 'inputs', ROLES.encoderIn, 'encoder');
    roles(o.encoder, encoder, 'outputs', [...ROLES.encoderOut, ...(lstm ? ['c'] : [])], 'encoder');
    roles(o.decoder, decoder, 'inputs', [...ROLES.decoderIn, ...extra], 'decoder');
    roles(o.decoder, decoder, 'outputs', [...ROLES.decoderOut, ...extra], 'decoder');
  }

  /** Loads a folder with seq2seq.json (its "onnx" section) and the two graphs it names. */
  static async load(location: string | URL, runtime: GraphRuntime = LSTM_WASM): Promise<OnnxSeq2Seq> {
    const { c, rel, sourceVocab, targetVocab } = await readFolder(location);
    check(c.onnx, 'MODEL', `${String(location)}: seq2seq.json has no "onnx" section naming encoder.onnx and decoder.onnx`);
    const [enc, dec] = await Promise.all([c.onnx.encoder.file, c.onnx.decoder.file].map(async (f) => runtime.session(await readBytes(rel(f)), String(rel(f)))));
    const [src, tgt] = vocabsOf(c, { sourceVocab, targetVocab });
    return new OnnxSeq2Seq(c, src, tgt, enc, dec, runtime);
  }

  checkSources(sources: readonly (readonly number[])[]): void {
    checkSources(sources, this.config.maxSourceLength, this.sourceVocab.size);
  }

  /** Encodes the sentences with encoder.onnx; the stream runs decoder.onnx once per step for all rows. */
  async start(sources: readonly (readonly number[])[]): Promise<OnnxStream> {
    this.checkSources(sources);
    const B = sources.length, S = Math.max(...sources.map((s) => s.length));
    const ids = new BigInt64Array(B * S);
    sources.forEach((s, b) => s.forEach((id, j) => (ids[b * S + j] = BigInt(id))));
    const e = this.config.onnx!.encoder;
    const out = await this.encoder.run({
      [e.inputs.source]: this.rt.tensor('int64', ids, [B, S]),
      [e.inputs.lengths]: this.rt.tensor('int64', BigInt64Array.from(sources, (s) => BigInt(s.length)), [B]),
    });
    const get = (role: string) => out[e.outputs[role]].data as Float32Array;
    return new OnnxStream(this.config, this.decoder, this.rt, this.targetVocab.names.length, sources.map((s) => s.length), S,
      { memory: get('memory'), keys: get('keys'), h: get('h'), c: e.outputs.c ? get('c') : undefined },
      out[e.outputs.keys].dims[2]);
  }

  async decode(sources: readonly (readonly number[])[], options: BatchDecodeOptions = {}): Promise<Hypothesis[][]> {
    checkBatchDecode(options);
    const stream = await this.start(sources);
    return decodeRows(stream, sources.length, this.config.tokens.bos, this.config.tokens.eos, { maxTokens: this.config.maxTargetLength, ...options });
  }

  translate(texts: string | readonly string[], options: TranslateOptions = {}): Promise<TranslationResult[]> {
    return translateTexts(this, texts, options);
  }

  /** Releases both sessions (what their runtime holds). */
  async release(): Promise<void> {
    await Promise.all([this.encoder.release?.(), this.decoder.release?.()]);
  }
}

/** Rows decoded with decoder.onnx: each step gathers the rows' states, memory, keys and mask and runs the graph once. */
export class OnnxStream implements RowModel {
  private rows: number;
  private sent: number[];
  private h: Float32Array;
  private c?: Float32Array;
  private feed?: Float32Array;
  private cached = { key: '', memory: undefined as unknown as TensorLike, keys: undefined as unknown as TensorLike, mask: undefined as unknown as TensorLike };

  constructor(
    private readonly cfg: Seq2SeqConfig,
    private readonly decoder: GraphSession,
    private readonly rt: GraphRuntime,
    private readonly V: number,
    readonly lengths: number[],
    readonly S: number,
    private readonly enc: { memory: Float32Array; keys: Float32Array; h: Float32Array; c?: Float32Array },
    private readonly K: number,
  ) {
    this.rows = lengths.length;
    this.sent = lengths.map((_, i) => i);
    this.h = enc.h;
    this.c = enc.c;
    const o = cfg.onnx!.decoder;
    if (o.inputs.feed) this.feed = new Float32Array(this.rows * cfg.decoder.hiddenSize);
  }

  /** (L, N, H) rows of a state (L, rows, H) picked by `from`. */
  private gather(x: Float32Array, from: readonly number[], layers: number): Float32Array {
    const H = this.cfg.decoder.hiddenSize, n = this.rows, out = new Float32Array(layers * from.length * H);
    for (let l = 0; l < layers; l++) from.forEach((f, i) => out.set(x.subarray((l * n + f) * H, (l * n + f + 1) * H), (l * from.length + i) * H));
    return out;
  }

  /** memory, keys and mask of each row's sentence (rebuilt only when the rows' sentences change). */
  private perRow(sent: number[]) {
    const key = sent.join(',');
    if (this.cached.key === key) return this.cached;
    const { S, K } = this, N = sent.length, D = this.enc.memory.length / (this.lengths.length * S);
    const memory = new Float32Array(N * S * D), keys = new Float32Array(N * S * K), mask = new Float32Array(N * S);
    sent.forEach((s, i) => {
      memory.set(this.enc.memory.subarray(s * S * D, (s + 1) * S * D), i * S * D);
      keys.set(this.enc.keys.subarray(s * S * K, (s + 1) * S * K), i * S * K);
      mask.fill(1, i * S, i * S + this.lengths[s]);
    });
    this.cached = { key, memory: this.rt.tensor('float32', memory, [N, S, D]), keys: this.rt.tensor('float32', keys, [N, S, K]), mask: this.rt.tensor('float32', mask, [N, S]) };
    return this.cached;
  }

  async step(tokens: readonly number[], from: readonly number[]): Promise<StepOutput> {
    const N = tokens.length, L = this.cfg.decoder.layers, H = this.cfg.decoder.hiddenSize;
    check(N >= 1 && from.length === N, 'INPUT', `step: ${tokens.length} tokens but ${from.length} rows to continue`);
    from.forEach((f, r) => check(Number.isInteger(f) && f >= 0 && f < this.rows, 'INPUT', () => `row ${r} continues row ${f}, but the last step left rows 0..${this.rows - 1}`));
    tokens.forEach((t, r) => check(Number.isInteger(t) && t >= 0 && t < this.V, 'INPUT', () => `token ${t} (row ${r}) is outside the target vocabulary 0..${this.V - 1}`));
    const sent = from.map((f) => this.sent[f]);
    const { inputs: i, outputs: o } = this.cfg.onnx!.decoder;
    const rowsOf = this.perRow(sent);
    const feeds: Record<string, TensorLike> = {
      [i.token]: this.rt.tensor('int64', BigInt64Array.from(tokens, (t) => BigInt(t)), [N]),
      [i.h]: this.rt.tensor('float32', this.gather(this.h, from, L), [L, N, H]),
      [i.memory]: rowsOf.memory, [i.keys]: rowsOf.keys, [i.mask]: rowsOf.mask,
    };
    if (i.c) feeds[i.c] = this.rt.tensor('float32', this.gather(this.c!, from, L), [L, N, H]);
    if (i.feed) feeds[i.feed] = this.rt.tensor('float32', this.gather(this.feed!, from, 1), [N, H]);
    const out = await this.decoder.run(feeds);
    const data = (role: string) => {
      const t = out[o[role]];
      if (!t) throw new LstmWasmError('MODEL', `decoder.onnx gave no output "${o[role]}" (${role})`);
      return t.data as Float32Array;
    };
    [this.h, this.rows, this.sent] = [data('h'), N, sent];
    if (o.c) this.c = data('c');
    if (o.feed) this.feed = data('feed');
    const logits = data('logits'), V = logits.length / N;
    check(V === this.V, 'MODEL', () => `decoder.onnx gave ${logits.length / N} logits per row, but the target vocabulary has ${this.V} tokens`);
    return { scores: logits, stride: V, width: V, attention: data('attention'), attentionStride: this.S };
  }
}

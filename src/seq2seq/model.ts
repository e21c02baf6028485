// seq2seq/model.ts: Seq2Seq — an encoder-decoder with attention loaded from seq2seq.json + a PyTorch state dict, its
// weights packed once in its own wasm instance; start() encodes sentences, translate() decodes them to text.
import { type BatchDecodeOptions, type Hypothesis, checkBatchDecode, decodeRows } from '../decode/batch.js';
import { LstmWasmError, check } from '../errors.js';
import { parseSafetensors } from '../formats/safetensors.js';
import { type ByteSource, readBytes } from '../io.js';
import { readFolder, vocabsOf } from './files.js';
import { Runtime, type WasmSource } from '../runtime.js';
import type { Vocab } from '../text/vocab.js';
import { type Seq2SeqConfig, parseConfig } from './config.js';
import { type PackedSeq2Seq, packSeq2Seq } from './pack.js';
import { Seq2SeqStream, type StreamWays } from './stream.js';
import { type TranslateOptions, type TranslationResult, checkSources, translateTexts } from './translate.js';
import type { NamedVocab } from './vocab.js';
import { type Seq2SeqWeights, seq2seqWeights } from './weights.js';

export interface Seq2SeqOptions {
  /** The wasm core (a compiled module, its bytes or a URL/path); default: lstm.wasm beside the bundle. */
  wasm?: WasmSource;
  /** The most wasm memory the model may hold (weights, encoded sentences, decoder rows); default 1 GiB. */
  maxMemoryBytes?: number;
  /**
   * Precompute the first layers' input projection of every vocabulary token once (the encoder's of each source token,
   * the decoder's of each target embedding), so a step gathers rows instead of multiplying them (the same numbers up to
   * float rounding); default true, each table used when it takes at most 8 MiB.
   */
  embeddingTables?: boolean;
}

/** The files of a model in memory: seq2seq.json's content, the safetensors bytes, and the vocabularies it names. */
export interface Seq2SeqFiles {
  config: unknown;
  weights: ByteSource;
  sourceVocab?: unknown;
  targetVocab?: unknown;
}

const OPTION_KEYS = ['wasm', 'maxMemoryBytes', 'embeddingTables'];

export class Seq2Seq {
  readonly config: Seq2SeqConfig;
  /** the weights in lstm-wasm's layout (what was packed; plain data) */
  readonly weights: Seq2SeqWeights;
  readonly sourceVocab: Vocab;
  readonly targetVocab: NamedVocab;
  private rt: Runtime | undefined;
  private readonly packed: PackedSeq2Seq;
  private readonly base: number;
  private generation = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(rt: Runtime, config: Seq2SeqConfig, weights: Seq2SeqWeights, src: NamedVocab, tgt: NamedVocab, tables: boolean) {
    this.rt = rt;
    this.config = config;
    this.weights = weights;
    this.sourceVocab = src.vocab;
    this.targetVocab = tgt;
    this.packed = packSeq2Seq(rt, config, weights, tables);
    this.base = rt.mark();
  }

  /** Loads a model folder (path or URL): seq2seq.json and the weights and vocabularies it names beside it. */
  static async load(location: string | URL, options: Seq2SeqOptions = {}): Promise<Seq2Seq> {
    check(typeof location === 'string' || location instanceof URL, 'OPTION', 'Seq2Seq.load(location): a folder or seq2seq.json path or URL');
    const { config, c, rel, sourceVocab, targetVocab } = await readFolder(location);
    return Seq2Seq.create({ config, weights: await readBytes(rel(c.weights)), sourceVocab, targetVocab }, options, String(rel(c.weights)));
  }

  /** A model from its files in memory (vocabularies inline in the config need not be given). */
  static async create(files: Seq2SeqFiles, options: Seq2SeqOptions = {}, name = 'model.safetensors'): Promise<Seq2Seq> {
    check(options !== null && typeof options === 'object', 'OPTION', 'options must be an object');
    for (const key of Object.keys(options)) check(OPTION_KEYS.includes(key), 'OPTION', `unknown option '${key}'; known: ${OPTION_KEYS.join(', ')}`);
    check(options.embeddingTables === undefined || typeof options.embeddingTables === 'boolean', 'OPTION',
      `embeddingTables must be true or false, got ${String(options.embeddingTables)}`);
    const m = options.maxMemoryBytes;
    check(m === undefined || (Number.isSafeInteger(m) && m >= 2 ** 20 && m <= 2 ** 32), 'OPTION', `maxMemoryBytes must be an integer from 1 MiB to 4 GiB, got ${m}`);
    const c = parseConfig(files.config);
    const [src, tgt] = vocabsOf(c, files);
    const [bytes, rt] = await Promise.all([readBytes(files.weights), Runtime.create(options.wasm)]);
    if (m !== undefined) rt.maxMemoryBytes = m;
    const w = seq2seqWeights(parseSafetensors(bytes, name), c, name);
    check(src.vocab.size === w.sourceVocabSize, 'MODEL', `the source vocabulary has ${src.vocab.size} tokens but the source embedding has ${w.sourceVocabSize} rows`);
    check(tgt.vocab.size === w.targetVocabSize, 'MODEL', `the target vocabulary has ${tgt.vocab.size} tokens but the target embedding has ${w.targetVocabSize} rows`);
    for (const [k, id] of Object.entries(c.tokens)) {
      check(id < w.targetVocabSize, 'MODEL', `seq2seq.json tokens.${k} = ${id} is outside the target vocabulary 0..${w.targetVocabSize - 1}`);
    }
    return new Seq2Seq(rt, c, w, src, tgt, options.embeddingTables ?? true);
  }

  private live(): Runtime {
    if (!this.rt) throw new LstmWasmError('RELEASED', 'this Seq2Seq was released; load a new one');
    return this.rt;
  }

  /** Checks source id sequences: each non-empty, within max_source_length, ids in the source vocabulary. */
  checkSources(sources: readonly (readonly number[])[]): void {
    checkSources(sources, this.config.maxSourceLength, this.packed.Vs);
  }

  /**
   * Encodes sentences of source ids (the encoder runs once for all) and returns the stream that decodes them; a step may
   * hold up to `maxRows` rows (default: one per sentence; beam search needs sentences x beam). Ends the previous stream.
   * `ways` fixes where attention's per-position products are made (StreamWays; default: the cheaper for the rows).
   */
  start(sources: readonly (readonly number[])[], maxRows = sources.length, ways: Partial<StreamWays> = {}): Seq2SeqStream {
    const rt = this.live();
    this.checkSources(sources);
    check(Number.isInteger(maxRows) && maxRows >= sources.length, 'OPTION', `maxRows must be an integer >= the ${sources.length} sentences, got ${maxRows}`);
    for (const [key, v] of Object.entries(ways)) {
      check(key === 'keys' || key === 'combine', 'OPTION', `unknown stream way '${key}'; known: keys, combine`);
      check(v === undefined || v === 'source' || v === 'rows', 'OPTION', `ways.${key} must be 'source' or 'rows', got ${String(v)}`);
    }
    const generation = ++this.generation;
    rt.reset(this.base);
    try {
      const current = () => this.rt !== undefined && this.generation === generation;
      return new Seq2SeqStream(rt, this.config, this.packed, sources, maxRows, current, ways);
    } catch (e) {
      rt.reset(this.base);
      throw e;
    }
  }

  /** Decodes source id sequences: n-best hypotheses per sentence (the options of decodeRows; maxTokens defaults to max_target_length). */
  async decode(sources: readonly (readonly number[])[], options: BatchDecodeOptions = {}): Promise<Hypothesis[][]> {
    checkBatchDecode(options);
    const o = { maxTokens: this.config.maxTargetLength, ...options };
    return this.serial(async () => {
      const stream = this.start(sources, sources.length * (o.beam ?? 1));
      return decodeRows(stream, sources.length, this.config.tokens.bos, this.config.tokens.eos, o);
    });
  }

  /** Translates texts (encoded with the source vocabulary; unknown pieces map to its unknown id and are reported). */
  translate(texts: string | readonly string[], options: TranslateOptions = {}): Promise<TranslationResult[]> {
    return translateTexts(this, texts, options);
  }

  /** Runs `f` after every earlier call on this model: one stream at a time, in call order. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Whether the encoder and the decoder gather precomputed input projections of their tokens (the embeddingTables option). */
  get embeddingTables(): boolean {
    return this.packed.sourceTables.length > 0 && this.packed.targetTable;
  }

  /** Bytes of wasm memory the model holds. */
  get memoryBytes(): number {
    return this.rt?.memoryBytes ?? 0;
  }

  /** Drops the wasm instance; later calls throw RELEASED. */
  release(): void {
    this.rt = undefined;
  }
}

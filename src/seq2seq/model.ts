// seq2seq/model.ts: Seq2Seq — an encoder-decoder with attention loaded from seq2seq.json + a PyTorch state dict, its
// weights packed once in its own wasm instance; start() encodes sentences, translate() decodes them to text.
import { type BatchDecodeOptions, type Hypothesis, checkBatchDecode, decodeRows } from '../decode/batch.js';
import { LstmWasmError, check } from '../errors.js';
import { parseSafetensors } from '../formats/safetensors.js';
import { type ByteSource, readBytes } from '../io.js';
import { Runtime, type WasmSource } from '../runtime.js';
import type { Vocab } from '../text/vocab.js';
import { type Seq2SeqConfig, parseConfig } from './config.js';
import { type PackedSeq2Seq, packSeq2Seq } from './pack.js';
import { Seq2SeqStream } from './stream.js';
import { type NamedVocab, detokenize, encodeSource, namedVocab } from './vocab.js';
import { type Seq2SeqWeights, seq2seqWeights } from './weights.js';

export interface Seq2SeqOptions {
  /** The wasm core (a compiled module, its bytes or a URL/path); default: lstm.wasm beside the bundle. */
  wasm?: WasmSource;
  /** The most wasm memory the model may hold (weights, encoded sentences, decoder rows); default 1 GiB. */
  maxMemoryBytes?: number;
}

/** The files of a model in memory: seq2seq.json's content, the safetensors bytes, and the vocabularies it names. */
export interface Seq2SeqFiles {
  config: unknown;
  weights: ByteSource;
  sourceVocab?: unknown;
  targetVocab?: unknown;
}

export interface TranslateOptions extends BatchDecodeOptions {
  /** Sentences encoded and decoded together (default 32): one encoder run and one decoder call per step for all. */
  batchSize?: number;
}

export interface Translation {
  text: string;
  tokens: number[];
  /** sum of the tokens' log-probabilities (eos included when finished) */
  score: number;
  /** the beam's ranking (score / length^lengthPenalty); the score otherwise */
  rank: number;
  /** ended with eos (else the token limit ended it) */
  finished: boolean;
  /** one row per output token: its attention weights over the source tokens */
  attention: Float32Array[];
}

export interface TranslationResult {
  source: string;
  /** the pieces the source vocabulary split the text into, and their ids */
  sourceTokens: string[];
  sourceIds: number[];
  /** pieces not in the source vocabulary (each mapped to its unknown id) */
  unknown: string[];
  /** best first: one for greedy and sampling, nBest for beam search */
  translations: Translation[];
}

const OPTION_KEYS = ['wasm', 'maxMemoryBytes'];

function dirOf(location: string | URL): { json: string | URL; rel: (f: string) => string | URL } {
  if (location instanceof URL || /^[a-z][a-z0-9+.-]*:/i.test(location) && !/^[a-z]:[\\/]/i.test(location)) {
    const u = new URL(location);
    if (!u.pathname.endsWith('.json') && !u.pathname.endsWith('/')) u.pathname += '/';
    return { json: u.pathname.endsWith('.json') ? u : new URL('seq2seq.json', u), rel: (f) => new URL(f, u) };
  }
  const json = location.endsWith('.json') ? location : `${location.replace(/[/\\]$/, '')}/seq2seq.json`;
  const dir = json.replace(/[^/\\]*$/, '');
  return { json, rel: (f) => `${dir}${f}` };
}

async function readJson(source: ByteSource, what: string): Promise<unknown> {
  const bytes = await readBytes(source);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new LstmWasmError('FORMAT', `${what}: not JSON (${(e as Error).message})`);
  }
}

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

  private constructor(rt: Runtime, config: Seq2SeqConfig, weights: Seq2SeqWeights, src: NamedVocab, tgt: NamedVocab) {
    this.rt = rt;
    this.config = config;
    this.weights = weights;
    this.sourceVocab = src.vocab;
    this.targetVocab = tgt;
    this.packed = packSeq2Seq(rt, config, weights);
    this.base = rt.mark();
  }

  /** Loads a model folder (path or URL): seq2seq.json and the weights and vocabularies it names beside it. */
  static async load(location: string | URL, options: Seq2SeqOptions = {}): Promise<Seq2Seq> {
    check(typeof location === 'string' || location instanceof URL, 'OPTION', 'Seq2Seq.load(location): a folder or seq2seq.json path or URL');
    const { json, rel } = dirOf(location);
    const config = await readJson(json, String(json));
    const c = parseConfig(config, String(json));
    const vocab = (v: string | object) => (typeof v === 'string' ? readJson(rel(v), String(rel(v))) : v);
    const [weights, sourceVocab, targetVocab] = await Promise.all([readBytes(rel(c.weights)), vocab(c.sourceVocab), vocab(c.targetVocab)]);
    return Seq2Seq.create({ config, weights, sourceVocab, targetVocab }, options, String(rel(c.weights)));
  }

  /** A model from its files in memory (vocabularies inline in the config need not be given). */
  static async create(files: Seq2SeqFiles, options: Seq2SeqOptions = {}, name = 'model.safetensors'): Promise<Seq2Seq> {
    check(options !== null && typeof options === 'object', 'OPTION', 'options must be an object');
    for (const key of Object.keys(options)) check(OPTION_KEYS.includes(key), 'OPTION', `unknown option '${key}'; known: ${OPTION_KEYS.join(', ')}`);
    const m = options.maxMemoryBytes;
    check(m === undefined || (Number.isSafeInteger(m) && m >= 2 ** 20 && m <= 2 ** 32), 'OPTION', `maxMemoryBytes must be an integer from 1 MiB to 4 GiB, got ${m}`);
    const c = parseConfig(files.config);
    const vocabJson = (given: unknown, inline: string | object, what: string) => {
      const v = given ?? (typeof inline === 'object' ? inline : undefined);
      check(v !== undefined, 'OPTION', `the ${what} vocabulary ${JSON.stringify(inline)} was not given`);
      return namedVocab(v, `${what} vocabulary`);
    };
    const src = vocabJson(files.sourceVocab, c.sourceVocab, 'source'), tgt = vocabJson(files.targetVocab, c.targetVocab, 'target');
    const [bytes, rt] = await Promise.all([readBytes(files.weights), Runtime.create(options.wasm)]);
    if (m !== undefined) rt.maxMemoryBytes = m;
    const w = seq2seqWeights(parseSafetensors(bytes, name), c, name);
    check(src.vocab.size === w.sourceVocabSize, 'MODEL', `the source vocabulary has ${src.vocab.size} tokens but the source embedding has ${w.sourceVocabSize} rows`);
    check(tgt.vocab.size === w.targetVocabSize, 'MODEL', `the target vocabulary has ${tgt.vocab.size} tokens but the target embedding has ${w.targetVocabSize} rows`);
    for (const [k, id] of Object.entries(c.tokens)) {
      check(id < w.targetVocabSize, 'MODEL', `seq2seq.json tokens.${k} = ${id} is outside the target vocabulary 0..${w.targetVocabSize - 1}`);
    }
    return new Seq2Seq(rt, c, w, src, tgt);
  }

  private live(): Runtime {
    if (!this.rt) throw new LstmWasmError('RELEASED', 'this Seq2Seq was released; load a new one');
    return this.rt;
  }

  /** Checks source id sequences: each non-empty, within max_source_length, ids in the source vocabulary. */
  checkSources(sources: readonly (readonly number[])[]): void {
    check(Array.isArray(sources) && sources.length > 0, 'INPUT', 'give at least one source sentence');
    const { maxSourceLength: max } = this.config, V = this.packed.Vs;
    sources.forEach((s, b) => {
      check(Array.isArray(s) && s.length > 0, 'INPUT', `source ${b} is empty; a sentence needs at least one token`);
      check(s.length <= max, 'INPUT', `source ${b} has ${s.length} tokens; this model reads at most ${max} (max_source_length in seq2seq.json)`);
      s.forEach((id, j) => check(Number.isInteger(id) && id >= 0 && id < V, 'INPUT', () => `source ${b}, token ${j}: id ${id} is outside the source vocabulary 0..${V - 1}`));
    });
  }

  /**
   * Encodes sentences of source ids (the encoder runs once for all) and returns the stream that decodes them; a step may
   * hold up to `maxRows` rows (default: one per sentence; beam search needs sentences x beam). Ends the previous stream.
   */
  start(sources: readonly (readonly number[])[], maxRows = sources.length): Seq2SeqStream {
    const rt = this.live();
    this.checkSources(sources);
    check(Number.isInteger(maxRows) && maxRows >= sources.length, 'OPTION', `maxRows must be an integer >= the ${sources.length} sentences, got ${maxRows}`);
    const generation = ++this.generation;
    rt.reset(this.base);
    try {
      return new Seq2SeqStream(rt, this.config, this.packed, sources, maxRows, () => this.rt !== undefined && this.generation === generation);
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
  async translate(texts: string | readonly string[], options: TranslateOptions = {}): Promise<TranslationResult[]> {
    const list = typeof texts === 'string' ? [texts] : texts;
    check(Array.isArray(list), 'INPUT', 'translate(texts): a string or an array of strings');
    const { batchSize = 32, ...decoding } = options;
    check(Number.isInteger(batchSize) && batchSize >= 1, 'OPTION', `batchSize must be an integer >= 1, got ${batchSize}`);
    const enc = list.map((t) => encodeSource(this.sourceVocab, t));
    enc.forEach((e, i) => check(e.ids.length > 0, 'INPUT', `text ${i} ${JSON.stringify(list[i])} has no tokens in the source vocabulary's split; nothing to translate`));
    this.checkSources(enc.map((e) => e.ids));
    const results: TranslationResult[] = [];
    for (let at = 0; at < list.length; at += batchSize) {
      const part = enc.slice(at, at + batchSize);
      const hyps = await this.decode(part.map((e) => e.ids), decoding);
      part.forEach((e, i) => results.push({
        source: list[at + i], sourceTokens: e.pieces, sourceIds: e.ids, unknown: e.unknown,
        translations: hyps[i].map((h) => ({
          text: detokenize(this.targetVocab, h.tokens), tokens: h.tokens, score: h.score, rank: h.rank, finished: h.finished,
          attention: h.attention.map((a) => a.slice(0, e.ids.length)),
        })),
      }));
    }
    return results;
  }

  /** Runs `f` after every earlier call on this model: one stream at a time, in call order. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
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

// text/word2vec.ts: train word2vec (CBOW / skip-gram, negative sampling / hierarchical softmax) in wasm, with gensim's
// parameter names and defaults (except workers: 1).
import { Rng } from '../decode/rng.js';
import { LstmWasmError, check } from '../errors.js';
import type { WasmSource } from '../runtime.js';
import { TextCore } from './core.js';
import { KeyedVectors } from './keyed_vectors.js';
import { Vocabulary } from './vocabulary.js';
import { type Job, trainInWorkers } from './hogwild.js';
import { layout } from './word2vec_setup.js';

/** gensim's Word2Vec parameters (same names, same defaults, except `workers`). */
export interface Word2VecOptions {
  /** Dimensions of the word vectors. Default 100. */
  vector_size?: number;
  /** Max distance between the predicted word and a context word. Default 5. */
  window?: number;
  /** Ignore words seen fewer times. Default 5. */
  min_count?: number;
  /** Keep at most this many words, raising min_count as gensim does. Default: no limit. */
  max_final_vocab?: number;
  /** Subsampling of frequent words: words above this share of the corpus are randomly dropped. Default 1e-3; 0 = off. */
  sample?: number;
  /** Noise words per prediction (negative sampling); 0 = none. Default 5. */
  negative?: number;
  /** 1: hierarchical softmax (with negative 0 for it alone). Default 0. */
  hs?: 0 | 1;
  /** 1: skip-gram, 0: CBOW. Default 0. */
  sg?: 0 | 1;
  /** CBOW: 1 the mean of the context vectors, 0 their sum. Default 1. */
  cbow_mean?: 0 | 1;
  /** Learning rate at the start. Default 0.025. */
  alpha?: number;
  /** Learning rate at the end (it falls linearly). Default 0.0001. */
  min_alpha?: number;
  /** Passes over the corpus. Default 5. */
  epochs?: number;
  /** Seeds the initial vectors and every random draw. Default 1. */
  seed?: number;
  /** Noise distribution: count^ns_exponent. Default 0.75. */
  ns_exponent?: number;
  /** Draw each word's window from 1..window (true, the default) or always use the full window. */
  shrink_windows?: boolean;
  /** Words per training call (and per progress report). Default 10000. */
  batch_words?: number;
  /**
   * Threads. 1 (the default): one thread, the same vectors for the same seed on every engine. More: Hogwild workers
   * (worker_threads in Node, module Web Workers in browsers, which need cross-origin isolation) updating one set of
   * weights in a shared memory without locks, as gensim's workers do — faster, and no longer reproducible run to run.
   * `wasm` is then the shared-memory build (lstm-shared.wasm).
   */
  workers?: number;
  /** Called after each batch (about every 10,000 words); may return a promise (awaited: a place to yield to a UI). */
  progress?: (p: Word2VecProgress) => void | Promise<void>;
  /** The wasm core (see InferenceSession's `wasm` option). */
  wasm?: WasmSource;
}

export interface Word2VecProgress {
  epoch: number;
  epochs: number;
  /** 0..1 of the whole training */
  progress: number;
  /** corpus words (in the vocabulary) gone through so far, all epochs */
  words: number;
  /** the learning rate now */
  alpha: number;
  wordsPerSecond: number;
  secondsLeft: number;
}

export interface Word2VecStats {
  /** corpus words in the vocabulary, times epochs */
  words: number;
  /** of those, the ones trained on after subsampling */
  effectiveWords: number;
  seconds: number;
  /** words / seconds */
  wordsPerSecond: number;
}

const DEFAULTS = {
  vector_size: 100, window: 5, min_count: 5, sample: 1e-3, negative: 5, hs: 0, sg: 0, cbow_mean: 1, alpha: 0.025,
  min_alpha: 0.0001, epochs: 5, seed: 1, ns_exponent: 0.75, shrink_windows: true, batch_words: 10000, workers: 1,
};
const KNOWN = [...Object.keys(DEFAULTS), 'max_final_vocab', 'progress', 'wasm'];
type Settings = typeof DEFAULTS & Word2VecOptions;

/** A trained model: the word vectors (`wv`), the vocabulary with its counts, the settings used and timings. */
export class Word2Vec {
  private constructor(readonly wv: KeyedVectors, readonly vocabulary: Vocabulary, readonly options: Readonly<Settings>, readonly stats: Word2VecStats) {}

  /**
   * Trains on sentences (token lists; iterated twice: once to count, once to encode). The corpus is held in wasm
   * memory as 32-bit ids (4 bytes a word).
   */
  static async train(sentences: Iterable<readonly string[]>, options: Word2VecOptions = {}): Promise<Word2Vec> {
    const o = settings(options);
    const vocab = buildVocabulary(sentences, o);
    const V = vocab.size, D = o.vector_size;
    const { ids, bounds, lengths } = encode(sentences, vocab);
    const rt = await TextCore.create(o.wasm, o.workers > 1);
    const lay = layout(rt, vocab, ids, bounds, o, o.workers, new Rng(o.seed));

    // jobs as gensim's _job_producer makes them: whole sentences while they fit in batch_words corpus words (a longer
    // sentence is a job alone); each job trains at one learning rate, set from the share of sentences done before it
    const starts: number[] = [0];
    for (let s = 0, size = 0; s < lengths.length; s++) {
      if (size + lengths[s] > o.batch_words && s > starts[starts.length - 1]) {
        starts.push(s);
        size = 0;
      }
      size += lengths[s];
    }
    starts.push(lengths.length);
    const S = lengths.length, total = ids.length * o.epochs;
    const jobs: Job[] = [];
    for (let e = 0; e < o.epochs; e++) {
      for (let j = 0; j + 1 < starts.length; j++) {
        const s0 = starts[j], s1 = starts[j + 1];
        const alpha = Math.max(o.min_alpha, o.alpha - ((o.alpha - o.min_alpha) * (e + s0 / S)) / o.epochs);
        jobs.push({ s0, s1, alpha, epoch: e + 1, words: bounds[s1] - bounds[s0] });
      }
    }
    const t0 = now();
    let done = 0;
    const report = async (j: Job) => {
      done += j.words;
      if (!o.progress) return;
      const secs = (now() - t0) / 1000, wps = done / Math.max(secs, 1e-9);
      await o.progress({ epoch: j.epoch, epochs: o.epochs, progress: done / total, words: done, alpha: j.alpha, wordsPerSecond: wps, secondsLeft: (total - done) / wps });
    };
    let effective = 0;
    if (o.workers > 1) effective = await trainInWorkers(rt, lay, jobs, report);
    else {
      for (const j of jobs) {
        effective += rt.core.w2v_train_f32(lay.cfgs[0], lay.words, lay.bounds, j.s0, j.s1, j.alpha, j.alpha);
        await report(j);
      }
    }
    const seconds = (now() - t0) / 1000;
    const out = new Float32Array(V * D), trained = rt.f32(lay.syn0, V * lay.DP);
    for (let i = 0; i < V; i++) out.set(trained.subarray(i * lay.DP, i * lay.DP + D), i * D);
    const wv = await KeyedVectors.create(vocab.words, out, { counts: vocab.counts, ...(o.workers === 1 && { wasm: o.wasm }) });
    return new Word2Vec(wv, vocab, o, { words: total, effectiveWords: effective, seconds, wordsPerSecond: total / seconds });
  }
}

const now = () => (globalThis.performance ?? Date).now();

function settings(options: Word2VecOptions): Settings {
  check(options !== null && typeof options === 'object', 'OPTION', 'word2vec options must be an object');
  for (const k of Object.keys(options)) {
    const hint = /[A-Z]/.test(k) ? ` (gensim's names: ${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)})` : '';
    check(KNOWN.includes(k), 'OPTION', `unknown word2vec option '${k}'${hint}; known: ${KNOWN.join(', ')}`);
  }
  const o = { ...DEFAULTS, ...options } as Settings;
  const int = (k: keyof Settings, min: number) => check(Number.isInteger(o[k]) && (o[k] as number) >= min, 'OPTION', `${k} must be an integer >= ${min}, got ${String(o[k])}`);
  int('vector_size', 1); int('window', 1); int('min_count', 1); int('negative', 0); int('epochs', 1); int('batch_words', 1);
  for (const k of ['hs', 'sg', 'cbow_mean'] as const) check(o[k] === 0 || o[k] === 1, 'OPTION', `${k} must be 0 or 1, got ${String(o[k])}`);
  check(o.max_final_vocab === undefined || (Number.isInteger(o.max_final_vocab) && o.max_final_vocab > 0), 'OPTION', `max_final_vocab must be a positive integer, got ${o.max_final_vocab}`);
  check(o.hs || o.negative > 0, 'OPTION', 'nothing to train: negative is 0 and hs is 0 (use negative > 0, or hs: 1)');
  for (const k of ['sample', 'alpha', 'min_alpha', 'ns_exponent'] as const) check(Number.isFinite(o[k]) && o[k] >= 0, 'OPTION', `${k} must be a number >= 0, got ${String(o[k])}`);
  check(o.alpha > 0, 'OPTION', 'alpha must be above 0');
  check(Number.isSafeInteger(o.seed), 'OPTION', `seed must be an integer, got ${o.seed}`);
  check(Number.isInteger(o.workers) && o.workers >= 1 && o.workers <= 64, 'OPTION', `workers must be an integer from 1 to 64, got ${String(o.workers)}`);
  check(o.progress === undefined || typeof o.progress === 'function', 'OPTION', 'progress must be a function');
  return o;
}

/** Words seen at least min_count times (raised to fit max_final_vocab as gensim does), most frequent first. */
function buildVocabulary(sentences: Iterable<readonly string[]>, o: Settings): Vocabulary {
  check(sentences !== null && typeof (sentences as Iterable<unknown>)?.[Symbol.iterator] === 'function', 'INPUT',
    'word2vec: expected sentences, an iterable of token arrays');
  for (const s of sentences) {
    check(Array.isArray(s), 'INPUT', `word2vec: a sentence must be an array of tokens, got ${typeof s === 'string' ? 'a string (split it into tokens first, e.g. with Tokenizer.sentences)' : typeof s}`);
    break;
  }
  const all = Vocabulary.build(sentences, { specials: [], minCount: 1 });
  if (all.size === 0) throw new LstmWasmError('INPUT', 'word2vec: the corpus is empty (no sentence has a word)');
  let min = o.min_count;
  if (o.max_final_vocab !== undefined && o.max_final_vocab < all.size) min = Math.max(min, all.counts[o.max_final_vocab] + 1);
  let n = 0;
  while (n < all.size && all.counts[n] >= min) n++;
  if (n === 0) {
    throw new LstmWasmError('INPUT', `word2vec: no word occurs ${min} times (min_count); the most frequent, ${JSON.stringify(all.words[0])}, occurs ${all.counts[0]} times`);
  }
  return new Vocabulary(all.words.slice(0, n), all.counts.subarray(0, n), {}, all.tokenizer);
}

/**
 * The corpus as ids of words in the vocabulary (others dropped, as gensim does), where each sentence's ids start
 * (bounds, one more than sentences) and each sentence's length in corpus words, unknown words included (what gensim's
 * jobs count).
 */
function encode(sentences: Iterable<readonly string[]>, vocab: Vocabulary): { ids: Int32Array; bounds: Int32Array; lengths: Int32Array } {
  let n = 0;
  for (let i = 0; i < vocab.size; i++) n += vocab.counts[i];
  const ids = new Int32Array(n), bounds: number[] = [0], lengths: number[] = [];
  const index = new Map(vocab.words.map((w, i) => [w, i]));
  let k = 0;
  for (const s of sentences) {
    for (const w of s) {
      const i = index.get(w);
      if (i === undefined) continue;
      check(k < n, 'INPUT', 'word2vec: the sentences changed between the two passes (iterate the same corpus twice)');
      ids[k++] = i;
    }
    bounds.push(k);
    lengths.push(s.length);
  }
  check(k === n, 'INPUT', 'word2vec: the sentences changed between the two passes (iterate the same corpus twice)');
  return { ids, bounds: Int32Array.from(bounds), lengths: Int32Array.from(lengths) };
}

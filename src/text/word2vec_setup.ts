// text/word2vec_setup.ts: word2vec's memory in the wasm core — weights, tables and corpus once, one config block (with
// its own scratch and random streams) per thread — laid out before training; training then allocates nothing.
import type { Rng } from '../decode/rng.js';
import type { TextCore } from './core.js';
import type { Vocabulary } from './vocabulary.js';
import { huffman, noiseGuide, noiseTable, sampleThresholds } from './word2vec_tables.js';

export interface Layout {
  /** one W2V_* config block per thread */
  cfgs: number[];
  /** the corpus ids and sentence bounds */
  words: number;
  bounds: number;
  /** (V, DP) input vectors: the word vectors */
  syn0: number;
  DP: number;
}

interface Settings {
  vector_size: number; negative: number; hs: number; sg: number; cbow_mean: number; window: number; shrink_windows: boolean;
  sample: number; ns_exponent: number;
}

export function layout(rt: TextCore, vocab: Vocabulary, ids: Int32Array, bounds: Int32Array, o: Settings, threads: number, rng: Rng): Layout {
  const k = rt.k, V = vocab.size, D = o.vector_size, DP = (D + 3) & ~3;
  const bytes = (n: number, what: string) => rt.alloc(n, what);
  const put = (a: Uint32Array | Int32Array | Uint8Array | Float32Array, what: string) => {
    const p = bytes(Math.max(a.byteLength, 4), what);
    new Uint8Array(rt.buffer, p, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return p;
  };
  const counts = vocab.counts;
  const cum = noiseTable(counts, o.ns_exponent), guide = noiseGuide(cum), sample = sampleThresholds(counts, o.sample), tree = o.hs ? huffman(counts) : undefined;
  const exp = new Float32Array(k.W2V_EXP_TABLE_SIZE).map((_, i) => {
    const e = Math.exp(((i / k.W2V_EXP_TABLE_SIZE) * 2 - 1) * 6);
    return e / (e + 1);
  });
  const syn0 = bytes(V * DP * 4, `${V} x ${D} word vectors`);
  const shared: [number, number][] = [
    [k.W2V_DIM, D], [k.W2V_DP, DP], [k.W2V_SYN0, syn0], [k.W2V_SYN1, o.hs ? bytes(V * DP * 4, 'hierarchical-softmax weights') : 0],
    [k.W2V_SYN1NEG, o.negative ? bytes(V * DP * 4, 'negative-sampling weights') : 0], [k.W2V_NEGATIVE, o.negative],
    [k.W2V_SG, o.sg], [k.W2V_CBOW_MEAN, o.cbow_mean], [k.W2V_WINDOW, o.window], [k.W2V_SHRINK, o.shrink_windows ? 1 : 0],
    [k.W2V_CUM, put(cum, 'the noise table')], [k.W2V_VOCAB, V], [k.W2V_SAMPLE, sample ? put(sample, 'subsampling thresholds') : 0],
    [k.W2V_CODE_AT, tree ? put(tree.at, 'Huffman paths') : 0], [k.W2V_CODES, tree ? put(tree.codes, 'Huffman codes') : 0],
    [k.W2V_POINTS, tree ? put(tree.points, 'Huffman nodes') : 0], [k.W2V_EXP, put(exp, 'the sigmoid table')],
    [k.W2V_GUIDE, put(guide.guide, 'the noise guide table')], [k.W2V_GUIDE_SHIFT, guide.shift],
  ];
  const words = put(ids, `the corpus (${ids.length} words)`), bnd = put(bounds, 'sentence bounds');
  const cfgs: number[] = [];
  for (let t = 0; t < threads; t++) {
    const cfg = bytes(k.W2V_WORDS * 4, 'a word2vec config');
    const own: [number, number][] = [
      [k.W2V_NEU1, bytes(DP * 4, 'scratch')], [k.W2V_WORK, bytes(DP * 4, 'scratch')], [k.W2V_SENT, bytes(k.W2V_MAX_SENTENCE * 4, 'scratch')],
      [k.W2V_ENDS, bytes((k.W2V_MAX_SENTENCE + 1) * 4, 'scratch')], [k.W2V_ALPHAS, bytes((k.W2V_MAX_SENTENCE + 1) * 4, 'scratch')],
    ];
    const c = rt.i32(cfg, k.W2V_WORDS).fill(0);
    for (const [f, v] of [...shared, ...own]) c[f] = v;
    cfgs.push(cfg);
  }
  // initial vectors: uniform in [-1/D, 1/D) as gensim's prep_vectors; output weights 0 (fresh memory)
  const m = rt.f32(syn0, V * DP);
  for (let i = 0; i < V; i++) for (let d = 0; d < D; d++) m[i * DP + d] = (rng.next() * 2 - 1) / D;
  for (const cfg of cfgs) {
    for (const f of [k.W2V_RANDOM, k.W2V_RANDOM_WINDOW]) { // two 48-bit LCG states a thread
      new BigUint64Array(rt.buffer, cfg + f * 4, 1)[0] = (BigInt(rng.nextU32()) << 16n) | BigInt(rng.nextU32() & 0xffff);
    }
  }
  return { cfgs, words, bounds: bnd, syn0, DP };
}

// word2vec.ts: CBOW and skip-gram updates (negative sampling, hierarchical softmax) over sentences of word ids — the
// original word2vec algorithm as gensim's word2vec_inner runs it: frequent-word subsampling, a dynamic window, the
// sigmoid from a 1000-entry table over [-6, 6] read at (f + 6) * 83 (dot products outside it update nothing), a 48-bit LCG for every draw.
// The host writes one config block (W2V_*), the tables and the weights; training allocates nothing.
import { axpy, dot, scale } from './vec';

export const W2V_DIM: i32 = 0; // floats per row that hold the vector (vector_size)
export const W2V_DP: i32 = 1; // row stride in floats (vector_size rounded up to 4; the padding stays 0)
export const W2V_SYN0: i32 = 2; // (V, DP) input vectors: the word vectors
export const W2V_SYN1: i32 = 3; // (V-1, DP) hierarchical-softmax inner nodes, or 0 without hs
export const W2V_SYN1NEG: i32 = 4; // (V, DP) negative-sampling output vectors, or 0 without negative sampling
export const W2V_NEGATIVE: i32 = 5; // noise words drawn per prediction
export const W2V_SG: i32 = 6; // 1: skip-gram, 0: CBOW
export const W2V_CBOW_MEAN: i32 = 7; // CBOW: 1 mean of the context vectors, 0 their sum
export const W2V_WINDOW: i32 = 8; // max distance between the predicted word and a context word
export const W2V_SHRINK: i32 = 9; // 1: each word's window is drawn uniformly from 1..window (dynamic window)
export const W2V_CUM: i32 = 10; // u32 (V): cumulative unigram^ns_exponent counts scaled to 2^31 - 1
export const W2V_VOCAB: i32 = 11; // V
export const W2V_SAMPLE: i32 = 12; // u32 (V): keep word w when sample[w] >= a random u32; 0 = keep all
export const W2V_CODE_AT: i32 = 13; // i32 (V+1): word w's Huffman code and path at [CODE_AT[w], CODE_AT[w+1])
export const W2V_CODES: i32 = 14; // u8: the code bits, root first
export const W2V_POINTS: i32 = 15; // i32: the inner nodes on the path, root first
export const W2V_EXP: i32 = 16; // f32 (EXP_TABLE_SIZE): EXP[i] = sigmoid((2i / SIZE - 1) * 6), written by the host
export const W2V_NEU1: i32 = 17; // f32 (DP) scratch: CBOW's context vector
export const W2V_WORK: i32 = 18; // f32 (DP) scratch: the accumulated update of the input vectors
export const W2V_SENT: i32 = 19; // i32 (W2V_MAX_SENTENCE) scratch: a batch of sentences after subsampling
export const W2V_RANDOM: i32 = 20; // u64 (two words): the LCG of subsampling and noise words, carried from call to call
export const W2V_RANDOM_WINDOW: i32 = 22; // u64 (two words): the LCG of the dynamic window (gensim draws it with numpy)
export const W2V_ENDS: i32 = 24; // i32 (W2V_MAX_SENTENCE + 1) scratch: where each sentence of a batch ends in SENT
export const W2V_ALPHAS: i32 = 25; // f32 (W2V_MAX_SENTENCE + 1) scratch: the learning rate of each sentence of a batch
export const W2V_GUIDE: i32 = 26; // i32 (2^bits + 1): GUIDE[b] = bisect_left(CUM, b << (31 - bits)), or 0 (bisect every draw)
export const W2V_GUIDE_SHIFT: i32 = 27; // 31 - bits
export const W2V_WORDS: i32 = 32;

export const W2V_MAX_SENTENCE: i32 = 10000; // words of a batch after subsampling; longer sentences are cut into pieces
export const W2V_EXP_TABLE_SIZE: i32 = 1000;
const MAX_EXP: f32 = 6;
// the table index is (f + 6) * 83: word2vec.c's integer 1000 / 6 / 2, which gensim's compiled word2vec_inner also
// uses (a float 83.33 would centre the table; 83 reads it slightly left of f, and the reference numbers come so)
const EXP_SCALE: f32 = <f32>(W2V_EXP_TABLE_SIZE / 6 / 2);

@inline function word(cfg: usize, field: i32): i32 {
  return load<i32>(cfg + (<usize>field << 2));
}

@inline function ptr(cfg: usize, field: i32): usize {
  return <usize>load<u32>(cfg + (<usize>field << 2));
}

/** java.util.Random's LCG, as word2vec.c and gensim: returns the state's top 32 of 48 bits, then steps. */
@inline function next_u32(state: usize): u32 {
  const s = load<u64>(state);
  store<u64>(state, (s * 25214903917 + 11) & 0xffffffffffff);
  return <u32>(s >> 16);
}

/**
 * A noise word drawn with probability count^0.75 / Z: bisect_left of a random value in the cumulative table. The guide
 * table says where the answer for the value's top bits starts, so a short scan finds the same index a bisection would.
 */
@inline function draw_noise(cfg: usize, state: usize): i32 {
  const cum = ptr(cfg, W2V_CUM), V = word(cfg, W2V_VOCAB), guide = ptr(cfg, W2V_GUIDE);
  const x = (<u32>(load<u64>(state) >> 16)) % load<u32>(cum + (<usize>(V - 1) << 2));
  next_u32(state);
  if (guide) {
    let i = load<i32>(guide + (<usize>(x >> <u32>word(cfg, W2V_GUIDE_SHIFT)) << 2));
    while (load<u32>(cum + (<usize>i << 2)) < x) i++;
    return i;
  }
  let lo = 0, hi = V;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    if (load<u32>(cum + (<usize>mid << 2)) >= x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The gradient scale (label - sigmoid(f)) * alpha, or 0 where |f| >= 6 (outside the table nothing is learned). */
@inline function gradient(cfg: usize, f: f32, label: f32, alpha: f32): f32 {
  if (f <= -MAX_EXP || f >= MAX_EXP) return 0;
  return (label - load<f32>(ptr(cfg, W2V_EXP) + (<usize>(<i32>((f + MAX_EXP) * EXP_SCALE)) << 2))) * alpha;
}

/**
 * One prediction of `target` from the hidden vector h (DP), starting from work = 0: work += g * out[row] and
 * out[row] += g * h over the target's Huffman path (hs) or over it and `negative` noise words (not hs).
 */
function predict(cfg: usize, h: usize, target: i32, alpha: f32, state: usize, hs: bool): void {
  const dp = word(cfg, W2V_DP), work = ptr(cfg, W2V_WORK);
  memory.fill(work, 0, <usize>dp << 2);
  if (hs) {
    const syn1 = ptr(cfg, W2V_SYN1), at = ptr(cfg, W2V_CODE_AT), codes = ptr(cfg, W2V_CODES), points = ptr(cfg, W2V_POINTS);
    const end = load<i32>(at + (<usize>(target + 1) << 2));
    for (let b = load<i32>(at + (<usize>target << 2)); b < end; b++) {
      const row = syn1 + ((<usize>load<i32>(points + (<usize>b << 2)) * dp) << 2);
      const g = gradient(cfg, dot(h, row, dp), <f32>(1 - load<u8>(codes + b)), alpha);
      if (g == 0) continue;
      axpy(work, g, row, dp);
      axpy(row, g, h, dp);
    }
    return;
  }
  const syn1neg = ptr(cfg, W2V_SYN1NEG), negative = word(cfg, W2V_NEGATIVE);
  for (let d = 0; d <= negative; d++) {
    let w = target, label: f32 = 1;
    if (d > 0) {
      w = draw_noise(cfg, state);
      if (w == target) continue;
      label = 0;
    }
    const row = syn1neg + ((<usize>w * dp) << 2);
    const g = gradient(cfg, dot(h, row, dp), label, alpha);
    if (g == 0) continue;
    axpy(work, g, row, dp);
    axpy(row, g, h, dp);
  }
}

/** Skip-gram: the vector of the context word at j predicts the word at i (hs first, then negative sampling, as gensim). */
@inline function skipgram_pair(cfg: usize, row: usize, target: i32, alpha: f32, state: usize): void {
  const dp = word(cfg, W2V_DP), work = ptr(cfg, W2V_WORK);
  if (ptr(cfg, W2V_SYN1)) {
    predict(cfg, row, target, alpha, state, true);
    axpy(row, 1, work, dp);
  }
  if (ptr(cfg, W2V_SYN1NEG)) {
    predict(cfg, row, target, alpha, state, false);
    axpy(row, 1, work, dp);
  }
}

/**
 * CBOW: the sum (or mean) of the vectors of sent[j0..j1) but i predicts the word at i; each context vector then
 * moves by the update (shared among them for a sum, as gensim). hs first, then negative sampling, each from the
 * context as it stands (gensim recomputes it between them).
 */
function cbow(cfg: usize, sent: usize, i: i32, j0: i32, j1: i32, alpha: f32, state: usize, hs: bool): void {
  const dp = word(cfg, W2V_DP), syn0 = ptr(cfg, W2V_SYN0), work = ptr(cfg, W2V_WORK), neu1 = ptr(cfg, W2V_NEU1);
  const mean = word(cfg, W2V_CBOW_MEAN);
  memory.fill(neu1, 0, <usize>dp << 2);
  for (let j = j0; j < j1; j++) if (j != i) axpy(neu1, 1, syn0 + ((<usize>load<i32>(sent + (<usize>j << 2)) * dp) << 2), dp);
  const count = j1 - j0 - 1;
  // a word without context still draws its noise words (gensim does: the random stream stays the same)
  const inv: f32 = count > 0 ? 1 / <f32>count : 1;
  if (mean) scale(neu1, inv, dp);
  predict(cfg, neu1, load<i32>(sent + (<usize>i << 2)), alpha, state, hs);
  if (!mean) scale(work, inv, dp);
  for (let j = j0; j < j1; j++) if (j != i) axpy(syn0 + ((<usize>load<i32>(sent + (<usize>j << 2)) * dp) << 2), 1, work, dp);
}

/** Trains on the sentence sent[start..end) (ids after subsampling) at learning rate alpha. */
function train_sentence(cfg: usize, start: i32, end: i32, alpha: f32, state: usize): void {
  const dp = word(cfg, W2V_DP), window = word(cfg, W2V_WINDOW), shrink = word(cfg, W2V_SHRINK), sg = word(cfg, W2V_SG);
  const sent = ptr(cfg, W2V_SENT) + (<usize>start << 2), n = end - start, syn0 = ptr(cfg, W2V_SYN0);
  for (let i = 0; i < n; i++) {
    const b = shrink ? <i32>(next_u32(cfg + (<usize>W2V_RANDOM_WINDOW << 2)) % <u32>window) : 0;
    const j0 = max(0, i - window + b), j1 = min(n, i + window + 1 - b);
    if (sg) {
      const target = load<i32>(sent + (<usize>i << 2));
      for (let j = j0; j < j1; j++) {
        if (j != i) skipgram_pair(cfg, syn0 + ((<usize>load<i32>(sent + (<usize>j << 2)) * dp) << 2), target, alpha, state);
      }
      continue;
    }
    if (ptr(cfg, W2V_SYN1)) cbow(cfg, sent, i, j0, j1, alpha, state, true);
    if (ptr(cfg, W2V_SYN1NEG)) cbow(cfg, sent, i, j0, j1, alpha, state, false);
  }
}

/** Trains on the batch of sentences in SENT, ENDS and ALPHAS. */
function train_batch(cfg: usize, sentences: i32, state: usize): void {
  const ends = ptr(cfg, W2V_ENDS), alphas = ptr(cfg, W2V_ALPHAS);
  let start = 0;
  for (let p = 0; p < sentences; p++) {
    const end = load<i32>(ends + (<usize>p << 2));
    train_sentence(cfg, start, end, load<f32>(alphas + (<usize>p << 2)), state);
    start = end;
  }
}

/**
 * Trains on sentences s0..s1-1 of a corpus: sentence s is words[bounds[s] .. bounds[s+1]) (i32 ids < V). As gensim's
 * train_batch_*: first every word is kept or dropped (subsampling), up to W2V_MAX_SENTENCE kept words at a time,
 * then those sentences are trained; the learning rate falls linearly from alpha0 at the first word to alpha1 after
 * the last, set per sentence. Returns the number of words trained on after subsampling.
 */
export function w2v_train_f32(cfg: usize, words: usize, bounds: usize, s0: i32, s1: i32, alpha0: f32, alpha1: f32): i32 {
  const sent = ptr(cfg, W2V_SENT), ends = ptr(cfg, W2V_ENDS), alphas = ptr(cfg, W2V_ALPHAS), sample = ptr(cfg, W2V_SAMPLE);
  const state = cfg + (<usize>W2V_RANDOM << 2);
  const first = load<i32>(bounds + (<usize>s0 << 2)), total = load<i32>(bounds + (<usize>s1 << 2)) - first;
  let n = 0, sentences = 0, effective = 0;
  for (let s = s0; s < s1; s++) {
    const a = load<i32>(bounds + (<usize>s << 2)), e = load<i32>(bounds + (<usize>(s + 1) << 2));
    const alpha = alpha0 + (alpha1 - alpha0) * (<f32>(a - first) / <f32>max(total, 1));
    let open = n; // where this sentence's kept words start in SENT
    for (let k = a; k < e; k++) {
      const w = load<i32>(words + (<usize>k << 2));
      if (sample && load<u32>(sample + (<usize>w << 2)) < next_u32(state)) continue;
      store<i32>(sent + (<usize>n << 2), w);
      if (++n == W2V_MAX_SENTENCE) {
        // the batch is full: train it (the rest of this sentence starts the next batch)
        store<i32>(ends + (<usize>sentences << 2), n);
        store<f32>(alphas + (<usize>sentences << 2), alpha);
        train_batch(cfg, sentences + 1, state);
        effective += n;
        n = sentences = open = 0;
      }
    }
    if (n > open) {
      store<i32>(ends + (<usize>sentences << 2), n);
      store<f32>(alphas + (<usize>sentences << 2), alpha);
      sentences++;
    }
  }
  train_batch(cfg, sentences, state);
  return effective + n;
}

// text/word2vec_tables.ts: what word2vec derives from word counts — subsampling thresholds, the noise-word table, the
// Huffman codes of hierarchical softmax — computed as gensim's prepare_vocab / make_cum_table and word2vec.c do.

/**
 * Keep-probabilities of frequent-word subsampling as u32 thresholds (a word is kept when its threshold is >= a random
 * u32): p = (sqrt(c / t) + 1) * t / c, capped at 1, with t = sample * (all words) — gensim's prepare_vocab;
 * sample >= 1 means t = sample * (3 + sqrt 5) / 2 (gensim's shorthand). undefined when sample is 0 (keep all).
 */
export function sampleThresholds(counts: ArrayLike<number>, sample: number): Uint32Array | undefined {
  if (!sample) return undefined;
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const t = sample < 1 ? sample * total : Math.trunc(sample * (3 + Math.sqrt(5)) / 2);
  const out = new Uint32Array(counts.length);
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    const p = Math.min(1, (Math.sqrt(c / t) + 1) * (t / c));
    out[i] = Math.trunc(p * 0xffffffff);
  }
  return out;
}

/** Cumulative count^exponent scaled to 2^31 - 1 (gensim's cum_table): noise word = bisect_left(table, random). */
export function noiseTable(counts: ArrayLike<number>, exponent: number): Uint32Array {
  const domain = 2 ** 31 - 1;
  let z = 0;
  for (let i = 0; i < counts.length; i++) z += counts[i] ** exponent;
  const out = new Uint32Array(counts.length);
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    cum += counts[i] ** exponent;
    out[i] = Math.round((cum / z) * domain);
  }
  return out;
}

/**
 * Where bisect_left(cum, x) can start for x in each of 2^bits ranges: guide[b] = bisect_left(cum, b << (31 - bits)) —
 * about two buckets per word (at most 2^22), so a draw scans about one entry.
 */
export function noiseGuide(cum: Uint32Array): { guide: Int32Array; shift: number } {
  const bits = Math.min(22, Math.max(4, Math.ceil(Math.log2(2 * cum.length))));
  const shift = 31 - bits, guide = new Int32Array((1 << bits) + 1);
  let i = 0;
  for (let b = 0; b < guide.length; b++) {
    const start = b * 2 ** shift;
    while (i < cum.length - 1 && cum[i] < start) i++;
    guide[b] = i;
  }
  return { guide, shift };
}

/**
 * Huffman codes over counts sorted in descending order (word2vec.c's CreateBinaryTree: two queues, linear time).
 * Word w's path from the root is codes/points[at[w] .. at[w+1]): the bit taken at each inner node and the node's
 * index in 0..V-2 (the root is V-2).
 */
export function huffman(counts: ArrayLike<number>): { at: Int32Array; codes: Uint8Array; points: Int32Array } {
  const V = counts.length;
  const count = new Float64Array(2 * V).fill(Number.MAX_VALUE), parent = new Int32Array(2 * V), bit = new Uint8Array(2 * V);
  for (let i = 0; i < V; i++) count[i] = counts[i];
  let pos1 = V - 1, pos2 = V;
  const smallest = () => (pos1 >= 0 && count[pos1] < count[pos2] ? pos1-- : pos2++);
  for (let a = 0; a < V - 1; a++) {
    const m1 = smallest(), m2 = smallest();
    count[V + a] = count[m1] + count[m2];
    parent[m1] = parent[m2] = V + a;
    bit[m2] = 1;
  }
  const at = new Int32Array(V + 1), root = 2 * V - 2;
  const depth = (w: number) => {
    let d = 0;
    for (let b = w; b !== root && V > 1; b = parent[b]) d++;
    return d;
  };
  for (let w = 0; w < V; w++) at[w + 1] = at[w] + depth(w);
  const codes = new Uint8Array(at[V]), points = new Int32Array(at[V]);
  for (let w = 0; w < V; w++) {
    // walk leaf -> root, filling the path from its end
    let k = at[w + 1] - 1;
    for (let b = w; b !== root && V > 1; b = parent[b], k--) {
      codes[k] = bit[b];
      points[k] = parent[b] - V;
    }
  }
  return { at, codes, points };
}

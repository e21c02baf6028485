// test/word2vec_kernel.test.ts: the word-vector kernels — dot, axpy, scores, top-k, and one word2vec call — against
// scalar references written here from the equations (word2vec.c / gensim's word2vec_inner).
import { readdirSync } from 'node:fs';
import { Tensor } from 'lstm-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { noiseGuide } from '../src/text/word2vec_tables';
import { core, expectClose, fixturePath, json, npy, rng } from './helpers';

let c: Awaited<ReturnType<typeof core>>;
beforeAll(async () => {
  c = await core();
});

const rand = rng(11);
const randArray = (n: number) => Float32Array.from({ length: n }, rand);
const SIZES = [0, 1, 3, 4, 5, 17, 100];

describe('dot_f32 and axpy_f32', () => {
  for (const n of SIZES) {
    for (const off of [0, 4, 8, 12]) {
      it(`n=${n} at byte offset ${off} (unaligned to 16)`, () => {
        const m = c.mark();
        const x = randArray(n), y = randArray(n), a = rand();
        const px = c.alloc(n * 4 + 32) + off, py = c.alloc(n * 4 + 32) + off;
        c.f32(px, n).set(x);
        c.f32(py, n + 4).set([...y, 5, 5, 5, 5]); // what follows must stay untouched
        let ref = 0, mag = 0;
        for (let i = 0; i < n; i++) {
          ref += x[i] * y[i];
          mag += Math.abs(x[i] * y[i]);
        }
        expect(Math.abs(c.ex.dot_f32(px, py, n) - ref)).toBeLessThanOrEqual(1e-6 * Math.max(1, mag));
        c.ex.axpy_f32(py, a, px, n);
        const out = c.f32(py, n + 4);
        for (let i = 0; i < n; i++) expect(Math.abs(out[i] - (y[i] + a * x[i]))).toBeLessThanOrEqual(1e-6);
        expect(Array.from(out.subarray(n))).toEqual([5, 5, 5, 5]);
        c.reset(m);
      });
    }
  }
});

describe('scores_f32, scores_q8, topk_f32', () => {
  it('scores every row: dot / norm, and int8 dots times both scales exactly', () => {
    const m = c.mark(), rows = 7, n = 5, stride = 8;
    const mat = randArray(rows * stride), q = randArray(n), inv = randArray(rows);
    const pm = c.alloc(rows * stride * 4), pq = c.alloc(32), pi = c.alloc(rows * 4), out = c.alloc(rows * 4);
    c.f32(pm, rows * stride).set(mat);
    c.f32(pq, n).set(q);
    c.f32(pi, rows).set(inv);
    c.ex.scores_f32(out, pm, rows, n, stride, pq, pi);
    const s = c.f32(out, rows);
    for (let r = 0; r < rows; r++) {
      let ref = 0;
      for (let d = 0; d < n; d++) ref += mat[r * stride + d] * q[d];
      expect(Math.abs(s[r] - ref * inv[r])).toBeLessThanOrEqual(1e-6);
    }
    const n8 = 32, m8 = Int8Array.from({ length: rows * n8 }, () => Math.round(rand() * 127)), q8 = Int8Array.from({ length: n8 }, () => Math.round(rand() * 127));
    const p8 = c.alloc(rows * n8), pq8 = c.alloc(n8), scales = c.alloc(rows * 4);
    new Int8Array(c.ex.memory.buffer, p8, rows * n8).set(m8);
    new Int8Array(c.ex.memory.buffer, pq8, n8).set(q8);
    c.f32(scales, rows).set(inv);
    c.ex.scores_q8(out, p8, scales, rows, n8, n8, pq8, 0.5);
    for (let r = 0; r < rows; r++) {
      let dot = 0;
      for (let d = 0; d < n8; d++) dot += m8[r * n8 + d] * q8[d];
      expect(c.f32(out, rows)[r]).toBe(Math.fround(Math.fround(dot * inv[r]) * 0.5));
    }
    c.reset(m);
  });

  for (const [n, k] of [[0, 3], [1, 1], [5, 0], [17, 4], [17, 17], [17, 20], [1000, 10]]) {
    it(`n=${n} k=${k}: the k largest, best first, ties by index, NaN and -Infinity never`, () => {
      const m = c.mark();
      const s = Float32Array.from({ length: n }, (_, i) => (i % 7 === 3 ? NaN : i % 11 === 5 ? -Infinity : Math.round(rand() * 8) / 8));
      const ps = c.alloc(n * 4 + 4), idx = c.alloc(k * 4 + 4), val = c.alloc(k * 4 + 4);
      c.f32(ps, n).set(s);
      const got = c.ex.topk_f32(idx, val, ps, n, k);
      const want = [...s.keys()].filter((i) => s[i] > -Infinity).sort((a, b) => s[b] - s[a] || a - b).slice(0, k);
      expect(got).toBe(want.length);
      expect(Array.from(c.i32(idx, got))).toEqual(want);
      expect(Array.from(c.f32(val, got))).toEqual(want.map((i) => s[i]));
      c.reset(m);
    });
  }
});

/** The word2vec update of word2vec.c / gensim, scalar, on its own copy of the weights and the same LCG. */
function reference(o: { V: number; D: number; window: number; negative: number; hs: boolean; sg: boolean; mean: boolean },
  w: { syn0: Float64Array; syn1: Float64Array; syn1neg: Float64Array }, words: number[], bounds: number[], alpha0: number, alpha1: number,
  cum: Uint32Array, tree: { at: number[]; codes: number[]; points: number[] }, seed: bigint, exp: Float32Array): void {
  const { V, D, window } = o;
  let state = seed, windows = seed ^ 0x5deece66dn; // noise words; dynamic windows
  const lcg = (s: bigint) => (s * 25214903917n + 11n) & 0xffffffffffffn;
  const next = () => {
    const r = Number(state >> 16n);
    state = lcg(state);
    return r;
  };
  const nextWindow = () => {
    const r = Number(windows >> 16n);
    windows = lcg(windows);
    return r;
  };
  const grad = (f: number, label: number, alpha: number) =>
    f <= -6 || f >= 6 ? 0 : (label - exp[Math.trunc((Math.fround(f) + 6) * 83)]) * alpha; // word2vec.c's integer 1000 / 6 / 2
  /** work (zeroed first) and the output rows of one prediction: the Huffman path (hs), or the target and noise words */
  const predict = (h: Float64Array, target: number, alpha: number, work: Float64Array, hs: boolean) => {
    work.fill(0);
    const step = (out: Float64Array, row: number, label: number) => {
      let f = 0;
      for (let d = 0; d < D; d++) f += h[d] * out[row * D + d];
      const g = grad(f, label, alpha);
      if (g === 0) return;
      for (let d = 0; d < D; d++) work[d] += g * out[row * D + d];
      for (let d = 0; d < D; d++) out[row * D + d] += g * h[d];
    };
    if (hs) {
      for (let b = tree.at[target]; b < tree.at[target + 1]; b++) step(w.syn1, tree.points[b], 1 - tree.codes[b]);
      return;
    }
    for (let d = 0; d <= o.negative; d++) {
      let t = target;
      if (d > 0) {
        const x = Number(state >> 16n) % cum[V - 1];
        next();
        t = cum.findIndex((cv) => cv >= x);
        if (t === target) continue;
      }
      step(w.syn1neg, t, d === 0 ? 1 : 0);
    }
  };
  // gensim trains hs first, then negative sampling, each from the vectors as the other left them
  const parts = [...(o.hs ? [true] : []), ...(o.negative ? [false] : [])];
  const total = bounds[bounds.length - 1] - bounds[0];
  for (let s = 0; s + 1 < bounds.length; s++) {
    const alpha = alpha0 + ((alpha1 - alpha0) * (bounds[s] - bounds[0])) / total;
    const sent = words.slice(bounds[s], bounds[s + 1]), n = sent.length;
    for (let i = 0; i < n; i++) {
      const b = nextWindow() % window, j0 = Math.max(0, i - window + b), j1 = Math.min(n, i + window + 1 - b);
      if (o.sg) {
        for (let j = j0; j < j1; j++) {
          if (j === i) continue;
          for (const hs of parts) {
            const h = w.syn0.slice(sent[j] * D, sent[j] * D + D), work = new Float64Array(D);
            predict(h, sent[i], alpha, work, hs);
            for (let d = 0; d < D; d++) w.syn0[sent[j] * D + d] += work[d];
          }
        }
        continue;
      }
      const ctx = [];
      for (let j = j0; j < j1; j++) if (j !== i) ctx.push(sent[j]);
      for (const hs of parts) {
        const h = new Float64Array(D);
        for (const cw of ctx) for (let d = 0; d < D; d++) h[d] += w.syn0[cw * D + d];
        if (o.mean && ctx.length) for (let d = 0; d < D; d++) h[d] /= ctx.length;
        const work = new Float64Array(D);
        predict(h, sent[i], alpha, work, hs); // without context too: its noise words are still drawn
        if (!o.mean && ctx.length) for (let d = 0; d < D; d++) work[d] /= ctx.length;
        for (const cw of ctx) for (let d = 0; d < D; d++) w.syn0[cw * D + d] += work[d];
      }
    }
  }
}

describe('w2v_train_f32 against the scalar reference', () => {
  const V = 9, D = 6, DP = 8; // rows padded to 8: the padding must stay 0
  const words = [0, 1, 2, 3, 0, 4, 5, 1, 0, 6, 7, 8, 2, 0, 1, 1, 3, 5, 0, 2, 4];
  const bounds = [0, 7, 8, 15, 21]; // one sentence of a single word: no context
  const counts = [6, 4, 3, 2, 2, 2, 1, 1, 1];
  // Huffman paths written out for these counts (any prefix tree exercises the kernel the same way)
  const tree = { at: [0, 2, 4, 6, 8, 10, 12, 15, 18, 20], codes: [0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1], points: [7, 6, 7, 6, 7, 5, 7, 5, 7, 4, 7, 4, 7, 3, 2, 7, 3, 2, 7, 3] };
  const cum = new Uint32Array(V);
  let z = 0, acc = 0;
  for (const k of counts) z += k ** 0.75;
  counts.forEach((k, i) => (cum[i] = Math.round(((acc += k ** 0.75) / z) * (2 ** 31 - 1))));
  const exp = Float32Array.from({ length: 1000 }, (_, i) => {
    const e = Math.exp(((i / 1000) * 2 - 1) * 6);
    return e / (e + 1);
  });
  for (const [name, o] of [
    ['CBOW mean, negative 3', { sg: false, hs: false, negative: 3, mean: true }],
    ['CBOW sum, hs', { sg: false, hs: true, negative: 0, mean: false }],
    ['skip-gram, negative 2', { sg: true, hs: false, negative: 2, mean: true }],
    ['skip-gram, hs and negative 1', { sg: true, hs: true, negative: 1, mean: true }],
    ['CBOW mean, hs and negative 2', { sg: false, hs: true, negative: 2, mean: true }],
  ] as const) {
    it(name, () => {
      const m = c.mark(), k = c.k, window = 3, seed = 0x123456789abn;
      const syn0 = randArray(V * D).map((x) => x * 0.5), syn1 = randArray(V * D).map((x) => x * 0.5), syn1neg = randArray(V * D).map((x) => x * 0.5);
      const padded = (a: Float32Array) => {
        const p = c.alloc(V * DP * 4), v = c.f32(p, V * DP).fill(0);
        for (let i = 0; i < V; i++) v.set(a.subarray(i * D, i * D + D), i * DP);
        return p;
      };
      const put = (a: Int32Array | Uint32Array | Uint8Array | Float32Array) => {
        const p = c.alloc(a.byteLength + 4);
        new Uint8Array(c.ex.memory.buffer, p, a.byteLength).set(new Uint8Array(a.buffer));
        return p;
      };
      const cfg = c.alloc(k.W2V_WORDS * 4);
      c.i32(cfg, k.W2V_WORDS).fill(0);
      const p0 = padded(syn0), p1 = padded(syn1), pn = padded(syn1neg);
      const fields: [number, number][] = [
        [k.W2V_DIM, D], [k.W2V_DP, DP], [k.W2V_SYN0, p0], [k.W2V_SYN1, o.hs ? p1 : 0], [k.W2V_SYN1NEG, o.negative ? pn : 0],
        [k.W2V_NEGATIVE, o.negative], [k.W2V_SG, o.sg ? 1 : 0], [k.W2V_CBOW_MEAN, o.mean ? 1 : 0], [k.W2V_WINDOW, window], [k.W2V_SHRINK, 1],
        [k.W2V_CUM, put(cum)], [k.W2V_VOCAB, V], [k.W2V_SAMPLE, 0], [k.W2V_CODE_AT, put(Int32Array.from(tree.at))],
        [k.W2V_CODES, put(Uint8Array.from(tree.codes))], [k.W2V_POINTS, put(Int32Array.from(tree.points))], [k.W2V_EXP, put(exp)],
        [k.W2V_NEU1, c.alloc(DP * 4)], [k.W2V_WORK, c.alloc(DP * 4)], [k.W2V_SENT, c.alloc(k.W2V_MAX_SENTENCE * 4)],
        [k.W2V_ENDS, c.alloc(k.W2V_MAX_SENTENCE * 4 + 4)], [k.W2V_ALPHAS, c.alloc(k.W2V_MAX_SENTENCE * 4 + 4)],
      ];
      const pw = put(Int32Array.from(words)), pb = put(Int32Array.from(bounds));
      const cv = c.i32(cfg, k.W2V_WORDS);
      for (const [f, v] of fields) cv[f] = v;
      new BigUint64Array(c.ex.memory.buffer, cfg + k.W2V_RANDOM * 4, 1)[0] = seed;
      new BigUint64Array(c.ex.memory.buffer, cfg + k.W2V_RANDOM_WINDOW * 4, 1)[0] = seed ^ 0x5deece66dn;
      const kept = c.ex.w2v_train_f32(cfg, pw, pb, 0, bounds.length - 1, 0.05, 0.01);
      expect(kept).toBe(words.length); // no subsampling
      const w = { syn0: Float64Array.from(syn0), syn1: Float64Array.from(syn1), syn1neg: Float64Array.from(syn1neg) };
      reference({ V, D, window, ...o }, w, words, bounds, 0.05, 0.01, cum, tree, seed, exp);
      for (const [p, ref, what] of [[p0, w.syn0, 'syn0'], [p1, w.syn1, 'syn1'], [pn, w.syn1neg, 'syn1neg']] as const) {
        const got = c.f32(p, V * DP);
        let changed = 0;
        for (let i = 0; i < V; i++) {
          for (let d = 0; d < DP; d++) {
            if (d >= D) expect(got[i * DP + d], `${what} padding`).toBe(0);
            else {
              expect(Math.abs(got[i * DP + d] - ref[i * D + d]), `${what}[${i}, ${d}]`).toBeLessThanOrEqual(1e-5);
              if (Math.abs(ref[i * D + d] - (what === 'syn0' ? syn0 : what === 'syn1' ? syn1 : syn1neg)[i * D + d]) > 1e-4) changed++;
            }
          }
        }
        const used = what === 'syn0' || (what === 'syn1' ? o.hs : o.negative > 0);
        if (used) expect(changed, `${what} was trained`).toBeGreaterThan(0);
        else expect(changed, `${what} is not used`).toBe(0);
      }
      c.reset(m);
    });
  }
});

describe('w2v_train_f32 against gensim 4.2 itself (one epoch, its initial vectors, tables and random seed)', () => {
  const exp = Float32Array.from({ length: 1000 }, (_, i) => {
    const e = Math.fround(Math.exp(Math.fround(Math.fround(i / 1000) * 2 - 1) * 6)); // as gensim fills EXP_TABLE, in float32
    return e / (e + 1);
  });
  const cases = readdirSync(fixturePath('word2vec/steps')).flatMap((name) => [[name, false], ...(name.includes('neg') ? [[name, true]] : [])] as [string, boolean][]);
  for (const [name, guided] of cases) {
    it(`${name}${guided ? ', noise words found through the guide table' : ''}`, () => {
      const r = json(`word2vec/steps/${name}/case.json`), o = r.options, k = c.k, m = c.mark();
      const V = r.V as number, D = o.vector_size as number, DP = (D + 3) & ~3;
      const put = (a: Int32Array | Uint32Array | Uint8Array | Float32Array) => {
        const p = c.alloc(a.byteLength + 4);
        new Uint8Array(c.ex.memory.buffer, p, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
        return p;
      };
      const weights = (init?: Float32Array) => {
        const p = c.alloc(V * DP * 4), v = c.f32(p, V * DP).fill(0);
        if (init) for (let i = 0; i < V; i++) v.set(init.subarray(i * D, i * D + D), i * DP);
        return p;
      };
      const syn0 = weights(npy(`word2vec/steps/${name}/init.npy`).data as Float32Array);
      const syn1 = o.hs ? weights() : 0, syn1neg = o.negative ? weights() : 0;
      const at = [0], codes: number[] = [], points: number[] = [];
      for (let i = 0; o.hs && i < V; i++) {
        codes.push(...r.codes[i]);
        points.push(...r.points[i]);
        at.push(codes.length);
      }
      const ids = (r.ids as number[][]).flat(), bounds = [0];
      for (const s of r.ids as number[][]) bounds.push(bounds[bounds.length - 1] + s.length);
      const cfg = c.alloc(k.W2V_WORDS * 4);
      c.i32(cfg, k.W2V_WORDS).fill(0);
      const fields: [number, number][] = [
        [k.W2V_DIM, D], [k.W2V_DP, DP], [k.W2V_SYN0, syn0], [k.W2V_SYN1, syn1], [k.W2V_SYN1NEG, syn1neg], [k.W2V_NEGATIVE, o.negative],
        [k.W2V_SG, o.sg], [k.W2V_CBOW_MEAN, o.cbow_mean ?? 1], [k.W2V_WINDOW, o.window], [k.W2V_SHRINK, 0],
        [k.W2V_CUM, o.negative ? put(Uint32Array.from(r.cum)) : 0], [k.W2V_VOCAB, V], [k.W2V_SAMPLE, put(Uint32Array.from(r.sample))],
        [k.W2V_CODE_AT, put(Int32Array.from(at))], [k.W2V_CODES, put(Uint8Array.from(codes))], [k.W2V_POINTS, put(Int32Array.from(points))],
        [k.W2V_EXP, put(exp)], [k.W2V_NEU1, c.alloc(DP * 4)], [k.W2V_WORK, c.alloc(DP * 4)], [k.W2V_SENT, c.alloc(k.W2V_MAX_SENTENCE * 4)],
        [k.W2V_ENDS, c.alloc(k.W2V_MAX_SENTENCE * 4 + 4)], [k.W2V_ALPHAS, c.alloc(k.W2V_MAX_SENTENCE * 4 + 4)],
      ];
      if (guided) {
        const g = noiseGuide(Uint32Array.from(r.cum));
        fields.push([k.W2V_GUIDE, put(g.guide)], [k.W2V_GUIDE_SHIFT, g.shift]);
      }
      const pw = put(Int32Array.from(ids)), pb = put(Int32Array.from(bounds));
      for (const [f, v] of fields) c.i32(cfg, k.W2V_WORDS)[f] = v;
      new BigUint64Array(c.ex.memory.buffer, cfg + k.W2V_RANDOM * 4, 1)[0] = BigInt(r.seed);
      c.ex.w2v_train_f32(cfg, pw, pb, 0, bounds.length - 1, o.alpha, o.alpha);
      const unpad = (p: number) => {
        const v = c.f32(p, V * DP), out = new Float32Array(V * D);
        for (let i = 0; i < V; i++) out.set(v.subarray(i * DP, i * DP + D), i * D);
        return new Tensor('float32', out, [V, D]);
      };
      expectClose(unpad(syn0), npy(`word2vec/steps/${name}/syn0.npy`), `${name} vectors`);
      if (o.hs) expectClose(unpad(syn1), npy(`word2vec/steps/${name}/syn1.npy`), `${name} hs weights`);
      if (o.negative) expectClose(unpad(syn1neg), npy(`word2vec/steps/${name}/syn1neg.npy`), `${name} negative-sampling weights`);
      c.reset(m);
    });
  }
});

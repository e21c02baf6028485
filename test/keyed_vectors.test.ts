// test/keyed_vectors.test.ts: KeyedVectors against gensim's answers on the same vectors; vector files gensim wrote, read
// and written back byte for byte; streaming; and the errors of malformed files.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { KeyedVectors, Vocab, Vocabulary, formatFloat32, readVectors } from 'lstm-wasm/text';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, fixturePath, json, npy, readFixture, root } from './helpers';

const q = json('vectors/queries.json');
const bench = (f: string) => readFileSync(new URL(`bench/data/${f}`, root), 'utf8');
let kv: KeyedVectors;
beforeAll(async () => {
  kv = await KeyedVectors.load(fixturePath('vectors/kjv.bin'));
});

/** Same words in the same order, similarities within 1e-6 (float32 dot products summed in another order). */
function expectSimilar(ours: [string, number][], ref: [string, number][], what: string) {
  expect(ours.map(([w]) => w), what).toEqual(ref.map(([w]) => w));
  ours.forEach(([, s], i) => expect(Math.abs(s - ref[i][1]), `${what}: ${ref[i][0]}`).toBeLessThanOrEqual(1e-6));
}

describe('KeyedVectors against gensim 4.2 (vectors gensim trained on Genesis and Exodus)', () => {
  it('similarity', () => {
    expect(kv.size).toBe(1179);
    for (const [a, b, s] of q.similarity) expect(Math.abs(kv.similarity(a, b) - s), `${a} ${b}`).toBeLessThanOrEqual(1e-6);
  });

  it('mostSimilar (3CosAdd), with restrictVocab; similarByVector; mostSimilarCosmul (3CosMul)', () => {
    for (const c of q.most_similar) {
      const r = kv.mostSimilar(c.positive, c.negative, c.topn, c.restrict_vocab ? { restrictVocab: c.restrict_vocab } : {});
      expectSimilar(r, c.result, `most_similar(${c.positive} - ${c.negative})`);
    }
    expectSimilar(kv.similarByVector(Float32Array.from(q.similar_by_vector.vector), q.similar_by_vector.topn), q.similar_by_vector.result, 'similar_by_vector');
    for (const c of q.most_similar_cosmul) expectSimilar(kv.mostSimilarCosmul(c.positive, c.negative, c.topn), c.result, `cosmul(${c.positive} - ${c.negative})`);
    expect(kv.analogy('man', 'king', 'woman', 10)).toEqual(kv.mostSimilar(['king', 'woman'], ['man'], 10));
    expect(kv.mostSimilar('god', [], 0)).toEqual([]);
  });

  it('doesntMatch and rankByCentrality', () => {
    for (const [words, odd] of q.doesnt_match) expect(kv.doesntMatch(words)).toBe(odd);
    const r = kv.rankByCentrality(q.rank_by_centrality.words);
    expect(r.map(([, w]) => w)).toEqual(q.rank_by_centrality.result.map(([, w]: [number, string]) => w));
    r.forEach(([s], i) => expect(Math.abs(s - q.rank_by_centrality.result[i][0])).toBeLessThanOrEqual(1e-6));
  });

  it('evaluateWordPairs on WordSim-353 and SimLex-999; evaluateWordAnalogies on questions-words.txt', () => {
    for (const [file, ref] of Object.entries(q.evaluate_word_pairs) as [string, { pearson: number; spearman: number; oov: number }][]) {
      const r = kv.evaluateWordPairs(bench(file));
      expect(Math.abs(r.pearson - ref.pearson), `${file} pearson`).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(r.spearman - ref.spearman), `${file} spearman`).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(r.oovRatio - ref.oov), `${file} oov`).toBeLessThanOrEqual(1e-9);
    }
    const a = kv.evaluateWordAnalogies(bench('questions-words.txt'));
    expect(a.sections).toEqual(q.evaluate_word_analogies.sections);
    expect(a.score).toBeCloseTo(q.evaluate_word_analogies.score, 12);
  });

  it('int8 search finds the same nearest words (candidates by int8 scores, order by exact cosines)', async () => {
    const k8 = await KeyedVectors.load(fixturePath('vectors/kjv.bin'), { search: 'int8' });
    for (const c of q.most_similar) {
      expectSimilar(k8.mostSimilar(c.positive, c.negative, c.topn, c.restrict_vocab ? { restrictVocab: c.restrict_vocab } : {}), c.result, 'int8');
    }
    expect(k8.similarity('god', 'lord')).toBe(kv.similarity('god', 'lord'));
  });

  it('names an unknown word and suggests near spellings', async () => {
    await expectError(() => kv.mostSimilar('mosess'), 'INPUT', /"mosess" is not in the vectors \(1179 words\); nearest spellings: "moses"/);
    await expectError(() => kv.similarity('god', 'Pharaoh'), 'INPUT', /"Pharaoh" is not in the vectors .*nearest spellings: "pharaoh"/);
    await expectError(() => kv.doesntMatch(['moses', 'qwertyuiop']), 'INPUT', /"qwertyuiop" is not in the vectors \(1179 words\); no word in it is spelled near it/);
    await expectError(() => kv.mostSimilar([]), 'INPUT', /give at least one word/);
    await expectError(() => kv.mostSimilar('god', [], 10, { restrictVocab: 0 }), 'OPTION', /restrictVocab must be a positive integer/);
    await expectError(() => kv.similarByVector(new Float32Array(3)), 'INPUT', /expected a vector of 32 numbers, got 3/);
    await expectError(() => KeyedVectors.create(['a', 'a'], new Float32Array(4)), 'INPUT', /the word "a" appears twice/);
    await expectError(() => KeyedVectors.create(['a', 'b'], new Float32Array(5)), 'INPUT', /5 numbers do not make 2 equal rows/);
    await expectError(() => KeyedVectors.create(['a'], [NaN, 1]), 'INPUT', /the vector of "a" \(row 0\) is not finite/);
  });
});

describe('embeddingMatrix: weights of an embedding layer for a vocabulary', () => {
  it('puts each word\'s vector at its id, zeros at padding, zeros or seeded random rows for words without a vector', () => {
    const vocab = Vocab.fromJSON({ words: ['<pad>', '<unk>', 'Moses', 'egypt', 'zebra'], pad: 0, unknown: 1 });
    const e = kv.embeddingMatrix(vocab);
    expect(e.dims).toEqual([5, 32]);
    expect(e.missing).toEqual(['<unk>', 'zebra']);
    expect(Array.from(e.weights.subarray(0, 32))).toEqual(new Array(32).fill(0));
    expect(e.weights.subarray(64, 96)).toEqual(kv.getVector('moses'));
    expect(e.weights.subarray(96, 128)).toEqual(kv.getVector('egypt'));
    const r = kv.embeddingMatrix(vocab, { missing: 'random', seed: 4, scale: 0.1 });
    expect(r.weights.subarray(0, 32).every((x) => x === 0)).toBe(true);
    expect(r.weights.subarray(128).every((x) => Math.abs(x) <= 0.1) && r.weights.subarray(128).some((x) => x !== 0)).toBe(true);
    expect(kv.embeddingMatrix(vocab, { missing: 'random', seed: 4, scale: 0.1 }).weights).toEqual(r.weights);
    expect(kv.embeddingMatrix(vocab, { lowercase: false }).missing).toEqual(['<unk>', 'Moses', 'zebra']);
    const v = Vocabulary.build(['moses and aaron'], { specials: ['pad'] });
    expect(kv.embeddingMatrix(v).missing).toEqual([]);
    expect(kv.embeddingMatrix(['aaron']).weights).toEqual(kv.getVector('aaron'));
  });
});

describe('vector files written by gensim', () => {
  const words = json<string[]>('vectors/small.json'), v = npy('vectors/small.npy').data as Float32Array;
  const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

  for (const [file, format] of [['small.txt', 'word2vec-text'], ['small.bin', 'word2vec-binary'], ['small.noheader.txt', 'glove'], ['small.c.bin', 'word2vec-binary']] as const) {
    it(`${file}: read (format detected, and given) to the same words and float32 bits`, async () => {
      for (const options of [{}, { format }]) {
        const r = await readVectors(fixturePath(`vectors/${file}`), options);
        expect(r.keys).toEqual(words);
        expect(bits(r.vectors)).toEqual(bits(v));
      }
    });
  }

  it('written back byte for byte: text as numpy prints float32, binary, GloVe (no header), fastText .vec', async () => {
    const small = await KeyedVectors.create(words, v);
    expect(small.toBytes('word2vec-text')).toEqual(readFixture('vectors/small.txt'));
    expect(small.toBytes('fasttext')).toEqual(readFixture('vectors/small.txt'));
    expect(small.toBytes('word2vec-binary')).toEqual(readFixture('vectors/small.bin'));
    expect(small.toBytes('glove')).toEqual(readFixture('vectors/small.noheader.txt'));
    expect(kv.toBytes('word2vec-binary')).toEqual(readFixture('vectors/kjv.bin'));
    expect([1e-5, 1e-45, -0, 3.4e38, 16777216, 1e16, 0.1, 9.536743e-7].map((x) => formatFloat32(Math.fround(x))))
      .toEqual(['1e-05', '1e-45', '-0.0', '3.4e+38', '16777216.0', '1e+16', '0.1', '9.536743e-07']);
  });

  it('streams: a file in chunks of 1 to 7 bytes reads the same; a file past 1 MiB chunks through a path; limit', async () => {
    const bytes = readFixture('vectors/small.bin');
    async function* drip() {
      for (let i = 0, n = 1; i < bytes.length; i += n, n = (n % 7) + 1) yield bytes.slice(i, i + n);
    }
    const r = await readVectors(drip(), { format: 'word2vec-binary' });
    expect(bits(r.vectors)).toEqual(bits(v));
    mkdirSync(new URL('out/vectors/', root), { recursive: true });
    const n = 3000, D = 64, keys = Array.from({ length: n }, (_, i) => `w${i}é`), big = Float32Array.from({ length: n * D }, (_, i) => Math.sin(i) * 3);
    const kvBig = await KeyedVectors.create(keys, big);
    for (const format of ['word2vec-text', 'word2vec-binary', 'glove'] as const) {
      const path = new URL(`out/vectors/big.${format}`, root).pathname;
      await kvBig.save(path, format);
      const back = await KeyedVectors.load(path, { format });
      expect(back.keys).toEqual(keys);
      expect(bits(back.vectors)).toEqual(bits(big));
      expect((await readVectors(path, { format, limit: 10 })).keys).toEqual(keys.slice(0, 10));
    }
  });

  it('says what is wrong with a malformed file', async () => {
    const text = (s: string | Uint8Array) => (typeof s === 'string' ? new TextEncoder().encode(s) : s);
    const bad = (s: string | Uint8Array, re: RegExp, options = {}) => expectError(() => readVectors(text(s), { name: 'v.txt', ...options }), 'FORMAT', re);
    await bad('', /v\.txt: the file is empty/);
    await bad('3 x\na 1 2\n', /v\.txt: line 1 should be the header "<words> <dimensions>", found "3 x"/, { format: 'word2vec-text' });
    await bad('2 3\na 1 2 3\n', /the header announces 2 vectors but the file ends after 1/);
    await bad('2 3\na 1 2 3\nb 1 2\n', /line 3 \("b"\) has 2 numbers, expected 3/);
    await bad('1 2\na 1 x\n', /line 2 \("a"\): number 2 is "x", not a finite number/);
    await bad('1 2\na 1 2\nb 3 4\n', /line 3: more lines than the 1 vectors the header announces/);
    await bad('2 2\na 1 2\n\nb 1 2\n', /line 3 is empty/);
    await bad('a 1 2\nb 1 2 3\n', /line 2 \("b"\) has 3 numbers, expected 2/);
    await bad(Uint8Array.from([...text('1 2\n'), 0x61, 0xff, 0x20, 0x31, 0x20, 0x32, 0x0a]), /line 2 is not valid UTF-8/, { format: 'word2vec-text' });
    const rec = (w: number[], floats: number) => [...w, 0x20, ...new Uint8Array(new Float32Array(floats).buffer)];
    await bad(Uint8Array.from([...text('1 2\n'), ...rec([0x61, 0xc3], 2)]), /vector 1: its word is not valid UTF-8 \(bytes 61 c3\)/, { format: 'word2vec-binary' });
    await bad(Uint8Array.from([...text('2 2\n'), ...rec([0x61], 2), ...rec([0x62], 1)]), /vector 2 \("b"\): the file ends inside its 2 float32 numbers/, { format: 'word2vec-binary' });
    await bad(Uint8Array.from([...text('1 2\n'), ...rec([0x61], 2), 0x62]), /more bytes after the 1 vectors the header announces/, { format: 'word2vec-binary' });
    await bad('0 5\n', /the header announces 0 vectors of 5 numbers; both must be positive/);
    await expectError(() => readVectors(fixturePath('vectors/none.bin')), 'IO', /cannot read .*none\.bin: ENOENT/);
    writeFileSync(new URL('out/vectors/not-vectors.bin', root), '{"json": true}\n');
    await expectError(() => KeyedVectors.load(new URL('out/vectors/not-vectors.bin', root).pathname), 'FORMAT', /line 1 should be the header/);
  });
});

// test/text.test.ts: tokenizer and vocabulary rules; count / TF-IDF / one-hot / co-occurrence against scikit-learn and scipy.
import { CountVectorizer, CsrMatrix, TfidfVectorizer, Tokenizer, Vocab, Vocabulary, compareCodePoints, cooccurrenceMatrix, oneHot } from 'lstm-wasm/text';
import { describe, expect, it } from 'vitest';
import { expectError, json } from './helpers';

interface Csr { shape: [number, number]; indptr: number[]; indices: number[]; data: number[] }
const ref = json<{
  docs: string[]; other: string[];
  cases: { name: string; kind: 'count' | 'tfidf'; options: object; features: string[]; fit: Csr; transform: Csr; idf?: number[] }[];
  onehot: { ids: number[]; size: number; matrix: Csr };
  cooccurrence: { size: number; sentences: number[][]; cases: { options: object; matrix: Csr }[] };
}>('text/sklearn.json');

/** Same sparsity pattern exactly; values within `tol` relative (0: equal). */
function expectCsr(m: CsrMatrix, r: Csr, what: string, tol = 0): void {
  expect(m.shape, `${what}: shape`).toEqual(r.shape);
  expect(Array.from(m.indptr), `${what}: indptr`).toEqual(r.indptr);
  expect(Array.from(m.indices), `${what}: indices`).toEqual(r.indices);
  for (let k = 0; k < r.data.length; k++) {
    const err = Math.abs(m.data[k] - r.data[k]) / Math.max(1, Math.abs(r.data[k]));
    if (!(err <= tol)) expect.fail(`${what}: value ${k} is ${m.data[k]}, scikit-learn ${r.data[k]}`);
  }
}

describe('Tokenizer', () => {
  it('normalizes to NFC, lower-cases, keeps letters, marks, digits and inner apostrophes', () => {
    const t = new Tokenizer();
    expect(t.tokenize("The LORD's café (cafe\u0301) — ΟΔΟΣ, naïve 42 don’t _x_ straße")).toEqual(
      ["the", "lord's", 'café', 'café', 'οδος', 'naïve', '42', 'don’t', 'x', 'straße']);
    expect(t.tokenize('हिन्दी भाषा 東京都')).toEqual(['हिन्दी', 'भाषा', '東京都']); // marks stay inside words
    expect(t.tokenize("'quoted' rock'n'roll")).toEqual(['quoted', "rock'n'roll"]);
    expect(new Tokenizer({ lowercase: false, normalize: false }).tokenize('Cafe\u0301')).toEqual(['Cafe\u0301']);
    expect(new Tokenizer({ pattern: 'whitespace' }).tokenize(' a,b  C. ')).toEqual(['a,b', 'c.']);
    expect(new Tokenizer({ pattern: 'sklearn' }).tokenize("I don't x_1 a")).toEqual(['don', 'x_1']);
    expect(t.sentences('In the beginning\n\r\nGod created.\r\n')).toEqual([['in', 'the', 'beginning'], ['god', 'created']]);
  });

  it('refuses bad options', async () => {
    await expectError(() => new Tokenizer({ pattern: '(' }), 'OPTION', /tokenizer pattern "\(" is not a regular expression/);
    await expectError(() => new Tokenizer({ pattern: 'a*' }), 'OPTION', /matches the empty string/);
    await expectError(() => new Tokenizer({ lower: true } as object), 'OPTION', /unknown tokenizer option 'lower'/);
    await expectError(() => new Tokenizer({ normalize: 'NFD' as 'NFC' }), 'OPTION', /normalize must be 'NFC', 'NFKC' or false/);
  });
});

describe('Vocabulary', () => {
  const corpus = ['the cat sat on the mat', 'the dog sat', 'a cat and a dog and the bird'];

  it('puts the special tokens first, then words by count (ties: first seen), with min count and max size', () => {
    const v = Vocabulary.build(corpus);
    expect(v.words.slice(0, 8)).toEqual(['<pad>', '<unk>', '<bos>', '<eos>', 'the', 'cat', 'sat', 'dog']);
    expect([v.pad, v.unknown, v.bos, v.eos]).toEqual([0, 1, 2, 3]);
    expect(v.counts[4]).toBe(4);
    const m = Vocabulary.build(corpus, { minCount: 2, specials: ['unknown'] });
    expect(m.words).toEqual(['<unk>', 'the', 'cat', 'sat', 'dog', 'a', 'and']);
    expect(Vocabulary.build(corpus, { maxSize: 6 }).words).toEqual(['<pad>', '<unk>', '<bos>', '<eos>', 'the', 'cat']);
    expect(Array.from(v.encode('The cat flew', { bos: true, eos: true }))).toEqual([2, 4, 5, 1, 3]);
    expect(v.decode([4, 5, 1])).toEqual(['the', 'cat', '<unk>']);
    expect(Vocabulary.build([['x', 'y', 'x']], { specials: [] }).words).toEqual(['x', 'y']);
  });

  it('saves and loads JSON; the same file is a model Vocab', () => {
    const v = Vocabulary.build(corpus, { minCount: 1 });
    const text = JSON.stringify(v);
    const back = Vocabulary.fromJSON(JSON.parse(text));
    expect(back.words).toEqual(v.words);
    expect(Array.from(back.counts)).toEqual(Array.from(v.counts));
    expect(Array.from(back.encode('the bird flew', { eos: true }))).toEqual(Array.from(v.encode('the bird flew', { eos: true })));
    const vocab = Vocab.fromJSON(JSON.parse(text));
    expect(vocab.encode('The cat, the BIRD; a zebra')).toEqual(Array.from(v.encode('The cat, the BIRD; a zebra')));
    expect(v.toVocab().decode([4, 5])).toBe('the cat');
  });

  it('names an unknown word and suggests near spellings when there is no <unk>', async () => {
    const v = Vocabulary.build(['abraham abram sarah sarai isaac ishmael'], { specials: [] });
    await expectError(() => v.encode(['abrahm']), 'INPUT', /"abrahm" is not in the vocabulary \(6 words\); nearest spellings: "abraham", "abram"/);
    await expectError(() => v.encode(['zzzzzz']), 'INPUT', /no word in it is spelled near it/);
    await expectError(() => v.encode(['x'], { bos: true }), 'OPTION', /bos asked but the vocabulary has no <bos> token/);
    await expectError(() => Vocabulary.build(corpus, { maxSize: 3 }), 'OPTION', /maxSize 3 leaves no room for the 4 special tokens/);
    await expectError(() => Vocabulary.build(corpus, { min_count: 2 } as object), 'OPTION', /unknown vocabulary option 'min_count'/);
    await expectError(() => Vocabulary.fromJSON({ words: ['a', 'a'] }), 'FORMAT', /"a" appears twice/);
    await expectError(() => Vocabulary.load(new TextEncoder().encode('{"words": [')), 'FORMAT', /not UTF-8 JSON/);
    await expectError(() => Vocabulary.load(Uint8Array.from([0x7b, 0xff, 0x7d])), 'FORMAT', /not UTF-8 JSON/);
  });
});

describe('vectorizers against scikit-learn ' + ref.cases.length + ' cases', () => {
  for (const c of ref.cases) {
    it(c.name, () => {
      const v = c.kind === 'count' ? new CountVectorizer(c.options) : new TfidfVectorizer(c.options);
      const tol = c.kind === 'count' ? 0 : 1e-12; // counts exact; float64 weights to rounding
      expectCsr(v.fitTransform(ref.docs), c.fit, `${c.name} fit_transform`, tol);
      expect(v.featureNames).toEqual(c.features);
      expectCsr(v.transform(ref.other), c.transform, `${c.name} transform`, tol);
      if (c.idf) Array.from((v as TfidfVectorizer).idf).forEach((x, i) => expect(Math.abs(x - c.idf![i])).toBeLessThanOrEqual(1e-12 * c.idf![i]));
    });
  }

  it('sorts terms by code point as Python does, not by UTF-16 unit', () => {
    expect(['ｗ', '𐌰', 'z', 'é'].sort(compareCodePoints)).toEqual(['z', 'é', 'ｗ', '𐌰']);
    expect(['ｗ', '𐌰'].sort()).toEqual(['𐌰', 'ｗ']); // what JavaScript's own sort does
  });

  it('one-hot rows equal OneHotEncoder', () => {
    expectCsr(oneHot(ref.onehot.ids, ref.onehot.size), ref.onehot.matrix, 'one-hot');
  });

  it('says what is wrong', async () => {
    await expectError(() => new CountVectorizer().fitTransform(['a b c', '. ,']), 'INPUT', /empty vocabulary: the documents have no tokens/);
    await expectError(() => new CountVectorizer({ minDf: 3 }).fitTransform(['aa bb', 'aa cc']), 'INPUT', /after pruning no terms remain/);
    await expectError(() => new CountVectorizer({ minDf: 2, maxDf: 1 }).fitTransform(['aa bb']), 'OPTION', /maxDf \(1 documents\) is below minDf \(2 documents\)/);
    await expectError(() => new CountVectorizer({ ngramRange: [2, 1] }), 'OPTION', /ngramRange must be \[min_n, max_n\]/);
    await expectError(() => new CountVectorizer({ maxDf: 1.5 }), 'OPTION', /maxDf must be a document count \(integer\) or a share of documents in \(0, 1\)/);
    await expectError(() => new CountVectorizer({ ngram_range: [1, 2] } as object), 'OPTION', /unknown vectorizer option 'ngram_range'/);
    await expectError(() => new TfidfVectorizer({ norm: 'max' as 'l1' }), 'OPTION', /norm must be 'l1', 'l2' or null/);
    await expectError(() => new CountVectorizer().transform(['x']), 'INPUT', /not fitted yet/);
    await expectError(() => new CountVectorizer().fitTransform('one string' as unknown as string[]), 'INPUT', /got one string/);
    await expectError(() => oneHot([0, 5], 5), 'INPUT', /oneHot: id 5 at 1 is outside 0\.\.4/);
  });
});

describe('co-occurrence matrix', () => {
  const cc = ref.cooccurrence;
  for (const c of cc.cases) {
    it(`equals scipy.sparse's shifted-pair sum: ${JSON.stringify(c.options)}`, () => {
      expectCsr(cooccurrenceMatrix(cc.sentences, cc.size, c.options), c.matrix, JSON.stringify(c.options), 1e-15);
    });
  }

  it('refuses ids outside the vocabulary and bad options', async () => {
    await expectError(() => cooccurrenceMatrix([[0, 1], [2, 9]], 5), 'INPUT', /sentence 1: id 9 at 1 is outside 0\.\.4/);
    await expectError(() => cooccurrenceMatrix([[0]], 5, { window: 0 }), 'OPTION', /window must be an integer >= 1/);
    await expectError(() => cooccurrenceMatrix([[0]], 5, { weighting: 'linear' as 'uniform' }), 'OPTION', /weighting must be 'uniform' or 'harmonic'/);
  });
});

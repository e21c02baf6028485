// test/cli_word2vec.test.ts: lstm-wasm word2vec / similar / analogy as a user runs them — the same vectors as the
// library, the same answers, progress on stderr, one-line errors.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { KeyedVectors, Word2Vec } from 'lstm-wasm/text';
import { describe, expect, it } from 'vitest';
import { fixturePath, root } from './helpers';

const bin = new URL('bin/lstm-wasm.js', root).pathname;
const dir = new URL('out/cli-word2vec/', root).pathname;
mkdirSync(dir, { recursive: true });
const corpus = fixturePath('word2vec/kjv_genesis_exodus.txt');

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: dir }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

describe('lstm-wasm word2vec, similar, analogy', () => {
  it('trains the vectors the library trains (same options, same seed), writes them and reports progress', async () => {
    const r = await cli('word2vec', corpus, '--out', 'kjv.bin', '--vector-size', '24', '--epochs', '3', '--sg', '--seed', '3', '--vocab-out', 'vocab.json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^epoch 1\/3 done, [\d.]+M words\/s, alpha 0\.01\d+$/), expect.stringMatching(/^epoch 2\/3 done/)]);
    const line = JSON.parse(r.stdout.trim());
    expect(line).toMatchObject({ file: 'kjv.bin', format: 'word2vec-binary', words: 1179, vectorSize: 24 });
    const sentences = readFileSync(corpus, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
    const lib = await Word2Vec.train(sentences, { vector_size: 24, epochs: 3, sg: 1, seed: 3 });
    const file = await KeyedVectors.load(`${dir}kjv.bin`);
    expect(file.keys).toEqual(lib.wv.keys);
    expect(file.vectors).toEqual(lib.wv.vectors);
    expect(JSON.parse(readFileSync(`${dir}vocab.json`, 'utf8')).counts.slice(0, 3)).toEqual(Array.from(lib.vocabulary.counts.slice(0, 3)));
    const t = await cli('word2vec', corpus, '--out', 'kjv.txt', '--vector-size', '8', '--epochs', '1', '--hs', '--workers', '2');
    expect(t.code, t.stderr).toBe(0);
    expect(readFileSync(`${dir}kjv.txt`, 'utf8').split('\n')[0]).toBe('1179 8');
  });

  it('similar and analogy print what KeyedVectors answers', async () => {
    const kv = await KeyedVectors.load(`${dir}kjv.bin`);
    const s = await cli('similar', 'kjv.bin', 'moses', '--topn', '4');
    expect(s.code, s.stderr).toBe(0);
    const want = kv.mostSimilar('moses', [], 4);
    expect(s.stdout.trim().split('\n').map((l) => l.split(/\s+/))).toEqual(want.map(([w, x]) => [w, x.toFixed(4)]));
    const a = await cli('analogy', 'kjv.bin', 'egypt', 'pharaoh', 'israel', '--topn', '3');
    const wa = kv.analogy('egypt', 'pharaoh', 'israel', 3);
    expect(a.stdout.trim().split('\n')[0]).toBe(`egypt : pharaoh :: israel : ${wa[0][0]}`);
    const j = await cli('analogy', 'kjv.bin', 'egypt', 'pharaoh', 'israel', '--topn', '3', '--cosmul', '--json');
    expect(JSON.parse(j.stdout).map((x: { word: string }) => x.word)).toEqual(kv.analogy('egypt', 'pharaoh', 'israel', 3, { cosmul: true }).map(([w]) => w));
    const m = await cli('similar', 'kjv.bin', 'king', 'woman', '--minus', 'man', '--topn', '2', '--int8');
    expect(m.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(kv.mostSimilar(['king', 'woman'], ['man'], 2).map(([w]) => w));
  });

  it('the bundled KJV vectors answer the analogies the README quotes', async () => {
    const v = new URL('examples/models/kjv-vectors/vectors.bin', root).pathname;
    const a = await cli('analogy', v, 'man', 'king', 'woman', '--topn', '3');
    expect(a.stdout.trim().split('\n')[0]).toBe('man : king :: woman : queen');
    const b = await cli('analogy', v, 'egypt', 'pharaoh', 'babylon', '--topn', '1');
    expect(b.stdout.trim().split('\n')[0]).toBe('egypt : pharaoh :: babylon : nebuchadnezzar');
    const s = await cli('similar', v, 'bread', '--topn', '3');
    expect(s.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['unleavened', 'eat', 'leavened']);
  });

  it('one-line errors: unknown word with near spellings, empty corpus, malformed vectors, bad options', async () => {
    const e = async (args: string[], re: RegExp) => {
      const r = await cli(...args);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim()).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    };
    await e(['similar', 'kjv.bin', 'mosess'], /^lstm-wasm: INPUT: "mosess" is not in the vectors \(1179 words\); nearest spellings: "moses"/);
    await e(['analogy', 'kjv.bin', 'egypt', 'pharoah', 'israel'], /INPUT: "pharoah" is not in the vectors .*nearest spellings: "pharaoh"/);
    writeFileSync(`${dir}empty.txt`, '\n . , ;\n\n');
    await e(['word2vec', 'empty.txt', '--out', 'e.bin'], /^lstm-wasm: INPUT: word2vec: the corpus is empty/);
    writeFileSync(`${dir}bad.txt`, '3 4\nab 1 2 3 4\ncd 1 2\n');
    await e(['similar', 'bad.txt', 'ab'], /^lstm-wasm: FORMAT: bad\.txt: line 3 \("cd"\) has 2 numbers, expected 4$/);
    await e(['word2vec', corpus, '--out', 'x.model'], /OPTION: cannot tell the format of x\.model from its extension/);
    await e(['word2vec', corpus], /OPTION: missing --out FILE/);
    await e(['word2vec', corpus, '--out', 'x.bin', '--window', 'wide'], /OPTION: --window must be a number, got 'wide'/);
    await e(['word2vec', 'none.txt', '--out', 'x.bin'], /IO: cannot read none\.txt: ENOENT/);
    await e(['analogy', 'kjv.bin', 'a', 'b'], /OPTION: give three words A B C/);
    writeFileSync(`${dir}latin1.txt`, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    await e(['word2vec', 'latin1.txt', '--out', 'l.bin'], /FORMAT: latin1\.txt: not valid UTF-8/);
  });
});

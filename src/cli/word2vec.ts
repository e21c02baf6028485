// cli/word2vec.ts: `lstm-wasm word2vec CORPUS --out FILE` — train word vectors on a text file; progress on stderr.
import { check } from '../errors.js';
import { readChunks, writeChunks } from '../io_stream.js';
import { Tokenizer } from '../text/tokenizer.js';
import type { VectorFormat } from '../text/vector_files.js';
import { Word2Vec, type Word2VecOptions, type Word2VecProgress } from '../text/word2vec.js';
import { type Io, num, parse } from './common.js';

export const WORD2VEC_USAGE =
  'lstm-wasm word2vec CORPUS --out FILE [--sg] [--hs] [--negative 5] [--vector-size 100] [--window 5] [--min-count 5] [--max-final-vocab N] ' +
  '[--sample 0.001] [--alpha 0.025] [--min-alpha 0.0001] [--epochs 5] [--seed 1] [--cbow-mean 1] [--workers 1] [--tokenize words|whitespace] [--keep-case] ' +
  '[--format word2vec-binary|word2vec-text|glove|fasttext] [--vocab-out vocab.json]';

/** Output formats by file extension. */
export function formatOf(path: string, given: unknown): VectorFormat {
  if (given !== undefined) {
    check(['word2vec-binary', 'word2vec-text', 'glove', 'fasttext'].includes(given as string), 'OPTION',
      `--format must be word2vec-binary, word2vec-text, glove or fasttext, got '${String(given)}'`);
    return given as VectorFormat;
  }
  const ext = /\.(bin|txt|vec)$/i.exec(path)?.[1].toLowerCase();
  check(ext, 'OPTION', `cannot tell the format of ${path} from its extension (.bin, .txt, .vec); give --format`);
  return ext === 'bin' ? 'word2vec-binary' : ext === 'vec' ? 'fasttext' : 'word2vec-text';
}

/** One token list per line of a UTF-8 file, read in chunks (the file is never one string). */
async function readSentences(path: string, tokenizer: Tokenizer): Promise<string[][]> {
  const out: string[][] = [], decoder = new TextDecoder('utf-8', { fatal: true });
  let rest = '', line = 0;
  const take = (text: string) => {
    const t = tokenizer.tokenize(text);
    line++;
    if (t.length) out.push(t);
  };
  try {
    for await (const chunk of readChunks(path)) {
      const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
      rest = lines.pop()!;
      lines.forEach(take);
    }
    take(rest + decoder.decode());
  } catch (e) {
    if (e instanceof TypeError) check(false, 'FORMAT', `${path}: not valid UTF-8 (after line ${line})`);
    throw e;
  }
  return out;
}

export async function word2vec(args: string[], io: Io): Promise<void> {
  const flags = ['negative', 'vector-size', 'window', 'min-count', 'max-final-vocab', 'sample', 'alpha', 'min-alpha', 'epochs', 'seed', 'cbow-mean', 'workers'];
  const parsed = parse(args, {
    out: { type: 'string' }, sg: { type: 'boolean' }, hs: { type: 'boolean' }, tokenize: { type: 'string' }, 'keep-case': { type: 'boolean' },
    format: { type: 'string' }, 'vocab-out': { type: 'string' }, ...Object.fromEntries(flags.map((f) => [f, { type: 'string' as const }])),
  });
  const positionals = parsed.positionals, values = parsed.values as typeof parsed.values & Record<string, string | undefined>;
  check(positionals.length === 1, 'OPTION', `${positionals.length ? `unexpected argument '${positionals[1]}'` : 'missing CORPUS'}; usage: ${WORD2VEC_USAGE}`);
  check(typeof values.out === 'string', 'OPTION', `missing --out FILE; usage: ${WORD2VEC_USAGE}`);
  const format = formatOf(values.out, values.format);
  const tokenize = values.tokenize ?? 'words';
  check(tokenize === 'words' || tokenize === 'whitespace', 'OPTION', `--tokenize must be words or whitespace, got '${tokenize}'`);
  const options: Word2VecOptions = { sg: values.sg ? 1 : 0, hs: values.hs ? 1 : 0 };
  if (values.hs && values.negative === undefined) options.negative = 0; // --hs alone: hierarchical softmax only
  for (const f of flags) {
    const v = num(values, f);
    if (v !== undefined) (options as Record<string, number>)[f.replace(/-/g, '_')] = v;
  }
  const sentences = await readSentences(positionals[0], new Tokenizer({ pattern: tokenize, lowercase: !values['keep-case'] }));
  const tty = Boolean((globalThis as { process?: { stderr?: { isTTY?: boolean } } }).process?.stderr?.isTTY);
  let lastEpoch = 0;
  options.progress = (p: Word2VecProgress) => {
    const rate = `${(p.wordsPerSecond / 1e6).toFixed(2)}M words/s`;
    if (tty) {
      const bar = '█'.repeat(Math.round(p.progress * 30)).padEnd(30, '·');
      (globalThis as unknown as { process: { stderr: { write(s: string): void } } }).process.stderr.write(
        `\r${bar} ${(p.progress * 100).toFixed(1).padStart(5)}%  epoch ${p.epoch}/${p.epochs}  alpha ${p.alpha.toFixed(5)}  ${rate}  ${Math.ceil(p.secondsLeft)} s left `);
    } else if (p.epoch !== lastEpoch && p.epoch > 1) {
      io.err(`epoch ${p.epoch - 1}/${p.epochs} done, ${rate}, alpha ${p.alpha.toFixed(5)}`);
    }
    lastEpoch = p.epoch;
  };
  const m = await Word2Vec.train(sentences, options);
  if (tty) (globalThis as unknown as { process: { stderr: { write(s: string): void } } }).process.stderr.write('\n');
  await m.wv.save(values.out, format);
  if (typeof values['vocab-out'] === 'string') {
    await writeChunks(values['vocab-out'], [new TextEncoder().encode(`${JSON.stringify(m.vocabulary)}\n`)]);
  }
  io.out(JSON.stringify({
    file: values.out, format, words: m.wv.size, vectorSize: m.wv.vectorSize, trainingWords: m.stats.words,
    seconds: Number(m.stats.seconds.toFixed(3)), wordsPerSecond: Math.round(m.stats.wordsPerSecond),
  }));
}

// cli/similar.ts: `lstm-wasm similar VECTORS WORD...` — the nearest words to one word, or to the mean of several.
import { check } from '../errors.js';
import { KeyedVectors } from '../text/keyed_vectors.js';
import type { Similar } from '../text/keyed_vectors.js';
import type { VectorFormat } from '../text/vector_files.js';
import { type Io, num, parse } from './common.js';

export const SIMILAR_USAGE = 'lstm-wasm similar VECTORS WORD [WORD ...] [--minus WORD ...] [--topn 10] [--restrict-vocab N] [--int8] [--format F] [--json]';

/** Options the vector commands share: how to read the file, how to search, how to print. */
export const VECTOR_FLAGS = {
  topn: { type: 'string' }, 'restrict-vocab': { type: 'string' }, int8: { type: 'boolean' }, format: { type: 'string' }, json: { type: 'boolean' },
} as const;

export async function openVectors(path: string | undefined, values: Record<string, unknown>, usage: string): Promise<KeyedVectors> {
  check(path, 'OPTION', `missing VECTORS (a word2vec .bin / .txt, GloVe or fastText .vec file); usage: ${usage}`);
  return KeyedVectors.load(path, { ...(values.format !== undefined && { format: values.format as VectorFormat }), search: values.int8 ? 'int8' : 'f32' });
}

export function searchOptions(values: Record<string, unknown>) {
  const topn = num(values, 'topn'), restrictVocab = num(values, 'restrict-vocab');
  return { topn: topn ?? 10, options: restrictVocab === undefined ? {} : { restrictVocab } };
}

/** One word and its cosine per line (or the JSON list with --json). */
export function printSimilar(io: Io, result: Similar, json: unknown): void {
  if (json) {
    io.out(JSON.stringify(result.map(([word, similarity]) => ({ word, similarity }))));
    return;
  }
  const width = Math.max(0, ...result.map(([w]) => [...w].length));
  for (const [w, s] of result) io.out(`${w.padEnd(width + 2 - ([...w].length - w.length))}${s.toFixed(4)}`);
}

export async function similar(args: string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, { ...VECTOR_FLAGS, minus: { type: 'string', multiple: true } });
  const [path, ...words] = positionals;
  const kv = await openVectors(path, values, SIMILAR_USAGE);
  check(words.length > 0, 'OPTION', `missing WORD; usage: ${SIMILAR_USAGE}`);
  const { topn, options } = searchOptions(values);
  printSimilar(io, kv.mostSimilar(words, values.minus ?? [], topn, options), values.json);
}

// cli/analogy.ts: `lstm-wasm analogy VECTORS A B C` — A is to B as C is to ?, by 3CosAdd (or 3CosMul).
import { check } from '../errors.js';
import { type Io, parse } from './common.js';
import { VECTOR_FLAGS, openVectors, printSimilar, searchOptions } from './similar.js';

export const ANALOGY_USAGE = 'lstm-wasm analogy VECTORS A B C [--topn 5] [--cosmul] [--restrict-vocab N] [--int8] [--format F] [--json]';

export async function analogy(args: string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, { ...VECTOR_FLAGS, cosmul: { type: 'boolean' } });
  const [path, a, b, c, extra] = positionals;
  check(c !== undefined && extra === undefined, 'OPTION', `give three words A B C (A is to B as C is to ?); usage: ${ANALOGY_USAGE}`);
  const kv = await openVectors(path, values, ANALOGY_USAGE);
  const { options } = searchOptions(values);
  const result = kv.analogy(a, b, c, Number(values.topn ?? 5), { ...options, cosmul: Boolean(values.cosmul) });
  if (!values.json) io.out(`${a} : ${b} :: ${c} : ${result[0]?.[0] ?? '?'}`);
  printSimilar(io, result, values.json);
}

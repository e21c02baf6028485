// seq2seq/files.ts: reading a model folder — seq2seq.json, then the files it names beside it (path or URL).
import { LstmWasmError, check } from '../errors.js';
import { type ByteSource, readBytes } from '../io.js';
import { type Seq2SeqConfig, parseConfig } from './config.js';
import { type NamedVocab, namedVocab } from './vocab.js';

/** seq2seq.json's location for a folder or the file itself, and how to reach a file named in it. */
export function locate(location: string | URL): { json: string | URL; rel: (f: string) => string | URL } {
  check(typeof location === 'string' || location instanceof URL, 'OPTION', 'a model location is a folder or seq2seq.json, as a path or URL');
  if (location instanceof URL || (/^[a-z][a-z0-9+.-]*:/i.test(location) && !/^[a-z]:[\\/]/i.test(location))) {
    const u = new URL(location);
    if (!u.pathname.endsWith('.json') && !u.pathname.endsWith('/')) u.pathname += '/';
    return { json: u.pathname.endsWith('.json') ? u : new URL('seq2seq.json', u), rel: (f) => new URL(f, u) };
  }
  const json = location.endsWith('.json') ? location : `${location.replace(/[/\\]$/, '')}/seq2seq.json`;
  const dir = json.replace(/[^/\\]*$/, '');
  return { json, rel: (f) => `${dir}${f}` };
}

export async function readJson(source: ByteSource, what: string): Promise<unknown> {
  const bytes = await readBytes(source);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new LstmWasmError('FORMAT', `${what}: not JSON (${(e as Error).message})`);
  }
}

/** seq2seq.json (raw and parsed) and the vocabularies it names. */
export async function readFolder(location: string | URL) {
  const { json, rel } = locate(location);
  const config = await readJson(json, String(json));
  const c = parseConfig(config, String(json));
  const vocab = (v: string | object) => (typeof v === 'string' ? readJson(rel(v), String(rel(v))) : v);
  const [sourceVocab, targetVocab] = await Promise.all([vocab(c.sourceVocab), vocab(c.targetVocab)]);
  return { config, c, rel, sourceVocab, targetVocab };
}

/** The two vocabularies: given, or inline in the config. */
export function vocabsOf(c: Seq2SeqConfig, files: { sourceVocab?: unknown; targetVocab?: unknown }): [NamedVocab, NamedVocab] {
  const one = (given: unknown, inline: string | object, what: string) => {
    const v = given ?? (typeof inline === 'object' ? inline : undefined);
    check(v !== undefined, 'OPTION', `the ${what} vocabulary ${JSON.stringify(inline)} was not given`);
    return namedVocab(v, `${what} vocabulary`);
  };
  return [one(files.sourceVocab, c.sourceVocab, 'source'), one(files.targetVocab, c.targetVocab, 'target')];
}

// seq2seq/vocab.ts: the source and target vocabularies of a seq2seq model, with special tokens like "<s>" in character vocabularies.
import { check } from '../errors.js';
import { Vocab } from '../text/vocab.js';

/** A vocabulary and the printable name of every id (a special token's own name, e.g. "</s>"). */
export interface NamedVocab {
  vocab: Vocab;
  names: readonly string[];
}

const SPECIAL = /^<[^<>\s]+>$/;

/**
 * Reads a vocabulary JSON ({"chars": [...]} or {"words": [...]}, as Vocab.fromJSON). In a character vocabulary, entries
 * written as <name> (<s>, </s>, <pad>, <unk>) are special tokens: no text encodes to them, and they print as written.
 */
export function namedVocab(json: unknown, what: string): NamedVocab {
  const o = json as { chars?: unknown };
  if (o === null || typeof o !== 'object' || !Array.isArray(o.chars)) return { vocab: Vocab.fromJSON(json, what), names: namesOf(json) };
  const chars = o.chars as unknown[];
  // a special's placeholder: a supplementary private-use code point no text holds
  const stand = chars.map((c, i) => (typeof c === 'string' && SPECIAL.test(c) ? String.fromCodePoint(0xf0000 + i) : c));
  const vocab = Vocab.fromJSON({ ...o, chars: stand }, what);
  return { vocab, names: chars as string[] };
}

function namesOf(json: unknown): string[] {
  return ((json as { words?: string[] }).words ?? []).slice();
}

/** Text of target ids: characters joined, or words joined by spaces. */
export function detokenize(v: NamedVocab, ids: readonly number[]): string {
  for (const id of ids) check(Number.isInteger(id) && id >= 0 && id < v.names.length, 'INPUT', `token id ${id} is outside the target vocabulary 0..${v.names.length - 1}`);
  return ids.map((id) => v.names[id]).join(v.vocab.kind === 'char' ? '' : ' ');
}

/** A source text as ids, with the pieces it was split into and those that were not in the vocabulary (mapped to its unknown id). */
export function encodeSource(v: Vocab, text: string): { ids: number[]; pieces: string[]; unknown: string[] } {
  check(typeof text === 'string', 'INPUT', `a source must be text, got ${typeof text}`);
  const pieces = v.split(text), ids = v.encode(text);
  const unknown = pieces.filter((_, i) => ids[i] === v.unknown);
  return { ids, pieces, unknown };
}

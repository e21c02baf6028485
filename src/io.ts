// io.ts: read bytes from a path, a URL or memory in any runtime (Node, Deno, Bun, browsers, workers).
import { LstmWasmError } from './errors.js';

/** Bytes, a URL, or a string: a URL when it has a scheme (https:, file:, data:, blob:), else a file path. */
export type ByteSource = ArrayBuffer | ArrayBufferView | URL | string;

const hasScheme = (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s) && !/^[a-z]:[\\/]/i.test(s); // not C:\ paths

/** True where `node:fs` exists (Node, Deno and Bun); false in browsers and workers. */
export function hasFileSystem(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function readFile(path: string | URL): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (e) {
    const why = (e as { code?: string }).code ?? (e as Error).message;
    throw new LstmWasmError('IO', `cannot read ${String(path)}: ${why}`);
  }
}

/** The whole content of `source` as bytes (views are not copied). */
export async function readBytes(source: ByteSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  let url: URL | undefined;
  if (source instanceof URL) url = source;
  else if (typeof source === 'string') {
    if (hasScheme(source)) url = new URL(source);
    else if (hasFileSystem()) return readFile(source);
    else url = new URL(source, (globalThis as { location?: { href: string } }).location?.href);
  } else {
    throw new LstmWasmError('IO', `expected bytes, a URL or a path, got ${Object.prototype.toString.call(source)}`);
  }
  if (url.protocol === 'file:') return readFile(url);
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new LstmWasmError('IO', `cannot fetch ${url.href}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new LstmWasmError('IO', `cannot fetch ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The parts one after another in one array (the part itself when there is one). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

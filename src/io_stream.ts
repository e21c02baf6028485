// io_stream.ts: read a file or URL as a stream of chunks and write chunks to a file — for big vector files and corpora
// (apart from io.ts so that the core entry, which reads whole files, does not carry it).
import { LstmWasmError } from './errors.js';
import { type ByteSource, hasFileSystem, readBytes } from './io.js';

const hasScheme = (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s) && !/^[a-z]:[\\/]/i.test(s); // as io.ts: not C:\ paths

/** The content of `source` as a stream of byte chunks: files are read 1 MiB at a time, URLs as their body arrives. */
export async function* readChunks(source: ByteSource | AsyncIterable<Uint8Array>, chunkBytes = 1 << 20): AsyncGenerator<Uint8Array> {
  if (typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    for await (const c of source as AsyncIterable<Uint8Array>) {
      if (!(c instanceof Uint8Array)) throw new LstmWasmError('IO', `expected byte chunks (Uint8Array), got ${Object.prototype.toString.call(c)}`);
      yield c;
    }
    return;
  }
  const s = source as ByteSource;
  const path = typeof s === 'string' && !hasScheme(s) && hasFileSystem() ? s : s instanceof URL && s.protocol === 'file:' ? s : undefined;
  if (path === undefined) {
    if (typeof s === 'string' || s instanceof URL) {
      const url = s instanceof URL ? s : new URL(s, (globalThis as { location?: { href: string } }).location?.href);
      let res: Response;
      try {
        res = await fetch(url);
      } catch (e) {
        throw new LstmWasmError('IO', `cannot fetch ${url.href}: ${(e as Error).message}`);
      }
      if (!res.ok || !res.body) throw new LstmWasmError('IO', `cannot fetch ${url.href}: HTTP ${res.status}`);
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    }
    yield await readBytes(s);
    return;
  }
  const fs = await import('node:fs/promises');
  let file: Awaited<ReturnType<typeof fs.open>>;
  try {
    file = await fs.open(path, 'r');
  } catch (e) {
    throw new LstmWasmError('IO', `cannot read ${String(path)}: ${(e as { code?: string }).code ?? (e as Error).message}`);
  }
  try {
    for (;;) {
      const buf = new Uint8Array(chunkBytes);
      const { bytesRead } = await file.read(buf, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

/** Writes chunks to a file one after another (Node, Deno, Bun), never holding the whole content. */
export async function writeChunks(path: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
  if (!hasFileSystem()) throw new LstmWasmError('IO', `cannot write ${path}: there is no file system here (use the bytes instead)`);
  const fs = await import('node:fs/promises');
  let file: Awaited<ReturnType<typeof fs.open>>;
  try {
    file = await fs.open(path, 'w');
  } catch (e) {
    throw new LstmWasmError('IO', `cannot write ${path}: ${(e as { code?: string }).code ?? (e as Error).message}`);
  }
  try {
    for await (const c of chunks) await file.write(c);
  } finally {
    await file.close();
  }
}

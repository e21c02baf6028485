// test/bundle.test.ts: what the bundles may contain — no Node built-in reachable from browser/worker code (only the lazy
// node:fs/promises behind hasFileSystem()), no top-level await, an inline entry that needs no other file, exports that exist.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Plugin, build, transform } from 'esbuild';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../', import.meta.url));

interface Imports { dynamicNode: string[]; relative: string[] }

/** An esbuild plugin that fails on any static import of a package or built-in, and records dynamic node: imports. */
function guard(seen: Imports): Plugin {
  return {
    name: 'guard',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (a) => {
        if (a.kind === 'entry-point') return undefined;
        if (/^\.\.?\//.test(a.path)) {
          seen.relative.push(a.path);
          return undefined;
        }
        if (a.kind === 'dynamic-import' && a.path.startsWith('node:')) {
          seen.dynamicNode.push(`${a.path} from ${a.importer.replace(repo, '')}`);
          return { path: a.path, external: true };
        }
        return { errors: [{ text: `${a.kind} of '${a.path}' in ${a.importer.replace(repo, '')}: not allowed in the browser/worker bundle` }] };
      });
    },
  };
}

/** Bundles `entries` for the browser with the guard; resolves with what it saw (rejects on a forbidden import). */
async function browserBundle(entries: string[]): Promise<Imports> {
  const seen: Imports = { dynamicNode: [], relative: [] };
  await build({
    entryPoints: entries.map((e) => `${repo}${e}`), bundle: true, write: false, platform: 'browser', format: 'esm',
    outdir: '/tmp/unused', splitting: true, logLevel: 'silent', plugins: [guard(seen)],
  });
  return seen;
}

const libraryFiles = () => ['dist/index.js', 'dist/inline.js', 'dist/onnx.js', 'dist/keras.js', 'dist/text.js', 'dist/w2v-worker.js',
  ...readdirSync(`${repo}dist/chunks`).filter((f) => f.endsWith('.js')).map((f) => `dist/chunks/${f}`)];

describe('browser/worker bundles', () => {
  it('library sources import no Node built-in or package; node:fs/promises only dynamically, from io.ts and io_stream.ts (and the word2vec workers node:worker_threads)', async () => {
    const seen = await browserBundle(['src/index.ts', 'src/inline.ts', 'src/onnx.ts', 'src/keras.ts', 'src/text.ts', 'src/text/worker.ts']);
    expect([...new Set(seen.dynamicNode)].sort()).toEqual(['node:fs/promises from src/io.ts', 'node:fs/promises from src/io_stream.ts', 'node:worker_threads from src/text/hogwild.ts', 'node:worker_threads from src/text/worker.ts']);
  });

  it('the shipped dist files do the same', async () => {
    const seen = await browserBundle(['dist/index.js', 'dist/inline.js', 'dist/onnx.js', 'dist/keras.js', 'dist/text.js', 'dist/w2v-worker.js']);
    expect([...new Set(seen.dynamicNode.map((s) => s.split(' ')[0]))].sort()).toEqual(['node:fs/promises', 'node:worker_threads']);
  });

  it('the guard catches a static built-in import (so the checks above can fail)', async () => {
    await expect(build({ stdin: { contents: "import 'node:fs'; import 'path';", resolveDir: repo }, bundle: true, write: false, logLevel: 'silent',
      plugins: [guard({ dynamicNode: [], relative: [] })] })).rejects.toThrow(/import-statement of 'node:fs'/);
  });

  it('no top-level await in any library file (workers and bundlers that wrap modules break on it)', async () => {
    // esbuild refuses top-level await when it has to emit CommonJS; first check it does on a sample
    await expect(transform('await 0; export {};', { format: 'cjs' })).rejects.toThrow(/[Tt]op-level await/);
    for (const f of libraryFiles()) {
      await expect(transform(readFileSync(`${repo}${f}`, 'utf8'), { format: 'cjs', logLevel: 'silent' }), f).resolves.toBeDefined();
    }
  });

  it('dist/inline.js is one file: it imports no other file and carries both wasm builds', async () => {
    const seen = await browserBundle(['dist/inline.js']);
    expect(seen.relative).toEqual([]);
    const src = readFileSync(`${repo}dist/inline.js`, 'utf8');
    for (const wasm of ['build/lstm.wasm', 'build/lstm-relaxed.wasm']) expect(src).toContain(readFileSync(`${repo}${wasm}`).toString('base64'));
  });

  it('every path in package.json exports exists after the build', () => {
    const { exports } = JSON.parse(readFileSync(`${repo}package.json`, 'utf8'));
    const targets = Object.values(exports).flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v as Record<string, string>)));
    expect(targets.filter((t) => !existsSync(`${repo}${t}`))).toEqual([]);
    expect(Object.keys(exports)).toEqual(expect.arrayContaining(['.', './onnx', './keras', './inline', './lstm.wasm']));
  });
});

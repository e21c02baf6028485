// scripts/serve.mjs: a tiny static file server (node:http) for the browser demo and the Chromium tests.
//   node scripts/serve.mjs [PORT]   (npm run demo) — serves the repository read-only on 127.0.0.1
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8',
};

/** Serves the files under `root` (GET/HEAD only; a directory serves its index.html). Resolves when listening. */
export function serve({ root = fileURLToPath(new URL('..', import.meta.url)), port = 0, host = '127.0.0.1' } = {}) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const fail = (status, text) => res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'GET only');
    let path;
    try {
      path = resolve(join(base, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    } catch {
      return fail(400, 'bad path');
    }
    if (path !== base && !path.startsWith(base + sep)) return fail(403, 'outside the served folder');
    try {
      let s = await stat(path);
      if (s.isDirectory()) {
        if (!req.url.split('?')[0].endsWith('/')) return res.writeHead(301, { location: `${req.url.split('?')[0]}/` }).end();
        path = join(path, 'index.html');
        s = await stat(path);
      }
      res.writeHead(200, {
        'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': s.size, 'cache-control': 'no-store',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(path).pipe(res);
    } catch {
      fail(404, 'not found');
    }
  });
  return new Promise((ok, ko) => {
    server.once('error', ko);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      ok({ url: `http://${host}:${p}/`, close: () => new Promise((done) => server.close(done)), server });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await serve({ port: Number(process.argv[2] ?? 8080) });
  console.log(`serving the repository at ${url}\n  browser demo: ${url}examples/browser/\n  voice activity detection (microphone): ${url}examples/browser/vad.html\n  sequence to sequence: ${url}examples/browser/translate.html\n(Ctrl+C to stop)`);
}

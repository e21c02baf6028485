// bench/load.mjs: npm run bench:load — the bundled topic classifier served over HTTP (Node's http, one process,
// one session) under concurrent requests for DURATION seconds: requests/s, latency percentiles, memory, errors.
// The server runs in a child process so its memory is measured alone; each response is checked.
import { fork } from 'node:child_process';
import { request, Agent } from 'node:http';
import { cpus } from 'node:os';

const DURATION = Number(process.env.DURATION ?? 60), CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);

if (process.argv[2] === 'server') {
  // the service: POST /classify {"text": "..."} -> {"label", "probs"}
  const { createServer } = await import('node:http');
  const { InferenceSession, Vocab, classify } = await import('../dist/index.js');
  const dir = new URL('../examples/models/topic/', import.meta.url);
  const session = await InferenceSession.create(new URL('model.onnx', dir));
  const vocab = await Vocab.load(new URL('vocab.json', dir));
  const server = createServer(async (req, res) => {
    if (req.method === 'GET' && req.url === '/memory') {
      res.end(JSON.stringify({ rss: process.memoryUsage().rss, wasm: session.memoryBytes }));
      return;
    }
    const chunks = [];
    for await (const c of req) chunks.push(c);
    try {
      const { text } = JSON.parse(Buffer.concat(chunks).toString());
      const r = await classify(session, text, { vocab });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ label: r.label, probs: r.probs }));
    } catch (e) {
      res.statusCode = e?.name === 'LstmWasmError' ? 400 : 500;
      res.end(JSON.stringify({ error: String(e?.message ?? e) }));
    }
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
} else {
  const server = fork(new URL(import.meta.url).pathname, ['server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((resolve) => server.once('message', (m) => resolve(m.port)));
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const call = (method, path, body) => new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: { 'content-type': 'application/json' } }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
  const verses = [
    'And the LORD spake unto Moses, saying, Speak unto the children of Israel', 'The LORD is my shepherd; I shall not want.',
    'Grace be unto you, and peace, from God our Father, and from the Lord Jesus Christ.', 'And Jesus answered and said unto them',
    'Thus saith the LORD of hosts, the God of Israel', 'And David said unto Saul, Let no man\'s heart fail because of him',
  ];
  const expected = {};
  for (const v of verses) expected[v] = JSON.parse((await call('POST', '/classify', JSON.stringify({ text: v }))).body).label;
  const lat = [], memory = [];
  let errors = 0, done = 0;
  const end = performance.now() + DURATION * 1000;
  const sampler = setInterval(async () => memory.push(JSON.parse((await call('GET', '/memory')).body)), 1000);
  await Promise.all(Array.from({ length: CONNECTIONS }, async (_, c) => {
    for (let i = c; performance.now() < end; i++) {
      const v = verses[i % verses.length], t0 = performance.now();
      const r = await call('POST', '/classify', JSON.stringify({ text: v }));
      lat.push(performance.now() - t0);
      done++;
      if (r.status !== 200 || JSON.parse(r.body).label !== expected[v]) errors++;
    }
  }));
  clearInterval(sampler);
  server.kill();
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
  const mb = (b) => (b / 2 ** 20).toFixed(1);
  const rss = memory.map((m) => m.rss);
  console.log(`topic classifier over HTTP (Node ${process.version} http, one session, ${cpus()[0].model}), ${CONNECTIONS} connections, ${DURATION} s`);
  console.log(`requests ${done}  (${(done / DURATION).toFixed(0)}/s)  errors ${errors}`);
  console.log(`latency ms  p50 ${q(0.5)}  p90 ${q(0.9)}  p99 ${q(0.99)}  max ${q(1)}`);
  console.log(`server memory  rss ${mb(Math.min(...rss))}..${mb(Math.max(...rss))} MB (first ${mb(rss[0])}, last ${mb(rss[rss.length - 1])})  wasm ${mb(memory[memory.length - 1].wasm)} MB`);
  if (errors) process.exitCode = 1;
}

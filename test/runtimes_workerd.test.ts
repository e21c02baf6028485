// test/runtimes_workerd.test.ts: workerd (npm package `workerd`, the Cloudflare Workers runtime) — examples/worker/worker.mjs
// serving POST /infer on 127.0.0.1 with the fixture models; the test posts tensors and checks the reply against PyTorch.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npy } from './helpers.js';
import { type JsonTensor, expectTensorClose } from './runtimes/compare.js';
import { bin, repo, scratch } from './runtimes/spawn.js';

const C = 'torch-onnx/classifier_bilstm/', L = 'torch-models/charlm_every_logits/';
const dir = scratch('workerd');
const embed = (file: string) => JSON.stringify(relative(dir, join(repo, file))); // capnp embeds relative paths only

/** A free TCP port on 127.0.0.1 (asked of the OS, then released for workerd to take). */
const freePort = () => new Promise<number>((ok, ko) => {
  const s = createServer().once('error', ko).listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => ok(port));
  });
});

// Three workers. `index`: dist/index.js with its chunks (the ONNX importer is one, imported on demand) and the ONNX
// classifier. `inline`: dist/inline.js and the PyTorch LM. Both get lstm.wasm as a CompiledWasm module (the `wasm` option).
// `nowasm`: dist/inline.js left to compile its embedded bytes, which workerd forbids — it must say so and what to do.
function config(ports: Record<string, number>): string {
  const chunks = readdirSync(join(repo, 'dist/chunks')).filter((f) => f.endsWith('.js'))
    .map((f) => `(name = "chunks/${f}", esModule = embed ${embed(`dist/chunks/${f}`)})`);
  const worker = (lib: string[], model: string, main = embed('examples/worker/worker.mjs')) => `(compatibilityDate = "2025-01-01", modules = [
    (name = "worker", esModule = embed ${main}),
    ${lib.join(',\n    ')},
    (name = "lstm.wasm", wasm = embed ${embed('dist/lstm.wasm')}),
    (name = "model", data = embed ${embed(`test/fixtures/${model}`)})])`;
  writeFileSync(join(dir, 'nowasm.mjs'), `import model from 'model';
import { InferenceSession } from 'lstm-wasm';
export default { async fetch() {
  try { await InferenceSession.create(new Uint8Array(model)); return new Response('created'); }
  catch (e) { return new Response(e.name + ' ' + e.code + ': ' + e.message); } } };\n`);
  const inline = `(name = "lstm-wasm", esModule = embed ${embed('dist/inline.js')})`;
  const workers = {
    index: worker([`(name = "lstm-wasm", esModule = embed ${embed('dist/index.js')})`, ...chunks], `${C}model.onnx`),
    inline: worker([inline], `${L}model.safetensors`),
    nowasm: worker([inline], `${C}model.onnx`, '"nowasm.mjs"'),
  };
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [${Object.keys(workers).map((n) => `(name = "${n}", worker = .${n})`).join(', ')}],
  sockets = [${Object.keys(workers).map((n) => `(name = "${n}", address = "127.0.0.1:${ports[n]}", http = (), service = "${n}")`).join(', ')}],
);
${Object.entries(workers).map(([n, w]) => `const ${n} :Workerd.Worker = ${w};`).join('\n')}
`;
}

const children: ChildProcess[] = [];
const ports: Record<string, number> = {};
const url = (name: string, path = '/infer') => `http://127.0.0.1:${ports[name]}${path}`;

/** Starts `workerd serve ARGS` and resolves once every service in `names` answers; fails with workerd's own output. */
async function serveWorkerd(args: string[], names: string[]): Promise<void> {
  let log = '';
  const child = spawn(bin('workerd'), ['serve', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<never>((_, ko) => child.once('exit', (code, sig) => ko(new Error(`workerd exited (${code ?? sig}) before serving:\n${log}`))));
  const ready = (async () => {
    for (const t0 = Date.now(); Date.now() - t0 < 30_000;) {
      const up = await Promise.all(names.map((n) => fetch(url(n, '/')).then(() => true, () => false)));
      if (up.every(Boolean)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`workerd ${args.join(' ')} did not answer within 30 s:\n${log}`);
  })();
  await Promise.race([ready, exited]);
}

beforeAll(async () => {
  for (const n of ['index', 'inline', 'nowasm', 'example']) ports[n] = await freePort();
  writeFileSync(join(dir, 'config.capnp'), config(ports));
  await Promise.all([
    serveWorkerd([join(dir, 'config.capnp')], ['index', 'inline', 'nowasm']),
    // the committed example as it is, on a free port instead of its 8787
    serveWorkerd(['examples/worker/config.capnp', '--socket-addr', `http=127.0.0.1:${ports.example}`], ['example']),
  ]);
}, 60_000);

afterAll(() => {
  for (const c of children) c.kill();
});

const feed = (rel: string) => {
  const t = npy(rel);
  return { type: t.type, dims: t.dims, data: Array.from(t.data as ArrayLike<number | bigint>, Number) };
};

async function infer(name: string, body: unknown): Promise<{ status: number; json: { outputs?: Record<string, JsonTensor>; error?: string } }> {
  const r = await fetch(url(name), { method: 'POST', body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

describe('workerd', () => {
  it('dist/index.js (+ its ONNX chunk) with lstm.wasm as a module: POST /infer with the ONNX classifier matches PyTorch', async () => {
    let worst = 0;
    for (const set of ['a', 'b']) {
      const { status, json } = await infer('index', { ids: feed(`${C}${set}_ids.npy`) });
      expect(status, JSON.stringify(json)).toBe(200);
      worst = Math.max(worst, expectTensorClose(json.outputs!.probs, `${C}${set}_probs.npy`, `workerd ${set}`));
    }
    console.log(`workerd dist/index.js: worst error ${worst.toExponential(1)}`);
  });

  it('dist/inline.js with lstm.wasm as a module: POST /infer with the PyTorch LM matches PyTorch (logits, h_n, c_n)', async () => {
    const { status, json } = await infer('inline', { ids: feed(`${L}ids.npy`), h0: feed(`${L}h0.npy`), c0: feed(`${L}c0.npy`) });
    expect(status, JSON.stringify(json)).toBe(200);
    const worst = Math.max(...['logits', 'h_n', 'c_n'].map((name) => expectTensorClose(json.outputs![name], `${L}${name}.npy`, 'workerd LM')));
    console.log(`workerd dist/inline.js: worst error ${worst.toExponential(1)}`);
  });

  it('a bad feed is a 400 with the LstmWasmError', async () => {
    const { status, json } = await infer('index', { ids: { type: 'int64', dims: [1, 4], data: [1, 2, 3] } });
    expect(status).toBe(400);
    expect(json.error).toMatch(/^INPUT: .*dims \[1, 4\] hold 4 elements but data has 3/);
  });

  it('examples/worker/config.capnp as committed serves the bundled topic classifier: six class scores', async () => {
    const { status, json } = await infer('example', { ids: { type: 'int64', dims: [1, 4], data: [32, 12, 8, 227] } });
    expect(status, JSON.stringify(json)).toBe(200);
    expect(json.outputs!.logits.dims).toEqual([1, 6]);
    expect(json.outputs!.logits.data.every(Number.isFinite)).toBe(true);
  });

  it('the inline entry without the wasm option says that workerd cannot compile it and what to pass', async () => {
    const text = await (await fetch(url('nowasm'))).text();
    expect(text).toMatch(/^LstmWasmError RUNTIME: .*disallowed.*pass it as the `wasm` option/);
  });
});

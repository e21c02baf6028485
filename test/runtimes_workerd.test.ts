// test/runtimes_workerd.test.ts: workerd (npm package `workerd`, the Cloudflare Workers runtime) — examples/worker/worker.mjs
// serving POST /infer on 127.0.0.1 with the fixture models; the test posts tensors and checks the reply against PyTorch;
// and POST /vad: the test posts the VAD's test recordings and checks the reply against onnxruntime and silero-vad.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npy, readFixture } from './helpers.js';
import { type JsonTensor, type VadSegmentJson, expectTensorClose, expectVadProbs, expectVadSegments } from './runtimes/compare.js';
import { bin, repo, scratch } from './runtimes/spawn.js';

const C = 'torch-onnx/classifier_bilstm/', L = 'torch-models/charlm_every_logits/';
const VAD16 = 'silero_vad_16k_op15.onnx', VAD = 'silero_vad.onnx'; // test/fixtures/vad/models/; models/ (dist/models/)
const dir = scratch('workerd');
const embed = (file: string) => JSON.stringify(relative(dir, join(repo, file))); // capnp embeds relative paths only

/** A free TCP port on 127.0.0.1 (asked of the OS, then released for workerd to take). */
const freePort = () => new Promise<number>((ok, ko) => {
  const s = createServer().once('error', ko).listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => ok(port));
  });
});

// Three workers. `index`: dist/index.js and dist/vad.js with their chunks (the ONNX importer is one, imported on demand),
// as one 'lstm-wasm' module re-exporting both; the ONNX classifier and the shipped VAD model (dist/models/silero_vad.onnx).
// `inline`: dist/inline.js, the PyTorch LM and the published 16 kHz VAD model. Both get lstm.wasm as a CompiledWasm module
// (the `wasm` option). `nowasm`: dist/inline.js left to compile its embedded bytes, which workerd forbids — it must say so
// and what to do.
function config(ports: Record<string, number>): string {
  const chunks = readdirSync(join(repo, 'dist/chunks')).filter((f) => f.endsWith('.js'))
    .map((f) => `(name = "chunks/${f}", esModule = embed ${embed(`dist/chunks/${f}`)})`);
  const worker = (lib: string[], model: string, vadModel: string, main = embed('examples/worker/worker.mjs')) => `(compatibilityDate = "2025-01-01", modules = [
    (name = "worker", esModule = embed ${main}),
    ${lib.join(',\n    ')},
    (name = "lstm.wasm", wasm = embed ${embed('dist/lstm.wasm')}),
    (name = "model", data = embed ${embed(`test/fixtures/${model}`)}),
    (name = "silero_vad.onnx", data = embed ${embed(vadModel)})])`;
  writeFileSync(join(dir, 'lstm-wasm.mjs'), "export * from './index.js';\nexport * from './vad.js';\n");
  writeFileSync(join(dir, 'nowasm.mjs'), `import model from 'model';
import { InferenceSession } from 'lstm-wasm';
export default { async fetch() {
  try { await InferenceSession.create(new Uint8Array(model)); return new Response('created'); }
  catch (e) { return new Response(e.name + ' ' + e.code + ': ' + e.message); } } };\n`);
  const inline = `(name = "lstm-wasm", esModule = embed ${embed('dist/inline.js')})`;
  const index = ['(name = "lstm-wasm", esModule = embed "lstm-wasm.mjs")', `(name = "index.js", esModule = embed ${embed('dist/index.js')})`,
    `(name = "vad.js", esModule = embed ${embed('dist/vad.js')})`, ...chunks];
  const workers = {
    index: worker(index, `${C}model.onnx`, 'dist/models/silero_vad.onnx'),
    inline: worker([inline], `${L}model.safetensors`, `test/fixtures/vad/models/${VAD16}`),
    nowasm: worker([inline], `${C}model.onnx`, 'dist/models/silero_vad.onnx', '"nowasm.mjs"'),
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

/** POSTs a test recording (test/fixtures/vad/audio/) to /vad. */
async function vad(name: string, file: string, query = ''): Promise<{ status: number; json: { sampleRate?: number; frame?: number; probs?: number[]; segments?: VadSegmentJson[]; error?: string } }> {
  const r = await fetch(url(name, `/vad${query}`), { method: 'POST', body: readFixture(`vad/audio/${file}`) });
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

  it('dist/index.js + dist/vad.js: POST /vad with the 16 kHz and the 8 kHz recording matches onnxruntime and silero-vad (shipped model)', async () => {
    let worst = 0;
    for (const [file, rate] of [['speech_16k.wav', 16000], ['speech_8k.wav', 8000]] as const) {
      const { status, json } = await vad('index', file);
      expect(status, JSON.stringify(json)).toBe(200);
      expect([json.sampleRate, json.frame]).toEqual([rate, rate === 16000 ? 512 : 256]);
      worst = Math.max(worst, expectVadProbs(json.probs!, VAD, rate, `workerd index ${file}`));
      expectVadSegments(json.segments!, VAD, rate, `workerd index ${file}`);
    }
    console.log(`workerd dist/vad.js POST /vad: worst |p - onnxruntime| ${worst.toExponential(1)}`);
  });

  it('dist/inline.js: POST /vad with the published 16 kHz model matches onnxruntime and silero-vad, with default and strict parameters', async () => {
    const plain = await vad('inline', 'speech_16k.wav');
    expect(plain.status, JSON.stringify(plain.json)).toBe(200);
    expect([plain.json.sampleRate, plain.json.frame]).toEqual([16000, 512]);
    const worst = expectVadProbs(plain.json.probs!, VAD16, 16000, 'workerd inline');
    expectVadSegments(plain.json.segments!, VAD16, 16000, 'workerd inline');
    // silero-vad's 'strict' set (segments.json params): threshold 0.6, min speech 400 ms, min silence 250 ms, pad 60 ms
    const strict = await vad('inline', 'speech_16k.wav', '?threshold=0.6&minSpeechMs=400&minSilenceMs=250&speechPadMs=60');
    expect(strict.status, JSON.stringify(strict.json)).toBe(200);
    expectVadSegments(strict.json.segments!, VAD16, 16000, 'workerd inline strict', 'strict');
    console.log(`workerd dist/inline.js POST /vad: worst |p - onnxruntime| ${worst.toExponential(1)}`);
  });

  it('POST /vad: a body that is not WAV, or an unknown or negative parameter, is a 400 naming it', async () => {
    const notWav = await fetch(url('inline', '/vad'), { method: 'POST', body: '{"ids": [1, 2]}' });
    expect(notWav.status).toBe(400);
    expect((await notWav.json()).error).toMatch(/^FORMAT: the request body: not a WAV file/);
    const unknown = await vad('inline', 'speech_16k_8bit.wav', '?thresold=0.6');
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatch(/^OPTION: unknown parameter 'thresold'/);
    const negative = await vad('inline', 'speech_16k_8bit.wav', '?minSilenceMs=-1');
    expect(negative.status).toBe(400);
    expect(negative.json.error).toMatch(/^OPTION: minSilenceMs must be a number >= 0, got -1/);
  });

  it('examples/worker/config.capnp as committed: POST /vad with the shipped model matches onnxruntime and silero-vad', async () => {
    const { status, json } = await vad('example', 'speech_16k.wav');
    expect(status, JSON.stringify(json)).toBe(200);
    expect([json.sampleRate, json.frame]).toEqual([16000, 512]);
    const worst = expectVadProbs(json.probs!, VAD, 16000, 'workerd example');
    expectVadSegments(json.segments!, VAD, 16000, 'workerd example');
    console.log(`workerd examples/worker POST /vad: worst |p - onnxruntime| ${worst.toExponential(1)}`);
  });

  it('the inline entry without the wasm option says that workerd cannot compile it and what to pass', async () => {
    const text = await (await fetch(url('nowasm'))).text();
    expect(text).toMatch(/^LstmWasmError RUNTIME: .*disallowed.*pass it as the `wasm` option/);
  });
});

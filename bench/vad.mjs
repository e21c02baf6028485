// bench/vad.mjs: npm run bench:vad — Silero VAD frame by frame (32 ms of 16 kHz audio per call, state carried), as a
// voice agent feeds it: lstm-wasm's Vad.push beside onnxruntime-web and onnxruntime-node running the same model with
// the official wrapper's framing. Probabilities checked against onnxruntime-node first; medians of interleaved rounds.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as ortNodeLib from 'onnxruntime-node';
import * as ortWebLib from 'onnxruntime-web';
import { hasRelaxedSimd } from '../dist/index.js';
import { createVad, readWav } from '../dist/vad.js';

const MODEL = new URL('../test/fixtures/vad/models/silero_vad_16k_op15.onnx', import.meta.url).pathname;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const audio = readWav(readFileSync(new URL('../test/fixtures/vad/audio/speech_16k.wav', import.meta.url))).samples;
const FRAMES = Math.floor(audio.length / 512);
ortWebLib.env.wasm.numThreads = 1;
ortWebLib.env.logLevel = 'error';

async function ours() {
  const vad = await createVad({ model: MODEL, sampleRate: 16000 });
  return {
    reset: () => vad.reset(),
    frame: async (i) => (await vad.push(audio.subarray(i * 512, (i + 1) * 512))).frames[0].prob,
  };
}

async function ort(lib, opts) {
  const s = await lib.InferenceSession.create(readFileSync(MODEL), opts);
  const sr = new lib.Tensor('int64', BigInt64Array.from([16000n]), []);
  let state, context;
  return {
    reset: () => {
      state = new lib.Tensor('float32', new Float32Array(256), [2, 1, 128]);
      context = new Float32Array(64);
    },
    frame: async (i) => {
      const x = new Float32Array(576);
      x.set(context);
      x.set(audio.subarray(i * 512, (i + 1) * 512), 64);
      const out = await s.run({ input: new lib.Tensor('float32', x, [1, 576]), state, sr });
      state = out.stateN;
      context = x.slice(512);
      return out.output.data[0];
    },
  };
}

const systems = {
  'lstm-wasm (Vad.push)': await ours(),
  'onnxruntime-web': await ort(ortWebLib, { executionProviders: ['wasm'] }),
  'onnxruntime-node': await ort(ortNodeLib, { intraOpNumThreads: 1, interOpNumThreads: 1 }),
};
const probs = {};
for (const [name, s] of Object.entries(systems)) {
  s.reset();
  probs[name] = [];
  for (let i = 0; i < FRAMES; i++) probs[name].push(await s.frame(i));
}
const ref = probs['onnxruntime-node'];
for (const [name, p] of Object.entries(probs)) {
  const worst = Math.max(...p.map((v, i) => Math.abs(v - ref[i])));
  if (!(worst <= 1e-4)) throw new Error(`${name}: probabilities differ from onnxruntime-node by ${worst}`);
  console.log(`${name.padEnd(22)} worst |p - onnxruntime-node| ${worst.toExponential(1)}`);
}
const per = Object.fromEntries(Object.keys(systems).map((n) => [n, []]));
for (let r = -1; r < ROUNDS; r++) {
  for (const [name, s] of Object.entries(systems)) {
    s.reset();
    const t0 = performance.now();
    for (let i = 0; i < FRAMES; i++) await s.frame(i);
    if (r >= 0) per[name].push(((performance.now() - t0) / FRAMES) * 1000);
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const ours0 = med(per['lstm-wasm (Vad.push)']);
console.log(`\nSilero VAD (silero_vad_16k_op15.onnx), one 32 ms frame per call, ${FRAMES} frames, ${cpus()[0].model}, Node ${process.version} (${hasRelaxedSimd() ? 'lstm-relaxed.wasm' : 'lstm.wasm'}), median of ${ROUNDS}`);
console.log('| system | µs per frame | × real time | lstm-wasm is |');
console.log('|---|---:|---:|---:|');
for (const [name, a] of Object.entries(per)) {
  const us = med(a);
  console.log(`| ${name} | ${us.toFixed(0)} | ${Math.round(32000 / us)}× | ${name.startsWith('lstm') ? '—' : `${(us / ours0).toFixed(2)}× faster`} |`);
}

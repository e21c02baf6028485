// bench/coldstart.mjs: import -> first result in a fresh Node process, lstm-wasm beside onnxruntime-web, for a 1 MB
// LSTM (I=128, H=192: ~1 MB of float32 weights), median of several processes. npm run bench:cold
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { recurrentModel } from './models.mjs';
import { encodeModel } from './onnx_writer.mjs';

const RUNS = Number(process.env.RUNS ?? 9);
const dir = mkdtempSync(join(tmpdir(), 'lw-cold-'));
const cfg = { B: 1, T: 32, I: 128, H: 192 }; // 0.94 MB of float32 weights
const m = recurrentModel('LSTM', cfg);
const onnx = join(dir, 'model.onnx');
writeFileSync(onnx, encodeModel(m.onnx));
const weightsMB = m.weights.reduce((a, w) => a + (w.W.length + w.R.length + w.B.length) * 4, 0) / 2 ** 20;
const dist = new URL('../dist/index.js', import.meta.url).href;
const ortWeb = new URL('../node_modules/onnxruntime-web/dist/ort.node.min.mjs', import.meta.url).href;

// each child: t0 before the import, t1 when the first result is back
const child = {
  'lstm-wasm': `const t0 = performance.now();
    const { InferenceSession, Tensor } = await import(${JSON.stringify(dist)});
    const s = await InferenceSession.create(${JSON.stringify(onnx)});
    await s.run({ X: new Tensor('float32', new Float32Array(${cfg.T * cfg.I}), [${cfg.T}, 1, ${cfg.I}]) });
    console.log(performance.now() - t0);`,
  'onnxruntime-web': `const t0 = performance.now();
    const ort = await import(${JSON.stringify(ortWeb)});
    ort.env.wasm.numThreads = 1;
    const fs = await import('node:fs');
    const s = await ort.InferenceSession.create(fs.readFileSync(${JSON.stringify(onnx)}), { executionProviders: ['wasm'] });
    await s.run({ X: new ort.Tensor('float32', new Float32Array(${cfg.T * cfg.I}), [${cfg.T}, 1, ${cfg.I}]) });
    console.log(performance.now() - t0);`,
};
const results = {};
for (let r = 0; r < RUNS; r++) {
  for (const [name, code] of Object.entries(child)) {
    const ms = Number(execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }).trim());
    (results[name] ??= []).push(ms);
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`cold start (import -> first result), ${weightsMB.toFixed(2)} MB LSTM, ${cpus()[0].model}, Node ${process.version}, median of ${RUNS}`);
for (const [name, a] of Object.entries(results)) console.log(`  ${name.padEnd(16)} ${med(a).toFixed(1)} ms`);

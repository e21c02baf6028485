// bench/coldstart.mjs: import -> first inference result, for a 1 MB LSTM (I=128, H=192: ~1 MB of float32 weights), in a
// fresh process (or a fresh browser context) each run: lstm-wasm in Node, Deno, Bun and headless Chromium, beside
// onnxruntime-web in Node. Median of RUNS (default 9). npm run bench:cold   (needs npm run build first)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';
import { recurrentModel } from './models.mjs';
import { encodeModel } from './onnx_writer.mjs';

const RUNS = Number(process.env.RUNS ?? 9);
const repo = fileURLToPath(new URL('..', import.meta.url));
const dir = `${repo}out/coldstart/`; // inside the repository (git-ignored) so the browser's page can fetch the model
mkdirSync(dir, { recursive: true });
const cfg = { B: 1, T: 32, I: 128, H: 192 }; // 0.94 MB of float32 weights
const m = recurrentModel('LSTM', cfg);
const onnx = `${dir}model.onnx`;
writeFileSync(onnx, encodeModel(m.onnx));
const weightsMB = m.weights.reduce((a, w) => a + (w.W.length + w.R.length + w.B.length) * 4, 0) / 2 ** 20;
const bin = (name) => `${repo}node_modules/.bin/${name}`;
const X = `new Float32Array(${cfg.T * cfg.I}), [${cfg.T}, 1, ${cfg.I}]`;

/** A script that takes t0 before importing `bundle`, creates a session from `model`, runs once, prints the ms. */
const lstmChild = (bundle, model) => `const t0 = performance.now();
const { InferenceSession, Tensor } = await import(${JSON.stringify(bundle)});
const s = await InferenceSession.create(${JSON.stringify(model)});
await s.run({ X: new Tensor('float32', ${X}) });
console.log(performance.now() - t0);
`;
const ortChild = `const t0 = performance.now();
const ort = await import(${JSON.stringify(new URL('../node_modules/onnxruntime-web/dist/ort.node.min.mjs', import.meta.url).href)});
ort.env.wasm.numThreads = 1;
const fs = await import('node:fs');
const s = await ort.InferenceSession.create(fs.readFileSync(${JSON.stringify(onnx)}), { executionProviders: ['wasm'] });
await s.run({ X: new ort.Tensor('float32', ${X}) });
console.log(performance.now() - t0);
`;
const script = (name, code) => {
  writeFileSync(`${dir}${name}.mjs`, code);
  return `${dir}${name}.mjs`;
};
const index = new URL('../dist/index.js', import.meta.url).href, inline = new URL('../dist/inline.js', import.meta.url).href;
const lstm = script('lstm', lstmChild(index, onnx)), lstmInline = script('lstm-inline', lstmChild(inline, onnx)), ort = script('ort', ortChild);
const version = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0];
const ms = (cmd, args) => Number(execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } }).trim());

// [runtime, library, one run -> ms]
const cases = [
  [`Node ${process.version}`, 'lstm-wasm', () => ms(process.execPath, [lstm])],
  [`Node ${process.version}`, 'lstm-wasm/inline', () => ms(process.execPath, [lstmInline])],
  [`Node ${process.version}`, 'onnxruntime-web 1 thread', () => ms(process.execPath, [ort])],
];
if (existsSync(bin('deno'))) cases.push([version(bin('deno'), ['--version']).replace(/ \(.*/, ''), 'lstm-wasm', () => ms(bin('deno'), ['run', '--allow-read', '--no-lock', lstm])]);
if (existsSync(bin('bun'))) cases.push([`bun ${version(bin('bun'), ['--version'])}`, 'lstm-wasm', () => ms(bin('bun'), [lstm])]);

// Chromium: one browser, a fresh context (no cache) per run; t0 is taken in the page just before the import.
let browser, server;
if (existsSync('/usr/bin/chromium')) {
  server = await serve({ root: repo });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const page = (bundle) => async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    await p.goto(`${server.url}test/runtimes/page.html`);
    const t = await p.evaluate(`(async () => { ${lstmChild(bundle, '/out/coldstart/model.onnx').replace('console.log(', 'return (')} })()`);
    await context.close();
    return t;
  };
  cases.push([`Chromium ${browser.version()}`, 'lstm-wasm', page('/dist/index.js')], [`Chromium ${browser.version()}`, 'lstm-wasm/inline', page('/dist/inline.js')]);
} else {
  console.log('(no /usr/bin/chromium: apt-get install chromium for the browser rows)');
}

const results = cases.map(() => []);
for (let r = 0; r < RUNS; r++) {
  for (const [i, [, , one]] of cases.entries()) results[i].push(await one()); // interleaved, so load drift hits every row alike
}
await browser?.close();
await server?.close();

const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`cold start (import -> first result), ${weightsMB.toFixed(2)} MB LSTM (T=${cfg.T}, I=${cfg.I}, H=${cfg.H}), ONNX file, ` +
  `${cpus()[0].model} (${cpus().length} cores), median of ${RUNS}\n`);
console.log('| runtime | library | ms (median) | min–max |\n|---|---|---|---|');
for (const [i, [runtime, lib]] of cases.entries()) {
  const a = results[i];
  console.log(`| ${runtime} | ${lib} | ${med(a).toFixed(1)} | ${Math.min(...a).toFixed(0)}–${Math.max(...a).toFixed(0)} |`);
}

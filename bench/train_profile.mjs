// bench/train_profile.mjs: where one LM training step (B32 T64 E128 H256 V96, 2-layer LSTM, Adam) spends its time —
// the V8 sampling profiler over a build of lstm-train.wasm that keeps function names (asc --debug: same code, plus a
// name section), self time per function. Part of npm run bench:train; writes bench/results/train_profile.md.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Tensor } from '../dist/index.js';
import { adam, dense, embedding, lstm, sequential, trainStep } from '../dist/train.js';

const NAMED = 'build/lstm-train.names.wasm';
execFileSync(process.execPath, ['node_modules/assemblyscript/bin/asc.js', 'assembly/train.ts', '--target', 'release', '--debug', '-o', NAMED], { stdio: 'inherit' });
const STEPS = Number(process.env.STEPS ?? 8);
const B = 32, T = 64, V = 96;
const net = await sequential([embedding(V, 128), lstm(256, { layers: 2 }), dense(V)], { seed: 1, wasm: readFileSync(NAMED) });
const x = new Tensor('int32', Int32Array.from({ length: B * T }, (_, i) => (i * 7) % V), [B, T]);
const y = new Tensor('int32', Int32Array.from({ length: B * T }, (_, i) => (i * 11 + 3) % V), [B, T]);
const optimizer = adam({ lr: 1e-3 });
for (let i = 0; i < 2; i++) trainStep(net, x, y, { loss: 'ce', optimizer });

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('Profiler.start');
const t0 = performance.now();
for (let i = 0; i < STEPS; i++) trainStep(net, x, y, { loss: 'ce', optimizer });
const ms = (performance.now() - t0) / STEPS;
const { profile } = await session.post('Profiler.stop');

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0, f = byId.get(id).callFrame;
  const name = f.url.startsWith('wasm://') ? `wasm ${f.functionName.replace(/^\$/, '')}` : f.functionName ? `js ${f.functionName}` : '(js/other)';
  self.set(name, (self.get(name) ?? 0) + dt);
  total += dt;
});
const rows = [...self].sort((a, b) => b[1] - a[1]).filter(([, t]) => t / total >= 0.003);
const md = [`one LM training step: ${ms.toFixed(1)} ms (mean of ${STEPS}); self time per function, V8 sampling profiler`, '',
  '| function | share | ms per step |', '|---|---:|---:|',
  ...rows.map(([n, t]) => `| ${n} | ${((100 * t) / total).toFixed(1)}% | ${((t / total) * ms).toFixed(1)} |`)].join('\n');
console.log(md);
writeFileSync('bench/results/train_profile.md', `${md}\n`);

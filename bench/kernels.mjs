// bench/kernels.mjs: GFLOP/s of the GEMV/GEMM kernels alone and of whole LSTM layers, to see how close
// the recurrence runs to its kernel ceiling. Run with `npm run bench:kernels` (after npm run build).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { InferenceSession, Tensor, hasRelaxedSimd, writeSafetensors } from '../dist/index.js';

const RUNS = Number(process.env.RUNS ?? 30);
const build = hasRelaxedSimd() ? 'lstm-relaxed.wasm' : 'lstm.wasm'; // what sessions load here
const { instance } = await WebAssembly.instantiate(readFileSync(new URL(`../dist/${build}`, import.meta.url)));
const ex = instance.exports;
const f32 = (ptr, n) => new Float32Array(ex.memory.buffer, ptr, n);
const fill = (a, seed) => { let s = seed; for (let i = 0; i < a.length; i++) { s = (s * 1103515245 + 12345) >>> 0; a[i] = s / 2 ** 32 - 0.5; } return a; };

/** Median and spread (p10..p90) in ms of fn over RUNS timed runs after warm-up. */
function time(fn, inner = 1) {
  for (let i = 0; i < 3; i++) fn();
  const ts = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    for (let i = 0; i < inner; i++) fn();
    ts.push((performance.now() - t) / inner);
  }
  ts.sort((a, b) => a - b);
  return { median: ts[RUNS >> 1], p10: ts[Math.floor(RUNS * 0.1)], p90: ts[Math.floor(RUNS * 0.9)] };
}

const rows = [];
function record(kind, shape, flops, t) {
  const gflops = flops / t.median / 1e6;
  rows.push({ kind, shape, ms: +t.median.toFixed(4), p10: +t.p10.toFixed(4), p90: +t.p90.toFixed(4), gflops: +gflops.toFixed(1) });
  console.log(`${kind.padEnd(8)} ${shape.padEnd(26)} ${t.median.toFixed(4).padStart(9)} ms  ${gflops.toFixed(1).padStart(6)} GFLOP/s`);
}

// GEMV y (M) = W (M, K) @ x: the per-step product of the recurrence (B = 1)
for (const [K, M] of [[64, 512], [128, 1024], [256, 1024], [512, 2048]]) {
  const mark = ex.arena_mark();
  const panels = ex.arena_alloc(M * K * 4), src = ex.arena_alloc(M * K * 4), x = ex.arena_alloc(K * 4), y = ex.arena_alloc(M * 4);
  fill(f32(src, M * K), 1); fill(f32(x, K), 2);
  ex.pack_panel16_f32(panels, src, M, K, K);
  const inner = Math.max(1, Math.round(2e6 / (M * K)));
  record('gemv', `K${K} M${M} (${(M * K * 4 / 1024).toFixed(0)} KiB)`, 2 * M * K, time(() => ex.gemv_panel16_f32(y, 0, panels, x, K, M), inner));
  ex.arena_reset(mark);
}
// GEMM C (N, M) = A (N, K) @ W^T: the input projection of a chunk of steps
for (const [N, K, M] of [[64, 64, 512], [64, 128, 1024], [64, 256, 2048]]) {
  const mark = ex.arena_mark();
  const panels = ex.arena_alloc(M * K * 4), src = ex.arena_alloc(M * K * 4), a = ex.arena_alloc(N * K * 4), c = ex.arena_alloc(N * M * 4);
  fill(f32(src, M * K), 1); fill(f32(a, N * K), 2);
  ex.pack_panel16_f32(panels, src, M, K, K);
  record('gemm', `N${N} K${K} M${M}`, 2 * N * M * K, time(() => ex.gemm_panel16_f32(c, M, 0, 0, a, K, N, K, panels, M, 0), 3));
  ex.arena_reset(mark);
}
// Whole LSTM layers (all hidden states returned), the configurations of the performance issue
for (const [name, B, T, I, H] of [['C1', 1, 128, 64, 128], ['C2', 1, 128, 128, 256], ['C3', 1, 64, 256, 512], ['C4', 32, 64, 128, 256]]) {
  const t = (shape, seed) => ({ shape, data: fill(new Float32Array(shape.reduce((a, b) => a * b)), seed).map((v) => v * 0.2) });
  const dict = [['weight_ih_l0', [4 * H, I]], ['weight_hh_l0', [4 * H, H]], ['bias_ih_l0', [4 * H]], ['bias_hh_l0', [4 * H]]]
    .map(([n, s], i) => ({ name: n, ...t(s, i + 3) }));
  const session = await InferenceSession.create(writeSafetensors(dict));
  const x = new Tensor('float32', fill(new Float32Array(T * B * I), 9), [T, B, I]);
  await session.run({ x });
  const ts = [];
  for (let r = 0; r < RUNS; r++) { const t0 = performance.now(); await session.run({ x }, ['y']); ts.push(performance.now() - t0); }
  ts.sort((a, b) => a - b);
  record('lstm', `${name} B${B} T${T} I${I} H${H}`, 2 * 4 * H * (I + H) * T * B, { median: ts[RUNS >> 1], p10: ts[Math.floor(RUNS * 0.1)], p90: ts[Math.floor(RUNS * 0.9)] });
  await session.release();
}

const machine = { cpu: cpus()[0].model, cores: cpus().length, node: process.version, wasm: build };
console.log(`\n${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${build}, single thread, ${RUNS} runs (median)`);
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/kernels.json', import.meta.url), JSON.stringify({ date: new Date().toISOString(), machine, rows }, null, 2) + '\n');

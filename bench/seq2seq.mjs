// bench/seq2seq.mjs: npm run bench:seq2seq (and part of npm run bench) — translating with the bundled dates model
// (examples/models/dates: BiLSTM encoder, LSTM decoder, Luong attention with input feeding): sentences per second,
// greedy and beam 5 (n-best 1), 1 and 16 sentences at a time. lstm-wasm's Seq2Seq (encoder once per batch, every
// decoder step of every sentence and beam one call into wasm) beside onnxruntime-web running the same model's
// encoder.onnx and decoder.onnx with the decode loop in JS (lstm-wasm's OnnxSeq2Seq: the same search, states and
// per-row memory gathered in JS between steps), and the same loop on onnxruntime-node (native) and on lstm-wasm's own
// ONNX sessions. Single thread; every system's tokens checked equal before timing; medians of interleaved rounds.
// Runs itself under node --no-liftoff: every wasm function, ours and onnxruntime-web's, optimized before timing. With
// V8's baseline compiler first, onnxruntime-web's large module sometimes ran baseline code through the timed rounds
// (its figures 25-40% lower in some runs, not in others); with the flag its figures hold from run to run, and ours
// do not change.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as ortNodeLib from 'onnxruntime-node';
import * as ortWebLib from 'onnxruntime-web';
import { hasRelaxedSimd } from '../dist/index.js';
import { OnnxSeq2Seq, Seq2Seq } from '../dist/seq2seq.js';

if (!process.execArgv.includes('--no-liftoff')) {
  const run = spawnSync(process.execPath, ['--no-liftoff', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

const DIR = new URL('../examples/models/dates/', import.meta.url);
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const WARMUP = Number(process.env.WARMUP ?? 3); // untimed rounds of every system first (JIT tiers, caches)
const N = Number(process.env.SENTENCES ?? 32); // sentences per measurement (held-out split, in order)
ortWebLib.env.wasm.numThreads = 1;
ortWebLib.env.logLevel = 'error';

const runtime = (lib, opts) => ({ session: (b) => lib.InferenceSession.create(b, opts), tensor: (t, d, s) => new lib.Tensor(t, d, s) });
const systems = {
  'lstm-wasm': await Seq2Seq.load(DIR),
  'onnxruntime-web': await OnnxSeq2Seq.load(DIR, runtime(ortWebLib, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' })),
  'onnxruntime-node': await OnnxSeq2Seq.load(DIR, runtime(ortNodeLib, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' })),
  'lstm-wasm ONNX graphs': await OnnxSeq2Seq.load(DIR),
};
const ours = systems['lstm-wasm'];
const texts = readFileSync(new URL('heldout.tsv', DIR), 'utf8').trimEnd().split('\n').slice(0, N).map((l) => l.split('\t')[0]);
const sources = texts.map((t) => ours.sourceVocab.encode(t));
const chars = sources.reduce((a, s) => a + s.length, 0);

const CASES = [
  { name: 'greedy', options: {}, batch: 1 },
  { name: 'greedy', options: {}, batch: 16 },
  { name: 'beam 5', options: { beam: 5 }, batch: 1 },
  { name: 'beam 5', options: { beam: 5 }, batch: 16 },
];

/** All N sentences, `batch` at a time -> their best token lists. */
async function translateAll(m, options, batch) {
  const out = [];
  for (let at = 0; at < sources.length; at += batch) out.push(...(await m.decode(sources.slice(at, at + batch), options)).map((h) => h[0].tokens));
  return out;
}

const median = (ts) => [...ts].sort((a, b) => a - b)[Math.floor(ts.length / 2)];
const results = [];
for (const c of CASES) {
  const want = JSON.stringify(await translateAll(ours, c.options, c.batch));
  for (const [name, m] of Object.entries(systems)) {
    const got = JSON.stringify(await translateAll(m, c.options, c.batch));
    if (got !== want) throw new Error(`${c.name} B${c.batch}: ${name}'s tokens differ from lstm-wasm's`);
  }
  for (let r = 0; r < WARMUP; r++) for (const m of Object.values(systems)) await translateAll(m, c.options, c.batch);
  const times = Object.fromEntries(Object.keys(systems).map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, m] of Object.entries(systems)) {
      const t0 = performance.now();
      await translateAll(m, c.options, c.batch);
      times[name].push(performance.now() - t0);
    }
  }
  const row = { case: `${c.name}, batch ${c.batch}`, decoding: c.name, batch: c.batch, sentences: N, systems: {} };
  for (const [name, ts] of Object.entries(times)) row.systems[name] = { ms: median(ts), sentencesPerSec: (N * 1000) / median(ts) };
  row.vsOrtWeb = row.systems['onnxruntime-web'].ms / row.systems['lstm-wasm'].ms;
  row.vsNative = row.systems['onnxruntime-node'].ms / row.systems['lstm-wasm'].ms;
  results.push(row);
  console.log(`${row.case.padEnd(18)} ${Object.entries(row.systems).map(([n, s]) => `${n} ${s.sentencesPerSec.toFixed(0)}/s`).join('  ')}  | x${row.vsOrtWeb.toFixed(2)} ort-web, x${row.vsNative.toFixed(2)} native`);
}
for (const m of Object.values(systems)) await m.release();

const machine = { cpu: cpus()[0].model, cores: cpus().length, node: process.version, flags: process.execArgv.join(' '), wasm: hasRelaxedSimd() ? 'lstm-relaxed.wasm' : 'lstm.wasm', date: new Date().toISOString().slice(0, 10) };
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/seq2seq.json', import.meta.url), JSON.stringify({ machine, rounds: ROUNDS, sentences: N, sourceChars: chars, results }, null, 2) + '\n');
const names = Object.keys(systems);
const md = [
  `${machine.cpu}, ${machine.cores} cores, Node ${machine.node} ${machine.flags} (${machine.wasm}), single thread, median of ${ROUNDS} interleaved rounds after ${WARMUP} untimed, ${machine.date}`,
  `Sentences per second translating the first ${N} held-out sentences of the dates model (${(chars / N).toFixed(1)} source characters each on average; beam: n-best 1, length penalty 1). ` +
  'The ONNX systems run encoder.onnx + decoder.onnx with the decode loop in JS.',
  '',
  `| decoding | ${names.join(' | ')} | lstm-wasm vs onnxruntime-web | vs onnxruntime-node |`,
  `|---|${names.map(() => '---|').join('')}---|---|`,
  ...results.map((r) => `| ${r.case} | ${names.map((n) => r.systems[n].sentencesPerSec.toFixed(0)).join(' | ')} | ${r.vsOrtWeb.toFixed(2)}× | ${r.vsNative.toFixed(2)}× |`),
];
writeFileSync(new URL('results/seq2seq.md', import.meta.url), md.join('\n') + '\n');
console.log('\n' + md.join('\n'));

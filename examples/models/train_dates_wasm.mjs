// examples/models/train_dates_wasm.mjs: the bundled dates model trained by lstm-wasm itself — the same initial weights
// (test/fixtures/models/dates/init.safetensors), data, batch size, steps, Adam, cosine schedule and gradient clipping as
// examples/models/train_dates.py — then greedy exact match on the same 2000 held-out sentences. Run from the repo root
// after npm run build (the data comes from dates_data.py, so Python with numpy is needed: PYTHON=/usr/bin/python3):
//   PYTHON=/usr/bin/python3 node examples/models/train_dates_wasm.mjs [OUT_DIR]
// Writes examples/models/dates/train_wasm.log, and the trained model folder to OUT_DIR (default /tmp/dates-wasm).
// DATES_STEPS=100 for a quick smoke run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Seq2Seq } from '../../dist/seq2seq.js';
import { adam, clipGradNorm, seq2seqTrainer } from '../../dist/train.js';

const DIR = 'examples/models/dates/';
const OUT = process.argv[2] ?? '/tmp/dates-wasm';
const STEPS = Number(process.env.DATES_STEPS ?? 2000), BATCH = 128, LR = 2e-3, CLIP = 1.0; // as train_dates.py
const log = [];
const say = (s) => {
  log.push(s);
  console.log(s);
};

// the training pairs of train_dates.py: dates_data.dataset(RandomState(0), 40000, 2000); its held-out part is heldout.tsv
const py = `import sys; sys.path.insert(0, 'examples/models'); import numpy as np; from dates_data import dataset
tr, te = dataset(np.random.RandomState(0), 40000, 2000)
sys.stdout.write(''.join('%s\\t%s\\n' % p for p in tr))`;
const pairs = execFileSync(process.env.PYTHON || 'python3', ['-c', py], { maxBuffer: 1 << 26 }).toString('utf8').trim().split('\n').map((l) => l.split('\t'));
const heldout = readFileSync(DIR + 'heldout.tsv', 'utf8').trim().split('\n').map((l) => l.split('\t'));
const config = JSON.parse(readFileSync(DIR + 'seq2seq.json', 'utf8'));
const srcChars = JSON.parse(readFileSync(DIR + 'source_vocab.json', 'utf8')).chars, tgtChars = JSON.parse(readFileSync(DIR + 'target_vocab.json', 'utf8')).chars;
const si = new Map(srcChars.map((c, i) => [c, i])), ti = new Map(tgtChars.map((c, i) => [c, i]));
say(`data: ${pairs.length} training pairs (dates_data.py, numpy seed 0), ${heldout.length} held out (heldout.tsv)`);

const tr = await seq2seqTrainer({ config, weights: readFileSync('test/fixtures/models/dates/init.safetensors') });
const opt = adam({ lr: LR });
// train_dates.py's LambdaLR: lr * (0.5 (1 + cos(pi s / STEPS)) 0.95 + 0.05) at optimizer step s = 0, 1, …
const lrAt = (s) => LR * (0.5 * (1 + Math.cos((Math.PI * s) / STEPS)) * 0.95 + 0.05);
let seed = 1; // mulberry32: the batches are sampled uniformly with replacement, as rs.randint does (another stream)
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

async function exactMatch(list) {
  const saved = tr.save();
  const m = await Seq2Seq.create({ config: saved.config, weights: saved.weights,
    sourceVocab: { chars: srcChars, pad: 0, unknown: 1 }, targetVocab: { chars: tgtChars, pad: 0 } });
  const res = await m.translate(list.map(([s]) => s), { batchSize: 256 });
  m.release?.();
  return res.filter((r, i) => r.translations[0].text === list[i][1]).length / list.length;
}

say(`training: ${STEPS} steps of ${BATCH} pairs, teacher forcing, cross-entropy, Adam lr ${LR} cosine, grad clip ${CLIP} (lstm-wasm)`);
const t0 = performance.now();
let run = 0;
for (let step = 1; step <= STEPS; step++) {
  const idx = Array.from({ length: BATCH }, () => Math.floor(rand() * pairs.length));
  const batch = { source: idx.map((i) => [...pairs[i][0]].map((c) => si.get(c))), target: idx.map((i) => [...pairs[i][1]].map((c) => ti.get(c))) };
  const loss = tr.loss(batch);
  tr.zeroGrad();
  tr.backward();
  clipGradNorm(tr, CLIP);
  tr.step(opt, lrAt(step - 1));
  run = step === 1 ? loss : 0.98 * run + 0.02 * loss;
  if (step % 100 === 0 || step === STEPS) {
    let msg = `step ${String(step).padStart(4)}  loss ${run.toFixed(4)} (smoothed)  lr ${lrAt(step).toFixed(5)}  ${((performance.now() - t0) / 1000).toFixed(0)}s`;
    if (step % 500 === 0 || step === STEPS) msg += `  exact match on 300 held-out ${(100 * (await exactMatch(heldout.slice(0, 300)))).toFixed(1)}%`;
    say(msg);
  }
}
const seconds = (performance.now() - t0) / 1000;
const em = await exactMatch(heldout);
const ref = JSON.parse(readFileSync('test/fixtures/models/dates/case.json', 'utf8'));
say(`held out (${heldout.length}): exact match ${(100 * em).toFixed(2)}% (greedy); PyTorch from the same initial weights: ${(100 * ref.exact_match).toFixed(2)}%`);
say(`training time ${seconds.toFixed(0)} s (node ${process.version}, ${STEPS} steps)`);
const saved = tr.save();
mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}/model.safetensors`, saved.weights);
const { onnx: _onnx, ...json } = saved.config; // the ONNX graphs are PyTorch's, not these weights
for (const f of ['source_vocab.json', 'target_vocab.json']) writeFileSync(`${OUT}/${f}`, readFileSync(DIR + f));
writeFileSync(`${OUT}/seq2seq.json`, JSON.stringify(json, null, 1));
say(`model written to ${OUT}`);
if (STEPS === 2000) writeFileSync(DIR + 'train_wasm.log', log.join('\n') + '\n');

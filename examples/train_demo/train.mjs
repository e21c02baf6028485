// examples/train_demo/train.mjs: npm run train:demo — lstm-wasm learns for real, beside PyTorch with the same data,
// networks, hyperparameters and steps (its scripts and results committed here):
// 1. a 2-layer character LSTM on Genesis and Exodus (KJV, shipped beside this file) with `lstm-wasm train-lm`; its
//    held-out loss must be within 5 % of the mean PyTorch reaches over seeds (train_torch.py, torch_seeds.json): the
//    spread between seeds is itself ~10 %, so one PyTorch run is no fixed mark (compare_torch.mjs shows that from the
//    same start and windows lstm-wasm follows PyTorch step for step);
// 2. a word-level LSTM that tells a Genesis verse from an Exodus one (classify.mjs, classify_torch.py): its mean held-out
//    accuracy over the seeds must come within 2 points of PyTorch's.
// Writes lstm-wasm.log, lstm-wasm_result.json, classify.log, classify_result.json here; the model to out/train_demo/.
// Exit 1 when a criterion fails.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { trainClassifier } from './classify.mjs';

const here = new URL('./', import.meta.url).pathname;
const c = JSON.parse(readFileSync(`${here}config.json`, 'utf8'));
const torch = JSON.parse(readFileSync(`${here}torch_result.json`, 'utf8'));
const seeds = Object.values(JSON.parse(readFileSync(`${here}torch_seeds.json`, 'utf8')));
const torchMean = seeds.reduce((a, v) => a + v, 0) / seeds.length;
const machine = `${cpus()[0].model.trim()}, Node ${process.version}`;
const { classifier, ...lm } = c;
const text = readFileSync(`${here}${c.text}`, 'utf8');
let ok = true;

// 2 first: it takes seconds
const clog = [`lstm-wasm classifier (Genesis or Exodus), ${machine}`];
const say = (s) => (console.log(s), clog.push(s));
say(clog[0]);
const cr = await trainClassifier(c, text, say);
const ct = JSON.parse(readFileSync(`${here}classify_torch_result.json`, 'utf8'));
const cOk = cr.mean >= ct.mean_accuracy - 0.02;
ok &&= cOk;
say(`mean held-out accuracy: lstm-wasm ${(100 * cr.mean).toFixed(2)} %, PyTorch ${(100 * ct.mean_accuracy).toFixed(2)} % over seeds ${classifier.seeds.join(', ')} ` +
  `(within 2 points or better: ${cOk ? 'yes' : 'NO'}); training ${cr.seconds.toFixed(1)} s vs PyTorch ${ct.seconds.toFixed(1)} s`);
writeFileSync(`${here}classify.log`, `${clog.join('\n')}\n`);
writeFileSync(`${here}classify_result.json`, `${JSON.stringify({ accuracy: cr.accuracy, mean_accuracy: cr.mean, seconds: cr.seconds }, null, 2)}\n`);

// 1
const args = ['bin/lstm-wasm.js', 'train-lm', `${here}${c.text}`, '--embed', c.embed, '--hidden', c.hidden, '--layers', c.layers,
  '--seq-len', c.seq_len, '--batch-size', c.batch_size, '--steps', c.steps, '--lr', c.lr, '--min-lr-ratio', c.min_lr_ratio,
  '--clip-norm', c.clip_norm, '--max-chars', c.max_chars, '--valid', c.valid, '--seed', c.seed, '--out', 'out/train_demo'].map(String);
const log = [`lstm-wasm train-lm, ${machine}; config ${JSON.stringify(lm)}`];
console.log(log[0]);
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
let stdout = '';
child.stdout.on('data', (d) => (stdout += d));
child.stderr.on('data', (d) => {
  process.stderr.write(d);
  for (const line of String(d).split(/[\r\n]+/)) if (/held-out|characters/.test(line)) log.push(line.replace(/\x1b\[K/g, '').trim());
});
const code = await new Promise((resolve) => child.on('close', resolve));
if (code !== 0) process.exit(code);
const result = JSON.parse(stdout.trim().split('\n').pop());
const ratio = result.valLoss / torchMean, lmOk = Math.abs(ratio - 1) <= 0.05;
ok &&= lmOk;
const verdict = `held-out loss: lstm-wasm ${result.valLoss.toFixed(4)} nats/char (seed ${c.seed}); PyTorch ${torchMean.toFixed(4)}, the mean over seeds ` +
  `${Object.keys(JSON.parse(readFileSync(`${here}torch_seeds.json`, 'utf8'))).join(', ')} (from ${Math.min(...seeds).toFixed(4)} to ${Math.max(...seeds).toFixed(4)}; ` +
  `seed ${c.seed}: ${torch.held_out_loss.toFixed(4)}). Ratio to the mean ${ratio.toFixed(3)} (within 5 %: ${lmOk ? 'yes' : 'NO'}), to seed ${c.seed} ` +
  `${(result.valLoss / torch.held_out_loss).toFixed(3)}; training ${(result.trainMs / 1000).toFixed(0)} s (${(result.trainMs / c.steps).toFixed(1)} ms per step) ` +
  `vs PyTorch ${torch.seconds.toFixed(0)} s (${((1000 * torch.seconds) / c.steps).toFixed(1)} ms per step)`;
log.push(verdict);
console.log(verdict);
writeFileSync(`${here}lstm-wasm.log`, `${log.join('\n')}\n`);
writeFileSync(`${here}lstm-wasm_result.json`, `${JSON.stringify({ held_out_loss: result.valLoss, steps: result.steps, seconds: result.trainMs / 1000,
  ratio_to_torch_mean: ratio, ratio_to_torch_same_seed: result.valLoss / torch.held_out_loss }, null, 2)}\n`);
process.exit(ok ? 0 : 1);

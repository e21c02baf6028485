// cli/train_lm.ts: `lstm-wasm train-lm TEXT_FILE --hidden 256 --layers 2 …` — a character language model from a text file:
// vocabulary, Embedding -> LSTM -> Linear, Adam with a cosine schedule, held-out loss; writes model.safetensors and
// vocab.json, which `lstm-wasm generate` reads.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LstmWasmError, check } from '../errors.js';
import { Rng } from '../decode/rng.js';
import { Tensor } from '../tensor.js';
import { fit, trainStep } from '../train/fit.js';
import { dense, embedding, lstm } from '../train/layers.js';
import { Network } from '../train/network.js';
import { adam, cosine } from '../train/optim.js';
import { type Io, num, parse } from './common.js';
import { Progress } from './progress.js';
import { outFile } from './train.js';

export const TRAIN_LM_USAGE =
  'lstm-wasm train-lm TEXT_FILE [--hidden 256] [--layers 2] [--embed 32] [--seq-len 128] [--batch-size 64] [--steps 1000] [--lr 3e-3] ' +
  '[--min-lr-ratio 0.03] [--clip-norm 1] [--dropout 0] [--max-chars 80] [--valid 0.02] [--tbptt] [--seed 0] --out DIR';

const UNKNOWN = '\ufffd';

/** id 0 = unknown, then the maxChars most frequent characters (ties by code point), in code-point order. */
export function charVocab(text: string, maxChars: number): string[] {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const cp = (s: string) => s.codePointAt(0)!;
  const keep = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || cp(a) - cp(b)).slice(0, maxChars);
  return [UNKNOWN, ...keep.sort((a, b) => cp(a) - cp(b))];
}

/** Mean next-character cross-entropy (nats) over ids, in windows of seq+1 from a zero state, 32 windows per run. */
export function heldOutLoss(net: Network, ids: Int32Array, seq: number): number {
  let total = 0, n = 0;
  const starts: number[] = [];
  for (let i = 0; i + seq + 1 <= ids.length; i += seq) starts.push(i);
  for (let at = 0; at < starts.length; at += 32) {
    const rows = starts.slice(at, at + 32), B = rows.length;
    const x = new Int32Array(B * seq), y = new Int32Array(B * seq);
    rows.forEach((s, b) => {
      x.set(ids.subarray(s, s + seq), b * seq);
      y.set(ids.subarray(s + 1, s + seq + 1), b * seq);
    });
    total += net.evaluate(new Tensor('int32', x, [B, seq]), new Tensor('int32', y, [B, seq]), 'ce') * B * seq;
    n += B * seq;
  }
  check(n > 0, 'INPUT', `the held-out text is shorter than one window of ${seq + 1} characters; lower --seq-len or raise --valid`);
  return total / n;
}

export async function trainLm(args: string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, {
    hidden: { type: 'string' }, layers: { type: 'string' }, embed: { type: 'string' }, 'seq-len': { type: 'string' },
    'batch-size': { type: 'string' }, steps: { type: 'string' }, lr: { type: 'string' }, 'min-lr-ratio': { type: 'string' },
    'clip-norm': { type: 'string' }, dropout: { type: 'string' }, 'max-chars': { type: 'string' }, valid: { type: 'string' },
    tbptt: { type: 'boolean' }, seed: { type: 'string' }, out: { type: 'string', short: 'o' },
  });
  check(positionals.length === 1, 'OPTION', `give one TEXT_FILE; usage: ${TRAIN_LM_USAGE}`);
  check(typeof values.out === 'string', 'OPTION', `missing --out DIR; usage: ${TRAIN_LM_USAGE}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(positionals[0]));
  } catch (e) {
    throw new LstmWasmError('IO', `cannot read ${positionals[0]} as UTF-8 text: ${(e as { code?: string }).code ?? (e as Error).message}`);
  }
  const H = num(values, 'hidden') ?? 256, L = num(values, 'layers') ?? 2, E = num(values, 'embed') ?? 32;
  const seq = num(values, 'seq-len') ?? 128, B = num(values, 'batch-size') ?? 64, steps = num(values, 'steps') ?? 1000;
  const lr = num(values, 'lr') ?? 3e-3, minRatio = num(values, 'min-lr-ratio') ?? 0.03, clip = num(values, 'clip-norm') ?? 1;
  const valid = num(values, 'valid') ?? 0.02, seed = num(values, 'seed') ?? 0;
  for (const [k, v] of Object.entries({ hidden: H, layers: L, embed: E, 'seq-len': seq, 'batch-size': B, steps, seed: seed + 1 })) {
    check(Number.isSafeInteger(v) && v >= 1, 'OPTION', `--${k} must be a positive integer, got ${k === 'seed' ? v - 1 : v}`);
  }
  check(valid > 0 && valid < 0.5, 'OPTION', `--valid must be a fraction in (0, 0.5), got ${valid}`);

  const chars = charVocab(text, num(values, 'max-chars') ?? 80), index = new Map(chars.map((c, i) => [c, i]));
  index.delete(UNKNOWN);
  const all = Int32Array.from(text, (ch) => index.get(ch) ?? 0);
  const cut = Math.floor(all.length * (1 - valid)), train = all.subarray(0, cut), held = all.subarray(cut);
  check(train.length > seq + 1, 'INPUT', `${positionals[0]}: ${all.length} characters are too few for windows of ${seq + 1}`);
  const V = chars.length;
  const net = await Network.create([embedding(V, E), lstm(H, { layers: L, dropout: num(values, 'dropout') ?? 0 }), dense(V)], { seed });
  io.err(`${positionals[0]}: ${all.length} characters, ${V} ids; train ${train.length}, held out ${held.length}; ` +
    `Embedding(${V}, ${E}) -> LSTM(${E}, ${H}, num_layers=${L}) -> Linear(${H}, ${V}), ${net.params.params.reduce((a, p) => a + p.dims.reduce((x, y) => x * y, 1), 0)} weights`);
  const optimizer = adam({ lr }), schedule = cosine({ total: steps, minLr: lr * minRatio });
  const progress = new Progress(io.err, steps);
  const losses: number[] = [];
  const t0 = Date.now();
  if (values.tbptt) {
    // B streams through the text, each step the next seq characters of every stream, the state carried
    const per = Math.floor((train.length - 1) / B), x = new Int32Array(B * per), y = new Int32Array(B * per);
    for (let b = 0; b < B; b++) {
      x.set(train.subarray(b * per, (b + 1) * per), b * per);
      y.set(train.subarray(b * per + 1, (b + 1) * per + 1), b * per);
    }
    const chunks = Math.floor(per / seq);
    const r = await fit(net, { x: new Tensor('int32', x, [B, per]), y: new Tensor('int32', y, [B, per]) }, {
      loss: 'ce', optimizer, schedule, clipNorm: clip, tbptt: seq, epochs: Math.ceil(steps / chunks),
      onStep: (s) => (progress.step(s), s.step + 1 < steps),
    });
    losses.push(...r.losses);
  } else {
    // random windows of seq+1 characters from a zero state, as examples/models/train_charlm.py trains
    const rng = new Rng(seed), x = new Int32Array(B * seq), y = new Int32Array(B * seq);
    let tokens = 0;
    for (let step = 0; step < steps; step++) {
      for (let b = 0; b < B; b++) {
        const s = Math.floor(rng.next() * (train.length - seq - 1));
        x.set(train.subarray(s, s + seq), b * seq);
        y.set(train.subarray(s + 1, s + seq + 1), b * seq);
      }
      const r = trainStep(net, new Tensor('int32', x, [B, seq]), new Tensor('int32', y, [B, seq]),
        { loss: 'ce', optimizer, clipNorm: clip, lr: schedule(step, lr), step });
      losses.push(r.loss);
      tokens += B * seq;
      const elapsed = Math.max(1, Date.now() - t0);
      progress.step({ step, epoch: 0, batch: step, batches: steps, loss: r.loss, gradNorm: r.gradNorm, lr: schedule(step, lr),
        stepsPerSec: ((step + 1) * 1000) / elapsed, tokensPerSec: (tokens * 1000) / elapsed, elapsedMs: elapsed, etaMs: 0 });
      if ((step + 1) % 300 === 0 && step + 1 < steps) progress.note(`step ${step + 1}  held-out loss ${heldOutLoss(net, held, seq).toFixed(4)} nats/char`);
    }
  }
  const trainMs = Date.now() - t0;
  const valLoss = heldOutLoss(net, held, seq);
  progress.note(`held-out loss ${valLoss.toFixed(4)} nats/char (${(valLoss / Math.LN2).toFixed(3)} bits/char); training took ${(trainMs / 1000).toFixed(0)} s`);
  const file = await outFile(values.out);
  net.metadata = { output: 'logits', input: 'token_ids', vocab: 'vocab.json', description: `character-level LSTM language model trained by lstm-wasm train-lm on ${positionals[0]}` };
  await writeFile(file, net.save());
  await writeFile(join(dirname(file), 'vocab.json'), `${JSON.stringify({ chars, unknown: 0 }, null, 1)}\n`);
  net.release();
  io.out(JSON.stringify({ steps: losses.length, losses, valLoss, trainMs, out: file }));
}

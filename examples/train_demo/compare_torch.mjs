// examples/train_demo/compare_torch.mjs: replays a PyTorch run of train_torch.py step for step in lstm-wasm — the same
// initial weights, the same windows, the same schedule — and prints both losses per step, and the held-out losses.
//   OPENBLAS_NUM_THREADS=1 /usr/bin/python3 examples/train_demo/train_torch.py --dump out/train_demo_dump 1500
//   node examples/train_demo/compare_torch.mjs out/train_demo_dump [EVAL_EVERY]
// To tell which random draws move the result, env: STEPS=n (replay only the first n), OUR_INIT=1 (lstm-wasm's own
// initial weights, INIT_SEED to pick them), INIT_DIR=dir (initial weights from dir/<key>.f32), OUR_WINDOWS=1 (train-lm's
// window starts instead of PyTorch's). Result (replay.log): 1500 steps from PyTorch's start give PyTorch's held-out loss.
import { readFileSync } from 'node:fs';
import { Tensor } from 'lstm-wasm';
import { Network, adam, cosine, dense, embedding, lstm, trainStep } from 'lstm-wasm/train';

const here = new URL('./', import.meta.url).pathname;
const dir = process.argv[2] ?? 'out/train_demo_dump';
const c = JSON.parse(readFileSync(`${here}config.json`, 'utf8'));
const d = JSON.parse(readFileSync(`${dir}/dump.json`, 'utf8'));
const text = readFileSync(`${here}${c.text}`, 'utf8');
const index = new Map(d.vocab.map((ch, i) => [ch, i]));
index.delete(d.vocab[0]);
const all = Int32Array.from(text, (ch) => index.get(ch) ?? 0);
const cut = Math.floor(all.length * (1 - c.valid)), train = all.subarray(0, cut);
const f32 = (file) => { const b = readFileSync(file); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
const i32 = (file) => { const b = readFileSync(file); return new Int32Array(b.buffer, b.byteOffset, b.length / 4); };

const V = d.vocab.length, B = c.batch_size, seq = c.seq_len, N = Number(process.env.STEPS ?? d.loss.length);
const net = await Network.create([embedding(V, c.embed), lstm(c.hidden, { layers: c.layers }), dense(V)], { seed: Number(process.env.INIT_SEED ?? c.seed) });
if (!process.env.OUR_INIT) net.setWeights(Object.fromEntries(Object.entries(d.weights).map(([k, dims]) => [k, { dims, data: f32(`${process.env.INIT_DIR ?? dir}/${k}.f32`) }])));
const starts = i32(`${dir}/starts.i32`).slice(0, N * B);
if (process.env.OUR_WINDOWS) { // train-lm's own draws instead of PyTorch's (src/decode/rng.ts, copied)
  const s4 = new Uint32Array(4), rotl = (x, k) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const mix = (z) => { z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0; z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0; return (z ^ (z >>> 16)) >>> 0; };
  const lo = c.seed >>> 0, hi = 0, words = [lo, hi, lo ^ 0x9e3779b9, hi ^ 0x7f4a7c15];
  for (let i = 0; i < 4; i++) s4[i] = mix((words[i] + Math.imul(i, 0x6a09e667)) >>> 0);
  const u32 = () => { const r = Math.imul(rotl(Math.imul(s4[1], 5) >>> 0, 7), 9) >>> 0, t = (s4[1] << 9) >>> 0;
    s4[2] ^= s4[0]; s4[3] ^= s4[1]; s4[1] ^= s4[2]; s4[0] ^= s4[3]; s4[2] ^= t; s4[3] = rotl(s4[3], 11); return r; };
  for (let i = 0; i < N * B; i++) starts[i] = Math.floor(((u32() >>> 5) * 67108864 + (u32() >>> 6)) / 9007199254740992 * (train.length - seq - 1));
}
const optimizer = adam({ lr: c.lr }), schedule = cosine({ total: c.steps, minLr: c.lr * c.min_lr_ratio });
// the held-out loss as train-lm measures it (windows of seq+1 every seq characters, 32 per run)
function heldOut() {
  const held = all.subarray(cut), hs = [];
  let total = 0, n = 0;
  for (let i = 0; i + seq + 1 <= held.length; i += seq) hs.push(i);
  for (let at = 0; at < hs.length; at += 32) {
    const rows = hs.slice(at, at + 32), R = rows.length, hx = new Int32Array(R * seq), hy = new Int32Array(R * seq);
    rows.forEach((s, b) => { hx.set(held.subarray(s, s + seq), b * seq); hy.set(held.subarray(s + 1, s + seq + 1), b * seq); });
    total += net.evaluate(new Tensor('int32', hx, [R, seq]), new Tensor('int32', hy, [R, seq]), 'ce') * R * seq;
    n += R * seq;
  }
  return total / n;
}
const evalEvery = Number(process.argv[3] ?? 0); // also measure the held-out loss every so many steps, as train-lm does
const x = new Int32Array(B * seq), y = new Int32Array(B * seq);
let worst = 0;
for (let step = 0; step < N; step++) {
  for (let b = 0; b < B; b++) {
    const s = starts[step * B + b];
    x.set(train.subarray(s, s + seq), b * seq);
    y.set(train.subarray(s + 1, s + seq + 1), b * seq);
  }
  const lr = schedule(step, c.lr);
  const r = trainStep(net, new Tensor('int32', x, [B, seq]), new Tensor('int32', y, [B, seq]), { loss: 'ce', optimizer, clipNorm: c.clip_norm, lr, step });
  const rel = Math.abs(r.loss - d.loss[step]) / d.loss[step];
  worst = Math.max(worst, rel);
  if (evalEvery && (step + 1) % evalEvery === 0) console.log(`step ${step + 1}: held-out loss ${heldOut().toFixed(5)}`);
  if (step < 5 || (step + 1) % 10 === 0 || rel > 1e-3) {
    console.log(`step ${String(step).padStart(4)}  loss ${r.loss.toFixed(5)} torch ${d.loss[step].toFixed(5)}  ` +
      `norm ${r.gradNorm.toFixed(4)} torch ${d.grad_norm[step].toFixed(4)}  lr ${lr.toExponential(4)} torch ${d.lr[step].toExponential(4)}`);
  }
}
let wmax = 0, wname = '';
const w = net.weights();
for (const k of Object.keys(d.weights)) {
  const ref = f32(`${dir}/${k}.final.f32`), ours = w[k].data;
  for (let i = 0; i < ref.length; i++) {
    const e = Math.abs(ours[i] - ref[i]);
    if (e > wmax) [wmax, wname] = [e, k];
  }
}
console.log(`${N} steps: largest relative loss difference ${worst.toExponential(2)}; largest final weight difference ${wmax.toExponential(2)} (${wname})`);
console.log(`held-out loss after ${N} steps: lstm-wasm ${heldOut().toFixed(5)}, PyTorch ${d.held_out_loss.toFixed(5)}`);

// examples/browser/train.js: the training page — a character LSTM learns Genesis and Exodus in the tab (lstm-wasm/train),
// plotting the loss as it goes and sampling from the model every few hundred steps. ?steps=N&hidden=H change the run.
import { InferenceSession, Rng, Tensor, Vocab, generate } from '../../dist/index.js'; // in your project: from 'lstm-wasm'
import { adam, cosine, dense, embedding, lstm, sequential, trainStep } from '../../dist/train.js'; // from 'lstm-wasm/train'

const q = new URLSearchParams(location.search);
const STEPS = Number(q.get('steps') ?? 1500), H = Number(q.get('hidden') ?? 128), B = Number(q.get('batch') ?? 32), T = 64, LR = 3e-3;
const $ = (id) => document.getElementById(id);
const text = await (await fetch('../train_demo/genesis_exodus.txt')).text();
// id 0 = unknown, then the 80 most frequent characters in code-point order (as lstm-wasm train-lm builds it)
const counts = new Map();
for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
const cp = (s) => s.codePointAt(0);
const chars = ['\ufffd', ...[...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a) || cp(a) - cp(b)).slice(0, 80).sort((a, b) => cp(a) - cp(b))];
const index = new Map(chars.map((c, i) => [c, i]));
const ids = Int32Array.from(text, (ch) => index.get(ch) ?? 0);
const cut = Math.floor(ids.length * 0.95), train = ids.subarray(0, cut), held = ids.subarray(cut);
const vocab = new Vocab(chars, { kind: 'char', unknown: 0 });

const losses = [], heldOut = [];
function draw() {
  const c = $('plot'), g = c.getContext('2d'), W = c.width, Hc = c.height, top = Math.log(chars.length);
  g.clearRect(0, 0, W, Hc);
  g.strokeStyle = '#ccd'; g.beginPath(); g.moveTo(40, 10); g.lineTo(40, Hc - 20); g.lineTo(W - 10, Hc - 20); g.stroke();
  g.fillStyle = '#5b6575'; g.font = '12px sans-serif';
  for (const v of [0, 1, 2, 3, 4]) if (v <= top) g.fillText(String(v), 22, Hc - 20 - (v / top) * (Hc - 30) + 4);
  const x = (s) => 40 + (s / STEPS) * (W - 50), y = (v) => Hc - 20 - (Math.min(v, top) / top) * (Hc - 30);
  g.strokeStyle = '#1f77b4'; g.beginPath();
  losses.forEach((v, s) => (s ? g.lineTo(x(s), y(v)) : g.moveTo(x(s), y(v))));
  g.stroke();
  g.fillStyle = '#d62728';
  for (const [s, v] of heldOut) { g.beginPath(); g.arc(x(s), y(v), 3.5, 0, 7); g.fill(); }
}

async function heldOutLoss(net) {
  const n = 16, x = new Int32Array(n * T), y = new Int32Array(n * T);
  for (let b = 0; b < n; b++) {
    const s = b * T * 4;
    x.set(held.subarray(s, s + T), b * T);
    y.set(held.subarray(s + 1, s + T + 1), b * T);
  }
  return net.evaluate(new Tensor('int32', x, [n, T]), new Tensor('int32', y, [n, T]), 'ce');
}

async function sample(net) {
  const session = await InferenceSession.create(net.save()); // the network as it is now, for generation
  let out = 'And God said, ';
  for await (const t of generate(session, out, { vocab, maxTokens: 120, temperature: 0.7, topK: 10, seed: losses.length })) out += t.text;
  await session.release();
  $('sample').textContent = `after ${losses.length} steps: ${out}`;
}

let stop = false;
$('stop').onclick = () => (stop = true);
$('start').onclick = async () => {
  $('start').disabled = true;
  $('stop').disabled = false;
  const net = await sequential([embedding(chars.length, 32), lstm(H, { layers: 2 }), dense(chars.length)], { seed: 1 });
  const optimizer = adam({ lr: LR }), schedule = cosine({ total: STEPS, minLr: LR * 0.03 }), rng = new Rng(1);
  const x = new Int32Array(B * T), y = new Int32Array(B * T), t0 = performance.now();
  for (let step = 0; step < STEPS && !stop; step++) {
    for (let b = 0; b < B; b++) {
      const s = Math.floor(rng.next() * (train.length - T - 1));
      x.set(train.subarray(s, s + T), b * T);
      y.set(train.subarray(s + 1, s + T + 1), b * T);
    }
    const r = trainStep(net, new Tensor('int32', x, [B, T]), new Tensor('int32', y, [B, T]), { loss: 'ce', optimizer, clipNorm: 1, lr: schedule(step, LR), step });
    losses.push(r.loss);
    if ((step + 1) % 100 === 0 || step + 1 === STEPS) {
      heldOut.push([step, await heldOutLoss(net)]);
      if ((step + 1) % 300 === 0 || step + 1 === STEPS) await sample(net);
    }
    const ms = (performance.now() - t0) / (step + 1);
    $('status').textContent = `step ${step + 1}/${STEPS}  loss ${r.loss.toFixed(3)}  ${ms.toFixed(0)} ms/step  ${Math.round((B * T * 1000) / ms)} chars/s`;
    draw();
    await new Promise((r) => setTimeout(r)); // let the page paint
  }
  $('stop').disabled = true;
  document.body.dataset.done = JSON.stringify({ steps: losses.length, first: losses[0], last: losses[losses.length - 1], msPerStep: (performance.now() - t0) / losses.length });
};
if (q.has('autostart')) $('start').click();

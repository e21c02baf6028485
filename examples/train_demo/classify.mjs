// examples/train_demo/classify.mjs: train:demo's classifier — which book (Genesis or Exodus) a KJV verse comes from, a
// word-level LSTM trained by lstm-wasm exactly as classify_torch.py trains it in PyTorch (same data, vocabulary,
// network, hyperparameters, seeds; see there for the procedure). Returns the held-out accuracy per seed.
import { readFileSync } from 'node:fs';
import { Tensor } from 'lstm-wasm';
import { adam, dense, embedding, fit, lstm, sequential } from 'lstm-wasm/train';

export function classifierData(c, text) {
  const k = c.classifier, verses = text.split('\n').slice(0, -1);
  const words = verses.map((v) => v.toLowerCase().match(/[a-z]+/g) ?? []);
  const held = verses.map((_, i) => i % k.holdout_every === k.holdout_every - 1);
  const counts = new Map();
  words.forEach((w, i) => { if (!held[i]) for (const t of w) counts.set(t, (counts.get(t) ?? 0) + 1); });
  const vocab = [...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a) || (a < b ? -1 : a > b ? 1 : 0)).slice(0, k.max_words);
  const index = new Map(vocab.map((t, i) => [t, i + 2]));
  const T = k.max_len, pick = (keep) => verses.map((_, i) => i).filter((i) => held[i] !== keep);
  const batch = (rows) => {
    const x = new Int32Array(rows.length * T), lens = new Int32Array(rows.length), y = new Int32Array(rows.length);
    rows.forEach((i, r) => {
      const w = words[i].slice(0, T);
      w.forEach((t, j) => (x[r * T + j] = index.get(t) ?? 1));
      lens[r] = Math.max(1, w.length);
      y[r] = i < k.genesis_verses ? 0 : 1;
    });
    return { x: new Tensor('int32', x, [rows.length, T]), y: new Tensor('int32', y, [rows.length]), lengths: lens };
  };
  return { V: vocab.length + 2, train: batch(pick(true)), held: batch(pick(false)) };
}

export async function trainClassifier(c, text, log) {
  const k = c.classifier, { V, train, held } = classifierData(c, text);
  const exodus = held.y.data.reduce((a, v) => a + v, 0) / held.y.dims[0];
  log(`${held.y.dims[0] + train.y.dims[0]} verses (train ${train.y.dims[0]}, held out ${held.y.dims[0]}; Exodus ${(100 * exodus).toFixed(1)} % of the held out), ${V} ids; config ${JSON.stringify(k)}`);
  const accs = [];
  const t0 = Date.now();
  for (const seed of k.seeds) {
    const net = await sequential([embedding(V, k.embed), lstm(k.hidden, { output: 'final_state' }), dense(2)], { seed });
    const r = await fit(net, train, { loss: 'ce', optimizer: adam({ lr: k.lr }), batchSize: k.batch_size, epochs: k.epochs, clipNorm: k.clip_norm, seed });
    const logits = net.forward(held.x, { lengths: held.lengths }).data;
    let right = 0;
    held.y.data.forEach((y, i) => (right += (logits[2 * i + 1] > logits[2 * i] ? 1 : 0) === y ? 1 : 0));
    accs.push(right / held.y.dims[0]);
    log(`seed ${seed}: epoch losses ${r.epochs.map((e) => e.loss.toFixed(4)).join(' ')}; held-out accuracy ${(100 * accs.at(-1)).toFixed(2)} %`);
    net.release();
  }
  return { accuracy: accs, mean: accs.reduce((a, v) => a + v, 0) / accs.length, seconds: (Date.now() - t0) / 1000 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const here = new URL('./', import.meta.url).pathname;
  const c = JSON.parse(readFileSync(`${here}config.json`, 'utf8'));
  const r = await trainClassifier(c, readFileSync(`${here}${c.text}`, 'utf8'), console.log);
  console.log(`mean held-out accuracy ${(100 * r.mean).toFixed(2)} %; ${r.seconds.toFixed(1)} s`);
}

// examples/vectors_classifier.mjs: npm run example:vectors — pretrained word vectors into a recurrent classifier.
// The bundled KJV skip-gram vectors (examples/models/kjv-vectors, trained by lstm-wasm's word2vec) become the frozen
// embedding of an LSTM that labels a verse with the section of its book (the task of examples/models/topic: Law,
// History, Poetry, Prophets, Gospels/Acts, Epistles/Revelation). Beside it, same data, steps and seed: the vectors as
// the starting point of a trainable embedding (fine-tuned), and a random trainable embedding. The three held-out
// accuracies are printed and written to examples/models/kjv-vectors/classifier.log. Needs Debian's bible-kjv (the
// `bible` command) for the verses.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Tensor } from '../dist/index.js';
import { KeyedVectors, Tokenizer } from '../dist/text.js';
import { adam, dense, embedding, fit, lstm, sequential } from '../dist/train.js';

const DIR = 'examples/models/kjv-vectors';
const LABELS = ['Law', 'History', 'Poetry', 'Prophets', 'Gospels/Acts', 'Epistles/Revelation'];
const FIRST_BOOK = [0, 5, 17, 22, 39, 44]; // Genesis, Joshua, Job, Isaiah, Matthew, Romans (0-based canonical book index)
const MAX_WORDS = 40, HIDDEN = 64, EPOCHS = 2, BATCH = 64, LR = 3e-3, HOLDOUT = 0.1, SEED = 1;

let raw;
try {
  raw = execFileSync('bible', ['-f', 'gen1:1-rev22:21'], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 }).toString('latin1');
} catch {
  console.error("examples/vectors_classifier.mjs needs the KJV text from Debian's bible-kjv: apt-get install bible-kjv");
  process.exit(1);
}
const tokenizer = new Tokenizer();
const books = new Map();
const verses = raw.split('\n').filter(Boolean).map((line) => {
  const [ref, ...words] = line.split(' ');
  const abbr = ref.replace(/\d+:\d+$/, '');
  if (!books.has(abbr)) books.set(abbr, books.size);
  const b = books.get(abbr);
  return { label: FIRST_BOOK.filter((f) => f <= b).length - 1, tokens: tokenizer.tokenize(words.join(' ')) };
});

const kv = await KeyedVectors.load(`${DIR}/vectors.bin`);
const words = ['<pad>', '<unk>', ...kv.keys];
const id = new Map(words.map((w, i) => [w, i]));
const matrix = kv.embeddingMatrix({ tokens: words, pad: 0 }); // <unk> has no vector: zeros

// a seeded split (xorshift32 Fisher-Yates), then the ids padded to MAX_WORDS with the lengths beside them
let s = SEED;
const rand = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 2 ** 32);
const order = verses.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [order[i], order[j]] = [order[j], order[i]];
}
const nTest = Math.round(HOLDOUT * verses.length);
function tensors(idx) {
  const x = new Int32Array(idx.length * MAX_WORDS), y = new BigInt64Array(idx.length), lengths = new Int32Array(idx.length);
  idx.forEach((v, r) => {
    const t = verses[v].tokens.slice(0, MAX_WORDS);
    t.forEach((w, k) => (x[r * MAX_WORDS + k] = id.get(w) ?? 1));
    lengths[r] = Math.max(1, t.length);
    y[r] = BigInt(verses[v].label);
  });
  return { x: new Tensor('int32', x, [idx.length, MAX_WORDS]), y, lengths };
}
const train = tensors(order.slice(nTest)), test = tensors(order.slice(0, nTest));
const log = [];
const say = (line) => (log.push(line), console.log(line));
say(`${verses.length} verses (${verses.length - nTest} training, ${nTest} held out), ${LABELS.length} sections; vocabulary: the ` +
  `${kv.size} words of the KJV vectors + <pad>, <unk>; ${cpus()[0].model.trim()}, Node ${process.version}`);

async function run(name, emb) {
  const net = await sequential([emb, lstm(HIDDEN, { output: 'final_state' }), dense(LABELS.length)], { seed: SEED });
  const t0 = performance.now();
  await fit(net, { x: train.x, y: new Tensor('int64', train.y, [train.y.length]), lengths: train.lengths }, {
    loss: 'ce', optimizer: adam({ lr: LR }), batchSize: BATCH, epochs: EPOCHS, seed: SEED, clipNorm: 1,
  });
  const seconds = (performance.now() - t0) / 1000;
  const logits = net.forward(test.x, { lengths: test.lengths }).data;
  let right = 0;
  for (let r = 0; r < test.y.length; r++) {
    const row = logits.subarray(r * LABELS.length, (r + 1) * LABELS.length);
    if (row.indexOf(Math.max(...row)) === Number(test.y[r])) right++;
  }
  const trainable = Object.values(net.weights()).reduce((a, t) => a + t.data.length, 0) - (emb.trainable ? 0 : emb.numEmbeddings * emb.dim);
  say(`${name}: held-out accuracy ${(right / test.y.length).toFixed(4)} (${right}/${test.y.length}); ${trainable} trained weights; ${EPOCHS} epochs in ${seconds.toFixed(0)} s`);
  net.release();
  return right / test.y.length;
}

const pre = await run('LSTM on the frozen KJV word2vec vectors', embedding(words.length, kv.vectorSize, { weights: matrix, trainable: false }));
const tuned = await run('LSTM on the KJV vectors, fine-tuned with it', embedding(words.length, kv.vectorSize, { weights: matrix }));
const scratch = await run('LSTM on a random embedding trained with it', embedding(words.length, kv.vectorSize));
const pts = (a) => `${a >= scratch ? '+' : ''}${(100 * (a - scratch)).toFixed(1)} points`;
say(`against the random embedding: frozen vectors ${pts(pre)}, fine-tuned vectors ${pts(tuned)}`);
writeFileSync(`${DIR}/classifier.log`, `${log.join('\n')}\n`);

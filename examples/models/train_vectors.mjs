// examples/models/train_vectors.mjs: the bundled word vectors — skip-gram word2vec trained by lstm-wasm itself on the KJV
// (Debian's bible-kjv: `bible -f gen1:1-rev22:21`, one verse a sentence). Run from the repo root after npm run build:
//   node examples/models/train_vectors.mjs
// Writes examples/models/kjv-vectors/: vectors.bin (word2vec binary), vocab.json (the words with their counts) and
// train.log (settings, time, the quality figures, a few nearest words and analogies).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Tokenizer, Word2Vec } from '../../dist/text.js';

const OUT = 'examples/models/kjv-vectors';
const OPTIONS = { sg: 1, negative: 5, vector_size: 100, window: 5, min_count: 5, sample: 1e-3, epochs: 5, seed: 1 };
const log = [];
const say = (s) => {
  log.push(s);
  console.log(s);
};

const raw = execFileSync('bible', ['-f', 'gen1:1-rev22:21'], { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 }).toString('latin1');
const tokenizer = new Tokenizer();
const sentences = raw.split('\n').filter(Boolean).map((l) => tokenizer.tokenize(l.replace(/^\S+ /, ''))).filter((s) => s.length);
say(`corpus: KJV, ${sentences.length} verses, ${sentences.reduce((a, s) => a + s.length, 0)} words (Tokenizer defaults: NFC, lower-cased, letters/digits with inner apostrophes)`);
say(`options: ${JSON.stringify(OPTIONS)}; ${cpus()[0].model.trim()}, Node ${process.version}`);
const m = await Word2Vec.train(sentences, OPTIONS);
say(`trained ${m.wv.size} words x ${m.wv.vectorSize} in ${m.stats.seconds.toFixed(1)} s (${Math.round(m.stats.wordsPerSecond)} words/s, one thread)`);
mkdirSync(OUT, { recursive: true });
await m.wv.save(`${OUT}/vectors.bin`, 'word2vec-binary');
writeFileSync(`${OUT}/vocab.json`, `${JSON.stringify(m.vocabulary)}\n`);

const data = (f) => readFileSync(`bench/data/${f}`, 'utf8');
for (const [name, f] of [['WordSim-353', 'wordsim353.tsv'], ['SimLex-999', 'simlex999.txt']]) {
  const r = m.wv.evaluateWordPairs(data(f));
  say(`${name}: Spearman ${r.spearman.toFixed(3)} over the ${r.pairs} pairs whose words the KJV has`);
}
const a = m.wv.evaluateWordAnalogies(data('questions-words.txt')), total = a.sections[a.sections.length - 1];
say(`analogies (questions-words.txt): ${(100 * a.score).toFixed(1)}% of the ${total.correct + total.incorrect} questions whose words the KJV has`);
for (const w of ['god', 'moses', 'jerusalem', 'bread', 'sword']) say(`nearest to ${w}: ${m.wv.mostSimilar(w, [], 6).map(([x, s]) => `${x} ${s.toFixed(3)}`).join(', ')}`);
for (const [x, y, z] of [['man', 'king', 'woman'], ['abraham', 'isaac', 'isaac'], ['egypt', 'pharaoh', 'babylon'], ['father', 'son', 'mother']]) {
  say(`${x} : ${y} :: ${z} : ${m.wv.analogy(x, y, z, 3).map(([w, s]) => `${w} ${s.toFixed(3)}`).join(', ')}`);
}
writeFileSync(`${OUT}/train.log`, `${log.join('\n')}\n`);

// bench/word2vec.mjs: npm run bench:w2v — word2vec quality and speed beside gensim (one worker each), on the King James
// Bible (Debian's bible-kjv: `bible -f gen1:1-rev22:21`), same corpus, same parameters, 5 seeds each, runs interleaved.
// Quality: WordSim-353 and SimLex-999 Spearman, word2vec's analogy questions (each restricted to the vocabulary, gensim's
// evaluator rules); target: every lstm-wasm score within gensim's mean ± 3 sd over its 5 seeds. Speed: corpus words ×
// epochs / seconds of the training loop (vocabulary building excluded on both sides).
// Writes bench/results/word2vec.{json,md}. Env: SEEDS (default 5), CONFIGS (comma list), EPOCHS, VECTOR_SIZE.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { Tokenizer, Word2Vec } from '../dist/text.js';

const SEEDS = Array.from({ length: Number(process.env.SEEDS ?? 5) }, (_, i) => i + 1);
const BASE = { vector_size: Number(process.env.VECTOR_SIZE ?? 100), window: 5, min_count: 5, sample: 1e-3, epochs: Number(process.env.EPOCHS ?? 5) };
const ALL = {
  'CBOW, negative 5': { sg: 0, hs: 0, negative: 5 },
  'skip-gram, negative 5': { sg: 1, hs: 0, negative: 5 },
  'CBOW, hs': { sg: 0, hs: 1, negative: 0 },
  'skip-gram, hs': { sg: 1, hs: 1, negative: 0 },
};
const CONFIGS = Object.entries(ALL).filter(([k]) => !process.env.CONFIGS || process.env.CONFIGS.split(',').some((c) => k.startsWith(c.trim())));
const METRICS = [['wordsim353', 'WordSim-353 ρ'], ['simlex999', 'SimLex-999 ρ'], ['analogies', 'analogies']];

// the corpus: one verse a line, split by lstm-wasm's Tokenizer (lower-cased words)
mkdirSync('out/bench', { recursive: true });
const raw = execFileSync('bible', ['-f', 'gen1:1-rev22:21'], { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 }).toString('latin1');
const tokenizer = new Tokenizer();
const sentences = raw.split('\n').filter(Boolean).map((l) => tokenizer.tokenize(l.replace(/^\S+ /, ''))).filter((s) => s.length);
const corpusWords = sentences.reduce((a, s) => a + s.length, 0);
const corpusPath = 'out/bench/kjv.txt';
writeFileSync(corpusPath, sentences.map((s) => s.join(' ')).join('\n') + '\n');
const data = (f) => readFileSync(`bench/data/${f}`, 'utf8');
const evalSets = { wordsim353: data('wordsim353.tsv'), simlex999: data('simlex999.txt'), questions: data('questions-words.txt') };

// gensim: one worker process, one request at a time
const py = spawn('/usr/bin/python3', ['bench/word2vec_gensim.py'], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
const ask = async (req) => {
  if (req) py.stdin.write(`${JSON.stringify(req)}\n`);
  const { value, done } = await lines.next();
  if (done) throw new Error('the gensim worker stopped');
  return JSON.parse(value);
};
const { gensim } = await ask();

function evaluate(wv) {
  const ws = wv.evaluateWordPairs(evalSets.wordsim353), sl = wv.evaluateWordPairs(evalSets.simlex999), an = wv.evaluateWordAnalogies(evalSets.questions);
  const total = an.sections[an.sections.length - 1];
  return { wordsim353: ws.spearman, wordsim353_oov: ws.oovRatio, simlex999: sl.spearman, simlex999_oov: sl.oovRatio, analogies: an.score, analogies_n: total.correct + total.incorrect };
}

const stats = (a) => {
  const m = a.reduce((x, y) => x + y, 0) / a.length;
  return { mean: m, sd: a.length > 1 ? Math.sqrt(a.reduce((x, y) => x + (y - m) ** 2, 0) / (a.length - 1)) : 0 };
};
const load0 = loadavg()[0];
const results = [];
for (const [name, cfg] of CONFIGS) {
  const options = { ...BASE, ...cfg };
  const runs = { gensim: [], ours: [] };
  for (const seed of SEEDS) {
    const g = await ask({ corpus: corpusPath, options, seed });
    runs.gensim.push({ seed, ...g, wordsPerSecond: (corpusWords * options.epochs) / g.seconds });
    const m = await Word2Vec.train(sentences, { ...options, seed });
    const o = { seed, seconds: m.stats.seconds, vocab: m.wv.size, wordsPerSecond: (corpusWords * options.epochs) / m.stats.seconds, ...evaluate(m.wv) };
    if (seed === SEEDS[0]) { // our vectors through gensim's evaluator too: the two evaluators agree
      const path = `out/bench/ours_${name.replace(/\W+/g, '_')}.bin`;
      await m.wv.save(path, 'word2vec-binary');
      o.gensimEvaluator = await ask({ evaluate: path });
    }
    runs.ours.push(o);
    console.log(`${name} seed ${seed}: gensim ${(g.seconds).toFixed(2)} s, lstm-wasm ${o.seconds.toFixed(2)} s; ` +
      METRICS.map(([k]) => `${k} ${runs.gensim.at(-1)[k].toFixed(3)} / ${o[k].toFixed(3)}`).join(', '));
  }
  const summary = {};
  for (const [k] of [...METRICS, ['wordsPerSecond']]) {
    const g = stats(runs.gensim.map((r) => r[k])), o = stats(runs.ours.map((r) => r[k]));
    summary[k] = { gensim: g, ours: o, oursInside: runs.ours.filter((r) => Math.abs(r[k] - g.mean) <= 3 * g.sd).length };
  }
  results.push({ name, options, runs, summary });
}
// Hogwild scaling: seed 1, 1 and 2 workers, each side
const scaling = [];
for (const [name, cfg] of CONFIGS) {
  const options = { ...BASE, ...cfg }, row = { name };
  for (const workers of [1, 2]) {
    const g = await ask({ corpus: corpusPath, options: { ...options, workers }, seed: 1 });
    const m = await Word2Vec.train(sentences, { ...options, seed: 1, workers });
    row[`gensim${workers}`] = (corpusWords * options.epochs) / g.seconds;
    row[`ours${workers}`] = (corpusWords * options.epochs) / m.stats.seconds;
  }
  console.log(`${name}: words/s with 1 and 2 workers: gensim ${Math.round(row.gensim1)} ${Math.round(row.gensim2)}, lstm-wasm ${Math.round(row.ours1)} ${Math.round(row.ours2)}`);
  scaling.push(row);
}
py.stdin.end();

const cpu = cpus()[0].model.trim(), load1 = loadavg()[0];
const out = { date: new Date().toISOString(), cpu, cores: cpus().length, node: process.version, gensim, loadavg: [load0, load1], corpus: { sentences: sentences.length, words: corpusWords }, base: BASE, seeds: SEEDS, results, scaling };
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/word2vec.json', `${JSON.stringify(out, null, 1)}\n`);

const f3 = (x) => x.toFixed(3), pm = (s) => `${f3(s.mean)} ± ${f3(s.sd)}`;
const md = [
  `word2vec on the KJV (${sentences.length} verses, ${corpusWords.toLocaleString('en')} words), ${Object.entries(BASE).map(([k, v]) => `${k} ${v}`).join(', ')}; ` +
  `${SEEDS.length} seeds each; ${cpu}, ${cpus().length} cores shared (load average ${load0.toFixed(2)} → ${load1.toFixed(2)}), Node ${process.version}, gensim ${gensim} (workers=1), lstm-wasm one thread`,
  '',
  '| configuration | metric | gensim (mean ± sd) | lstm-wasm (mean ± sd) | lstm-wasm seeds within gensim ± 3 sd |',
  '|---|---|---:|---:|---:|',
];
for (const r of results) {
  for (const [k, label] of METRICS) md.push(`| ${r.name} | ${label} | ${pm(r.summary[k].gensim)} | ${pm(r.summary[k].ours)} | ${r.summary[k].oursInside}/${SEEDS.length} |`);
}
const cells = results.flatMap((r) => METRICS.map(([k]) => r.summary[k]));
const meansInside = cells.filter((c) => Math.abs(c.ours.mean - c.gensim.mean) <= 3 * c.gensim.sd).length;
md.push('', `lstm-wasm's mean within gensim's mean ± 3 sd: ${meansInside}/${cells.length} scores; single lstm-wasm seeds within it: ` +
  `${cells.reduce((a, c) => a + c.oursInside, 0)}/${cells.length * SEEDS.length}.`);
md.push('', '| configuration | gensim words/s | lstm-wasm words/s | lstm-wasm is |', '|---|---:|---:|---:|');
for (const r of results) {
  const g = r.summary.wordsPerSecond.gensim.mean, o = r.summary.wordsPerSecond.ours.mean;
  md.push(`| ${r.name} | ${Math.round(g).toLocaleString('en')} | ${Math.round(o).toLocaleString('en')} | ${(o / g).toFixed(2)}× |`);
}
md.push('', 'Workers (Hogwild; seed 1, one run each):', '', '| configuration | gensim 1 → 2 workers | lstm-wasm 1 → 2 workers |', '|---|---:|---:|');
const k = (x) => `${(x / 1e6).toFixed(2)}M`;
for (const r of scaling) md.push(`| ${r.name} | ${k(r.gensim1)} → ${k(r.gensim2)} (${(r.gensim2 / r.gensim1).toFixed(2)}×) | ${k(r.ours1)} → ${k(r.ours2)} (${(r.ours2 / r.ours1).toFixed(2)}×) |`);
const ev = results.map((r) => r.runs.ours[0]).map((o, i) => `${results[i].name}: ${METRICS.map(([k]) => `${k} ${f3(o[k])} vs ${f3(o.gensimEvaluator[k])}`).join(', ')}`);
md.push('', `Evaluated pairs and questions (the rest have a word the KJV vocabulary lacks): WordSim-353 ${f3(100 - results[0].runs.ours[0].wordsim353_oov)}%, ` +
  `SimLex-999 ${f3(100 - results[0].runs.ours[0].simlex999_oov)}%, analogies ${results[0].runs.ours[0].analogies_n} questions.`,
'lstm-wasm\'s vectors scored by its evaluator vs by gensim\'s (seed 1): ' + ev.join('; ') + '.');
writeFileSync('bench/results/word2vec.md', `${md.join('\n')}\n`);
console.log(md.join('\n'));

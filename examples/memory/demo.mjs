// examples/memory/demo.mjs: npm run demo:memory — why LSTM. A vanilla RNN, a GRU and an LSTM of about the same size
// (~4.7k weights) learn noisy delayed recall (Hochreiter & Schmidhuber 1997, experiment 2: one of 8 symbols at step 0,
// T-2 random distractors from 8 other symbols, a recall cue at the last step, where the loss reads the class) at
// lengths 20, 50, 100 and 200. Every cell gets the same budget (STEPS Adam steps of B sequences, lr 3e-3, clipping at
// norm 1) and the same seeds; accuracy is measured on one held-out set per length, shared by all cells. The gated cells run twice: with a memory-preserving init (chrono, Tallec &
// Ollivier 2018, the gated version of the 1997 LSTM's constant error carousel) and with the usual init (PyTorch's
// GRU; LSTM forget-gate bias 1). The gradient reaching each step, |d loss / d x_t| via backward({ inputGradient }),
// is measured at T=100 before and after training. Writes docs/memory.svg and results.json / results.md here.
// Env: STEPS (default 1200), SEEDS (how many, default 2).
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Rng, Tensor } from '../../dist/index.js';
import { adam, dense, embedding, gru, lstm, rnn, sequential, trainStep } from '../../dist/train.js';

const K = 8, D = 8, CUE = K + D, V = K + D + 1, E = 8, B = 32, CLIP = 1, LENGTHS = [20, 50, 100, 200];
const STEPS = Number(process.env.STEPS ?? 1200), SEEDS = Array.from({ length: Number(process.env.SEEDS ?? 2) }, (_, i) => i + 1);
const LR = 3e-3;
// why one lr and not a per-cell sweep (a first run did one): LR_NOTE, also written to results.json
const LR_NOTE = 'one lr for every cell. A per-cell sweep {1e-3, 3e-3, 1e-2}, 400 steps at T=50, lowest held-out loss, picked 1e-2 for ' +
  'RNN, GRU and LSTM (held-out loss RNN 2.081 / 2.079 / 1.207, GRU 0.516 / 0.012 / 0.002, LSTM 0.823 / 0.057 / 0.003; the default-init ' +
  'controls 2.077-2.080 at every lr, chance 2.079), but the full run at 1e-2 (1000 steps, 2 seeds) was unstable: the RNN blew up at T=20 ' +
  '(seed 1: gradient norm 3330 in its first 100 steps, then stuck at 34 %; seed 2 63 %; seed 1 reaches 100 % at 3e-3) and the LSTM at T=200, seed 2, learned to 25 % and ' +
  'fell back to chance by step 400 (13.5 %; 86.5 % after 1000 steps at 3e-3). 3e-3, the middle of the grid, fixed both cases.';
const GT = 100, NTEST = 1024; // GT: the length whose gradients are measured
const VARIANTS = {
  rnn: { cell: 'rnn', H: 60, init: 'pytorch', label: 'RNN' },
  gru: { cell: 'gru', H: 33, init: 'chrono', label: 'GRU' },
  lstm: { cell: 'lstm', H: 28, init: 'chrono', label: 'LSTM' },
  gru_default: { cell: 'gru', H: 33, init: 'pytorch', label: 'GRU, default init' },
  lstm_fb1: { cell: 'lstm', H: 28, init: 'forget1', label: 'LSTM, forget bias 1' },
};
const INITS = {
  pytorch: "PyTorch's default: every weight and bias U(-1/sqrt(H), 1/sqrt(H))",
  forget1: "PyTorch's default, then forget-gate bias 1 (b_ih = 1, b_hh = 0; Gers et al. 2000, Jozefowicz et al. 2015)",
  chrono: 'chrono (Tallec & Ollivier 2018): PyTorch default, then per unit b = log(u), u ~ U(1, T-1) on the forget gate ' +
    '(LSTM; input gate -b) or the update gate z (GRU, the share of h kept), b_hh of those gates 0',
};
const here = new URL('./', import.meta.url).pathname;

/** n sequences of length T: symbol y (0..K-1) at step 0, distractors K..K+D-1 at steps 1..T-2, the cue at step T-1. */
function batch(rng, T, n) {
  const x = new Int32Array(n * T), y = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    y[b] = Math.floor(rng.next() * K);
    x[b * T] = y[b];
    for (let t = 1; t < T - 1; t++) x[b * T + t] = K + Math.floor(rng.next() * D);
    x[b * T + T - 1] = CUE;
  }
  return { x: new Tensor('int32', x, [n, T]), y: new Tensor('int32', y, [n]) };
}

async function build(v, T, seed) {
  const layer = { rnn, gru, lstm }[v.cell](v.H, { output: 'final_state' });
  const net = await sequential([embedding(V, E), layer, dense(K)], { seed });
  if (v.init !== 'pytorch') {
    const w = net.weights(), bi = w[`${v.cell}.bias_ih_l0`], bh = w[`${v.cell}.bias_hh_l0`], H = v.H, rng = new Rng(5000 + seed);
    // PyTorch's gate order: LSTM i, f, g, o; GRU r, z, n
    for (let j = 0; j < H; j++) {
      const b = v.init === 'forget1' ? 1 : Math.log(1 + rng.next() * (T - 2));
      bi.data[H + j] = b;
      bh.data[H + j] = 0;
      if (v.cell === 'lstm' && v.init === 'chrono') (bi.data[j] = -b), (bh.data[j] = 0);
    }
    net.setWeights({ [`${v.cell}.bias_ih_l0`]: bi, [`${v.cell}.bias_hh_l0`]: bh }, false);
  }
  return net;
}

function train(net, T, lr, steps, seed) {
  const rng = new Rng(seed * 1000 + T), optimizer = adam({ lr });
  for (let s = 0; s < steps; s++) {
    const { x, y } = batch(rng, T, B);
    trainStep(net, x, y, { loss: 'ce', optimizer, clipNorm: CLIP, step: s });
  }
}

/** Accuracy and mean cross-entropy (nats) on a held-out set. */
function evaluate(net, set) {
  const out = net.forward(set.x).data, n = set.y.data.length;
  let ok = 0, loss = 0;
  for (let b = 0; b < n; b++) {
    let best = 0, m = -Infinity, z = 0;
    for (let k = 0; k < K; k++) if (out[b * K + k] > out[b * K + best]) best = k;
    for (let k = 0; k < K; k++) m = Math.max(m, out[b * K + k]);
    for (let k = 0; k < K; k++) z += Math.exp(out[b * K + k] - m);
    loss += m + Math.log(z) - out[b * K + set.y.data[b]];
    ok += best === set.y.data[b] ? 1 : 0;
  }
  return { accuracy: ok / n, loss: loss / n };
}

/** Mean over 64 sequences of |d loss / d (embedded input at step t)|, for every t. */
function gradientPerStep(net, T) {
  const { x, y } = batch(new Rng(99), T, 64);
  net.zeroGrad();
  net.backward(x, y, 'ce', { inputGradient: true, training: false });
  const g = net.inputGradient(), n = g.dims[2], d = g.data;
  return Array.from({ length: T }, (_, t) => {
    let s = 0;
    for (let b = 0; b < 64; b++) {
      let q = 0;
      for (let e = 0; e < n; e++) q += d[(b * T + t) * n + e] ** 2;
      s += Math.sqrt(q);
    }
    return s / 64;
  });
}

const started = Date.now();
const results = {
  task: `noisy delayed recall: 1 of ${K} symbols at step 0, ${D} distractor symbols at random at steps 1..T-2, a recall cue at step T-1; ` +
    'the loss (cross-entropy) reads the class from the final state only',
  settings: {
    symbols: K, distractors: D, vocabulary: V, embedding: E, batch: B, steps: STEPS, optimizer: 'Adam (betas 0.9, 0.999, eps 1e-8)',
    clipNorm: CLIP, seeds: SEEDS, lengths: LENGTHS, testSequences: NTEST, chance: 1 / K,
    lr: LR, lrChoice: LR_NOTE,
    data: 'training batches from Rng(seed * 1000 + T); test set per length Rng(100000 + T), the same for every cell',
    weightSeed: 'sequential({ seed }) with the run seed; chrono draws from Rng(5000 + seed)',
    gradient: `|d loss / d x_t| (x_t the embedded input), mean over 64 sequences of Rng(99), at T=${GT}, seed ${SEEDS[0]}, before and after training`,
    inits: INITS,
  },
  machine: `${cpus()[0].model.trim()}, Node ${process.version}`,
  cells: {},
};

for (const [name, v] of Object.entries(VARIANTS)) {
  const r = (results.cells[name] = { label: v.label, cell: v.cell, hidden: v.H, init: v.init, weights: 0, accuracy: {}, testLoss: {}, ms: {} });
  for (const T of LENGTHS) {
    const test = batch(new Rng(100000 + T), T, NTEST);
    r.accuracy[T] = [], r.testLoss[T] = [], r.ms[T] = [];
    for (const seed of SEEDS) {
      const net = await build(v, T, seed);
      r.weights = Object.values(net.weights()).reduce((a, w) => a + w.data.length, 0);
      if (T === GT && seed === SEEDS[0]) r.gradientAtInit = gradientPerStep(net, T);
      const t0 = Date.now();
      train(net, T, LR, STEPS, seed);
      r.ms[T].push(Date.now() - t0);
      const e = evaluate(net, test);
      r.accuracy[T].push(e.accuracy), r.testLoss[T].push(Number(e.loss.toFixed(4)));
      if (T === GT && seed === SEEDS[0]) r.gradientTrained = gradientPerStep(net, T);
      net.release();
    }
    console.error(`${name} T=${T}: accuracy ${r.accuracy[T].map((a) => `${(100 * a).toFixed(1)}%`).join(' / ')} (${r.ms[T].join(' / ')} ms)`);
  }
}
results.seconds = Math.round((Date.now() - started) / 1000);

// the table: accuracy (mean, then each seed), and how much of the gradient at the last step reaches the first
const names = Object.keys(VARIANTS), mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;
const ratio = (g) => (g[0] > 0 ? (g[0] / g[GT - 1]).toExponential(1) : `< 1e-30 from step ${g.findIndex((x) => x > 0) - 1} back`);
const pct = (a) => `${(100 * mean(a)).toFixed(0)}%${a.length > 1 ? ` (${a.map((x) => (100 * x).toFixed(0)).join(' / ')})` : ''}`;
const lines = [
  `noisy delayed recall (1 of ${K} symbols at step 0, ${D} distractor symbols after it, recall cue at step T-1), ${STEPS} Adam steps ` +
    `of ${B} sequences per cell, length and seed (lr ${LR}, clip ${CLIP}); accuracy on ${NTEST} held-out sequences per length, mean (seeds ${SEEDS.join(' / ')}); ${results.machine}`,
  '',
  `| cell, init (weights) | ${LENGTHS.map((T) => `T=${T}`).join(' | ')} | gradient at step 0 / at step ${GT - 1}, T=${GT}: untrained | trained |`,
  `|---|${LENGTHS.map(() => '---:').join('|')}|---:|---:|`,
  ...names.map((n) => {
    const r = results.cells[n];
    return `| ${r.label} H=${r.hidden} (${r.weights}) | ${LENGTHS.map((T) => pct(r.accuracy[T])).join(' | ')} | ${ratio(r.gradientAtInit)} | ${ratio(r.gradientTrained)} |`;
  }),
  '',
  `chance: ${(100 / K).toFixed(1)}%; inits: RNN ${INITS.pytorch}; GRU and LSTM ${INITS.chrono}; GRU, default init: ${INITS.pytorch}; ` +
    `LSTM, forget bias 1: ${INITS.forget1}. Total ${results.seconds} s.`,
];
console.log(lines.join('\n'));

// the plot: accuracy per length (mean, whiskers min..max over seeds); log10 of the gradient reaching each step of a
// T=100 sequence, untrained and trained
const W = 1240, Hh = 340, colors = { rnn: '#d62728', gru: '#2ca02c', lstm: '#1f77b4', gru_default: '#2ca02c', lstm_fb1: '#1f77b4' };
const dashOf = (n) => (n.includes('_') ? ' stroke-dasharray="2 3"' : '');
const svg = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" font-family="sans-serif" font-size="12">`,
  '<rect width="100%" height="100%" fill="white"/>'];
const panel = (x0, title, xl, yl) => svg.push(`<text x="${x0 + 170}" y="18" text-anchor="middle" font-weight="bold">${title}</text>`,
  `<line x1="${x0}" y1="270" x2="${x0 + 340}" y2="270" stroke="black"/><line x1="${x0}" y1="40" x2="${x0}" y2="270" stroke="black"/>`,
  `<text x="${x0 + 170}" y="300" text-anchor="middle">${xl}</text>`, `<text x="${x0 - 38}" y="155" transform="rotate(-90 ${x0 - 38} 155)" text-anchor="middle">${yl}</text>`);
panel(60, `held-out accuracy (mean of ${SEEDS.length} seeds, bars min..max)`, 'sequence length T', 'accuracy');
const ax = (i) => 60 + 30 + i * 93, ay = (a) => 270 - a * 220;
LENGTHS.forEach((T, i) => svg.push(`<text x="${ax(i)}" y="285" text-anchor="middle">${T}</text>`));
[0, 0.5, 1].forEach((a) => svg.push(`<text x="52" y="${ay(a) + 4}" text-anchor="end">${a}</text>`));
svg.push(`<line x1="60" y1="${ay(1 / K)}" x2="400" y2="${ay(1 / K)}" stroke="#999" stroke-dasharray="4 3"/><text x="398" y="${ay(1 / K) - 4}" text-anchor="end" fill="#999">chance</text>`);
const all = names.flatMap((n) => [...results.cells[n].gradientAtInit, ...results.cells[n].gradientTrained]).filter((x) => x > 0).map(Math.log10);
const lo = Math.floor(Math.min(...all)), hi = Math.ceil(Math.max(...all));
const gpanels = [['gradientAtInit', 460, 'untrained'], ['gradientTrained', 860, 'trained']];
for (const [, x0, what] of gpanels) {
  panel(x0, `gradient reaching each step, T=${GT}, ${what}`, `step t (the loss reads step ${GT - 1})`, 'log10 |d loss / d x_t|');
  const gx = (t) => x0 + (t / (GT - 1)) * 340, gy = (g) => 270 - ((g - lo) / (hi - lo)) * 220;
  for (let g = lo; g <= hi; g += Math.max(1, Math.round((hi - lo) / 6))) svg.push(`<text x="${x0 - 8}" y="${gy(g) + 4}" text-anchor="end">${g}</text>`);
  [0, GT / 2, GT - 1].forEach((t) => svg.push(`<text x="${gx(t)}" y="285" text-anchor="middle">${t}</text>`));
}
names.forEach((n, k) => {
  const r = results.cells[n], c = colors[n];
  const m = LENGTHS.map((T) => mean(r.accuracy[T]));
  svg.push(`<polyline fill="none" stroke="${c}" stroke-width="2"${dashOf(n)} points="${LENGTHS.map((T, i) => `${ax(i) + k * 2 - 4},${ay(m[i]).toFixed(1)}`).join(' ')}"/>`);
  LENGTHS.forEach((T, i) => svg.push(`<line x1="${ax(i) + k * 2 - 4}" x2="${ax(i) + k * 2 - 4}" y1="${ay(Math.min(...r.accuracy[T])).toFixed(1)}" ` +
    `y2="${ay(Math.max(...r.accuracy[T])).toFixed(1)}" stroke="${c}" stroke-width="1.5"/>`));
  for (const [key, x0] of gpanels) {
    const gx = (t) => x0 + (t / (GT - 1)) * 340, gy = (g) => 270 - ((g - lo) / (hi - lo)) * 220;
    const pts = r[key].map((g, t) => (g > 0 ? `${gx(t).toFixed(1)},${gy(Math.log10(g)).toFixed(1)}` : '')).filter(Boolean);
    svg.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5"${dashOf(n)} points="${pts.join(' ')}"/>`);
  }
  svg.push(`<line x1="${70 + k * 232}" y1="328" x2="${92 + k * 232}" y2="328" stroke="${c}" stroke-width="2"${dashOf(n)}/>` +
    `<text x="${97 + k * 232}" y="332">${r.label} (${r.weights} w)</text>`);
});
svg.push('</svg>');
writeFileSync(new URL('../../docs/memory.svg', import.meta.url), `${svg.join('\n')}\n`);
writeFileSync(`${here}results.json`, `${JSON.stringify(results, (k, x) => (Array.isArray(x) && x.length > 50 ? x.map((g) => Number(g.toPrecision(4))) : x), 1)}\n`);
writeFileSync(`${here}results.md`, `${lines.join('\n')}\n`);

// examples/memory/demo.mjs: npm run demo:memory — why LSTM: a vanilla RNN, a GRU and an LSTM of about the same size
// learn delayed recall (a symbol shown at the first step, blanks after it, asked for at the last) at lengths 20 to
// 200; prints accuracy per length and the gradient norm reaching each step (backward({ inputGradient: true })), draws
// both in docs/memory.svg and writes the numbers to results.json and results.md here. Seeded; STEPS (default 1500)
// Adam steps per cell and length.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Rng, Tensor } from '../../dist/index.js';
import { adam, dense, embedding, gru, lstm, rnn, sequential, trainStep } from '../../dist/train.js';

const K = 8, B = 32, STEPS = Number(process.env.STEPS ?? 1500), LENGTHS = [20, 50, 100, 200], GT = 100, LR = 3e-3; // GT: the length whose gradients are shown
const CELLS = { rnn: { make: (h) => rnn(h, { output: 'final_state' }), H: 60 }, gru: { make: (h) => gru(h, { output: 'final_state' }), H: 33 }, lstm: { make: (h) => lstm(h, { output: 'final_state' }), H: 28 } };
const here = new URL('./', import.meta.url).pathname;

/** n sequences of length T: a symbol 1..K at step 0, blanks (id 0) after it; the label is the symbol. */
function batch(rng, T, n) {
  const x = new Int32Array(n * T), y = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    y[b] = Math.floor(rng.next() * K);
    x[b * T] = y[b] + 1;
  }
  return { x: new Tensor('int32', x, [n, T]), y: new Tensor('int32', y, [n]) };
}

/** Mean over the batch of |d loss / d (embedded input at step t)|, for every t. */
function gradientPerStep(net, T) {
  const { x, y } = batch(new Rng(99), T, 64);
  net.zeroGrad();
  net.backward(x, y, 'ce', { inputGradient: true, training: false });
  const g = net.inputGradient(), E = g.dims[2], d = g.data;
  return Array.from({ length: T }, (_, t) => {
    let s = 0;
    for (let b = 0; b < 64; b++) {
      let q = 0;
      for (let e = 0; e < E; e++) q += d[(b * T + t) * E + e] ** 2;
      s += Math.sqrt(q);
    }
    return s / 64;
  });
}

const started = Date.now();
const results = { task: `delayed recall of 1 of ${K} symbols`, steps: STEPS, batch: B, chance: 1 / K, machine: `${cpus()[0].model.trim()}, Node ${process.version}`, cells: {} };
for (const [name, cell] of Object.entries(CELLS)) {
  const r = (results.cells[name] = { hidden: cell.H, accuracy: {}, gradientAtInit: null, gradientTrained: null, ms: {} });
  for (const T of LENGTHS) {
    const net = await sequential([embedding(K + 1, 8), cell.make(cell.H), dense(K)], { seed: 1 });
    if (name === 'lstm') {
      // forget-gate bias 1 (Gers et al. 2000; PyTorch's default 0 forgets half the cell every step, and PyTorch's own
      // LSTM then stays at chance here too): the cell starts out remembering
      const b = net.weights()['lstm.bias_ih_l0'];
      b.data.fill(1, cell.H, 2 * cell.H);
      net.setWeights({ 'lstm.bias_ih_l0': b }, false);
    }
    r.weights = Object.values(net.weights()).reduce((a, w) => a + w.data.length, 0);
    if (T === GT) r.gradientAtInit = gradientPerStep(net, T);
    const rng = new Rng(T), optimizer = adam({ lr: LR }), t0 = Date.now();
    for (let s = 0; s < STEPS; s++) {
      const { x, y } = batch(rng, T, B);
      trainStep(net, x, y, { loss: 'ce', optimizer, clipNorm: 1, step: s });
    }
    r.ms[T] = Date.now() - t0;
    const test = batch(new Rng(1000 + T), T, 512), out = net.forward(test.x).data;
    let ok = 0;
    for (let b = 0; b < 512; b++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (out[b * K + k] > out[b * K + best]) best = k;
      ok += best === test.y.data[b] ? 1 : 0;
    }
    r.accuracy[T] = ok / 512;
    if (T === GT) r.gradientTrained = gradientPerStep(net, T);
    console.error(`${name} T=${T}: accuracy ${(100 * r.accuracy[T]).toFixed(1)}% (${r.ms[T]} ms)`);
    net.release();
  }
}

// the table: accuracy, and how much of the gradient at the last step reaches the first (below 1e-30 BPTT flushes to 0)
const names = Object.keys(CELLS);
const ratio = (g) => (g[0] > 0 ? (g[0] / g[GT - 1]).toExponential(1) : `< 1e-30 from step ${g.findIndex((v) => v > 0) - 1} back`);
const lines = [`delayed recall (1 of ${K} symbols, shown at step 0, asked for at step T), ${STEPS} Adam steps (lr ${LR}, clip 1; LSTM forget-gate bias 1) of ${B} ` +
  `sequences per cell and length; accuracy on 512 new sequences; ${results.machine}`, '',
  `| cell (weights) | ${LENGTHS.map((T) => `T=${T}`).join(' | ')} | gradient at step 0 / at step ${GT - 1}, T=${GT}: untrained | trained |`,
  `|---|${LENGTHS.map(() => '---:').join('|')}|---:|---:|`,
  ...names.map((n) => {
    const r = results.cells[n];
    return `| ${n.toUpperCase()} H=${r.hidden} (${r.weights}) | ${LENGTHS.map((T) => `${(100 * r.accuracy[T]).toFixed(0)}%`).join(' | ')} | ${ratio(r.gradientAtInit)} | ${ratio(r.gradientTrained)} |`;
  }), '', `chance: ${(100 / K).toFixed(1)}%; total ${((Date.now() - started) / 1000).toFixed(0)} s`];
console.log(lines.join('\n'));

// the plot: accuracy per length, and log10 of the gradient reaching each step of a 200-step sequence
const W = 860, Hh = 320, colors = { rnn: '#d62728', gru: '#2ca02c', lstm: '#1f77b4' };
const svg = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" font-family="sans-serif" font-size="12">`,
  '<rect width="100%" height="100%" fill="white"/>'];
const panel = (x0, title, xl, yl) => svg.push(`<text x="${x0 + 170}" y="18" text-anchor="middle" font-weight="bold">${title}</text>`,
  `<line x1="${x0}" y1="270" x2="${x0 + 340}" y2="270" stroke="black"/><line x1="${x0}" y1="40" x2="${x0}" y2="270" stroke="black"/>`,
  `<text x="${x0 + 170}" y="300" text-anchor="middle">${xl}</text>`, `<text x="${x0 - 38}" y="155" transform="rotate(-90 ${x0 - 38} 155)" text-anchor="middle">${yl}</text>`);
panel(60, 'accuracy after training', 'sequence length T', 'accuracy');
const ax = (i) => 60 + 30 + i * 93, ay = (a) => 270 - a * 220;
LENGTHS.forEach((T, i) => svg.push(`<text x="${ax(i)}" y="285" text-anchor="middle">${T}</text>`));
[0, 0.5, 1].forEach((a) => svg.push(`<text x="52" y="${ay(a) + 4}" text-anchor="end">${a}</text>`));
svg.push(`<line x1="60" y1="${ay(1 / K)}" x2="400" y2="${ay(1 / K)}" stroke="#999" stroke-dasharray="4 3"/><text x="398" y="${ay(1 / K) - 4}" text-anchor="end" fill="#999">chance</text>`);
panel(500, `gradient reaching each step (T=${GT}; dashed: untrained)`, `step t (the loss reads step ${GT - 1})`, 'log10 |d loss / d x_t|');
const all = names.flatMap((n) => [...results.cells[n].gradientAtInit, ...results.cells[n].gradientTrained]).filter((v) => v > 0).map(Math.log10);
const lo = Math.floor(Math.min(...all)), hi = Math.ceil(Math.max(...all));
const gx = (t) => 500 + (t / (GT - 1)) * 340, gy = (v) => 270 - ((v - lo) / (hi - lo)) * 220;
for (let v = lo; v <= hi; v += Math.max(1, Math.round((hi - lo) / 6))) svg.push(`<text x="492" y="${gy(v) + 4}" text-anchor="end">${v}</text>`);
[0, GT / 2, GT - 1].forEach((t) => svg.push(`<text x="${gx(t)}" y="285" text-anchor="middle">${t}</text>`));
names.forEach((n, k) => {
  const r = results.cells[n];
  svg.push(`<polyline fill="none" stroke="${colors[n]}" stroke-width="2" points="${LENGTHS.map((T, i) => `${ax(i)},${ay(r.accuracy[T]).toFixed(1)}`).join(' ')}"/>`);
  for (const [g, dash] of [[r.gradientAtInit, ' stroke-dasharray="5 3"'], [r.gradientTrained, '']]) {
    const pts = g.map((v, t) => (v > 0 ? `${gx(t).toFixed(1)},${gy(Math.log10(v)).toFixed(1)}` : '')).filter(Boolean);
    svg.push(`<polyline fill="none" stroke="${colors[n]}" stroke-width="1.5"${dash} points="${pts.join(' ')}"/>`);
  }
  svg.push(`<rect x="${80 + k * 110}" y="30" width="12" height="12" fill="${colors[n]}"/><text x="${96 + k * 110}" y="41">${n.toUpperCase()} (${r.weights} w)</text>`);
});
svg.push('</svg>');
writeFileSync(new URL('../../docs/memory.svg', import.meta.url), `${svg.join('\n')}\n`);
writeFileSync(`${here}results.json`, `${JSON.stringify(results, (k, v) => (Array.isArray(v) && v.length > 50 ? v.map((x) => Number(x.toPrecision(4))) : v), 1)}\n`);
writeFileSync(`${here}results.md`, `${lines.join('\n')}\n`);

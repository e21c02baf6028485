// examples/browser/vectors.js: the word-vector panel — load word2vec vectors, solve an analogy, plot chosen words in 2-D (PCA).
import { KeyedVectors } from '../../dist/text.js'; // in your project: from 'lstm-wasm/text'

const $ = (id) => document.getElementById(id);
const state = (value) => { document.body.dataset.vectors = value; }; // what the Chromium test waits for
const t0 = performance.now();
const loaded = KeyedVectors.load(new URL('../models/kjv-vectors/vectors.bin', import.meta.url)).then((kv) => {
  $('vec-status').textContent = `${kv.size.toLocaleString('en')} words × ${kv.vectorSize} loaded in ${(performance.now() - t0).toFixed(0)} ms`;
  return kv;
});

/** The two leading principal axes of the rows (n × D, centred) by power iteration on their n × n Gram matrix. */
function pca2(rows) {
  const n = rows.length, D = rows[0].length, mean = new Float64Array(D);
  for (const r of rows) for (let d = 0; d < D; d++) mean[d] += r[d] / n;
  const X = rows.map((r) => Float64Array.from(r, (x, d) => x - mean[d]));
  const G = X.map((a) => X.map((b) => a.reduce((s, x, d) => s + x * b[d], 0)));
  const axes = [];
  for (let k = 0; k < 2; k++) {
    let v = Float64Array.from({ length: n }, (_, i) => Math.cos(i + 1 + k)); // fixed start: the same plot every time
    for (let it = 0; it < 200; it++) {
      const w = G.map((row) => row.reduce((s, g, j) => s + g * v[j], 0));
      for (const a of axes) { const p = a.reduce((s, x, i) => s + x * w[i], 0); a.forEach((x, i) => (w[i] -= p * x)); }
      const norm = Math.hypot(...w) || 1;
      v = w.map((x) => x / norm);
    }
    axes.push(v);
  }
  // point i on axis k: the Gram eigenvector's entry times sqrt(its eigenvalue) — the projection onto the k-th principal axis
  const scale = axes.map((a) => Math.sqrt(Math.max(0, a.reduce((s, x, j) => s + x * G[j].reduce((t, g, m) => t + g * a[m], 0), 0))));
  return rows.map((_, i) => axes.map((a, k) => a[i] * scale[k]));
}

function plot(words, points, arrows) {
  const c = $('pca'), g = c.getContext('2d'), pad = 50, right = 190; // room for the labels right of the points
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const X = (x) => pad + ((x - x0) / (x1 - x0 || 1)) * (c.width - pad - right), Y = (y) => c.height - pad - ((y - y0) / (y1 - y0 || 1)) * (c.height - 2 * pad);
  g.clearRect(0, 0, c.width, c.height);
  g.lineWidth = 3;
  for (const [from, to, color] of arrows) {
    const [a, b] = [points[words.indexOf(from)], points[words.indexOf(to)]];
    if (!a || !b) continue;
    g.strokeStyle = color;
    g.beginPath();
    g.moveTo(X(a[0]), Y(a[1]));
    g.lineTo(X(b[0]), Y(b[1]));
    g.stroke();
  }
  g.font = '26px system-ui, sans-serif';
  words.forEach((w, i) => {
    g.fillStyle = '#0b5cad';
    g.beginPath();
    g.arc(X(points[i][0]), Y(points[i][1]), 7, 0, 2 * Math.PI);
    g.fill();
    g.fillStyle = '#1d2430';
    g.fillText(w, X(points[i][0]) + 12, Y(points[i][1]) - 10);
  });
}

async function solve() {
  state('running');
  const kv = await loaded, [a, b, c] = ['va', 'vb', 'vc'].map((id) => $(id).value.trim().toLowerCase());
  const t = performance.now(), result = kv.analogy(a, b, c, 8);
  const ms = performance.now() - t;
  $('vec-result').replaceChildren(...result.map(([w, s]) => {
    const li = document.createElement('li');
    li.innerHTML = `<span class="bar" style="width:${Math.max(0, s) * 160}px"></span> ${w} <small>${s.toFixed(3)}</small>`;
    return li;
  }));
  $('vec-answer').textContent = `${a} : ${b} :: ${c} : ${result[0][0]}`;
  const chosen = [...new Set([a, b, c, result[0][0], ...$('vplot').value.toLowerCase().split(/[\s,]+/).filter(Boolean)])];
  const words = chosen.filter((w) => kv.has(w)), skipped = chosen.filter((w) => !kv.has(w));
  plot(words, pca2(words.map((w) => kv.getVector(w, true))), [[a, b, '#e0701b'], [c, result[0][0], '#e0701b']]);
  $('vec-status').textContent = `searched ${kv.size.toLocaleString('en')} words in ${ms.toFixed(1)} ms (wasm top-k)` +
    (skipped.length ? `; not in the vectors, not plotted: ${skipped.join(', ')}` : '');
  window.lastAnalogy = { result, plotted: words };
  state('done');
}

$('vsolve').onclick = () => solve().catch((e) => {
  $('vec-status').textContent = `${e.name}: ${e.message}`;
  state(`error: ${e.message}`);
});
$('vsolve').click();

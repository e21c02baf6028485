// examples/browser/translate.js: the seq2seq page — translate() on every keystroke, the n-best list, the attention heatmap.
import { Seq2Seq } from '../../dist/seq2seq.js'; // in your project: from 'lstm-wasm/seq2seq'

const $ = (id) => document.getElementById(id);
const state = (key, value) => { document.body.dataset[key] = value; }; // what the Chromium test waits for
const model = Seq2Seq.load(new URL('../models/dates/', import.meta.url));
const EXAMPLES = ['Thursday, March 5, 1987', '05.03.1987', '3/5/1987', '5 Mar 87', 'december 22nd, 2016', 'the first of january, two thousand and one'];

function heatmap(result) {
  const c = $('heatmap'), g = c.getContext('2d');
  const src = result.sourceTokens, best = result.translations[0], out = [...best.text];
  const cell = Math.max(10, Math.min(28, Math.floor((c.width - 40) / Math.max(1, src.length))));
  c.height = 30 + cell * Math.max(1, out.length) + 8;
  g.clearRect(0, 0, c.width, c.height);
  g.font = `${Math.min(16, cell - 2)}px ui-monospace, monospace`;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillStyle = '#3b4556';
  src.forEach((ch, j) => g.fillText(ch === ' ' ? '·' : ch, 34 + j * cell + cell / 2, 14));
  best.attention.forEach((row, i) => {
    g.fillStyle = '#0b5cad';
    g.fillText(out[i], 14, 30 + i * cell + cell / 2);
    row.forEach((w, j) => {
      g.fillStyle = `rgba(11, 92, 173, ${w.toFixed(3)})`;
      g.fillRect(34 + j * cell, 30 + i * cell, cell - 1, cell - 1);
    });
  });
}

let pending = 0;
/** Translates the box's text; only the newest keystroke's result (or error) is shown. */
async function update() {
  const id = ++pending;
  try {
    await translateNow(id);
  } catch (e) {
    if (id === pending) fail(e);
  }
}

async function translateNow(id) {
  const text = $('source').value;
  const m = await model;
  if (id !== pending) return;
  delete document.body.dataset.error;
  if (!text.trim()) { // nothing to translate: clear the last answer rather than keep a stale one
    $('best').textContent = '';
    $('nbest').replaceChildren();
    $('heatmap').getContext('2d').clearRect(0, 0, $('heatmap').width, $('heatmap').height);
    $('status').textContent = 'type a date';
    window.lastTranslation = { source: text, translations: [] };
    state('translate', 'empty');
    return;
  }
  const beam = Math.max(1, Math.min(10, Number($('beam').value) || 1));
  state('translate', 'running');
  const t0 = performance.now();
  const [r] = await m.translate(text, { beam, nBest: Math.min(3, beam) });
  if (id !== pending) return; // a newer keystroke's result will follow
  const ms = performance.now() - t0, best = r.translations[0];
  $('best').textContent = best.text;
  $('nbest').replaceChildren(...r.translations.map((t) => Object.assign(document.createElement('li'), { textContent: `${t.text}   log p ${t.score.toFixed(3)}` })));
  $('status').textContent = `${r.sourceTokens.length} characters → ${best.text.length} in ${ms.toFixed(1)} ms (beam ${beam})` +
    (r.unknown.length ? `; ${r.unknown.length} unknown (${r.unknown.join(' ')}) read as <unk>` : '');
  heatmap(r);
  window.lastTranslation = { source: text, beam, translations: r.translations.map((t) => ({ text: t.text, tokens: t.tokens, score: t.score })), attention: best.attention.map((a) => Array.from(a)) };
  state('translate', 'done');
}

const fail = (e) => {
  $('best').textContent = '';
  $('nbest').replaceChildren();
  $('status').textContent = `${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}`;
  state('error', `${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}`);
};
$('examples').replaceChildren(...EXAMPLES.map((x) => Object.assign(document.createElement('button'), {
  textContent: x, onclick: () => { $('source').value = x; update(); },
})));
$('source').oninput = update;
$('beam').oninput = update;
update();

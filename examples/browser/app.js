// examples/browser/app.js: the demo page's script — generate() streams a character model's text, forecast() draws a series.
import { InferenceSession, Vocab, forecast, generate } from '../../dist/index.js'; // in your project: from 'lstm-wasm'

const $ = (id) => document.getElementById(id);
const models = new URL('../models/', import.meta.url);
const state = (key, value) => { document.body.dataset[key] = value; }; // what the Chromium test waits for

// ---- text generation: the bundled character LSTM and its vocabulary (one token per character) ----
const lm = Promise.all([
  InferenceSession.create(new URL('charlm/model.safetensors', models)),
  Vocab.load(new URL('charlm/vocab.json', models)),
]);

async function continueText() {
  const [session, vocab] = await lm;
  const prompt = $('prompt').value, out = $('text'), gen = document.createElement('span');
  gen.className = 'gen';
  out.replaceChildren(prompt, gen);
  $('go').disabled = true;
  state('generate', 'running');
  const t0 = performance.now();
  let n = 0;
  try {
    const options = { vocab, maxTokens: Number($('count').value), temperature: Number($('temp').value), topK: 12, seed: 7 };
    for await (const token of generate(session, prompt, options)) {
      gen.textContent += token.text;
      n++;
      await new Promise((r) => setTimeout(r)); // let the page paint each character as it comes
    }
    $('gen-status').textContent = `${n} characters in ${(performance.now() - t0).toFixed(0)} ms`;
    state('generate', 'done');
  } finally {
    $('go').disabled = false;
  }
}

// ---- forecasting: the bundled forecaster reads a series, then its own predictions, 48 steps ahead ----
// model.onnx: the same trained network as model.safetensors, whose metadata (output 'value') the importer refuses for now.
const forecaster = InferenceSession.create(new URL('forecast/model.onnx', models));

/** A series like the training data: 1–3 sines (period 8–64) plus a trend plus noise (σ 0.05); seeded. */
function series(seed, T = 96) {
  let s = seed >>> 0;
  const rand = () => ((s = (s + 0x6d2b79f5) >>> 0), (((s ^ (s >>> 15)) * (s | 1) ^ 0) >>> 0) / 2 ** 32);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const waves = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => [8 + rand() * 56, 0.2 + rand() * 0.8, rand() * 2 * Math.PI]);
  const slope = (rand() - 0.5) * 0.01;
  return Array.from({ length: T }, (_, t) => waves.reduce((v, [p, a, ph]) => v + a * Math.sin(2 * Math.PI * t / p + ph), slope * t) + 0.05 * gauss());
}

function draw(history, future) {
  const c = $('chart'), g = c.getContext('2d'), all = [...history, ...future];
  const lo = Math.min(...all), hi = Math.max(...all), pad = 24;
  const x = (i) => pad + (i / (all.length - 1)) * (c.width - 2 * pad);
  const y = (v) => c.height - pad - ((v - lo) / (hi - lo || 1)) * (c.height - 2 * pad);
  g.clearRect(0, 0, c.width, c.height);
  g.strokeStyle = '#e3e7ee';
  g.lineWidth = 2;
  g.beginPath();
  g.moveTo(x(history.length - 1), pad);
  g.lineTo(x(history.length - 1), c.height - pad);
  g.stroke();
  const line = (values, from, color) => {
    g.strokeStyle = color;
    g.lineWidth = 5;
    g.beginPath();
    values.forEach((v, i) => (i ? g.lineTo : g.moveTo).call(g, x(from + i), y(v)));
    g.stroke();
  };
  line(history, 0, '#8a94a6');
  line([history.at(-1), ...future], history.length - 1, '#e0701b');
}

let seed = 2;
async function forecastSeries() {
  state('forecast', 'running');
  const session = await forecaster, history = series(seed++);
  const t0 = performance.now();
  const future = await forecast(session, history, 48);
  $('fc-status').textContent = `48 steps in ${(performance.now() - t0).toFixed(1)} ms`;
  draw(history, future);
  window.lastForecast = { history, future };
  state('forecast', 'done');
}

const fail = (where) => (e) => {
  $(where === 'generate' ? 'gen-status' : 'fc-status').textContent = `${e.name}: ${e.message}`;
  state('error', `${where}: ${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}`);
};
$('go').onclick = () => continueText().catch(fail('generate'));
$('again').onclick = () => forecastSeries().catch(fail('forecast'));
forecastSeries().catch(fail('forecast'));
continueText().catch(fail('generate'));

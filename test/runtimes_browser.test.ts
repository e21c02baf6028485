// test/runtimes_browser.test.ts: headless Chromium (Debian's, via playwright-core) — the bundle in a page and in a Web
// Worker, the inline entry in a page (models and the VAD), the demo page (examples/browser/), the seq2seq page
// (examples/browser/translate.html) and the microphone VAD page (examples/browser/vad.html, a fake microphone playing the
// test recording), screenshotted to out/browser-{demo,translate,vad}.png
// (docs/ with UPDATE_DOCS=1).
import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProbeResult, type VadProbeResult, expectProbe, expectVad } from './runtimes/compare.js';
import { json } from './helpers.js';
import { repo } from './runtimes/spawn.js';
import { launchChromium, withChromium } from './runtimes/chromium.js';

const chrome = withChromium();

/** A fresh context (no cache shared with other tests); records requests and page errors. */
async function open(path: string, b = chrome.browser): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await (await b.newContext({ viewport: { width: 1000, height: 820 } })).newPage();
  const requests: string[] = [], errors: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(new URL(path, chrome.url).href);
  return { page, requests, errors };
}

// Evaluated in the page as a string, so the test runner's module transform never touches its import() calls.
const inPage = (bundle: string) => `(async () => {
  const lib = await import(${JSON.stringify(bundle)});
  const { probe } = await import('/test/runtimes/probe.mjs');
  const url = (rel) => '/test/fixtures/' + rel;
  return probe(lib, url, async (rel) => new Uint8Array(await (await fetch(url(rel))).arrayBuffer()));
})()`;

// The VAD probe: the bundle's createVad fetches its default model from dist/models/ beside it.
const inPageVad = (bundle: string) => `(async () => {
  const lib = await import(${JSON.stringify(bundle)});
  const { probeVad } = await import('/test/runtimes/probe_vad.mjs');
  const url = (rel) => '/test/fixtures/' + rel;
  return probeVad(lib, url, async (rel) => new Uint8Array(await (await fetch(url(rel))).arrayBuffer()));
})()`;

const inWorker = (query = '') => `new Promise((resolve, reject) => {
  const w = new Worker('/test/runtimes/probe_worker.mjs${query}', { type: 'module' });
  w.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data.result));
  w.onerror = (e) => reject(new Error('worker: ' + e.message));
})`;

describe('Chromium', () => {
  it('dist/index.js in a page matches PyTorch; the relaxed-SIMD core is the one fetched', async () => {
    const { page, requests, errors } = await open('test/runtimes/page.html');
    const result = await page.evaluate(inPage('/dist/index.js')) as ProbeResult;
    expect(result.relaxedSimd).toBe(true);
    expect(requests.filter((p) => p.endsWith('.wasm'))).toEqual(['/dist/lstm-relaxed.wasm']);
    expect(errors).toEqual([]);
    console.log(`Chromium ${chrome.browser.version()} page dist/index.js: worst error ${expectProbe(result, 'Chromium page').toExponential(1)}`);
  });

  it('dist/index.js in a module Web Worker matches PyTorch', async () => {
    const { page, requests, errors } = await open('test/runtimes/page.html');
    const result = await page.evaluate(inWorker()) as ProbeResult;
    expect(requests).toContain('/dist/lstm-relaxed.wasm');
    expect(errors).toEqual([]);
    console.log(`Chromium worker dist/index.js: worst error ${expectProbe(result, 'Chromium worker').toExponential(1)}`);
  });

  it('dist/inline.js in a page matches PyTorch and fetches no wasm', async () => {
    const { page, requests, errors } = await open('test/runtimes/page.html');
    const result = await page.evaluate(inPage('/dist/inline.js')) as ProbeResult;
    expect(requests.filter((p) => p.endsWith('.wasm') || p.startsWith('/dist/chunks/'))).toEqual([]);
    expect(errors).toEqual([]);
    console.log(`Chromium page dist/inline.js: worst error ${expectProbe(result, 'Chromium inline').toExponential(1)}`);
  });

  it('lstm-wasm/vad in a page: speechTimestamps and a chunked createVad stream (default model from dist/models/) match onnxruntime and silero-vad', async () => {
    const { page, requests, errors } = await open('test/runtimes/page.html');
    const result = await page.evaluate(inPageVad('/dist/vad.js')) as VadProbeResult;
    expect(requests).toContain('/dist/models/silero_vad.onnx');
    expect(requests.filter((p) => p.endsWith('.wasm'))).toEqual(['/dist/lstm-relaxed.wasm']);
    expect(errors).toEqual([]);
    console.log(`Chromium page dist/vad.js: worst |p - onnxruntime| ${expectVad(result, 'Chromium page vad').toExponential(1)}`);
  });

  it('lstm-wasm/vad in a module Web Worker matches onnxruntime and silero-vad', async () => {
    const { page, requests, errors } = await open('test/runtimes/page.html');
    const result = await page.evaluate(inWorker('?vad')) as VadProbeResult;
    expect(requests).toContain('/dist/models/silero_vad.onnx');
    expect(errors).toEqual([]);
    console.log(`Chromium worker dist/vad.js: worst |p - onnxruntime| ${expectVad(result, 'Chromium worker vad').toExponential(1)}`);
  });

  it('the inline entry\'s VAD in a page matches onnxruntime and silero-vad, fetching no wasm', async () => {
    const { page, requests, errors } = await open('test/runtimes/page.html');
    const result = await page.evaluate(inPageVad('/dist/inline.js')) as VadProbeResult;
    expect(requests.filter((p) => p.endsWith('.wasm') || p.startsWith('/dist/chunks/'))).toEqual([]);
    expect(requests).toContain('/dist/models/silero_vad.onnx');
    expect(errors).toEqual([]);
    console.log(`Chromium page dist/inline.js VAD: worst |p - onnxruntime| ${expectVad(result, 'Chromium inline vad').toExponential(1)}`);
  });

  it('the demo page continues its prompt and draws a forecast (screenshot: out/ or docs/browser-demo.png)', async () => {
    const { page, errors } = await open('examples/browser/');
    await page.waitForFunction(() => {
      const d = document.body.dataset;
      return (d.generate === 'done' && d.forecast === 'done') || d.error;
    }, null, { timeout: 90_000 });
    const state = await page.evaluate(`({ ...document.body.dataset, prompt: document.getElementById('prompt').value,
      text: document.getElementById('text').textContent, future: window.lastForecast?.future })`) as
      { error?: string; prompt: string; text: string; future: number[] };
    expect(state.error).toBeUndefined();
    expect(errors).toEqual([]);
    const { chars } = JSON.parse(readFileSync(`${repo}examples/models/charlm/vocab.json`, 'utf8'));
    expect(state.text.startsWith(state.prompt)).toBe(true);
    const generated = [...state.text.slice(state.prompt.length)];
    expect(generated).toHaveLength(240);
    expect(generated.every((c) => chars.includes(c)), state.text).toBe(true);
    expect(state.future).toHaveLength(48);
    expect(state.future.every(Number.isFinite)).toBe(true);
    await screenshot(page, 'browser-demo.png');
  });

  it('examples/browser/translate.html (linked from the demo page) translates dates as they are typed — PyTorch\'s beam n-best and greedy outputs — and draws the attention (screenshot: out/ or docs/browser-translate.png)', async () => {
    const { page, errors } = await open('examples/browser/');
    await Promise.all([page.waitForURL(/\/examples\/browser\/translate\.html$/), page.click('#translate-link')]);
    type Shown = { error?: string; translate?: string; best: string; status: string; inked: number; last?: { source: string; beam: number; translations: { text: string; tokens: number[]; score: number }[]; attention: number[][] } };
    const shown = () => page.evaluate(`(() => {
      const c = document.getElementById('heatmap'), px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let inked = 0;
      for (let i = 3; i < px.length; i += 4) inked += px[i] > 0 ? 1 : 0;
      return { ...document.body.dataset, best: document.getElementById('best').textContent, status: document.getElementById('status').textContent, inked, last: window.lastTranslation };
    })()`) as Promise<Shown>;
    const settled = (source: string, beam?: number) => page.waitForFunction(([s, b]) => {
      const d = document.body.dataset, last = (window as any).lastTranslation;
      return d.error || (d.translate !== 'running' && last?.source === s && (b === null || last.beam === b));
    }, [source, beam ?? null] as const, { timeout: 60_000 });
    await page.waitForFunction(() => document.body.dataset.translate === 'done' || document.body.dataset.error, null, { timeout: 60_000 });

    // beam 5 (the page's default), typed a key at a time: what stays on screen is PyTorch's n-best for the whole text
    const beamRef = json('models/dates/beam.json'), greedyRef = json('models/dates/greedy.json');
    const k = 3, c = beamRef.cases[k];
    await page.fill('#source', '');
    await page.type('#source', c.source, { delay: 5 });
    await settled(c.source, 5);
    let got = await shown();
    expect(got.error).toBeUndefined();
    expect(got.last!.translations.map((t) => t.tokens), c.source).toEqual(c.nbest.map((h: { tokens: number[] }) => h.tokens));
    got.last!.translations.forEach((t, j) => expect(Math.abs(t.score - c.nbest[j].score)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(c.nbest[j].score))));
    expect(got.best).toBe(got.last!.translations[0].text);
    expect(got.last!.attention).toHaveLength(got.best.length);
    expect(got.last!.attention.every((row) => row.length === [...c.source].length && Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5)).toBe(true);
    expect(got.inked, 'the heatmap is drawn').toBeGreaterThan(1000);
    await screenshot(page, 'browser-translate.png');

    // beam 1: PyTorch's greedy output for another held-out sentence
    const [source] = readFileSync(`${repo}examples/models/dates/heldout.tsv`, 'utf8').split('\n')[7].split('\t');
    await page.fill('#beam', '1');
    await page.fill('#source', source);
    await settled(source, 1);
    got = await shown();
    expect(got.error).toBeUndefined();
    expect(got.last!.translations.map((t) => t.tokens)).toEqual([greedyRef.outputs[7]]);

    // too long for the model: its error, named, in the page; empty: nothing shown
    await page.fill('#source', '1'.repeat(80));
    await page.waitForFunction(() => document.body.dataset.error, null, { timeout: 30_000 });
    got = await shown();
    expect(got.error).toMatch(/^LstmWasmError INPUT: source 0 has 80 tokens; this model reads at most 72/);
    expect(got.best).toBe('');
    await page.fill('#source', '');
    await settled('');
    got = await shown();
    expect(got.error).toBeUndefined();
    expect([got.translate, got.best, got.inked]).toEqual(['empty', '', 0]);
    expect(errors).toEqual([]);
  });
});

/** out/ (ignored by git) on every run; UPDATE_DOCS=1 npm test refreshes the committed docs/<name>. */
async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.UPDATE_DOCS ? 'docs' : 'out';
  mkdirSync(`${repo}${dir}`, { recursive: true });
  await page.screenshot({ path: `${repo}${dir}/${name}`, fullPage: true });
}

// Chromium's fake microphone plays the file (once: %noloop) from when the page opens it; the page's AudioContext runs at
// the device's rate, so the audio reaches the VAD resampled twice (16 kHz file -> context rate -> 16 kHz model).
const MIC_WAV = `${repo}test/fixtures/vad/audio/speech_16k.wav`;
const MIC_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${MIC_WAV}%noloop`];

describe('Chromium with a fake microphone playing test/fixtures/vad/audio/speech_16k.wav', () => {
  let mic: Browser;
  beforeAll(async () => {
    mic = await launchChromium(MIC_ARGS);
  }, 60_000);
  afterAll(async () => {
    await mic?.close();
  });

  it('examples/browser/vad.html (linked from the demo page) hears both utterances of the first 10 s as silero-vad does (screenshot: out/ or docs/browser-vad.png)', async () => {
    const { page, errors } = await open('examples/browser/', mic);
    await Promise.all([page.waitForURL(/\/examples\/browser\/vad\.html$/), page.click('#vad-link')]);
    await page.click('#listen'); // a user gesture: the AudioContext may start
    await page.waitForFunction(() => document.body.dataset.error || (window as any).vadLog.events.length >= 4, null, { timeout: 60_000 });
    const got = await page.evaluate(`({ error: document.body.dataset.error, status: document.getElementById('status').textContent, ...window.vadLog })`) as
      { error?: string; status: string; sampleRate: number; frames: { index: number; time: number; prob: number }[]; events: { type: string; time: number; frame: number }[] };
    expect(got.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect(got.status).toMatch(new RegExp(`^listening at ${got.sampleRate} Hz`));
    expect(got.frames.map((f) => f.index), 'every frame reached the page, in order').toEqual(got.frames.map((_, i) => i));

    // What is deterministic: the speech itself. Where the stream began in the file is not (the page's frames start when its
    // audio graph runs), so the events are compared by their spacing — each utterance's length and the pause between them
    // — with silero-vad's VADIterator over onnxruntime's probabilities for the same model on the file itself.
    const ref: [number, string, number][] = json('vad/segments.json').stream['silero_vad.onnx']['16000'].defaults;
    const events = got.events.slice(0, 4);
    expect(events.map((e) => e.type)).toEqual(['speechstart', 'speechend', 'speechstart', 'speechend']);
    for (let i = 1; i < 4; i++) {
      const ours = events[i].time - events[i - 1].time, theirs = (ref[i][2] - ref[i - 1][2]) / 16000;
      expect(Math.abs(ours - theirs), `${events[i - 1].type} -> ${events[i].type}: ${ours.toFixed(3)} s here, ${theirs.toFixed(3)} s by silero-vad`).toBeLessThanOrEqual(0.1);
    }
    // inside each detected utterance the probabilities are high: at least as often above 0.5 as onnxruntime's in silero-vad's segment, less 10 points
    const refProbs: number[] = json('vad/reference.json').models['silero_vad.onnx']['16000'].probs;
    const above = (probs: number[]) => probs.filter((p) => p > 0.5).length / probs.length;
    for (const k of [0, 2]) {
      const ours = above(got.frames.slice(events[k].frame, events[k + 1].frame + 1).map((f) => f.prob));
      const theirs = above(refProbs.slice(ref[k][0], ref[k + 1][0] + 1));
      expect(ours, `utterance ${k / 2 + 1}: share of frames above 0.5 (silero-vad's segment on onnxruntime: ${theirs.toFixed(2)})`).toBeGreaterThanOrEqual(theirs - 0.1);
    }
    console.log(`Chromium microphone at ${got.sampleRate} Hz: ${events.map((e) => `${e.type} ${e.time.toFixed(3)} s`).join(', ')}; ` +
      `silero-vad on the file: ${ref.slice(0, 4).map(([, t, at]) => `${t} ${(at / 16000).toFixed(3)} s`).join(', ')}`);
    await screenshot(page, 'browser-vad.png');

    await page.click('#listen'); // Stop: the tracks end and the context closes
    await page.waitForFunction(() => document.body.dataset.vad === 'stopped' || document.body.dataset.error, null, { timeout: 10_000 });
    expect(await page.evaluate(`document.body.dataset.error`)).toBeUndefined();
  });
});

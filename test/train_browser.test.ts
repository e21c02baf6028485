// test/train_browser.test.ts: headless Chromium (Debian's, via playwright-core) runs the training page
// (examples/browser/train.html) with the relaxed-SIMD training core: the loss falls, a sample is generated, no errors.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
// @ts-expect-error plain JS, also `npm run demo`
import { serve } from '../scripts/serve.mjs';
import { repo } from './runtimes/spawn.js';

const CHROMIUM = '/usr/bin/chromium';
let server: { url: string; close(): Promise<void> };
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
  server = await serve({ root: repo });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('trains a character LSTM in a tab: the loss falls, samples appear, the relaxed-SIMD training core is used', async () => {
  const page = await (await browser.newContext()).newPage();
  const requests: string[] = [], errors: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(new URL('examples/browser/train.html?steps=300&hidden=32&batch=16&autostart', server.url).href);
  await page.waitForFunction(() => document.body.dataset.done, undefined, { timeout: 110_000 });
  const done = JSON.parse(await page.evaluate(() => document.body.dataset.done!));
  expect(done.steps).toBe(300);
  expect(done.last).toBeLessThan(done.first * 0.7);
  expect(await page.textContent('#sample')).toMatch(/^after 300 steps: And God said, /);
  expect(requests).toContain('/dist/lstm-train-relaxed.wasm');
  expect(errors).toEqual([]);
  console.log(`Chromium ${browser.version()}: 300 steps of a 2-layer H32 character LSTM (B16 T64) at ${done.msPerStep.toFixed(1)} ms per step`);
}, 120_000);

// test/train_browser.test.ts: headless Chromium (Debian's, via playwright-core) runs the training page
// (examples/browser/train.html) with the relaxed-SIMD training core: the loss falls, a sample is generated, no errors.
import { expect, it } from 'vitest';
import { withChromium } from './runtimes/chromium.js';

const chrome = withChromium();

it('trains a character LSTM in a tab: the loss falls, samples appear, the relaxed-SIMD training core is used', async () => {
  const page = await (await chrome.browser.newContext()).newPage();
  const requests: string[] = [], errors: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(new URL('examples/browser/train.html?steps=300&hidden=32&batch=16&autostart', chrome.url).href);
  await page.waitForFunction(() => document.body.dataset.done, undefined, { timeout: 110_000 });
  const done = JSON.parse(await page.evaluate(() => document.body.dataset.done!));
  expect(done.steps).toBe(300);
  expect(done.last).toBeLessThan(done.first * 0.7);
  expect(await page.textContent('#sample')).toMatch(/^after 300 steps: And God said, /);
  expect(requests).toContain('/dist/lstm-train-relaxed.wasm');
  expect(errors).toEqual([]);
  console.log(`Chromium ${chrome.browser.version()}: 300 steps of a 2-layer H32 character LSTM (B16 T64) at ${done.msPerStep.toFixed(1)} ms per step`);
}, 120_000);

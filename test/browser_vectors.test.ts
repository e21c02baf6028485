// test/browser_vectors.test.ts: the demo page's word-vector panel in headless Chromium — loads the bundled vectors,
// solves an analogy with lstm-wasm/text, plots the words (PCA), names an unknown word; screenshot in out/ (docs/ with UPDATE_DOCS=1).
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withChromium } from './runtimes/chromium.js';
import { repo } from './runtimes/spawn.js';

const chrome = withChromium();

describe('Chromium: the word-vector panel of examples/browser/', () => {
  it('solves man : king :: woman : ?, plots the words, and names a misspelt word with its near spellings', async () => {
    const page = await (await chrome.browser.newContext({ viewport: { width: 1000, height: 1300 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(new URL('examples/browser/', chrome.url).href);
    const wait = () => page.waitForFunction(() => /^(done|error)/.test(document.body.dataset.vectors ?? ''), null, { timeout: 90_000 });
    await wait();
    const r = await page.evaluate('({ answer: document.getElementById("vec-answer").textContent, last: window.lastAnalogy })') as
      { answer: string; last: { result: [string, number][]; plotted: string[] } };
    expect(r.answer).toBe('man : king :: woman : queen');
    expect(r.last.result).toHaveLength(8);
    expect(r.last.plotted).toEqual(['man', 'king', 'woman', 'queen', 'prince', 'son', 'daughter', 'father', 'mother', 'moses', 'aaron', 'egypt', 'pharaoh', 'babylon']);
    const dir = process.env.UPDATE_DOCS ? 'docs' : 'out'; // UPDATE_DOCS=1 npm test refreshes the committed docs/browser-vectors.png
    mkdirSync(`${repo}${dir}`, { recursive: true });
    await page.locator('#vectors').screenshot({ path: `${repo}${dir}/browser-vectors.png` });
    await page.fill('#vb', 'kingg');
    await page.click('#vsolve');
    await wait();
    expect(await page.textContent('#vec-status')).toMatch(/LstmWasmError: "kingg" is not in the vectors \(5323 words\); nearest spellings: "king", "kings"/);
    expect(errors).toEqual([]);
  });
});

// test/runtimes/chromium.ts: Debian's Chromium driven by playwright-core, for the browser tests — the flags the
// machine notes ask for, the clear error when it is missing, and the repository served over HTTP for a test file.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
// @ts-expect-error plain JS, also `npm run demo`
import { serve } from '../../scripts/serve.mjs';
import { repo } from './spawn.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];

/** Launches Chromium headless with the standard flags and any extra ones (e.g. a fake microphone). */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** For the tests of one file: the repository served read-only (scripts/serve.mjs) and a browser, both closed after. */
export function withChromium(): { readonly browser: Browser; readonly url: string } {
  let server: { url: string; close(): Promise<void> } | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
    server = await serve({ root: repo });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get browser() {
      return browser!;
    },
    get url() {
      return server!.url;
    },
  };
}

// vitest.config.ts: tests run against the built bundle (dist/), as users get it; gc is exposed for the leak tests.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      'lstm-wasm/text': fileURLToPath(new URL('./dist/text.js', import.meta.url)), // before 'lstm-wasm': the first match wins
      'lstm-wasm': fileURLToPath(new URL('./dist/index.js', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    execArgv: ['--expose-gc'],
    testTimeout: 120_000,
  },
});

// vitest.config.ts: tests run against the built bundle (dist/), as users get it; gc is exposed for the leak tests.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: [
      { find: /^lstm-wasm\/train$/, replacement: fileURLToPath(new URL('./dist/train.js', import.meta.url)) },
      { find: /^lstm-wasm$/, replacement: fileURLToPath(new URL('./dist/index.js', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    execArgv: ['--expose-gc'],
    testTimeout: 120_000,
  },
});

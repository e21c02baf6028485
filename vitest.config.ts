// vitest.config.ts: tests run against the built bundle (dist/), as users get it; gc is exposed for the leak tests.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: [
      { find: /^lstm-wasm$/, replacement: fileURLToPath(new URL('./dist/index.js', import.meta.url)) },
      { find: /^lstm-wasm\/(onnx|keras|vad|text|train|inline|seq2seq)$/, replacement: fileURLToPath(new URL('./dist/$1.js', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    execArgv: ['--expose-gc'],
    testTimeout: 120_000,
  },
});

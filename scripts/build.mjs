// scripts/build.mjs: bundle the host with esbuild into dist/, ship the wasm beside it, emit .d.ts with tsc.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist');
const common = { bundle: true, format: 'esm', target: 'es2022', sourcemap: true, legalComments: 'none', logLevel: 'warning' };
// Library: platform-neutral; node:fs is imported lazily, only where a file system exists.
// The ONNX and Keras importers are their own entries (lstm-wasm/onnx, lstm-wasm/keras) and chunks loaded only when such a model arrives.
await build({
  ...common,
  entryPoints: { index: 'src/index.ts', onnx: 'src/onnx.ts', keras: 'src/keras.ts', vad: 'src/vad.ts', text: 'src/text.ts', seq2seq: 'src/seq2seq.ts', 'w2v-worker': 'src/text/worker.ts' },
  outdir: 'dist', platform: 'neutral',
  external: ['node:*'], minify: true, splitting: true, chunkNames: 'chunks/[name]-[hash]',
});
// lstm-wasm/train: its own file beside lstm.wasm (a shared chunk would move the runtime, and the wasm URL with it, into chunks/).
await build({ ...common, entryPoints: { train: 'src/train.ts' }, outdir: 'dist', platform: 'neutral', external: ['node:*'], minify: true });
// lstm-wasm/inline: one file, importers included (no chunks), both wasm builds embedded as base64 (no fetch, no file).
const base64 = (file) => JSON.stringify(readFileSync(file).toString('base64'));
await build({
  ...common, entryPoints: { inline: 'src/inline.ts' }, outdir: 'dist', platform: 'neutral', external: ['node:*'], minify: true,
  define: { __LSTM_WASM_SIMD__: base64('build/lstm.wasm'), __LSTM_WASM_RELAXED__: base64('build/lstm-relaxed.wasm') },
});
// CLI: Node only.
await build({ ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', platform: 'node' });
copyFileSync('build/lstm.wasm', 'dist/lstm.wasm');
copyFileSync('build/lstm-relaxed.wasm', 'dist/lstm-relaxed.wasm'); // chosen at load time where relaxed SIMD exists
// the default model of the VAD (createVad), with its licence
mkdirSync('dist/models', { recursive: true });
copyFileSync('models/silero_vad.onnx', 'dist/models/silero_vad.onnx');
copyFileSync('models/LICENSE.silero-vad', 'dist/models/LICENSE.silero-vad');
copyFileSync('build/lstm-shared.wasm', 'dist/lstm-shared.wasm'); // imports a shared memory: word2vec's Hogwild workers
copyFileSync('build/lstm-train.wasm', 'dist/lstm-train.wasm'); // the training core (lstm-wasm/train), and its relaxed-SIMD build
copyFileSync('build/lstm-train-relaxed.wasm', 'dist/lstm-train-relaxed.wasm');
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

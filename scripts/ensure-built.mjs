// scripts/ensure-built.mjs: build (npm run build) unless dist/ is newer than every source file — so `npm start` is quick.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const newest = (dir) => readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
  const p = join(dir, e.name);
  return Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
}, 0);
const outputs = ['dist/index.js', 'dist/cli.js', 'dist/lstm.wasm', 'dist/lstm-relaxed.wasm', 'dist/train.js', 'dist/lstm-train.wasm'];
const built = outputs.every(existsSync) ? Math.min(...outputs.map((f) => statSync(f).mtimeMs)) : 0;
if (built < Math.max(newest('src'), newest('assembly'), statSync('asconfig.json').mtimeMs)) {
  console.log('building (npm run build) …');
  execSync('npm run build --silent', { stdio: ['ignore', 'ignore', 'inherit'] });
}

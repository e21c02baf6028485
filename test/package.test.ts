// test/package.test.ts: what npm would publish — only the bundle, its types, the wasm, the shipped model, the CLI,
// README and licences — and no runtime dependencies (so `npm audit --omit=dev` has nothing to report).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { root } from './helpers';

describe('the published package', () => {
  it('holds only dist/, the CLI entry, README, LICENSE and package.json', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
    const allowed = (f: string) => f.startsWith('dist/') || ['bin/lstm-wasm.js', 'README.md', 'LICENSE', 'package.json'].includes(f);
    expect(files.filter((f) => !allowed(f))).toEqual([]);
    for (const f of ['dist/index.js', 'dist/lstm.wasm', 'dist/lstm-relaxed.wasm', 'dist/types/index.d.ts', 'dist/models/silero_vad.onnx', 'dist/models/LICENSE.silero-vad', 'dist/inline.js']) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.startsWith('dist/') && /test|fixture/.test(f))).toBe(false);
  });

  it('has no runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
  });
});

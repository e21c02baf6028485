// test/runtimes_bun.test.ts: Bun (npm package `bun`) — the bundle, the inline entry (models and the VAD) and examples/bun.ts.
import { describe, expect, it } from 'vitest';
import { expectProbe, expectVad, probeJson, vadProbeJson } from './runtimes/compare.js';
import { bin, inlineAlone, runOk } from './runtimes/spawn.js';

const bun = (...args: string[]) => runOk(bin('bun'), args, { env: { NO_COLOR: '1' } });

describe('Bun', () => {
  for (const [name, bundle] of [['dist/index.js', ''], ['dist/inline.js', 'inline']]) {
    it(`${name} matches PyTorch (classifier, LM outputs, greedy ids)`, async () => {
      const r = await bun('test/runtimes/probe_cli.mjs', ...(bundle ? [inlineAlone('bun')] : []));
      const result = probeJson(r.stdout, r.stderr, 'bun probe_cli.mjs');
      console.log(`${(result as { runtime?: string }).runtime} ${name} (relaxed SIMD ${result.relaxedSimd}): worst error ${expectProbe(result, `Bun ${name}`).toExponential(1)}`);
    });
  }

  for (const [name, bundle] of [['dist/vad.js', ''], ['dist/inline.js', 'inline']]) {
    it(`${name}: the VAD's speechTimestamps and chunked createVad stream match onnxruntime and silero-vad`, async () => {
      const r = await bun('test/runtimes/probe_cli.mjs', '--vad', ...(bundle ? [inlineAlone('bun-vad')] : []));
      const result = vadProbeJson(r.stdout, r.stderr, 'bun probe_cli.mjs --vad');
      const worst = expectVad(result, `Bun ${name}`, bundle ? 'silero_vad_16k_op15.onnx' : 'silero_vad.onnx');
      console.log(`${result.runtime} ${name} VAD: worst |p - onnxruntime| ${worst.toExponential(1)}`);
    });
  }

  it('examples/bun.ts forecasts 24 steps with the bundled forecaster', async () => {
    const { stdout } = await bun('examples/bun.ts');
    const line = stdout.split('\n').find((l) => l.startsWith('next 24: '));
    expect(line, stdout).toBeDefined();
    const values = line!.slice(9).trim().split(/\s+/).map(Number);
    expect(values).toHaveLength(24);
    expect(values.every(Number.isFinite), line).toBe(true);
  });
});

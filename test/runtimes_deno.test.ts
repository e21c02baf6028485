// test/runtimes_deno.test.ts: Deno (npm package `deno`) — the bundle, the inline entry (models and the VAD) and examples/deno.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectProbe, expectVad, probeJson, vadProbeJson } from './runtimes/compare.js';
import { bin, inlineAlone, repo, runOk } from './runtimes/spawn.js';

const deno = (...args: string[]) => runOk(bin('deno'), ['run', '--allow-read', '--no-lock', ...args], { env: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } });

describe('Deno', () => {
  for (const [name, bundle] of [['dist/index.js', ''], ['dist/inline.js', 'inline']]) {
    it(`${name} matches PyTorch (classifier, LM outputs, greedy ids)`, async () => {
      const r = await deno('test/runtimes/probe_cli.mjs', ...(bundle ? [inlineAlone('deno')] : []));
      const result = probeJson(r.stdout, r.stderr, 'deno probe_cli.mjs');
      console.log(`${(result as { runtime?: string }).runtime} ${name} (relaxed SIMD ${result.relaxedSimd}): worst error ${expectProbe(result, `Deno ${name}`).toExponential(1)}`);
    });
  }

  for (const [name, bundle] of [['dist/vad.js', ''], ['dist/inline.js', 'inline']]) {
    it(`${name}: the VAD's speechTimestamps and chunked createVad stream match onnxruntime and silero-vad`, async () => {
      const r = await deno('test/runtimes/probe_cli.mjs', '--vad', ...(bundle ? [inlineAlone('deno-vad')] : []));
      const result = vadProbeJson(r.stdout, r.stderr, 'deno probe_cli.mjs --vad');
      const worst = expectVad(result, `Deno ${name}`, bundle ? 'silero_vad_16k_op15.onnx' : 'silero_vad.onnx');
      console.log(`${result.runtime} ${name} VAD: worst |p - onnxruntime| ${worst.toExponential(1)}`);
    });
  }

  it('examples/deno.ts streams 200 characters after the prompt with the bundled character model', async () => {
    const prompt = 'In the beginning ';
    const { stdout } = await deno('examples/deno.ts', prompt);
    const { chars } = JSON.parse(readFileSync(`${repo}examples/models/charlm/vocab.json`, 'utf8'));
    expect(stdout.startsWith(prompt), stdout).toBe(true);
    const rest = [...stdout.slice(prompt.length).replace(/\n$/, '')];
    expect(rest).toHaveLength(200);
    expect(rest.every((c) => chars.includes(c)), stdout).toBe(true);
  });
});

// test/runtimes_node.test.ts: Node — the bundle and the single-file inline entry (plain and relaxed SIMD) against PyTorch references;
// the VAD (lstm-wasm/vad, and the inline entry's) against onnxruntime's probabilities and silero-vad's segments.
import { readFileSync } from 'node:fs';
import * as lib from 'lstm-wasm';
import * as vadLib from 'lstm-wasm/vad';
import { describe, expect, it } from 'vitest';
import { fixturePath, readFixture } from './helpers.js';
import { expectProbe, expectVad, probeJson, vadProbeJson } from './runtimes/compare.js';
// @ts-expect-error plain JS shared with the other runtimes
import { probe } from './runtimes/probe.mjs';
// @ts-expect-error plain JS shared with the other runtimes
import { probeVad } from './runtimes/probe_vad.mjs';
import { inlineAlone, repo, runOk } from './runtimes/spawn.js';

const cli = `${repo}test/runtimes/probe_cli.mjs`;

describe('Node', () => {
  it('dist/index.js matches PyTorch (classifier, LM outputs, greedy ids)', async () => {
    const result = await probe(lib, fixturePath, async (rel: string) => readFixture(rel));
    expect(result.relaxedSimd).toBe(false); // Node 20 runs relaxed SIMD only behind a flag: the plain build ran
    console.log(`Node ${process.version} dist/index.js: worst error ${expectProbe(result, 'Node').toExponential(1)}`);
  });

  for (const relaxed of [false, true]) {
    it(`dist/inline.js alone in a folder (nothing beside it to fetch), ${relaxed ? 'relaxed' : 'plain'} SIMD build`, async () => {
      const flags = relaxed ? ['--experimental-wasm-relaxed-simd'] : [];
      const r = await runOk(process.execPath, [...flags, cli, inlineAlone('node')]);
      const result = probeJson(r.stdout, r.stderr, 'node probe_cli.mjs');
      expect(result.relaxedSimd).toBe(relaxed);
      console.log(`Node inline.js (${relaxed ? 'relaxed' : 'plain'} SIMD): worst error ${expectProbe(result, `Node inline ${relaxed}`).toExponential(1)}`);
    });
  }

  it('lstm-wasm/vad: speechTimestamps and a chunked createVad stream match onnxruntime and silero-vad', async () => {
    const result = await probeVad(vadLib, fixturePath, async (rel: string) => readFixture(rel));
    console.log(`Node dist/vad.js: worst |p - onnxruntime| ${expectVad(result, 'Node vad').toExponential(1)}`);
  });

  it('the inline entry\'s VAD, alone in a folder (relaxed SIMD), matches onnxruntime and silero-vad', async () => {
    const r = await runOk(process.execPath, ['--experimental-wasm-relaxed-simd', cli, '--vad', inlineAlone('node-vad')]);
    const result = vadProbeJson(r.stdout, r.stderr, 'node probe_cli.mjs --vad');
    console.log(`Node inline.js VAD: worst |p - onnxruntime| ${expectVad(result, 'Node inline vad', 'silero_vad_16k_op15.onnx').toExponential(1)}`);
  });

  it('examples/node.mjs classifies its verses with the bundled topic model', async () => {
    const { labels } = JSON.parse(readFileSync(`${repo}examples/models/topic/vocab.json`, 'utf8'));
    const r = await runOk(process.execPath, ['examples/node.mjs', 'In the beginning God created the heaven and the earth.']);
    const m = /^(.+?)\s+(\d+\.\d)%  In the beginning/.exec(r.stdout.trim());
    expect(m, r.stdout).not.toBeNull();
    expect(labels).toContain(m![1]);
    expect(Number(m![2])).toBeGreaterThanOrEqual(100 / labels.length); // the top class of 6 has at least 1/6
  });
});

// test/fuzz.test.ts: a short seeded fuzzing run of every importer (npm run fuzz runs it long: FUZZ_RUNS=100000).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FuzzCase, kerasCase, npyCase, onnxCase, randomCase, safetensorsCase, vectorsCase } from './fuzz/cases';
import { exercise } from './fuzz/exercise';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);

describe(`fuzzing: ${RUNS} cases per format, seed ${SEED} — each loads and runs, or throws LstmWasmError`, () => {
  const formats: [string, fc.Arbitrary<FuzzCase>][] = [
    ['safetensors', safetensorsCase], ['onnx', onnxCase], ['tfjs', kerasCase], ['npy', npyCase], ['vectors', vectorsCase], ['random bytes', randomCase],
  ];
  for (const [name, arb] of formats) {
    it(name, async () => {
      const outcomes = new Map<string, number>();
      await fc.assert(fc.asyncProperty(arb, async (c) => {
        const o = await exercise(c);
        outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
      }), { numRuns: RUNS, seed: SEED, endOnFailure: true });
      const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
      console.log(`fuzz ${name}: ${total} cases, ${[...outcomes].sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
      expect(total).toBe(RUNS);
    }, Math.max(120_000, RUNS * 50)); // a long run (npm run fuzz) gets 50 ms a case
  }
});

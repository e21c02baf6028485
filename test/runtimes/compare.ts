// test/runtimes/compare.ts: judge what test/runtimes/probe.mjs returned in another runtime against the committed references.
import { Tensor } from 'lstm-wasm';
import { expect } from 'vitest';
import { expectClose, npy } from '../helpers.js';

/** Every reference the probe must produce (the probe cannot pass by leaving one out). */
export const PROBE_REFS = [
  'torch-onnx/classifier_bilstm/a_probs.npy', 'torch-onnx/classifier_bilstm/b_probs.npy',
  'torch-models/charlm_every_logits/logits.npy', 'torch-models/charlm_every_logits/h_n.npy', 'torch-models/charlm_every_logits/c_n.npy',
];
export const GREEDY_REF = 'torch-models/charlm_every_logits/greedy_ids.npy';

export interface JsonTensor { type: string; dims: number[]; data: number[] }
export interface ProbeResult {
  relaxedSimd: boolean;
  outputs: Record<string, JsonTensor>;
  greedy: Record<string, number[]>;
}

/** One output against its reference file: |ours - ref| <= 1e-5·max(1, |ref|). Returns the worst relative error. */
export function expectTensorClose(got: JsonTensor, ref: string, where: string): number {
  expect(got.type, `${where}: ${ref} type`).toBe('float32');
  return expectClose(new Tensor('float32', Float32Array.from(got.data), got.dims), npy(ref), `${where}: ${ref}`);
}

/** Checks a probe's outputs (PyTorch references) and its greedy ids (PyTorch's own loop); returns the worst error. */
export function expectProbe(result: ProbeResult, where: string): number {
  expect(Object.keys(result.outputs).sort(), `${where}: outputs`).toEqual([...PROBE_REFS].sort());
  const worst = Math.max(...PROBE_REFS.map((ref) => expectTensorClose(result.outputs[ref], ref, where)));
  const want = Array.from(npy(GREEDY_REF).data as BigInt64Array, Number);
  expect(result.greedy[GREEDY_REF], `${where}: greedy ids vs PyTorch`).toEqual(want);
  return worst;
}

/** The probe's JSON line in a child's stdout (the last line that parses), or an error quoting what the child said. */
export function probeJson(stdout: string, stderr: string, what: string): ProbeResult {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`${what} printed no result.\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`);
  return JSON.parse(line);
}

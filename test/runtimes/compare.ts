// test/runtimes/compare.ts: judge what test/runtimes/probe.mjs and probe_vad.mjs returned in another runtime against the committed references.
import { Tensor } from 'lstm-wasm';
import { expect } from 'vitest';
import { expectClose, json, npy } from '../helpers.js';

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

// ---- voice activity detection (test/runtimes/probe_vad.mjs) against onnxruntime's probabilities and silero-vad's own segments ----

const vadRef = json('vad/reference.json'), vadSeg = json('vad/segments.json');

export interface VadSegmentJson { start: number; end: number; startSample: number; endSample: number }
export interface VadEventJson { type: 'speechstart' | 'speechend'; time: number; frame: number }
export interface VadProbeResult {
  sampleRate: number;
  samples: number;
  /** speechTimestamps over the whole recording */
  whole: { model: string; modelRate: number; probs: number[]; segments: VadSegmentJson[] };
  /** createVad, pushed in uneven chunks, then flushed */
  stream: { model: string; modelRate: number; probs: number[]; frames: number[]; events: VadEventJson[]; flushed: VadEventJson[] };
}

/** Every probability within 1e-4 of onnxruntime-node's (the bar) for this model at this rate; returns the worst difference. */
export function expectVadProbs(probs: number[], model: string, rate: number, where: string): number {
  const ref: number[] = vadRef.models[model][rate].probs;
  expect(probs.length, `${where}: frames of ${model}`).toBe(ref.length);
  let worst = 0, at = -1;
  probs.forEach((p, i) => {
    const e = Math.abs(p - ref[i]);
    if (!(e <= worst)) [worst, at] = [e, i]; // NaN counts as the worst
  });
  if (!(worst <= 1e-4)) expect.fail(`${where}: ${model} frame ${at} has probability ${probs[at]}, onnxruntime ${ref[at]} (|difference| ${worst} > 1e-4)`);
  return worst;
}

/** Segments exactly as silero-vad's get_speech_timestamps found them (`params`: a parameter set of segments.json), in samples and in seconds. */
export function expectVadSegments(segments: VadSegmentJson[], model: string, rate: number, where: string, params = 'defaults'): void {
  expect(segments.map((s) => [s.startSample, s.endSample]), `${where}: segments of ${model} (${params})`).toEqual(vadSeg.segments[model][rate][params]);
  for (const s of segments) expect([s.start, s.end], `${where}: segment seconds`).toEqual([s.startSample / rate, s.endSample / rate]);
}

/** The probe's whole-file and streamed results; `streamModel` is the model the stream must have used. Returns the worst probability error. */
export function expectVad(r: VadProbeResult, where: string, streamModel = 'silero_vad.onnx'): number {
  expect([r.sampleRate, r.whole.model, r.whole.modelRate, r.stream.model, r.stream.modelRate], `${where}: rates and models`)
    .toEqual([16000, 'silero_vad_16k_op15.onnx', 16000, streamModel, 16000]);
  const worst = Math.max(expectVadProbs(r.whole.probs, r.whole.model, 16000, `${where} speechTimestamps`), expectVadProbs(r.stream.probs, streamModel, 16000, `${where} createVad`));
  expectVadSegments(r.whole.segments, r.whole.model, 16000, where);
  expect(r.stream.frames, `${where}: frame indices`).toEqual(r.stream.probs.map((_, i) => i));
  // VADIterator's events, as [frame, 'start'|'end', sample]; it reports nothing for a segment still open at the end, flush() closes it
  const want: [number, string, number][] = vadSeg.stream[streamModel][16000].defaults;
  const events = r.stream.events.map((e) => [e.frame, e.type === 'speechstart' ? 'start' : 'end', Math.round(e.time * 16000)]);
  expect(events, `${where}: createVad events vs VADIterator`).toEqual(want);
  expect(r.stream.flushed.map((e) => e.type), `${where}: flush`).toEqual(want.at(-1)?.[1] === 'start' ? ['speechend'] : []);
  return worst;
}

/** The VAD probe's JSON line in a child's stdout. */
export const vadProbeJson = (stdout: string, stderr: string, what: string) => probeJson(stdout, stderr, what) as unknown as VadProbeResult & { runtime: string };

// test/runtimes/probe_vad.mjs: the voice activity detection every runtime test runs — plain JS that Node, Deno, Bun and
// Chromium (page and Web Worker) load. It reads the 16 kHz test recording with lstm-wasm/vad's readWav, finds its speech
// with speechTimestamps (the published 16 kHz model) and streams it through createVad in uneven chunks (the model
// shipped in dist/models/ unless told otherwise); the test (in Node) compares the numbers with test/runtimes/compare.ts.

export const VAD_AUDIO = 'vad/audio/speech_16k.wav';
export const VAD_MODEL = 'silero_vad_16k_op15.onnx'; // test/fixtures/vad/models/
export const DEFAULT_MODEL = 'silero_vad.onnx'; // models/silero_vad.onnx, shipped as dist/models/silero_vad.onnx

/** Chunk sizes the stream is pushed in, in turn: a render quantum, odd sizes, more than a frame at once. */
const CHUNKS = [128, 1000, 37, 4096, 511];

/**
 * `lib` is the loaded VAD entry (dist/vad.js or dist/inline.js); `model(rel)` and `bytes(rel)` are as in probe.mjs.
 * `defaultModel`: stream with createVad's default model (false where nothing is shipped beside the bundle: the inline
 * entry alone in a folder), else with the published 16 kHz model too.
 */
export async function probeVad(lib, model, bytes, { defaultModel = true } = {}) {
  const { readWav, speechTimestamps, createVad } = lib;
  const wav = readWav(await bytes(VAD_AUDIO), VAD_AUDIO);

  const whole = await speechTimestamps(wav.samples, { sampleRate: wav.sampleRate, model: await model(`vad/models/${VAD_MODEL}`) });

  const vad = await createVad(defaultModel ? { sampleRate: wav.sampleRate } : { sampleRate: wav.sampleRate, model: await model(`vad/models/${VAD_MODEL}`) });
  const probs = [], frames = [], events = [];
  for (let at = 0, k = 0; at < wav.samples.length; k++) {
    const size = CHUNKS[k % CHUNKS.length];
    const out = await vad.push(wav.samples.subarray(at, at + size));
    at += size;
    for (const f of out.frames) (probs.push(f.prob), frames.push(f.index));
    events.push(...out.events);
  }
  const tail = await vad.flush();
  for (const f of tail.frames) (probs.push(f.prob), frames.push(f.index));

  return {
    sampleRate: wav.sampleRate,
    samples: wav.samples.length,
    whole: { model: VAD_MODEL, modelRate: whole.modelRate, probs: Array.from(whole.probs), segments: whole.segments },
    stream: { model: defaultModel ? DEFAULT_MODEL : VAD_MODEL, modelRate: vad.modelRate, probs, frames, events, flushed: tail.events },
  };
}

// cli/vad.ts: `lstm-wasm vad AUDIO.wav` — the speech segments of a recording (Silero VAD).
import { check } from '../errors.js';
import { readWav } from '../audio/wav.js';
import { readBytes } from '../io.js';
import { speechTimestamps } from '../vad/vad.js';
import { type Io, num, parse } from './common.js';

export const VAD_USAGE =
  'lstm-wasm vad AUDIO.wav [--model silero_vad.onnx] [--threshold 0.5] [--min-speech-ms 250] [--min-silence-ms 100] [--speech-pad-ms 30] [--model-rate 16000|8000] [--json]';

const clock = (s: number) => `${Math.floor(s / 60)}:${(s % 60).toFixed(2).padStart(5, '0')}`;

export async function vad(args: string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, {
    model: { type: 'string' }, threshold: { type: 'string' }, 'min-speech-ms': { type: 'string' }, 'min-silence-ms': { type: 'string' },
    'speech-pad-ms': { type: 'string' }, 'model-rate': { type: 'string' }, json: { type: 'boolean' },
  });
  check(positionals.length === 1, 'OPTION', positionals.length ? `unexpected argument '${positionals[1]}'; usage: ${VAD_USAGE}` : `missing AUDIO.wav; usage: ${VAD_USAGE}`);
  const file = positionals[0];
  const w = readWav(await readBytes(file), file);
  const modelRate = num(values, 'model-rate');
  check(modelRate === undefined || modelRate === 8000 || modelRate === 16000, 'OPTION', `--model-rate must be 8000 or 16000, got ${values['model-rate']}`);
  const t0 = performance.now();
  const { segments, probs, modelRate: rate } = await speechTimestamps(w.samples, {
    sampleRate: w.sampleRate, model: values.model, modelRate: modelRate as 8000 | 16000 | undefined, threshold: num(values, 'threshold'),
    minSpeechMs: num(values, 'min-speech-ms'), minSilenceMs: num(values, 'min-silence-ms'), speechPadMs: num(values, 'speech-pad-ms'),
  });
  const ms = performance.now() - t0, seconds = w.samples.length / w.sampleRate;
  io.out(`${file}: ${seconds.toFixed(2)} s, ${w.sampleRate} Hz ${w.bits}-bit ${w.channels === 1 ? 'mono' : `${w.channels} channels mixed down`}; ` +
    `${probs.length} frames at ${rate} Hz in ${ms.toFixed(0)} ms (${Math.round((seconds * 1000) / ms)}x real time)`);
  for (const s of segments) io.out(`speech ${clock(s.start)} - ${clock(s.end)}  (${(s.end - s.start).toFixed(2)} s)`);
  if (!segments.length) io.out('no speech');
  if (values.json) {
    io.out(JSON.stringify({
      sampleRate: rate, frame: rate === 16000 ? 512 : 256, probs: Array.from(probs, (p) => Math.round(p * 1e6) / 1e6),
      segments: segments.map((s) => ({ start: s.start, end: s.end })),
    }));
  }
}

// test/vad.test.ts: Silero VAD as published — probabilities against onnxruntime's, segments and stream events against
// silero-vad's own get_speech_timestamps and VADIterator; WAV reading and resampling.
import { readFileSync } from 'node:fs';
import { InferenceSession } from 'lstm-wasm';
import { Resampler, createVad, readWav, resample, speechTimestamps } from 'lstm-wasm/vad';
import { describe, expect, it } from 'vitest';
import { expectError, fixturePath, json, readFixture, root } from './helpers';

const ref = json('vad/reference.json');
const seg = json('vad/segments.json');
const audioInfo = json('vad/audio/audio.json');
const modelPath = (m: string) => (m === 'silero_vad.onnx' ? new URL('models/silero_vad.onnx', root).pathname : fixturePath(`vad/models/${m}`));
const wav = (f: string) => readWav(readFixture(`vad/audio/${f}`), f);

describe('Silero VAD models as published: every probability within 1e-4 of onnxruntime\'s', () => {
  for (const [model, rates] of Object.entries<Record<string, any>>(ref.models)) {
    for (const [sr, r] of Object.entries<any>(rates)) {
      it(`${model} at ${sr} Hz: ${r.frames} frames, then get_speech_timestamps' segments (3 parameter sets)`, async () => {
        const audio = wav(r.file).samples;
        const session = await InferenceSession.create(modelPath(model));
        let worst = 0;
        for (const [name, params] of Object.entries<any>(seg.params)) {
          const o = {
            model: session, sampleRate: Number(sr), threshold: params.threshold, minSpeechMs: params.min_speech_duration_ms,
            minSilenceMs: params.min_silence_duration_ms, speechPadMs: params.speech_pad_ms, maxSpeechS: params.max_speech_duration_s,
          };
          const { probs, segments } = await speechTimestamps(audio, o);
          expect(probs.length).toBe(r.frames);
          probs.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - r.probs[i]))));
          expect(segments.map((s) => [s.startSample, s.endSample]), name).toEqual(seg.segments[model][sr][name]);
        }
        expect(worst).toBeLessThanOrEqual(1e-4);
        console.log(`${model} ${sr} Hz: worst |p - onnxruntime| ${worst.toExponential(1)}`);
      });
    }
  }
});

describe('the streaming detector', () => {
  for (const [model, sr] of [['silero_vad_16k_op15.onnx', '16000'], ['silero_vad.onnx', '8000']] as const) {
    it(`${model} at ${sr} Hz: chunks of any size give VADIterator's events and the same probabilities`, async () => {
      const r = ref.models[model][sr], audio = wav(r.file).samples, win = r.window;
      for (const [name, p] of Object.entries<any>(seg.stream_params)) {
        const vad = await createVad({ model: modelPath(model), sampleRate: Number(sr), threshold: p.threshold, minSilenceMs: p.min_silence_duration_ms, speechPadMs: p.speech_pad_ms });
        const events: [number, string, number][] = [], probs: number[] = [];
        // uneven chunks: 1, 100, 1000, 37 ... samples
        const sizes = [1, 100, 1000, 37, 4096, 511];
        for (let at = 0, k = 0; at < audio.length; k++) {
          const n = sizes[k % sizes.length];
          const out = await vad.push(audio.subarray(at, at + n));
          for (const f of out.frames) probs.push(f.prob);
          for (const e of out.events) events.push([e.frame, e.type === 'speechstart' ? 'start' : 'end', Math.round(e.time * Number(sr))]);
          at += n;
        }
        const tail = await vad.flush();
        for (const f of tail.frames) probs.push(f.prob);
        expect(probs.length).toBe(r.frames);
        probs.forEach((x, i) => expect(Math.abs(x - r.probs[i])).toBeLessThanOrEqual(1e-4));
        // VADIterator reports nothing for a segment still open at the end; flush() closes it
        expect(events, name).toEqual(seg.stream[model][sr][name]);
        expect(tail.events.every((e) => e.type === 'speechend')).toBe(true);
        expect(win).toBe(Number(sr) === 16000 ? 512 : 256);
      }
    });
  }

  it('minSpeechMs holds back a start until the speech has lasted that long, and drops shorter bursts', async () => {
    const audio = wav('speech_16k.wav').samples;
    const run = async (minSpeechMs: number) => {
      const vad = await createVad({ model: modelPath('silero_vad_16k_op15.onnx'), minSpeechMs });
      const ev = [...(await vad.push(audio)).events, ...(await vad.flush()).events];
      return ev;
    };
    const all = await run(0), strict = await run(800);
    expect(strict.length).toBeLessThan(all.length);
    expect(strict.length % 2).toBe(0);
    // every reported start is one of the unfiltered starts
    const starts = new Set(all.filter((e) => e.type === 'speechstart').map((e) => e.time));
    for (const e of strict.filter((x) => x.type === 'speechstart')) expect(starts.has(e.time)).toBe(true);
  });

  it('resamples 22.05, 44.1 and 48 kHz audio to 16 kHz and finds the same speech (within a frame)', async () => {
    const want = seg.segments['silero_vad.onnx']['16000'].defaults as [number, number][];
    for (const f of ['speech_22050.wav', 'speech_44100.wav', 'speech_48k.wav']) {
      const w = wav(f);
      const { segments, modelRate } = await speechTimestamps(w.samples, { sampleRate: w.sampleRate });
      expect(modelRate).toBe(16000);
      expect(segments.length, f).toBe(want.length);
      segments.forEach((s, i) => {
        expect(Math.abs(s.startSample - want[i][0]), `${f} segment ${i} start`).toBeLessThanOrEqual(512);
        expect(Math.abs(s.endSample - want[i][1]), `${f} segment ${i} end`).toBeLessThanOrEqual(512);
      });
    }
  });

  it('refuses what it cannot do, naming it', async () => {
    await expectError(() => createVad({ model: fixturePath('torch-onnx/lm_lstm2/model.onnx') }), 'MODEL', /not a Silero VAD model: inputs ids, h0, c0; expected input, state/);
    await expectError(() => createVad({ sampleRate: 1000 }), 'OPTION', /sampleRate must be 4000\.\.384000 Hz, got 1000/);
    await expectError(() => createVad({ modelRate: 44100 as never }), 'OPTION', /modelRate must be 8000 or 16000, got 44100/);
    const vad = await createVad();
    await expectError(() => vad.push([0.1, 0.2] as never), 'INPUT', /push\(pcm\): pcm must be a Float32Array/);
    const a = vad.push(new Float32Array(2048)), b = vad.push(new Float32Array(10));
    await expectError(() => b, 'INPUT', /the previous push has not finished/);
    await a;
  });
});

describe('WAV files and resampling', () => {
  const base = wav('speech_16k.wav').samples.subarray(0, 48000);
  for (const f of ['speech_16k_8bit.wav', 'speech_16k_24bit.wav', 'speech_16k_32bit.wav', 'speech_16k_16bit_stereo.wav']) {
    it(`reads ${f} (${audioInfo.files[f].bits}-bit, ${audioInfo.files[f].channels} channel)`, () => {
      const w = wav(f);
      expect([w.sampleRate, w.bits, w.channels]).toEqual([16000, audioInfo.files[f].bits, audioInfo.files[f].channels]);
      expect(w.samples.length).toBe(48000);
      // the same signal as the 16-bit file, to the precision of the coarser format (stereo: mean of x and 0.8x)
      const scale = f.includes('stereo') ? 0.9 : 1, tol = f.includes('8bit') ? 1 / 64 : 1 / 16384;
      let worst = 0;
      for (let i = 0; i < base.length; i++) worst = Math.max(worst, Math.abs(w.samples[i] - scale * base[i]));
      expect(worst).toBeLessThanOrEqual(tol);
    });
  }

  it('refuses files that are not PCM WAV', () => {
    expect(() => readWav(new Uint8Array(44), 'x.wav')).toThrow(/x\.wav: not a WAV file/);
    const bytes = readFixture('vad/audio/speech_16k_8bit.wav').slice();
    bytes[20] = 2; // ADPCM
    expect(() => readWav(bytes, 'adpcm.wav')).toThrow(/adpcm\.wav: sample format 2 is not supported/);
    expect(() => readWav(readFixture('vad/audio/speech_16k_8bit.wav').slice(0, 36), 'cut.wav')).toThrow(/cut\.wav: no data chunk/);
  });

  it('resampling keeps a tone below the lower Nyquist frequency and removes one above it', () => {
    const tone = (hz: number, rate: number, n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * hz * i) / rate));
    const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    const kept = resample(tone(3000, 48000, 48000), 48000, 16000).subarray(200, 15800);
    expect(Math.abs(rms(kept) - Math.SQRT1_2)).toBeLessThan(0.01);
    const removed = resample(tone(11000, 48000, 48000), 48000, 16000).subarray(200, 15800);
    expect(rms(removed)).toBeLessThan(1e-3);
    // streaming in pieces gives the whole-signal result
    const x = tone(440, 44100, 10000), r = new Resampler(44100, 16000);
    const parts = [r.push(x.subarray(0, 333)), r.push(x.subarray(333, 5000)), r.push(x.subarray(5000)), r.flush()];
    const joined = Float32Array.from(parts.flatMap((p) => Array.from(p)));
    expect(joined).toEqual(resample(x, 44100, 16000));
  });
});

it('the default model ships in dist/models with its licence', () => {
  expect(readFileSync(new URL('dist/models/silero_vad.onnx', root)).length).toBe(readFileSync(new URL('models/silero_vad.onnx', root)).length);
  expect(readFileSync(new URL('dist/models/LICENSE.silero-vad', root), 'utf8')).toMatch(/MIT License/);
});

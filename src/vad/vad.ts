// vad/vad.ts: voice activity detection with a Silero VAD model — a streaming detector and whole-file segments.
import { LstmWasmError, check } from '../errors.js';
import type { ByteSource } from '../io.js';
import { InferenceSession } from '../session.js';
import { Tensor } from '../tensor.js';
import { assetUrl } from '../runtime.js';
import { Resampler, resample } from '../audio/resample.js';
import { type SegmentOptions, type SpeechEvent, SpeechTracker, type StreamOptions, speechSegments } from './detect.js';

export interface VadOptions extends StreamOptions {
  /** A Silero VAD ONNX model (path, URL, bytes) or a session of one. Default: the silero_vad.onnx shipped in dist/models/. */
  model?: ByteSource | InferenceSession;
  /** The rate of the audio given; anything else than the model's rate is resampled (default 16000). */
  sampleRate?: number;
  /** The rate the model runs at: 16000 (512-sample frames) or 8000 (256); default 8000 for 8 kHz audio, else 16000. */
  modelRate?: 8000 | 16000;
  /** streaming only: report speech only once it has lasted this long (default 0, as silero-vad's VADIterator) */
  minSpeechMs?: number;
}

export interface VadFrame {
  /** frame number from the start of the stream */
  index: number;
  /** start of the frame, seconds */
  time: number;
  /** speech probability */
  prob: number;
}

export interface VadEvent {
  type: 'speechstart' | 'speechend';
  /** seconds from the start of the stream (the start moved earlier, the end later, by speechPadMs) */
  time: number;
  /** the frame whose probability decided it */
  frame: number;
}

/** The frame layouts of the official wrapper: new samples per frame, samples of context from the frame before. */
const FRAMES = { 16000: { window: 512, context: 64 }, 8000: { window: 256, context: 32 } } as const;

/** The model's io: v5/v6 (input, state, sr -> output, stateN) or v4 (input, sr, h, c -> output, hn, cn). */
function ioOf(s: InferenceSession) {
  const has = (n: string) => s.inputNames.includes(n);
  if (has('input') && has('state')) return { v4: false, sr: has('sr') };
  if (has('input') && has('h') && has('c')) return { v4: true, sr: has('sr') };
  throw new LstmWasmError('MODEL', `not a Silero VAD model: inputs ${s.inputNames.join(', ')}; expected input, state (and sr), or input, sr, h, c`);
}

async function sessionOf(model: VadOptions['model']): Promise<InferenceSession> {
  if (model instanceof InferenceSession) return model;
  return InferenceSession.create(model ?? assetUrl('models/silero_vad.onnx'));
}

/** A streaming voice activity detector: push PCM chunks of any size, get each frame's probability and speech events. */
export class Vad {
  readonly modelRate: 8000 | 16000;
  readonly sampleRate: number;
  private readonly window: number;
  private readonly ctx: number;
  private readonly io: { v4: boolean; sr: boolean };
  private readonly frame: Float32Array; // context + window, the model's input
  private readonly input: Tensor;
  private readonly sr: Tensor;
  private state: Record<string, Tensor>;
  private pending: Float32Array; // model-rate samples waiting for a whole frame
  private fill = 0;
  private index = 0;
  private readonly resampler: Resampler | undefined;
  private readonly tracker: SpeechTracker;
  private readonly minSpeech: number;
  private startedAt = -1; // a speech start not yet reported (minSpeechMs)
  private busy = false;

  constructor(private readonly session: InferenceSession, options: VadOptions = {}) {
    const sampleRate = options.sampleRate ?? 16000;
    check(Number.isFinite(sampleRate) && sampleRate >= 4000 && sampleRate <= 384000, 'OPTION', `sampleRate must be 4000..384000 Hz, got ${sampleRate}`);
    const modelRate = options.modelRate ?? (sampleRate === 8000 ? 8000 : 16000);
    check(modelRate === 8000 || modelRate === 16000, 'OPTION', `modelRate must be 8000 or 16000, got ${modelRate}`);
    for (const k of ['threshold', 'minSilenceMs', 'speechPadMs', 'minSpeechMs'] as const) {
      const v = options[k];
      check(v === undefined || (Number.isFinite(v) && v >= 0), 'OPTION', `${k} must be a number >= 0, got ${v}`);
    }
    this.io = ioOf(session);
    this.sampleRate = sampleRate;
    this.modelRate = modelRate;
    ({ window: this.window, context: this.ctx } = FRAMES[modelRate]);
    this.frame = new Float32Array(this.ctx + this.window);
    this.input = new Tensor('float32', this.frame, [1, this.frame.length]);
    this.sr = new Tensor('int64', BigInt64Array.from([BigInt(modelRate)]), []);
    this.pending = new Float32Array(this.window);
    this.resampler = sampleRate === modelRate ? undefined : new Resampler(sampleRate, modelRate);
    this.tracker = new SpeechTracker(modelRate, options);
    this.minSpeech = ((options.minSpeechMs ?? 0) * modelRate) / 1000;
    this.state = this.zeroState();
  }

  private zeroState(): Record<string, Tensor> {
    const z = () => new Tensor('float32', new Float32Array(256), [2, 1, 128]);
    return this.io.v4 ? { h: z(), c: z() } : { state: z() };
  }

  /** One frame through the model: its probability; the state and context carry to the next. */
  private async step(): Promise<number> {
    this.frame.copyWithin(0, this.window); // the previous frame's last samples are this one's context
    this.frame.set(this.pending, this.ctx);
    const feeds: Record<string, Tensor> = { input: this.input, ...this.state };
    if (this.io.sr) feeds.sr = this.sr;
    const out = await this.session.run(feeds);
    this.state = this.io.v4 ? { h: out.hn, c: out.cn } : { state: out.stateN };
    const p = (out.output.data as Float32Array)[0];
    if (Number.isNaN(p)) throw new LstmWasmError('NUMERIC', `frame ${this.index}: the model gave NaN`);
    return p;
  }

  /** Feeds PCM samples (at sampleRate, floats in [-1, 1]); returns the frames completed and the events they decided. */
  async push(pcm: Float32Array): Promise<{ frames: VadFrame[]; events: VadEvent[] }> {
    check(pcm instanceof Float32Array, 'INPUT', `push(pcm): pcm must be a Float32Array, got ${Object.prototype.toString.call(pcm)}`);
    check(!this.busy, 'INPUT', 'push(): the previous push has not finished; await it (one stream, in order)');
    this.busy = true;
    try {
      return await this.consume(this.resampler ? this.resampler.push(pcm) : pcm);
    } finally {
      this.busy = false;
    }
  }

  /** Ends the stream: the last partial frame zero-padded, an open speech segment closed at the end. */
  async flush(): Promise<{ frames: VadFrame[]; events: VadEvent[] }> {
    const r = await this.consume(this.resampler ? this.resampler.flush() : new Float32Array(0));
    if (this.fill > 0) {
      this.pending.fill(0, this.fill);
      this.fill = this.window;
      r.frames.push(...(await this.consume(new Float32Array(0))).frames);
    }
    if (this.tracker.speaking && this.startedAt < 0) r.events.push({ type: 'speechend', time: (this.index * this.window) / this.modelRate, frame: this.index - 1 });
    this.reset();
    return r;
  }

  private async consume(x: Float32Array): Promise<{ frames: VadFrame[]; events: VadEvent[] }> {
    const frames: VadFrame[] = [], events: VadEvent[] = [];
    let at = 0;
    for (;;) {
      const take = Math.min(this.window - this.fill, x.length - at);
      this.pending.set(x.subarray(at, at + take), this.fill);
      this.fill += take;
      at += take;
      if (this.fill < this.window) break;
      const prob = await this.step();
      frames.push({ index: this.index, time: (this.index * this.window) / this.modelRate, prob });
      this.index++;
      this.fill = 0;
      const e = this.tracker.update(prob, this.window);
      if (e) this.report(e, events);
      else if (this.startedAt >= 0 && this.index * this.window - this.startedAt >= this.minSpeech) {
        events.push({ type: 'speechstart', time: this.startedAt / this.modelRate, frame: this.index - 1 });
        this.startedAt = -1;
      }
    }
    return { frames, events };
  }

  private report(e: SpeechEvent, events: VadEvent[]): void {
    if (e.type === 'speechstart' && this.minSpeech > 0) {
      this.startedAt = e.sample; // reported once the speech has lasted minSpeechMs
      return;
    }
    if (e.type === 'speechend' && this.startedAt >= 0) {
      this.startedAt = -1; // too short: never reported
      return;
    }
    events.push({ type: e.type, time: e.sample / this.modelRate, frame: this.index - 1 });
  }

  /** Starts a new stream: state, context, pending samples and speech tracking cleared. */
  reset(): void {
    this.state = this.zeroState();
    this.frame.fill(0);
    this.fill = 0;
    this.index = 0;
    this.startedAt = -1;
    this.tracker.reset();
  }
}

/** A streaming detector (see Vad). */
export async function createVad(options: VadOptions = {}): Promise<Vad> {
  return new Vad(await sessionOf(options.model), options);
}

export interface SpeechSegment {
  /** seconds */
  start: number;
  end: number;
  /** samples at the model's rate (what silero-vad's get_speech_timestamps returns) */
  startSample: number;
  endSample: number;
}

/** Speech segments of a whole recording, as silero-vad's get_speech_timestamps finds them; also each frame's probability. */
export async function speechTimestamps(audio: Float32Array, options: VadOptions & SegmentOptions = {}): Promise<{ segments: SpeechSegment[]; probs: Float32Array; modelRate: number }> {
  const sampleRate = options.sampleRate ?? 16000;
  const modelRate = options.modelRate ?? (sampleRate === 8000 ? 8000 : 16000);
  check(audio instanceof Float32Array, 'INPUT', `audio must be a Float32Array, got ${Object.prototype.toString.call(audio)}`);
  const x = resample(audio, sampleRate, modelRate);
  const vad = await createVad({ ...options, sampleRate: modelRate, modelRate });
  const { frames } = await vad.push(x);
  frames.push(...(await vad.flush()).frames);
  const probs = Float32Array.from(frames, (f) => f.prob);
  const segments = speechSegments(probs, modelRate, FRAMES[modelRate].window, x.length, options).map((s) => ({
    start: s.start / modelRate, end: s.end / modelRate, startSample: s.start, endSample: s.end,
  }));
  return { segments, probs, modelRate };
}

// vad/detect.ts: from per-frame speech probabilities to speech segments (whole file) and events (stream), with the
// semantics of silero-vad's get_speech_timestamps and VADIterator. Pure functions of the probabilities; sample
// positions are at the model's rate.

export interface SegmentOptions {
  /** speech when a frame's probability is at least this (default 0.5) */
  threshold?: number;
  /** while in speech, silence when below this (default threshold - 0.15, at least 0.01) */
  negThreshold?: number;
  /** segments shorter than this are dropped (default 250) */
  minSpeechMs?: number;
  /** silence must last this long to end a segment (default 100) */
  minSilenceMs?: number;
  /** added to each side of a segment (default 30), halved between segments closer than twice it */
  speechPadMs?: number;
  /** longer segments are cut, at the longest silence inside when there is one (default Infinity) */
  maxSpeechS?: number;
  /** a silence must be longer than this to be a place to cut a too-long segment (default 98) */
  minSilenceAtMaxSpeechMs?: number;
}

export interface Segment {
  /** first sample, at the model's rate */
  start: number;
  /** one past the last sample */
  end: number;
}

/** Speech segments in samples of the model's rate, given each frame's probability (frame i starts at i * window). */
export function speechSegments(probs: ArrayLike<number>, rate: number, window: number, length: number, o: SegmentOptions = {}): Segment[] {
  const threshold = o.threshold ?? 0.5;
  const neg = o.negThreshold ?? Math.max(threshold - 0.15, 0.01);
  const ms = (v: number) => (rate * v) / 1000;
  const minSpeech = ms(o.minSpeechMs ?? 250), minSilence = ms(o.minSilenceMs ?? 100), pad = ms(o.speechPadMs ?? 30);
  const maxSpeech = rate * (o.maxSpeechS ?? Infinity) - window - 2 * pad;
  const cutSilence = ms(o.minSilenceAtMaxSpeechMs ?? 98);

  const found: Segment[] = [];
  let inSpeech = false, start = 0, silenceFrom = 0; // silenceFrom: where a silence inside speech began (0: none)
  let cuts: [number, number][] = []; // silences inside the current segment long enough to cut at: [from, duration]
  let resumeAt = 0, lastCut = 0; // after a cut: where speech resumed, and where the cut was
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i], at = window * i;
    if (p >= threshold && silenceFrom) {
      if (at - silenceFrom > cutSilence) cuts.push([silenceFrom, at - silenceFrom]);
      silenceFrom = 0;
      if (resumeAt < lastCut) resumeAt = at;
    }
    if (p >= threshold && !inSpeech) {
      inSpeech = true;
      start = at;
      continue;
    }
    if (inSpeech && at - start > maxSpeech) {
      if (cuts.length) {
        const [from, dur] = cuts.reduce((a, b) => (b[1] > a[1] ? b : a)); // the longest silence (the first on ties)
        found.push({ start, end: from });
        resumeAt = from + dur;
        if (resumeAt < from + at) start = resumeAt; // speech goes on after the silence
        else inSpeech = false;
      } else {
        found.push({ start, end: at });
        inSpeech = false;
      }
      lastCut = resumeAt = silenceFrom = 0;
      cuts = [];
      if (!inSpeech) continue;
    }
    if (p < neg && inSpeech) {
      if (!silenceFrom) silenceFrom = at;
      if (at - silenceFrom < minSilence) continue;
      if (silenceFrom - start > minSpeech) found.push({ start, end: silenceFrom });
      inSpeech = false;
      lastCut = resumeAt = silenceFrom = 0;
      cuts = [];
    }
  }
  if (inSpeech && length - start > minSpeech) found.push({ start, end: length });

  // pad each side; segments closer than two pads share the gap between them
  found.forEach((s, i) => {
    if (i === 0) s.start = Math.trunc(Math.max(0, s.start - pad));
    if (i < found.length - 1) {
      const next = found[i + 1], gap = next.start - s.end;
      if (gap < 2 * pad) {
        s.end += Math.trunc(Math.floor(gap / 2));
        next.start = Math.trunc(Math.max(0, next.start - Math.floor(gap / 2)));
      } else {
        s.end = Math.trunc(Math.min(length, s.end + pad));
        next.start = Math.trunc(Math.max(0, next.start - pad));
      }
    } else s.end = Math.trunc(Math.min(length, s.end + pad));
  });
  return found;
}

export interface StreamOptions {
  threshold?: number;
  /** silence must last this long to end speech (default 100) */
  minSilenceMs?: number;
  /** the start moves this much earlier, the end this much later (default 30) */
  speechPadMs?: number;
}

export type SpeechEvent = { type: 'speechstart'; sample: number } | { type: 'speechend'; sample: number };

/** The streaming decision, frame by frame (silero-vad's VADIterator): start and end events as they become certain. */
export class SpeechTracker {
  private inSpeech = false;
  private silenceFrom = 0;
  private seen = 0; // samples of the frames so far
  private readonly threshold: number;
  private readonly minSilence: number;
  private readonly pad: number;

  constructor(rate: number, o: StreamOptions = {}) {
    this.threshold = o.threshold ?? 0.5;
    this.minSilence = (rate * (o.minSilenceMs ?? 100)) / 1000;
    this.pad = (rate * (o.speechPadMs ?? 30)) / 1000;
  }

  get speaking(): boolean {
    return this.inSpeech;
  }

  /** The next frame (`window` samples) and its probability; an event when one is decided. */
  update(p: number, window: number): SpeechEvent | undefined {
    this.seen += window;
    if (p >= this.threshold && this.silenceFrom) this.silenceFrom = 0;
    if (p >= this.threshold && !this.inSpeech) {
      this.inSpeech = true;
      return { type: 'speechstart', sample: Math.trunc(Math.max(0, this.seen - this.pad - window)) };
    }
    if (p < this.threshold - 0.15 && this.inSpeech) {
      if (!this.silenceFrom) this.silenceFrom = this.seen;
      if (this.seen - this.silenceFrom < this.minSilence) return undefined;
      const end = Math.trunc(this.silenceFrom + this.pad - window);
      this.silenceFrom = 0;
      this.inSpeech = false;
      return { type: 'speechend', sample: end };
    }
    return undefined;
  }

  reset(): void {
    this.inSpeech = false;
    this.silenceFrom = 0;
    this.seen = 0;
  }
}

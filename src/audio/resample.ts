// audio/resample.ts: a streaming band-limited resampler (Kaiser-windowed sinc) for any rate to any rate.
import { check } from '../errors.js';

const ZEROS = 16; // zero crossings of the sinc on each side, at the lower of the two rates
const PHASES = 256; // kernel table entries per input sample
const BETA = 8.6; // Kaiser window: ~80 dB stopband
const ROLLOFF = 0.94; // cutoff as a fraction of the lower Nyquist frequency

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

/** Modified Bessel function of the first kind, order 0 (series). */
function i0(x: number): number {
  let sum = 1, term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/**
 * Converts a stream of samples from one rate to another: `push` returns the output the input so far determines,
 * `flush` the rest (the input's end treated as silence). Output sample k is the input at time k * from / to,
 * low-pass filtered below the lower rate's Nyquist frequency.
 */
export class Resampler {
  private readonly step: number; // input samples per output sample
  private readonly half: number; // kernel half-width, input samples
  private readonly table: Float32Array;
  private buf = new Float32Array(0); // input from sample `base` on
  private base = 0;
  private next = 0; // index of the next output sample
  // a rational ratio from/to = M/L (L phases at most 4096): the kernel for each phase, precomputed
  private readonly M: number;
  private readonly L: number;
  private readonly bank: Float32Array | undefined;

  constructor(readonly from: number, readonly to: number) {
    check(Number.isFinite(from) && from > 0 && Number.isFinite(to) && to > 0, 'OPTION', `resampling needs positive rates, got ${from} -> ${to}`);
    this.step = from / to;
    const fc = Math.min(1, to / from) * ROLLOFF; // cutoff, in units of the input's Nyquist
    this.half = Math.ceil(ZEROS / Math.min(1, to / from));
    this.table = new Float32Array(this.half * PHASES + 2);
    for (let i = 0; i < this.table.length; i++) {
      const d = i / PHASES, r = d / this.half;
      const sinc = d === 0 ? 1 : Math.sin(Math.PI * fc * d) / (Math.PI * fc * d);
      this.table[i] = r < 1 ? fc * sinc * (i0(BETA * Math.sqrt(1 - r * r)) / i0(BETA)) : 0;
    }
    const g = gcd(Math.round(from), Math.round(to));
    [this.M, this.L] = [Math.round(from) / g, Math.round(to) / g];
    if (Number.isInteger(from) && Number.isInteger(to) && this.L <= 4096) {
      const taps = 2 * this.half;
      this.bank = new Float32Array(this.L * taps);
      for (let p = 0; p < this.L; p++) for (let j = 0; j < taps; j++) this.bank[p * taps + j] = this.kernel(p / this.L + this.half - 1 - j);
    }
  }

  private kernel(d: number): number {
    const a = Math.abs(d) * PHASES, i = Math.floor(a);
    return i + 1 < this.table.length ? this.table[i] + (a - i) * (this.table[i + 1] - this.table[i]) : 0;
  }

  /** Feeds input; returns the output samples now determined. */
  push(x: Float32Array): Float32Array {
    if (this.from === this.to) return x.slice();
    const joined = new Float32Array(this.buf.length + x.length);
    joined.set(this.buf);
    joined.set(x, this.buf.length);
    this.buf = joined;
    return this.drain(this.base + this.buf.length);
  }

  /** The remaining output, as if silence followed the input. */
  flush(): Float32Array {
    if (this.from === this.to) return new Float32Array(0);
    const end = this.base + this.buf.length; // input samples in all
    const total = Math.ceil(end / this.step); // output samples the input spans
    const pad = new Float32Array(this.half + 2);
    const joined = new Float32Array(this.buf.length + pad.length);
    joined.set(this.buf);
    this.buf = joined;
    return this.drain(end + pad.length, total);
  }

  /** Output samples whose kernel lies within input [.., available); at most `limit` in all. */
  private drain(available: number, limit = Infinity): Float32Array {
    // how many outputs the input determines: the last needs input up to floor(t + half) < available
    let count = Math.max(0, Math.ceil((available - this.half - 1) / this.step) + 1 - this.next);
    while (count > 0 && Math.floor((this.next + count - 1) * this.step + this.half) >= available) count--;
    count = Math.min(count, limit - this.next);
    const out = new Float32Array(Math.max(0, count));
    const taps = 2 * this.half, buf = this.buf, base = this.base;
    for (let i = 0; i < out.length; i++, this.next++) {
      const k = this.next;
      let s = 0;
      if (this.bank) {
        // rational ratio: output k sits at input n0 + p/L; its taps are row p of the bank
        const q = k * this.M, n0 = Math.floor(q / this.L), row = (q - n0 * this.L) * taps, first = n0 - this.half + 1;
        const lo = Math.max(0, -first);
        for (let j = lo; j < taps; j++) s += buf[first + j - base] * this.bank[row + j];
      } else {
        const t = k * this.step, hi = Math.floor(t + this.half);
        for (let n = Math.max(0, Math.ceil(t - this.half)); n <= hi; n++) s += buf[n - base] * this.kernel(t - n);
      }
      out[i] = s;
    }
    // keep only the input later outputs can still reach
    const keep = Math.max(0, Math.floor(this.next * this.step - this.half) - 1);
    if (keep > this.base) {
      this.buf = this.buf.slice(keep - this.base);
      this.base = keep;
    }
    return out;
  }
}

/** Resamples a whole signal. */
export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return x;
  const r = new Resampler(from, to);
  const a = r.push(x), b = r.flush();
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

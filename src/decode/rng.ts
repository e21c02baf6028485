// decode/rng.ts: a small seedable random number generator, the same stream on every platform.
import { check } from '../errors.js';

/** xoshiro128** (Blackman & Vigna), its 128-bit state filled from the seed by SplitMix32. */
export class Rng {
  private s = new Uint32Array(4);

  /** Any safe integer; distinct seeds give distinct streams (the seed's 64-bit two's complement fills the state). */
  constructor(seed: number) {
    check(Number.isSafeInteger(seed), 'OPTION', `seed must be a safe integer, got ${seed}`);
    const u = BigInt.asUintN(64, BigInt(seed));
    const lo = Number(u & 0xffffffffn), hi = Number(u >> 32n);
    // SplitMix32's finalizer is a bijection: (lo, hi) -> two state words stays one-to-one
    const words = [lo, hi, lo ^ 0x9e3779b9, hi ^ 0x7f4a7c15];
    for (let i = 0; i < 4; i++) this.s[i] = mix((words[i] + Math.imul(i, 0x6a09e667)) >>> 0);
  }

  /** The next 32 random bits. */
  nextU32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / 9007199254740992;
  }
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

function mix(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

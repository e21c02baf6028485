// test/attention.test.ts: the attention kernels (dot and additive scores, masked softmax, context) against a float64
// scalar reference, for sizes around the vector width and at unaligned addresses.
import { beforeAll, describe, expect, it } from 'vitest';
import { core, rng } from './helpers';

let c: Awaited<ReturnType<typeof core>>;
beforeAll(async () => {
  c = await core();
});

const rand = rng(11);
const randArray = (n: number, scale = 1) => Float32Array.from({ length: n }, () => rand() * scale);
const SIZES = [0, 1, 3, 4, 5, 17];

/** Copies a into the arena at an address 4 bytes past 16-byte alignment (unaligned for v128 loads). */
function put(a: Float32Array): number {
  const p = c.alloc(a.length * 4 + 32) + 4;
  c.f32(p, a.length).set(a);
  return p;
}

const within = (got: number, ref: number, mag: number, what: string) =>
  expect(Math.abs(got - ref), `${what}: ${got} vs ${ref}`).toBeLessThanOrEqual(1e-6 * Math.max(1, mag));

describe('attn_dot_f32: scores = keys @ q', () => {
  for (const K of SIZES) {
    for (const n of [0, 1, 5]) {
      it(`K=${K}, ${n} positions, key rows ${K + 3} floats apart`, () => {
        const m = c.mark(), ldk = K + 3;
        const q = randArray(K), keys = randArray(Math.max(1, n * ldk));
        const out = c.alloc(n * 4 + 32) + 4;
        c.f32(out, n + 2).fill(777);
        c.ex.attn_dot_f32(out, put(q), put(keys), n, K, ldk);
        const got = c.f32(out, n + 2);
        for (let j = 0; j < n; j++) {
          let ref = 0, mag = 0;
          for (let k = 0; k < K; k++) [ref, mag] = [ref + keys[j * ldk + k] * q[k], mag + Math.abs(keys[j * ldk + k] * q[k])];
          within(got[j], ref, mag, `score ${j}`);
        }
        expect([got[n], got[n + 1]]).toEqual([777, 777]); // nothing written past n
        c.reset(m);
      });
    }
  }
});

describe('attn_additive_f32: score j = v . tanh(qp + keys[j])', () => {
  for (const A of SIZES) {
    it(`A=${A}, 6 positions, values up to ±4 (tanh saturating)`, () => {
      const m = c.mark(), n = 6, ldk = A + 1;
      const qp = randArray(A, 4), keys = randArray(Math.max(1, n * ldk), 4), v = randArray(A);
      const out = c.alloc(n * 4 + 16);
      c.ex.attn_additive_f32(out, put(qp), put(keys), put(v), n, A, ldk);
      const got = c.f32(out, n);
      for (let j = 0; j < n; j++) {
        let ref = 0, mag = 0;
        for (let a = 0; a < A; a++) {
          const t = v[a] * Math.tanh(qp[a] + keys[j * ldk + a]);
          [ref, mag] = [ref + t, mag + Math.abs(t)];
        }
        within(got[j], ref, mag, `score ${j}`);
      }
      c.reset(m);
    });
  }
});

describe('masked_softmax_f32', () => {
  for (const n of [1, 3, 4, 5, 17]) {
    it(`softmax over the first ${n} of ${n + 3}, exact zeros after, in place and apart`, () => {
      for (const inPlace of [false, true]) {
        const m = c.mark();
        const x = randArray(n + 3, 30);
        const xp = put(x), wp = inPlace ? xp : c.alloc((n + 3) * 4 + 16) + 4;
        c.ex.masked_softmax_f32(wp, xp, n, n + 3);
        const got = c.f32(wp, n + 3);
        const max = Math.max(...x.subarray(0, n)), sum = x.subarray(0, n).reduce((s, v) => s + Math.exp(v - max), 0);
        for (let j = 0; j < n; j++) within(got[j], Math.exp(x[j] - max) / sum, 1, `weight ${j}`);
        expect(Array.from(got.subarray(n))).toEqual([0, 0, 0]);
        c.reset(m);
      }
    });
  }
  it('n = 0 writes zeros only', () => {
    const m = c.mark(), p = put(randArray(4));
    c.ex.masked_softmax_f32(p, p, 0, 4);
    expect(Array.from(c.f32(p, 4))).toEqual([0, 0, 0, 0]);
    c.reset(m);
  });
});

describe('attn_context_f32: ctx = sum_j w[j] mem[j]', () => {
  for (const D of [...SIZES, 37, 128]) { // 37: two 16-column blocks, a group of 4 and one column
    for (const n of [0, 1, 4, 17]) {
      it(`D=${D}, ${n} positions, memory rows ${D + 2} floats apart`, () => {
        const m = c.mark(), ldm = D + 2;
        const w = randArray(Math.max(1, n)), mem = randArray(Math.max(1, n * ldm));
        const out = c.alloc(D * 4 + 32) + 4;
        c.f32(out, D + 1).fill(777);
        c.ex.attn_context_f32(out, put(w), put(mem), n, D, ldm);
        const got = c.f32(out, D + 1);
        for (let d = 0; d < D; d++) {
          let ref = 0, mag = 0;
          for (let j = 0; j < n; j++) [ref, mag] = [ref + w[j] * mem[j * ldm + d], mag + Math.abs(w[j] * mem[j * ldm + d])];
          within(got[d], ref, mag, `ctx ${d}`);
        }
        expect(got[D]).toBe(777);
        c.reset(m);
      });
    }
  }
});

// test/activations.test.ts: the activation kernels against float64 — the accuracy contract of DESIGN.md, by sweep.
import { beforeAll, describe, expect, it } from 'vitest';
import { core } from './helpers';

let c: Awaited<ReturnType<typeof core>>;
beforeAll(async () => {
  c = await core();
});

/** Runs act_f32(code) over xs and returns the float32 results. */
function apply(code: number, xs: Float32Array, alpha = 0, beta = 0): Float32Array {
  const m = c.mark();
  const x = c.alloc(xs.length * 4), y = c.alloc(xs.length * 4);
  c.f32(x, xs.length).set(xs);
  c.ex.act_f32(code, y, x, xs.length, alpha, beta);
  const out = c.f32(y, xs.length).slice();
  c.reset(m);
  return out;
}

const sweep = (lo: number, hi: number, n: number) => Float32Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function maxAbsErr(ys: Float32Array, xs: Float32Array, f: (x: number) => number) {
  let worst = 0, at = 0;
  for (let i = 0; i < xs.length; i++) {
    const e = Math.abs(ys[i] - f(xs[i]));
    if (!(e <= worst)) [worst, at] = [e, xs[i]];
  }
  return { worst, at };
}

describe('sigmoid and tanh: |error| <= 5e-7 against float64 over [-30, 30]', () => {
  const xs = sweep(-30, 30, 1_200_001); // step 5e-5, every region of both approximations
  for (const [name, f] of [['sigmoid', sigmoid], ['tanh', Math.tanh]] as const) {
    it(`${name} on 1.2M points`, () => {
      const code = name === 'sigmoid' ? c.k.ACT_SIGMOID : c.k.ACT_TANH;
      const { worst, at } = maxAbsErr(apply(code, xs), xs, f);
      expect(worst, `worst at x=${at}`).toBeLessThanOrEqual(5e-7);
    });
  }

  it('near zero tanh keeps relative accuracy (its numerator exact below 0.17, no cancellation)', () => {
    const xs = Float32Array.from([1e-30, -1e-20, 1e-7, 3e-4, -0.01, 0.3, 0.6249]);
    const ys = apply(c.k.ACT_TANH, xs);
    xs.forEach((x, i) => expect(Math.abs(ys[i] - Math.tanh(x))).toBeLessThanOrEqual(2e-7 * Math.abs(Math.tanh(x))));
  });

  it('is exact at the saturation ends', () => {
    const ys = apply(c.k.ACT_TANH, Float32Array.from([10, 30, 1e30, Infinity, -10, -30, -1e30, -Infinity, 0, -0]));
    expect(Array.from(ys)).toEqual([1, 1, 1, 1, -1, -1, -1, -1, 0, -0]);
    const ss = apply(c.k.ACT_SIGMOID, Float32Array.from([17, 30, 1e30, Infinity, -100, -1e30, -Infinity, 0]));
    expect(Array.from(ss)).toEqual([1, 1, 1, 1, 0, 0, 0, 0.5]);
  });

  it('keeps small sigmoid values relatively accurate', () => {
    for (const x of [-20, -30, -50, -80]) {
      const y = apply(c.k.ACT_SIGMOID, Float32Array.from([x]))[0];
      expect(Math.abs(y - sigmoid(x)) / sigmoid(x)).toBeLessThan(1e-6);
    }
  });
});

describe('every activation', () => {
  const refs: [string, (x: number, a: number, b: number) => number, number, number][] = [
    ['SIGMOID', sigmoid, 0, 0],
    ['TANH', Math.tanh, 0, 0],
    ['RELU', (x) => Math.max(x, 0), 0, 0],
    ['HARD_SIGMOID', (x, a, b) => Math.min(1, Math.max(0, a * x + b)), 0.2, 0.5],
    ['LEAKY_RELU', (x, a) => (x >= 0 ? x : a * x), 0.01, 0],
    ['THRESHOLDED_RELU', (x, a) => (x > a ? x : 0), 1, 0],
    ['SCALED_TANH', (x, a, b) => a * Math.tanh(b * x), 1.7, 0.6],
    ['AFFINE', (x, a, b) => a * x + b, 0.3, -0.2],
    ['ELU', (x, a) => (x >= 0 ? x : a * Math.expm1(x)), 0.9, 0],
    ['SOFTSIGN', (x) => x / (1 + Math.abs(x)), 0, 0],
    ['SOFTPLUS', (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), 0, 0],
    ['SELU', (x, a, b) => b * (x >= 0 ? x : a * Math.expm1(x)), 1.6732632, 1.050701],
    ['SQRT', (x) => Math.sqrt(x), 0, 0], // NaN below 0, as the reference
  ];
  const xs = sweep(-20, 20, 400_001);

  it('covers every code the core exports', () => {
    expect(refs.length).toBe(c.k.ACT_COUNT);
  });

  for (const [name, f, a, b] of refs) {
    it(`${name.toLowerCase()}: |error| <= 5e-7 * max(1, |y|) on [-20, 20], NaN in -> NaN out`, () => {
      const code = c.k[`ACT_${name}`];
      const ys = apply(code, xs, a, b);
      let worst = 0, at = 0;
      for (let i = 0; i < xs.length; i++) {
        const r = f(xs[i], Math.fround(a), Math.fround(b));
        const e = Number.isNaN(r) && Number.isNaN(ys[i]) ? 0 : Math.abs(ys[i] - r) / Math.max(1, Math.abs(r));
        if (!(e <= worst)) [worst, at] = [e, xs[i]];
      }
      // 5e-7 relative covers float32 rounding of the result itself (half an ulp of 16 is 9.5e-7 absolute)
      expect(worst, `worst at x=${at}`).toBeLessThanOrEqual(5e-7);
      expect(Number.isNaN(apply(code, Float32Array.from([NaN]), a, b)[0])).toBe(true);
    });
  }
});

describe('act_f32 tails and alignment', () => {
  for (const n of [0, 1, 3, 4, 5, 17]) {
    it(`n=${n} at byte offsets 0, 4, 8, 12 gives the same lanes and writes nothing past n`, () => {
      const xs = Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.7);
      const expected = Float32Array.from(xs, (x) => Math.fround(Math.tanh(x)));
      for (const off of [0, 4, 8, 12]) {
        const m = c.mark();
        const base = c.alloc(n * 8 + 64);
        const x = base + off, y = base + n * 4 + 32 + off;
        c.f32(x, n).set(xs);
        const guard = c.f32(y, n + 4);
        guard.fill(12345);
        c.ex.act_f32(c.k.ACT_TANH, y, x, n, 0, 0);
        const out = c.f32(y, n + 4);
        for (let i = 0; i < n; i++) expect(Math.abs(out[i] - expected[i])).toBeLessThanOrEqual(2e-7);
        expect(Array.from(out.subarray(n))).toEqual([12345, 12345, 12345, 12345]);
        c.reset(m);
      }
    });
  }
});

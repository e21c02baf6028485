// test/attention_bwd.test.ts: the attention backward kernels (assembly/attention_bwd.ts) against float64 scalar references,
// for n source positions and widths in {0, 1, 3, 4, 5, 17}, strided rows at unaligned addresses; gradients accumulate.
// Through a whole model they are tested against PyTorch autograd in seq2seq_train.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { core, rng } from './helpers';

let c: Awaited<ReturnType<typeof core>>;
beforeAll(async () => {
  c = await core('build/lstm-train.wasm');
});

const rand = rng(23);
const randArray = (n: number) => Float32Array.from({ length: n }, rand);
const SIZES = [0, 1, 3, 4, 5, 17];
const TOL = 1e-5;

/** Copies data into the arena 4 bytes past a 16-byte boundary (plus a guard value after it); returns the pointer. */
function put(data: ArrayLike<number>): number {
  const p = c.alloc(data.length * 4 + 48) + 4;
  c.f32(p, data.length + 1).set([...Array.from(data), 777]);
  return p;
}

function expectNear(got: Float32Array, want: ArrayLike<number>, what: string) {
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i] - want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(TOL * Math.max(1, Math.abs(want[i])));
  }
  expect(got[want.length], `${what}: the value after it is untouched`).toBe(777);
}

/** softmax of n scores (the forward's weights) */
function softmax(s: ArrayLike<number>): Float32Array {
  const top = Math.max(...Array.from(s)), e = Array.from(s, (v) => Math.exp(v - top)), sum = e.reduce((a, b) => a + b, 0);
  return Float32Array.from(e, (v) => v / sum);
}

describe('attn_context_bwd_f32: ds = w (dw - w.dw), dmem += w dctx', () => {
  for (const n of SIZES) {
    for (const D of SIZES) {
      it(`n=${n} D=${D}`, () => {
        const m = c.mark(), ldm = D + 3;
        const w = n ? softmax(randArray(n)) : new Float32Array(0), mem = randArray(n * ldm), dctx = randArray(D), dmem0 = randArray(n * ldm);
        const pw = put(w), pm = put(mem), pd = put(dctx), pdm = put(dmem0), pds = put(new Float32Array(n));
        c.ex.attn_context_bwd_f32(pds, pdm, pd, pw, pm, n, D, ldm);
        const dw = Array.from({ length: n }, (_, j) => { let s = 0; for (let d = 0; d < D; d++) s += dctx[d] * mem[j * ldm + d]; return s; });
        const wdw = dw.reduce((a, v, j) => a + w[j] * v, 0);
        expectNear(c.f32(pds, n + 1), dw.map((v, j) => w[j] * (v - wdw)), 'ds');
        const want = Float64Array.from(dmem0);
        for (let j = 0; j < n; j++) for (let d = 0; d < D; d++) want[j * ldm + d] += w[j] * dctx[d];
        expectNear(c.f32(pdm, n * ldm + 1), want, 'dmem');
        c.reset(m);
      });
    }
  }
});

describe('attn_dot_bwd_f32: dq += sum ds_j keys_j, dkeys_j += ds_j q', () => {
  for (const n of SIZES) {
    for (const K of SIZES) {
      it(`n=${n} K=${K}`, () => {
        const m = c.mark(), ldk = K + 5;
        const ds = randArray(n), q = randArray(K), keys = randArray(n * ldk), dq0 = randArray(K), dk0 = randArray(n * ldk);
        const pds = put(ds), pq = put(q), pk = put(keys), pdq = put(dq0), pdk = put(dk0);
        c.ex.attn_dot_bwd_f32(pdq, pdk, pds, pq, pk, n, K, ldk);
        const dq = Float64Array.from(dq0), dk = Float64Array.from(dk0);
        for (let j = 0; j < n; j++) for (let k = 0; k < K; k++) {
          dq[k] += ds[j] * keys[j * ldk + k];
          dk[j * ldk + k] += ds[j] * q[k];
        }
        expectNear(c.f32(pdq, K + 1), dq, 'dq');
        expectNear(c.f32(pdk, n * ldk + 1), dk, 'dkeys');
        c.reset(m);
      });
    }
  }
});

describe('attn_additive_bwd_f32: t = tanh(qp + k_j); dv += ds t, dqp and dkeys_j += ds v (1 - t^2)', () => {
  for (const n of SIZES) {
    for (const A of SIZES) {
      it(`n=${n} A=${A}`, () => {
        const m = c.mark(), ldk = A + 2;
        const ds = randArray(n), qp = randArray(A), keys = randArray(n * ldk), v = randArray(A);
        const dqp0 = randArray(A), dk0 = randArray(n * ldk), dv0 = randArray(A);
        const pds = put(ds), pqp = put(qp), pk = put(keys), pv = put(v), pdqp = put(dqp0), pdk = put(dk0), pdv = put(dv0);
        c.ex.attn_additive_bwd_f32(pdqp, pdk, pdv, pds, pqp, pk, pv, n, A, ldk);
        const dqp = Float64Array.from(dqp0), dk = Float64Array.from(dk0), dv = Float64Array.from(dv0);
        for (let j = 0; j < n; j++) for (let a = 0; a < A; a++) {
          const t = Math.tanh(qp[a] + keys[j * ldk + a]), e = ds[j] * v[a] * (1 - t * t);
          dv[a] += ds[j] * t;
          dqp[a] += e;
          dk[j * ldk + a] += e;
        }
        expectNear(c.f32(pdqp, A + 1), dqp, 'dqp');
        expectNear(c.f32(pdk, n * ldk + 1), dk, 'dkeys');
        expectNear(c.f32(pdv, A + 1), dv, 'dv');
        c.reset(m);
      });
    }
  }
});

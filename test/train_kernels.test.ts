// test/train_kernels.test.ts: the training kernels (assembly/train/) against float64 scalar references, for sizes
// n in {0, 1, 3, 4, 5, 17} and at unaligned addresses. BPTT itself is tested against PyTorch (train_grads.test.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { core, rng } from './helpers';

let c: Awaited<ReturnType<typeof core>>;
beforeAll(async () => {
  c = await core('build/lstm-train.wasm');
});

const rand = rng(11);
const randArray = (n: number) => Float32Array.from({ length: n }, rand);
const SIZES = [0, 1, 3, 4, 5, 17];
const f = Math.fround;

/** Copies data into the arena at an address 4 bytes past a 16-byte boundary; returns the pointer. */
function put(data: ArrayLike<number>, extra = 0): number {
  const p = c.alloc((data.length + extra) * 4 + 32) + 4;
  c.f32(p, data.length).set(data);
  return p;
}

const closeTo = (got: number, want: number, tol: number, what: string) =>
  expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));

describe('transpose_f32, pack_cols16_f32, colsum_add_f32, wgrad_f32', () => {
  for (const R of SIZES) {
    for (const C of SIZES) {
      it(`transpose ${R}x${C}, unaligned`, () => {
        const m = c.mark();
        const src = randArray(R * C), s = put(src), d = put(new Float32Array(R * C + 1).fill(7));
        c.ex.transpose_f32(d, R, s, C, R, C);
        const out = c.f32(d, R * C + 1);
        for (let r = 0; r < R; r++) for (let k = 0; k < C; k++) expect(out[k * R + r]).toBe(src[r * C + k]);
        expect(out[R * C]).toBe(7);
        c.reset(m);
      });
    }
  }
  for (const K of SIZES) {
    for (const M of [1, 5, 16, 17, 33]) {
      it(`pack_cols16 K=${K} M=${M}: panels[(j*K + k)*16 + col] = S[k, j*16 + col], zero past M`, () => {
        const m = c.mark();
        const lds = M + 3, src = randArray(K * lds), s = put(src);
        const J = Math.ceil(M / 16), p = c.alloc(J * 16 * K * 4 + 16);
        c.f32(p, J * 16 * K).fill(9);
        c.ex.pack_cols16_f32(p, s, K, M, lds);
        const out = c.f32(p, J * 16 * K);
        for (let j = 0; j < J; j++) for (let k = 0; k < K; k++) for (let col = 0; col < 16; col++) {
          expect(out[(j * K + k) * 16 + col]).toBe(j * 16 + col < M ? src[k * lds + j * 16 + col] : 0);
        }
        c.reset(m);
      });
    }
  }
  for (const R of SIZES) {
    for (const C of [1, 3, 16, 17, 37]) {
      it(`colsum_add ${R}x${C} and wgrad (N=${R}, M=${C}, K=5)`, () => {
        const m = c.mark();
        const ld = C + 2, x = randArray(R * ld), init = randArray(C);
        const xp = put(x), op = put(init);
        c.ex.colsum_add_f32(op, xp, R, C, ld);
        const out = c.f32(op, C);
        for (let k = 0; k < C; k++) {
          let s = init[k], mag = Math.abs(init[k]);
          for (let r = 0; r < R; r++) (s += x[r * ld + k]), (mag += Math.abs(x[r * ld + k]));
          closeTo(out[k], s, 1e-6 * Math.max(1, mag), `column ${k}`);
        }
        // gw (C, K) += g^T x: g (R, C) at ld, x (R, K=5) at 6
        const K = 5, gw0 = randArray(C * K), xs = randArray(R * 6);
        const gw = put(gw0), xq = put(xs), gt = c.alloc(C * R * 4 + 16), pan = c.alloc(16 * R * 4 + 16);
        c.ex.wgrad_f32(gw, K, xp, ld, xq, 6, R, C, K, gt, pan);
        const got = c.f32(gw, C * K);
        for (let i = 0; i < C; i++) for (let k = 0; k < K; k++) {
          let s = gw0[i * K + k], mag = Math.abs(s);
          for (let r = 0; r < R; r++) (s += x[r * ld + i] * xs[r * 6 + k]), (mag += Math.abs(x[r * ld + i] * xs[r * 6 + k]));
          closeTo(got[i * K + k], s, 1e-6 * Math.max(1, mag), `gw[${i}, ${k}]`);
        }
        c.reset(m);
      });
    }
  }
});

describe('gemm_blocked_f32: chunks of rows and of k, any M, row lists, init rows / broadcast / in place', () => {
  const pack = (w: Float32Array, M: number, K: number) => {
    const p = c.alloc(Math.ceil(M / 16) * 16 * K * 4 + 16), s = put(w);
    c.ex.pack_cols16_f32(p, s, K, M, M); // panels of W (M, K) from W^T (K, M)
    return p;
  };
  for (const [N, K, M] of [[0, 5, 16], [1, 1, 1], [3, 17, 5], [5, 300, 33], [70, 600, 16], [130, 257, 20], [2, 0, 3]]) {
    for (const mode of ['zeros', 'broadcast', 'in place', 'rows'] as const) {
      it(`N=${N} K=${K} M=${M}, init ${mode}`, () => {
        const m = c.mark();
        const wt = randArray(K * M); // W^T (K, M): W[j, k] = wt[k*M + j]
        const a = randArray(N * K + 3), bias = randArray(M), c0 = randArray(N * (M + 2));
        const pp = pack(wt, M, K), ap = put(a), bp = put(bias), cp = put(c0);
        const rows = Array.from({ length: N }, (_, i) => N - 1 - i), rp = c.alloc(N * 4 + 16);
        c.i32(rp, N).set(rows);
        const ldc = M + 2;
        if (mode === 'zeros') c.ex.gemm_blocked_f32(cp, ldc, 0, 0, ap, K, N, K, pp, M, 0);
        else if (mode === 'broadcast') c.ex.gemm_blocked_f32(cp, ldc, bp, 0, ap, K, N, K, pp, M, 0);
        else if (mode === 'in place') c.ex.gemm_blocked_f32(cp, ldc, cp, ldc, ap, K, N, K, pp, M, 0);
        else c.ex.gemm_blocked_f32(cp, ldc, cp, ldc, ap, K, N, K, pp, M, rp);
        const out = c.f32(cp, N * ldc);
        for (let n = 0; n < N; n++) {
          for (let j = 0; j < M + 2; j++) {
            if (j >= M) {
              expect(out[n * ldc + j], 'columns past M untouched').toBe(c0[n * ldc + j]);
              continue;
            }
            let ref = mode === 'zeros' ? 0 : mode === 'broadcast' ? bias[j] : c0[n * ldc + j], mag = Math.abs(ref);
            for (let k = 0; k < K; k++) (ref += a[n * K + k] * wt[k * M + j]), (mag += Math.abs(a[n * K + k] * wt[k * M + j]));
            closeTo(out[n * ldc + j], ref, 1e-6 * Math.max(1, mag), `C[${n}, ${j}]`);
          }
        }
        c.reset(m);
      });
    }
  }
});

describe('losses: value and gradient in one pass', () => {
  for (const C of [1, 3, 4, 5, 17]) {
    it(`softmax_xent_f32 C=${C}, with an ignored row`, () => {
      const m = c.mark();
      const N = 4, ld = C + 1, x = Float32Array.from({ length: N * ld }, () => rand() * 8);
      const ids = [0, C - 1, -100, Math.floor(C / 2)];
      const xp = put(x), ip = c.alloc(16 + N * 4), dp = put(new Float32Array(N * ld));
      c.i32(ip, N).set(ids);
      const scale = f(1 / 3);
      const loss = c.ex.softmax_xent_f32(dp, xp, ip, N, C, ld, -100, scale);
      const d = c.f32(dp, N * ld);
      let want = 0;
      for (let n = 0; n < N; n++) {
        const row = Array.from(x.subarray(n * ld, n * ld + C));
        if (ids[n] === -100) {
          for (let k = 0; k < C; k++) expect(d[n * ld + k]).toBe(0);
          continue;
        }
        const max = Math.max(...row), sum = row.reduce((a, v) => a + Math.exp(v - max), 0);
        want += max + Math.log(sum) - row[ids[n]];
        for (let k = 0; k < C; k++) closeTo(d[n * ld + k], (Math.exp(row[k] - max) / sum - (k === ids[n] ? 1 : 0)) * scale, 1e-6, `d[${n}, ${k}]`);
      }
      closeTo(loss, want, 1e-6, 'loss');
      c.reset(m);
    });
  }
  for (const n of SIZES) {
    it(`mse_f32 and bce_logits_f32 n=${n}`, () => {
      const m = c.mark();
      const y = Float32Array.from({ length: n }, () => rand() * 30), t = Float32Array.from({ length: n }, () => (rand() + 1) / 2);
      const yp = put(y), tp = put(t), dp = put(new Float32Array(n));
      const scale = f(1 / Math.max(1, n));
      const mse = c.ex.mse_f32(dp, yp, tp, n, scale);
      let want = 0;
      for (let i = 0; i < n; i++) {
        want += (y[i] - t[i]) ** 2;
        closeTo(c.f32(dp, n)[i], 2 * (y[i] - t[i]) * scale, 1e-6, `mse d[${i}]`);
      }
      closeTo(mse, want, 1e-6, 'mse');
      const bce = c.ex.bce_logits_f32(dp, yp, tp, n, scale);
      want = 0;
      for (let i = 0; i < n; i++) {
        const p = 1 / (1 + Math.exp(-y[i]));
        want -= t[i] * Math.log(p) + (1 - t[i]) * Math.log(1 - p);
        closeTo(c.f32(dp, n)[i], (p - t[i]) * scale, 1e-6, `bce d[${i}]`);
      }
      closeTo(bce, want, 1e-5, 'bce');
      c.reset(m);
    });
  }
});

describe('optimizers and clipping (float32 scalar references in PyTorch order)', () => {
  for (const n of SIZES) {
    it(`sgd_f32 n=${n}: plain, momentum (first and later steps), nesterov, weight decay`, () => {
      for (const [momentum, nesterov, first] of [[0, 0, 0], [0.9, 0, 1], [0.9, 0, 0], [0.9, 1, 0]]) {
        const m = c.mark();
        const p = randArray(n), g = randArray(n), buf = randArray(n);
        const pp = put(p), gp = put(g), bp = put(buf);
        const lr = f(0.1), wd = f(0.01), keep = f(1 - 0.25);
        c.ex.sgd_f32(pp, gp, bp, n, lr, momentum, keep, wd, nesterov, first);
        for (let i = 0; i < n; i++) {
          let d = f(g[i] + f(wd * p[i]));
          let b = buf[i];
          if (momentum) {
            b = first ? d : f(f(b * f(momentum)) + f(keep * d));
            d = nesterov ? f(d + f(f(momentum) * b)) : b;
            expect(c.f32(bp, n)[i]).toBe(b);
          }
          expect(c.f32(pp, n)[i]).toBe(f(p[i] + f(-lr * d)));
        }
        c.reset(m);
      }
    });
    it(`adam_f32 n=${n}: Adam with weight decay and AdamW`, () => {
      for (const decoupled of [false, true]) {
        const mk = c.mark();
        const p = randArray(n), g = randArray(n), m0 = randArray(n), v0 = randArray(n).map(Math.abs);
        const pp = put(p), gp = put(g), mp = put(m0), vp = put(v0);
        const lr = 1e-2, wd = 0.1, t = 3, b1 = 0.9, b2 = 0.999;
        const decay = decoupled ? f(1 - lr * wd) : 1, w = decoupled ? 0 : f(wd);
        const step = f(lr / (1 - b1 ** t)), bc2 = f(Math.sqrt(1 - b2 ** t));
        c.ex.adam_f32(pp, gp, mp, vp, n, decay, f(b1), f(1 - b1), f(b2), f(1 - b2), f(1e-8), w, step, bc2);
        for (let i = 0; i < n; i++) {
          const pv = decoupled ? f(p[i] * decay) : p[i];
          const gv = decoupled ? g[i] : f(g[i] + f(w * pv));
          const mv = f(f(m0[i] * f(b1)) + f(f(1 - b1) * gv));
          const vv = f(f(v0[i] * f(b2)) + f(f(f(1 - b2) * gv) * gv));
          const denom = f(f(f(Math.sqrt(vv)) / bc2) + f(1e-8));
          expect(c.f32(mp, n)[i]).toBe(mv);
          expect(c.f32(vp, n)[i]).toBe(vv);
          expect(c.f32(pp, n)[i]).toBe(f(pv + f(f(-step * mv) / denom)));
        }
        c.reset(mk);
      }
    });
    it(`sumsq_f32, scale_f32, clamp_f32 n=${n}`, () => {
      const m = c.mark();
      const x = randArray(n), xp = put(x);
      closeTo(c.ex.sumsq_f32(xp, n), x.reduce((a, v) => a + v * v, 0), 1e-7, 'sumsq');
      c.ex.scale_f32(xp, n, f(0.5));
      c.ex.clamp_f32(xp, n, f(-0.2), f(0.2));
      for (let i = 0; i < n; i++) expect(c.f32(xp, n)[i]).toBe(Math.min(f(0.2), Math.max(f(-0.2), f(x[i] * 0.5))));
      c.reset(m);
    });
  }
});

describe('layer ops', () => {
  for (const E of SIZES.filter((s) => s > 0)) {
    it(`scatter_add_rows_f32 E=${E}: repeated ids add up, other rows untouched`, () => {
      const m = c.mark();
      const V = 6, ids = [2, 0, 2, 5], dw0 = randArray(V * E), dx = randArray(ids.length * E);
      const wp = put(dw0), xp = put(dx), ip = c.alloc(16 + ids.length * 4);
      c.i32(ip, ids.length).set(ids);
      c.ex.scatter_add_rows_f32(wp, E, xp, E, ip, ids.length, E);
      const out = c.f32(wp, V * E);
      for (let v = 0; v < V; v++) for (let e = 0; e < E; e++) {
        let want = dw0[v * E + e];
        ids.forEach((id, n) => id === v && (want = f(want + dx[n * E + e])));
        expect(out[v * E + e]).toBe(want);
      }
      c.reset(m);
    });
  }
  for (const [mode, name] of [[0, 'mean'], [1, 'max'], [2, 'last']] as const) {
    it(`pool_f32 / pool_bwd_f32 ${name} over valid steps`, () => {
      const m = c.mark();
      const T = 5, B = 3, F = 7, lens = [5, 1, 3];
      const y = randArray(T * B * F), dout = randArray(B * F);
      const yp = put(y), lp = c.alloc(16), op = put(new Float32Array(B * F)), ap = c.alloc(B * F * 4 + 16), dp = put(dout), gp = put(new Float32Array(T * B * F));
      c.i32(lp, B).set(lens);
      c.ex.pool_f32(mode, op, ap, yp, lp, T, B, F);
      c.ex.pool_bwd_f32(mode, gp, dp, ap, lp, T, B, F);
      const out = c.f32(op, B * F), g = c.f32(gp, T * B * F);
      for (let b = 0; b < B; b++) for (let k = 0; k < F; k++) {
        const vals = Array.from({ length: lens[b] }, (_, t) => y[(t * B + b) * F + k]);
        const want = name === 'mean' ? vals.reduce((a, v) => a + v, 0) / lens[b] : name === 'max' ? Math.max(...vals) : vals[lens[b] - 1];
        closeTo(out[b * F + k], want, 1e-6, `${name} [${b}, ${k}]`);
        const hit = name === 'max' ? vals.indexOf(want) : lens[b] - 1;
        for (let t = 0; t < T; t++) {
          const wantG = t >= lens[b] ? 0 : name === 'mean' ? f(dout[b * F + k] * f(1 / lens[b])) : t === hit ? dout[b * F + k] : 0;
          expect(g[(t * B + b) * F + k]).toBe(wantG);
        }
      }
      c.reset(m);
    });
  }
  for (const n of SIZES) {
    it(`act_bwd_f32, mul_f32, add_f32 n=${n}`, () => {
      const m = c.mark();
      const y = randArray(n), dy = randArray(n);
      for (const [code, df] of [[c.k.ACT_SIGMOID, (v: number) => v * (1 - v)], [c.k.ACT_TANH, (v: number) => 1 - v * v], [c.k.ACT_RELU, (v: number) => (v > 0 ? 1 : 0)]] as const) {
        const yp = put(y), dp = put(dy), xp = put(new Float32Array(n));
        c.ex.act_bwd_f32(code, xp, dp, yp, n);
        for (let i = 0; i < n; i++) closeTo(c.f32(xp, n)[i], dy[i] * df(y[i]), 1e-6, `act ${code} [${i}]`);
      }
      const ap = put(y), bp = put(dy), op = put(new Float32Array(n));
      c.ex.mul_f32(op, ap, bp, n);
      for (let i = 0; i < n; i++) expect(c.f32(op, n)[i]).toBe(f(y[i] * dy[i]));
      c.ex.add_f32(ap, bp, n);
      for (let i = 0; i < n; i++) expect(c.f32(ap, n)[i]).toBe(f(y[i] + dy[i]));
      c.reset(m);
    });
  }
});

// ops.ts: graph ops over f32 buffers — broadcast arithmetic, strided copies, gathers, softmax, reductions.
// Shapes and strides arrive as i32[4] blocks (outermost first), strides counting floats (0 = broadcast).
import { exp4_nonpos } from './activations';

export const BIN_ADD: i32 = 0;
export const BIN_SUB: i32 = 1;
export const BIN_MUL: i32 = 2;
export const BIN_DIV: i32 = 3;
export const BIN_POW: i32 = 4;

// a^b; b = 2 (the common square) exactly as a*a
@inline function pow1(a: f32, b: f32): f32 {
  return b == 2 ? a * a : Mathf.pow(a, b);
}

@inline function bin4(op: i32, a: v128, b: v128): v128 {
  if (op == BIN_ADD) return f32x4.add(a, b);
  if (op == BIN_SUB) return f32x4.sub(a, b);
  if (op == BIN_MUL) return f32x4.mul(a, b);
  if (op == BIN_DIV) return f32x4.div(a, b);
  let r = a; // no vector pow: lane by lane
  r = f32x4.replace_lane(r, 0, pow1(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)));
  r = f32x4.replace_lane(r, 1, pow1(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)));
  r = f32x4.replace_lane(r, 2, pow1(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)));
  return f32x4.replace_lane(r, 3, pow1(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)));
}

@inline function bin1(op: i32, a: f32, b: f32): f32 {
  if (op == BIN_ADD) return a + b;
  if (op == BIN_SUB) return a - b;
  if (op == BIN_MUL) return a * b;
  if (op == BIN_DIV) return a / b;
  return pow1(a, b);
}

@inline function i4(p: usize, k: i32): i32 {
  return load<i32>(p + (<usize>k << 2));
}

// out (n) = a op (s * b) along one row, a and b at strides sa, sb (each 0 or 1 gets a vector path)
@inline function binary_row(op: i32, out: usize, a: usize, sa: i32, b: usize, sb: i32, n: i32, s: f32): void {
  let i = 0;
  const vs = f32x4.splat(s);
  if (sa == 1 && sb == 1) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, bin4(op, v128.load(a + o), f32x4.mul(v128.load(b + o), vs)));
    }
  } else if (sa == 1 && sb == 0) {
    const vb = f32x4.splat(s * load<f32>(b));
    for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), bin4(op, v128.load(a + (<usize>i << 2)), vb));
  } else if (sa == 0 && sb == 1) {
    const va = v128.load32_splat(a);
    for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), bin4(op, va, f32x4.mul(v128.load(b + (<usize>i << 2)), vs)));
  }
  for (; i < n; i++) {
    store<f32>(out + (<usize>i << 2), bin1(op, load<f32>(a + <usize>i * sa * 4), s * load<f32>(b + <usize>i * sb * 4)));
  }
}

/** out (contiguous, shape n) = a op (s * b), a and b read through their strides. */
export function binary4_f32(op: i32, out: usize, a: usize, b: usize, shape: usize, as: usize, bs: usize, s: f32): void {
  const n3 = i4(shape, 0), n2 = i4(shape, 1), n1 = i4(shape, 2), n0 = i4(shape, 3);
  let o = out;
  for (let x3 = 0; x3 < n3; x3++) {
    for (let x2 = 0; x2 < n2; x2++) {
      for (let x1 = 0; x1 < n1; x1++) {
        const pa = a + (<usize>x3 * i4(as, 0) + <usize>x2 * i4(as, 1) + <usize>x1 * i4(as, 2)) * 4;
        const pb = b + (<usize>x3 * i4(bs, 0) + <usize>x2 * i4(bs, 1) + <usize>x1 * i4(bs, 2)) * 4;
        binary_row(op, o, pa, i4(as, 3), pb, i4(bs, 3), n0, s);
        o += <usize>n0 << 2;
      }
    }
  }
}

/** dst (shape n, strides ds) = src (strides ss): transposes, slices, broadcasts, the parts of a concatenation. */
export function copy4_f32(dst: usize, ds: usize, src: usize, ss: usize, shape: usize): void {
  const n3 = i4(shape, 0), n2 = i4(shape, 1), n1 = i4(shape, 2), n0 = i4(shape, 3);
  const d0 = i4(ds, 3), s0 = i4(ss, 3);
  for (let x3 = 0; x3 < n3; x3++) {
    for (let x2 = 0; x2 < n2; x2++) {
      for (let x1 = 0; x1 < n1; x1++) {
        const pd = dst + (<usize>x3 * i4(ds, 0) + <usize>x2 * i4(ds, 1) + <usize>x1 * i4(ds, 2)) * 4;
        const ps = src + (<usize>x3 * i4(ss, 0) + <usize>x2 * i4(ss, 1) + <usize>x1 * i4(ss, 2)) * 4;
        if (d0 == 1 && s0 == 1) {
          memory.copy(pd, ps, <usize>n0 << 2);
        } else {
          for (let i = 0; i < n0; i++) store<f32>(pd + <usize>i * d0 * 4, load<f32>(ps + <usize>i * s0 * 4));
        }
      }
    }
  }
}

/** out (outer, m, inner) = data (outer, dim, inner) taken at ids (m, i32, each in [0, dim), or -1: row left as is) along the middle axis. */
export function gather_f32(out: usize, data: usize, ids: usize, outer: i32, dim: i32, inner: i32, m: i32): void {
  const row = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const i = load<i32>(ids + (<usize>j << 2));
      if (i < 0) continue; // a row nobody reads (seq2seq: past a sentence's end): left as it is
      memory.copy(out + (<usize>o * m + j) * row, data + (<usize>o * dim + <usize>i) * row, row);
    }
  }
}

// e^x lane by lane for one value (same numbers as the vector path)
@inline function exp1_nonpos(x: f32): f32 {
  return f32x4.extract_lane(exp4_nonpos(f32x4.splat(x)), 0);
}

/** Softmax (log = 0) or log-softmax (log = 1) of x (outer, n, inner) over its middle axis; out may be x. */
export function softmax_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32, log: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const px = x + (<usize>o * n * inner + c) * 4, po = out + (<usize>o * n * inner + c) * 4;
      const step = <usize>inner << 2;
      let max = -Infinity as f32;
      for (let i = 0; i < n; i++) max = Mathf.max(max, load<f32>(px + <usize>i * step));
      let sum: f32 = 0;
      if (inner == 1) {
        let i = 0;
        let acc = f32x4.splat(0);
        const vm = f32x4.splat(max);
        for (; i + 4 <= n; i += 4) {
          const e = exp4_nonpos(f32x4.sub(v128.load(px + (<usize>i << 2)), vm));
          if (!log) v128.store(po + (<usize>i << 2), e);
          acc = f32x4.add(acc, e);
        }
        sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
        for (; i < n; i++) {
          const e = exp1_nonpos(load<f32>(px + (<usize>i << 2)) - max);
          if (!log) store<f32>(po + (<usize>i << 2), e);
          sum += e;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const e = exp1_nonpos(load<f32>(px + <usize>i * step) - max);
          if (!log) store<f32>(po + <usize>i * step, e);
          sum += e;
        }
      }
      if (log) {
        const shift = max + Mathf.log(sum);
        for (let i = 0; i < n; i++) store<f32>(po + <usize>i * step, load<f32>(px + <usize>i * step) - shift);
      } else {
        const inv: f32 = 1 / sum;
        for (let i = 0; i < n; i++) store<f32>(po + <usize>i * step, load<f32>(po + <usize>i * step) * inv);
      }
    }
  }
}

/** out (outer, inner) = scale * sum of x (outer, n, inner) over its middle axis (scale 1/n gives the mean). */
export function reduce_sum_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32, scale: f32): void {
  const row = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const po = out + <usize>o * row, px = x + <usize>o * n * row;
    let c = 0;
    for (; c + 4 <= inner; c += 4) {
      let acc = f32x4.splat(0);
      for (let i = 0; i < n; i++) acc = f32x4.add(acc, v128.load(px + <usize>i * row + (<usize>c << 2)));
      v128.store(po + (<usize>c << 2), f32x4.mul(acc, f32x4.splat(scale)));
    }
    for (; c < inner; c++) {
      // four interleaved partial sums keep long contiguous reductions accurate and fast
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        s0 += load<f32>(px + <usize>i * row + (<usize>c << 2));
        s1 += load<f32>(px + <usize>(i + 1) * row + (<usize>c << 2));
        s2 += load<f32>(px + <usize>(i + 2) * row + (<usize>c << 2));
        s3 += load<f32>(px + <usize>(i + 3) * row + (<usize>c << 2));
      }
      for (; i < n; i++) s0 += load<f32>(px + <usize>i * row + (<usize>c << 2));
      store<f32>(po + (<usize>c << 2), ((s0 + s1) + (s2 + s3)) * scale);
    }
  }
}

/** Index of the first NaN or ±Infinity in x (n floats), or -1. x - x is 0 exactly for finite x. */
export function find_nonfinite_f32(x: usize, n: i32): i32 {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), d = v128.load(p, 48);
    const bad = v128.or(v128.or(f32x4.ne(f32x4.sub(a, a), f32x4.splat(0)), f32x4.ne(f32x4.sub(b, b), f32x4.splat(0))),
      v128.or(f32x4.ne(f32x4.sub(c, c), f32x4.splat(0)), f32x4.ne(f32x4.sub(d, d), f32x4.splat(0))));
    if (v128.any_true(bad)) break;
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) return i;
  }
  return -1;
}

/** out (outer, inner) = max of x (outer, n, inner) over its middle axis; NaN wins, as in the host reference. */
export function reduce_max_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32): void {
  const row = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const po = out + <usize>o * row, px = x + <usize>o * n * row;
    let c = 0;
    for (; c + 4 <= inner; c += 4) {
      let m = f32x4.splat(-Infinity);
      for (let i = 0; i < n; i++) m = f32x4.max(m, v128.load(px + <usize>i * row + (<usize>c << 2))); // max keeps NaN
      v128.store(po + (<usize>c << 2), m);
    }
    for (; c < inner; c++) {
      let m: f32 = -Infinity;
      for (let i = 0; i < n; i++) m = Mathf.max(m, load<f32>(px + <usize>i * row + (<usize>c << 2)));
      store<f32>(po + (<usize>c << 2), m);
    }
  }
}

export const PAD_CONSTANT: i32 = 0;
export const PAD_REFLECT: i32 = 1;
export const PAD_EDGE: i32 = 2;
export const PAD_WRAP: i32 = 3;

/**
 * out (outer, L + left + right, inner) = x (outer, L, inner) padded along its middle axis (a negative pad crops):
 * constant `value`, reflect (mirrored without repeating the edge), edge (repeated), or wrap (periodic).
 */
export function pad_axis_f32(out: usize, x: usize, outer: i32, L: i32, inner: i32, left: i32, right: i32, mode: i32, value: f32): void {
  const n = L + left + right, row = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const po = out + <usize>o * n * row, px = x + <usize>o * L * row;
    for (let p = 0; p < n; p++) {
      let i = p - left;
      if (i < 0 || i >= L) {
        if (mode == PAD_CONSTANT) {
          const d = po + <usize>p * row;
          for (let c = 0; c < inner; c++) store<f32>(d + (<usize>c << 2), value);
          continue;
        }
        if (mode == PAD_REFLECT) i = i < 0 ? -i : 2 * (L - 1) - i; // the host checks that pads are < L
        else if (mode == PAD_EDGE) i = i < 0 ? 0 : L - 1;
        else i = ((i % L) + L) % L;
      }
      memory.copy(po + <usize>p * row, px + <usize>i * row, row);
    }
  }
}

/**
 * cols (Lout, C*K) = the windows of x (C, L) a 1-D convolution reads: cols[l, c*K + k] = x[c, l*stride + k*dilation - padL],
 * zero outside x.
 */
export function im2col1d_f32(cols: usize, x: usize, C: i32, L: i32, K: i32, stride: i32, dilation: i32, padL: i32, Lout: i32): void {
  const CK = C * K;
  for (let l = 0; l < Lout; l++) {
    const row = cols + <usize>l * CK * 4;
    for (let c = 0; c < C; c++) {
      const src = x + <usize>c * L * 4;
      for (let k = 0; k < K; k++) {
        const i = l * stride + k * dilation - padL;
        store<f32>(row + (<usize>(c * K + k) << 2), i >= 0 && i < L ? load<f32>(src + (<usize>i << 2)) : 0);
      }
    }
  }
}

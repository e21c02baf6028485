// attention_bwd.ts: the backward rules of attention.ts for one query row — context and masked softmax, dot scores,
// additive scores. Gradients accumulate (+=) into their outputs, as the weight gradients of the BPTT kernels do.
import { tanh4 } from './activations';
import { madd } from './simd';

// x (K) . y (K): four lanes at a time, then a scalar tail
@inline function dot_f32(x: usize, y: usize, K: i32): f32 {
  let acc = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= K; k += 4) acc = madd(v128.load(x + (<usize>k << 2)), v128.load(y + (<usize>k << 2)), acc);
  let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; k < K; k++) s += load<f32>(x + (<usize>k << 2)) * load<f32>(y + (<usize>k << 2));
  return s;
}

// y (K) += a * x (K)
@inline function axpy_f32(y: usize, a: f32, x: usize, K: i32): void {
  const s = f32x4.splat(a);
  let k = 0;
  for (; k + 4 <= K; k += 4) v128.store(y + (<usize>k << 2), madd(s, v128.load(x + (<usize>k << 2)), v128.load(y + (<usize>k << 2))));
  for (; k < K; k++) store<f32>(y + (<usize>k << 2), load<f32>(y + (<usize>k << 2)) + a * load<f32>(x + (<usize>k << 2)));
}

/**
 * ctx = sum_j w_j mem_j with w = softmax(scores) over the first n entries (attn_context_f32, masked_softmax_f32), back:
 *   dw_j = dctx . mem_j      ds (n) = w_j (dw_j - sum_k w_k dw_k)      dmem_j (D) += w_j dctx
 * Memory rows (and dmem rows) ldm floats apart; padded entries past n get no gradient (their weight is exactly 0).
 */
export function attn_context_bwd_f32(ds: usize, dmem: usize, dctx: usize, w: usize, mem: usize, n: i32, D: i32, ldm: i32): void {
  let s: f32 = 0;
  for (let j = 0; j < n; j++) {
    const dw = dot_f32(dctx, mem + <usize>j * ldm * 4, D);
    store<f32>(ds + (<usize>j << 2), dw);
    s += load<f32>(w + (<usize>j << 2)) * dw;
  }
  for (let j = 0; j < n; j++) {
    const wj = load<f32>(w + (<usize>j << 2));
    store<f32>(ds + (<usize>j << 2), wj * (load<f32>(ds + (<usize>j << 2)) - s));
    if (dmem) axpy_f32(dmem + <usize>j * ldm * 4, wj, dctx, D);
  }
}

/** score_j = keys_j . q (attn_dot_f32), back: dq (K) += sum_j ds_j keys_j; dkeys_j (K) += ds_j q (rows ldk apart; 0 skips). */
export function attn_dot_bwd_f32(dq: usize, dkeys: usize, ds: usize, q: usize, keys: usize, n: i32, K: i32, ldk: i32): void {
  for (let j = 0; j < n; j++) {
    const d = load<f32>(ds + (<usize>j << 2));
    axpy_f32(dq, d, keys + <usize>j * ldk * 4, K);
    if (dkeys) axpy_f32(dkeys + <usize>j * ldk * 4, d, q, K);
  }
}

const lanes = memory.data(32, 16); // a zero-padded tail, then a second lane buffer

/**
 * score_j = v . tanh(qp + keys_j) (attn_additive_f32), back, with t_j = tanh(qp + keys_j) recomputed:
 *   dv (A) += sum_j ds_j t_j      e_j = ds_j v (1 - t_j^2)      dqp (A) += sum_j e_j      dkeys_j (A) += e_j (0 skips)
 * Key rows (and dkeys rows) ldk floats apart. The tail of fewer than 4 goes through the same vector tanh.
 */
export function attn_additive_bwd_f32(dqp: usize, dkeys: usize, dv: usize, ds: usize, qp: usize, keys: usize, v: usize, n: i32, A: i32, ldk: i32): void {
  const one = f32x4.splat(1), A4 = A & ~3, rest = A - A4;
  for (let j = 0; j < n; j++) {
    const kj = keys + <usize>j * ldk * 4, dk = dkeys + <usize>j * ldk * 4;
    const d = f32x4.splat(load<f32>(ds + (<usize>j << 2)));
    for (let a = 0; a < A4; a += 4) {
      const o = <usize>a << 2;
      const t = tanh4(f32x4.add(v128.load(qp + o), v128.load(kj + o)));
      const e = f32x4.mul(f32x4.mul(d, v128.load(v + o)), f32x4.sub(one, f32x4.mul(t, t)));
      v128.store(dv + o, madd(d, t, v128.load(dv + o)));
      v128.store(dqp + o, f32x4.add(v128.load(dqp + o), e));
      if (dkeys) v128.store(dk + o, f32x4.add(v128.load(dk + o), e));
    }
    if (rest) {
      const o = <usize>A4 << 2;
      memory.fill(lanes, 0, 32);
      for (let r = 0; r < rest; r++) {
        store<f32>(lanes + (<usize>r << 2), load<f32>(qp + o + (<usize>r << 2)) + load<f32>(kj + o + (<usize>r << 2)));
        store<f32>(lanes + 16 + (<usize>r << 2), load<f32>(v + o + (<usize>r << 2)));
      }
      const t = tanh4(v128.load(lanes));
      v128.store(lanes + 16, f32x4.mul(f32x4.mul(d, v128.load(lanes + 16)), f32x4.sub(one, f32x4.mul(t, t))));
      v128.store(lanes, f32x4.mul(d, t));
      for (let r = 0; r < rest; r++) {
        const ro = o + (<usize>r << 2), e = load<f32>(lanes + 16 + (<usize>r << 2));
        store<f32>(dv + ro, load<f32>(dv + ro) + load<f32>(lanes + (<usize>r << 2)));
        store<f32>(dqp + ro, load<f32>(dqp + ro) + e);
        if (dkeys) store<f32>(dk + ro, load<f32>(dk + ro) + e);
      }
    }
  }
}

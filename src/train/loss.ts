// train/loss.ts: the loss of a network's output against targets — cross-entropy (class ids, optional ignore index),
// MSE, binary cross-entropy with logits — each the mean over what it counts (PyTorch's default reduction), with
// d loss / d output written for the backward pass. Targets are checked: shape, dtype, class ids in range, finite values.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { type Act, type Run, rowsOf } from './core.js';

export type LossName = 'ce' | 'mse' | 'bce';

/** 'ce' (nn.CrossEntropyLoss over the last axis; targets are class ids), 'mse' (nn.MSELoss), 'bce' (nn.BCEWithLogitsLoss). */
export type Loss = LossName | { type: 'ce'; ignoreIndex?: number } | { type: 'mse' | 'bce' };

export interface LossSpec {
  type: LossName;
  /** ce: targets equal to it count nothing (padding). PyTorch's default -100. */
  ignoreIndex: number;
}

const NAMES: Record<LossName, string> = { ce: 'cross-entropy', mse: 'MSE', bce: 'binary cross-entropy with logits' };

export function lossSpec(loss: Loss): LossSpec {
  const type = typeof loss === 'string' ? loss : loss?.type;
  check(type === 'ce' || type === 'mse' || type === 'bce', 'OPTION', `loss must be 'ce', 'mse' or 'bce' (or { type, ignoreIndex }), got ${JSON.stringify(loss)}`);
  if (typeof loss === 'object') {
    for (const key of Object.keys(loss)) check(key === 'type' || (key === 'ignoreIndex' && type === 'ce'), 'OPTION', `loss: unknown option '${key}'`);
  }
  const ignoreIndex = typeof loss === 'object' && 'ignoreIndex' in loss && loss.ignoreIndex !== undefined ? loss.ignoreIndex : -100;
  check(Number.isSafeInteger(ignoreIndex), 'OPTION', `loss: ignoreIndex must be an integer, got ${ignoreIndex}`);
  return { type, ignoreIndex };
}

/** Dims of the output as the user sees it: (B, T, O) / (T, B, O) for a sequence, (B, O) per item. */
export const userDims = (out: Act, batchFirst: boolean) =>
  out.seq ? (batchFirst ? [out.B, out.T, out.F] : [out.T, out.B, out.F]) : [out.N, out.F];

/** Index of user element (row, f) in the time-major rows the network computes: row r of a batch-first sequence is (b, t). */
export function timeMajor(out: Act, batchFirst: boolean): (r: number) => number {
  if (!out.seq || !batchFirst) return (r) => r;
  const { T, B } = out;
  return (r) => (r % T) * B + Math.floor(r / T); // user row b*T + t -> t*B + b
}

/** Computes the mean loss of `out` against `target` and writes d loss / d out into a new buffer; returns both. */
export function computeLoss(run: Run, out: Act, target: Tensor, spec: LossSpec, batchFirst: boolean): { loss: number; dOut: number } {
  const { core, rt } = run, N = rowsOf(out), F = out.F;
  const dims = userDims(out, batchFirst);
  const name = NAMES[spec.type];
  check(target !== null && typeof target === 'object' && 'dims' in target && 'data' in target, 'INPUT', `${name} target must be a Tensor`);
  const order = timeMajor(out, batchFirst);
  const dOut = run.alloc(N * F * 4, 'd loss / d output');
  if (spec.type === 'ce') {
    const want = dims.slice(0, -1);
    check(target.type === 'int64' || target.type === 'int32', 'INPUT',
      `${name} target must hold class ids (int64 or int32) of shape ${fmtDims(want)}, got ${target.type}`);
    check(target.dims.length === want.length && want.every((d, i) => target.dims[i] === d), 'INPUT',
      `${name} target must be ${fmtDims(want)} (class ids for the output ${fmtDims(dims)}), got ${fmtDims(target.dims)}`);
    const ids = run.alloc(N * 4, 'class ids'), view = rt.i32(ids, N), src = target.data as ArrayLike<number | bigint>;
    let count = 0;
    for (let r = 0; r < N; r++) {
      const v = Number(src[r]);
      if (v === spec.ignoreIndex) {
        view[order(r)] = v;
        continue;
      }
      if (!(Number.isInteger(v) && v >= 0 && v < F)) {
        throw new LstmWasmError('INPUT', `${name} target has class id ${src[r]} at flat index ${r}; class ids must be in 0..${F - 1} (the output's last axis)` +
          ` or the ignore index ${spec.ignoreIndex}`);
      }
      view[order(r)] = v;
      count++;
    }
    check(count > 0, 'INPUT', `${name}: every target is the ignore index ${spec.ignoreIndex}; nothing to learn from`);
    const sum = core.softmax_xent_f32(dOut, out.ptr, ids, N, F, F, spec.ignoreIndex, Math.fround(1 / count));
    return { loss: sum / count, dOut };
  }
  check(target.type === 'float32' || target.type === 'float64', 'INPUT', `${name} target must be float32 (or float64), got ${target.type}`);
  check(target.dims.length === dims.length && dims.every((d, i) => target.dims[i] === d), 'INPUT',
    `${name} target must be ${fmtDims(dims)} (the output's shape), got ${fmtDims(target.dims)}`);
  const t = run.alloc(N * F * 4, 'targets'), view = rt.f32(t, N * F), src = target.data as Float32Array | Float64Array;
  for (let r = 0; r < N; r++) {
    const at = order(r) * F;
    for (let f = 0; f < F; f++) {
      const v = src[r * F + f];
      if (!Number.isFinite(v)) throw new LstmWasmError('INPUT', `${name} target has ${v} at flat index ${r * F + f}; targets must be finite`);
      view[at + f] = v;
    }
  }
  const n = N * F, scale = Math.fround(1 / n);
  const sum = spec.type === 'mse' ? core.mse_f32(dOut, out.ptr, t, n, scale) : core.bce_logits_f32(dOut, out.ptr, t, n, scale);
  return { loss: sum / n, dOut };
}

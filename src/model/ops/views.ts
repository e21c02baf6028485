// model/ops/views.ts: ops that only move data — views on the host, strided copies on the device.
import { check } from '../../errors.js';
import type { Device } from '../device.js';
import { contiguous, forOuter, merge, sizeOf } from '../strided.js';
import type { HostTensor } from '../types.js';
import type { DevVal } from './registry.js';

/** A strided window onto a tensor: element i of the view is data[offset + sum(idx * strides)]. */
export interface View {
  dims: number[];
  strides: number[];
  offset: number;
}

export const whole = (dims: number[]): View => ({ dims, strides: contiguous(dims), offset: 0 });

/** Materializes a view of a host tensor as a new contiguous host tensor. */
export function hostGather(t: HostTensor, v: View): HostTensor {
  const out = t.data instanceof Float32Array ? new Float32Array(sizeOf(v.dims)) : new Float64Array(sizeOf(v.dims));
  if (out.length) {
    const m = merge(v.dims, [v.strides]);
    const n0 = m.dims[m.dims.length - 1], s0 = m.sets[0][m.dims.length - 1];
    let o = 0;
    forOuter(m.dims, m.sets, 1, ([off]) => {
      for (let i = 0, p = v.offset + off; i < n0; i++, p += s0) out[o++] = t.data[p];
    });
  }
  return { dtype: t.dtype, dims: v.dims, data: out };
}

/** Copies a view of a device value into a contiguous device buffer. */
export function deviceGather(d: Device, out: DevVal, src: DevVal, v: View): void {
  d.copy(out.ptr, contiguous(v.dims), src.ptr + v.offset * 4, v.strides, v.dims);
}

/** Writes a contiguous part into the window `at` (offset in elements, strides of the whole) of a buffer. */
export function deviceScatter(d: Device, out: DevVal, part: DevVal, offset: number, strides: number[]): void {
  d.copy(out.ptr + offset * 4, strides, part.ptr, contiguous(part.dims), part.dims);
}

/** Slice arithmetic of ONNX (opset 10+): clamps starts/ends the way the spec does; returns the view and dims. */
export function sliceView(dims: number[], starts: number[], ends: number[], axes: number[], steps: number[], what: string): View {
  const strides = contiguous(dims);
  const out = { dims: [...dims], strides: [...strides], offset: 0 };
  const seen = new Set<number>();
  axes.forEach((axis0, i) => {
    const r = dims.length;
    const axis = axis0 < 0 ? axis0 + r : axis0;
    check(axis >= 0 && axis < r, 'INPUT', () => `${what}: axis ${axis0} is out of range for rank ${r}`);
    check(!seen.has(axis), 'MODEL', () => `${what}: axis ${axis0} appears twice`);
    seen.add(axis);
    const n = dims[axis], step = steps[i] ?? 1;
    check(step !== 0, 'MODEL', () => `${what}: step 0 on axis ${axis0}`);
    let s = starts[i] < 0 ? starts[i] + n : starts[i];
    let e = ends[i] < 0 ? ends[i] + n : ends[i];
    if (step > 0) {
      s = Math.min(Math.max(s, 0), n);
      e = Math.min(Math.max(e, 0), n);
    } else {
      s = Math.min(Math.max(s, -1), n - 1);
      e = Math.min(Math.max(e, -1), n - 1);
    }
    const len = step > 0 ? Math.max(0, Math.ceil((e - s) / step)) : Math.max(0, Math.ceil((s - e) / -step));
    out.dims[axis] = len;
    out.offset += (len ? s : 0) * strides[axis];
    out.strides[axis] = strides[axis] * step;
  });
  return out;
}

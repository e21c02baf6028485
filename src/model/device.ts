// model/device.ts: calls into the wasm op kernels — strided N-D work folded into the kernels' 4-D form.
import type { Runtime } from '../runtime.js';
import { contiguous, forOuter, merge } from './strided.js';

/** The wasm side of a run: the runtime, a small block for shapes and strides, and the current node's scratch. */
export class Device {
  /** Address of the scratch reserved for the node being run (see OpDef.scratch). */
  scratch = 0;
  /** What the node's prepare() returned at plan time (packed weights), if anything. */
  prepared: unknown = undefined;

  constructor(
    readonly rt: Runtime,
    /** 48 bytes: shape, and two stride sets, each i32[4] */
    private readonly params: number,
  ) {}

  get k() {
    return this.rt.k;
  }

  /** Writes the 4-D form (leading axes padded with size 1) of dims and two stride sets into the param block. */
  private put4(dims: number[], s1: number[], s2: number[]): void {
    const p = this.rt.i32(this.params, 12);
    const pad = 4 - dims.length;
    for (let i = 0; i < 4; i++) {
      p[i] = i < pad ? 1 : dims[i - pad];
      p[4 + i] = i < pad ? 0 : s1[i - pad];
      p[8 + i] = i < pad ? 0 : s2[i - pad];
    }
  }

  /** dst (strides ds) = src (strides ss) over dims; pointers are byte addresses, strides count floats. */
  copy(dst: number, ds: number[], src: number, ss: number[], dims: number[]): void {
    if (dims.some((d) => d === 0)) return;
    const m = merge(dims, [ds, ss]);
    const inner = m.dims.slice(-4), [d1, s1] = m.sets.map((s) => s.slice(-4));
    forOuter(m.dims, m.sets, 4, ([od, os]) => {
      this.put4(inner, d1, s1);
      this.rt.core.copy4_f32(dst + od * 4, this.params + 16, src + os * 4, this.params + 32, this.params);
    });
  }

  /** out (contiguous, dims) = a op (s * b), a and b read through their strides (0 = broadcast). */
  binary(op: number, out: number, a: number, as: number[], b: number, bs: number[], dims: number[], s = 1): void {
    if (dims.some((d) => d === 0)) return;
    const m = merge(dims, [contiguous(dims), as, bs]);
    const inner = m.dims.slice(-4), [, a1, b1] = m.sets.map((x) => x.slice(-4));
    forOuter(m.dims, m.sets, 4, ([oo, oa, ob]) => {
      this.put4(inner, a1, b1);
      this.rt.core.binary4_f32(op, out + oo * 4, a + oa * 4, b + ob * 4, this.params, this.params + 16, this.params + 32, s);
    });
  }
}

// train/params.ts: a network's parameters in wasm — values, gradients and optimizer state as four parallel flat
// blocks, each parameter in the padded layout its kernels read (gate rows from multiples of 16), pads held at zero.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import type { Runtime } from '../runtime.js';

/** How a parameter is declared: its PyTorch name and shape, how its rows are padded, how it starts. */
export interface ParamSpec {
  /** The PyTorch state-dict key, e.g. 'lstm.weight_ih_l0'. */
  name: string;
  /** Canonical shape (PyTorch's): [rows, cols] or [rows]. */
  dims: number[];
  /** Rows come in `groups` blocks of `size` (the gates); each block starts at a multiple of `padded` in wasm. */
  groups?: number;
  size?: number;
  padded?: number;
  /** Fills the canonical values (PyTorch's default initialisation for the layer). */
  init: (out: Float32Array) => void;
  /** Not trained (requires_grad=False): kept after the trainable ones, past the range the optimizers and clipping see. */
  frozen?: boolean;
}

export interface Param extends Required<Omit<ParamSpec, 'init'>> {
  cols: number;
  /** Offset of the padded block in every buffer, in floats (a multiple of 4, so every block is 16-byte aligned). */
  offset: number;
  /** Floats of the padded block. */
  length: number;
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

export class ParamStore {
  readonly params: Param[] = [];
  readonly byName = new Map<string, Param>();
  /** Floats in each buffer. */
  readonly total: number;
  /** Floats of the trainable parameters: the first `trainable` of each buffer (the frozen ones follow). */
  readonly trainable: number;
  readonly values: number;
  readonly grads: number;
  /** Optimizer state: SGD's momentum in state1, Adam's two moments in state1 and state2 (zero until a step uses them). */
  readonly state1: number;
  readonly state2: number;
  /** Counts changes of the values: packed copies of the weights are rebuilt when it moves. */
  version = 0;

  constructor(private readonly rt: Runtime, specs: readonly ParamSpec[]) {
    let offset = 0;
    const place = (s: ParamSpec) => {
      check(!this.byName.has(s.name), 'MODEL', `two parameters are named '${s.name}'; give the layers distinct names`);
      const rows = s.dims[0], cols = s.dims.length > 1 ? s.dims[1] : 1;
      const groups = s.groups ?? 1, size = s.size ?? rows, padded = s.padded ?? size;
      const p: Param = { name: s.name, dims: [...s.dims], groups, size, padded, cols, offset, length: groups * padded * cols, frozen: !!s.frozen };
      this.byName.set(s.name, p);
      offset += align4(p.length);
    };
    for (const s of specs) if (!s.frozen) place(s);
    this.trainable = offset;
    for (const s of specs) if (s.frozen) place(s);
    for (const s of specs) this.params.push(this.byName.get(s.name)!); // in declaration order (the state dict's)
    this.total = offset;
    // four parallel blocks, so one kernel call updates every parameter (pads stay zero: their gradients are zero)
    this.values = rt.alloc(offset * 16, 'the parameters, their gradients and optimizer state');
    this.grads = this.values + offset * 4;
    this.state1 = this.grads + offset * 4;
    this.state2 = this.state1 + offset * 4;
    rt.f32(this.values, offset * 4).fill(0);
    specs.forEach((s, i) => {
      const p = this.params[i], v = new Float32Array(p.groups * p.size * p.cols);
      s.init(v);
      this.write(p, v);
    });
  }

  /** Byte address of a parameter's values / gradient in wasm. */
  ptr(p: Param): number {
    return this.values + p.offset * 4;
  }

  gptr(p: Param): number {
    return this.grads + p.offset * 4;
  }

  /** Padded row of canonical row r. */
  private row(p: Param, r: number): number {
    return Math.floor(r / p.size) * p.padded + (r % p.size);
  }

  private gather(p: Param, base: number): Float32Array {
    const rows = p.groups * p.size, out = new Float32Array(rows * p.cols);
    const all = this.rt.f32(base + p.offset * 4, p.length);
    for (let r = 0; r < rows; r++) out.set(all.subarray(this.row(p, r) * p.cols, (this.row(p, r) + 1) * p.cols), r * p.cols);
    return out;
  }

  /** A copy of the values in PyTorch's layout. */
  read(p: Param): Float32Array {
    return this.gather(p, this.values);
  }

  /** A copy of the gradient in PyTorch's layout. */
  readGrad(p: Param): Float32Array {
    return this.gather(p, this.grads);
  }

  /** Sets the values from PyTorch's layout; NaN or ±Infinity is refused, naming the parameter. */
  write(p: Param, data: ArrayLike<number>): void {
    const rows = p.groups * p.size;
    check(data.length === rows * p.cols, 'MODEL', () => `parameter '${p.name}': expected ${fmtDims(p.dims)} (${rows * p.cols} values), got ${data.length}`);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new LstmWasmError('MODEL', `parameter '${p.name}': value ${data[i]} at flat index ${i}; weights must be finite`);
    }
    const all = this.rt.f32(this.values + p.offset * 4, p.length);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < p.cols; c++) all[this.row(p, r) * p.cols + c] = data[r * p.cols + c];
    }
    this.version++;
  }

  zeroGrad(): void {
    this.rt.f32(this.grads, this.total).fill(0);
  }

  /** Forgets the optimizer state (a new optimizer starts from zero moments). */
  resetState(): void {
    this.rt.f32(this.state1, this.total * 2).fill(0);
  }
}

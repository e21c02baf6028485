// seq2seq/linear.ts: nn.Linear over rows in wasm for the seq2seq trainer — packed panels for y = x W^T + b and W for dx.
import type { Runtime } from '../runtime.js';
import type { Run, TrainCore } from '../train/core.js';
import type { Param, ParamSpec, ParamStore } from '../train/params.js';

const r16 = (n: number) => Math.ceil(n / 16) * 16;

/**
 * nn.Linear over rows in wasm: y = x W^T + b; backward adds dW, db and gives (or adds to) dx. Stateless per call.
 * W may be a block of columns of a wider weight (offset, ld: its row stride), as Luong concat's W [h; s] split in two.
 */
export class Linear {
  w!: Param;
  b: Param | undefined;
  private panels = 0;
  private panelsT = 0;
  /** The weight's parameter name; another layer's (tied embeddings: the output layer reads the target embedding). */
  weightName: string;
  constructor(readonly name: string, readonly O: number, readonly F: number, readonly bias: boolean, readonly offset = 0, readonly ld = F) {
    this.weightName = `${name}.weight`;
  }

  /** Its parameters (the weight only if it is its own), rows padded to 16 for the panels. */
  specs(): ParamSpec[] {
    const none = () => {};
    return [
      ...(this.weightName === `${this.name}.weight` ? [{ name: this.weightName, dims: [this.O, this.F], groups: 1, size: this.O, padded: r16(this.O), init: none }] : []),
      ...(this.bias ? [{ name: `${this.name}.bias`, dims: [this.O], init: none }] : []),
    ];
  }

  bind(rt: Runtime, store: ParamStore): void {
    this.w = store.byName.get(this.weightName)!;
    this.b = this.bias ? store.byName.get(`${this.name}.bias`)! : undefined;
    this.panels = rt.alloc(r16(this.O) * this.F * 4, `${this.name} panels`);
    this.panelsT = rt.alloc(r16(this.F) * this.O * 4, `${this.name} transposed panels`);
  }

  pack(core: TrainCore, store: ParamStore): void {
    const w = store.ptr(this.w) + this.offset * 4;
    core.pack_panel16_f32(this.panels, w, r16(this.O), this.F, this.ld);
    core.pack_cols16_f32(this.panelsT, w, this.O, this.F, this.ld);
  }

  /** y (N, O) rows ldy apart = x (N, F) rows ldx apart @ W^T + b */
  forward(core: TrainCore, store: ParamStore, y: number, ldy: number, x: number, ldx: number, N: number): void {
    core.gemm_blocked_f32(y, ldy, this.b ? store.ptr(this.b) : 0, 0, x, ldx, N, this.F, this.panels, this.O, 0);
  }

  /** dy (N, O) contiguous; x as in forward; dx (N, F) contiguous, overwritten (acc false) or added to; 0 skips it. */
  backward(run: Run, store: ParamStore, dy: number, x: number, ldx: number, N: number, dx: number, acc: boolean): void {
    const { core } = run, { O, F } = this;
    const scratch = run.alloc(O * N * 4 + r16(F) * N * 4, `${this.name} gradient scratch`);
    core.wgrad_f32(store.gptr(this.w) + this.offset * 4, this.ld, dy, O, x, ldx, N, O, F, scratch, scratch + O * N * 4);
    if (this.b) core.colsum_add_f32(store.gptr(this.b), dy, N, O, O);
    if (dx) core.gemm_blocked_f32(dx, F, acc ? dx : 0, F, dy, O, N, O, this.panelsT, F, 0);
  }
}

// train/basic.ts: the layers around the recurrent ones — embedding (sparse row gradients), dense (+ activation), dropout.
import { check } from '../errors.js';
import type { Rng } from '../decode/rng.js';
import type { Runtime } from '../runtime.js';
import { type Act, type LayerImpl, type Run, type TrainCore, rowsOf } from './core.js';
import { type DenseConfig, type DropoutConfig, type EmbeddingConfig, normal, uniform } from './layers.js';
import type { Param, ParamSpec, ParamStore } from './params.js';
import { dropoutMask } from './recurrent.js';

const r16 = (n: number) => Math.ceil(n / 16) * 16;

/** nn.Embedding: the ids of a run (time-major i32, uploaded by the network) select rows; backward adds into those rows only. */
export class EmbeddingImpl implements LayerImpl {
  readonly outSize: number;
  readonly outSeq = true;
  private w!: Param;
  private store!: ParamStore;
  /** i32 (T*B) ids in wasm, set by the network before forward */
  ids = 0;

  constructor(private readonly core: TrainCore, readonly cfg: EmbeddingConfig, readonly name: string, private readonly rng: Rng) {
    this.outSize = cfg.dim;
  }

  specs(): ParamSpec[] {
    const given = this.cfg.weights;
    return [{
      name: `${this.name}.weight`, dims: [this.cfg.numEmbeddings, this.cfg.dim], frozen: !this.cfg.trainable,
      init: given ? (out) => out.set(given) : normal(this.rng), // PyTorch: N(0, 1)
    }];
  }

  bind(store: ParamStore): void {
    this.store = store;
    this.w = store.byName.get(`${this.name}.weight`)!;
  }

  pack(): void {}

  forward(run: Run, x: Act): Act {
    const n = run.T * run.B, E = this.cfg.dim;
    const out = run.alloc(n * E * 4, `${this.name} output`);
    this.core.gather_f32(out, this.store.ptr(this.w), this.ids, 1, this.cfg.numEmbeddings, E, n);
    void x;
    return { seq: true, ptr: out, T: run.T, B: run.B, F: E };
  }

  /** What a fused first recurrent layer reads (core.ts FusedEmbedding). */
  fused(): { V: number; E: number; weight: number; grad: number } {
    return { V: this.cfg.numEmbeddings, E: this.cfg.dim, weight: this.store.ptr(this.w), grad: this.cfg.trainable ? this.store.gptr(this.w) : 0 };
  }

  backward(run: Run, dy: number): number {
    if (run.embed) return 0; // the recurrent layer after it has added this table's gradient (run.embed)
    const E = this.cfg.dim;
    if (!this.cfg.trainable) return 0; // frozen: its gradient stays zero and the optimizers leave it alone
    this.core.scatter_add_rows_f32(this.store.gptr(this.w), E, dy, E, this.ids, run.T * run.B, E);
    return 0;
  }
}

/** nn.Linear(F, units) at every row (every step of a sequence), then the activation. */
export class DenseImpl implements LayerImpl {
  readonly outSize: number;
  readonly outSeq: boolean;
  private w!: Param;
  private b!: Param;
  private store!: ParamStore;
  private panels = 0;
  private panelsT = 0;
  private x!: Act;
  private y = 0;

  constructor(private readonly rt: Runtime, private readonly core: TrainCore, readonly cfg: DenseConfig, readonly name: string,
    readonly inSize: number, inSeq: boolean, private readonly rng: Rng) {
    this.outSize = cfg.units;
    this.outSeq = inSeq;
  }

  specs(): ParamSpec[] {
    const O = this.cfg.units, F = this.inSize;
    const init = uniform(this.rng, 1 / Math.sqrt(F)); // PyTorch: kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(F), 1/sqrt(F)), bias alike
    return [
      { name: `${this.name}.weight`, dims: [O, F], groups: 1, size: O, padded: r16(O), init },
      { name: `${this.name}.bias`, dims: [O], init },
    ];
  }

  bind(store: ParamStore): void {
    this.store = store;
    this.w = store.byName.get(`${this.name}.weight`)!;
    this.b = store.byName.get(`${this.name}.bias`)!;
    this.panels = this.rt.alloc(r16(this.cfg.units) * this.inSize * 4, `${this.name} panels`);
    this.panelsT = this.rt.alloc(r16(this.inSize) * this.cfg.units * 4, `${this.name} transposed panels`);
  }

  pack(): void {
    const O = this.cfg.units, F = this.inSize, w = this.store.ptr(this.w);
    this.core.pack_panel16_f32(this.panels, w, r16(O), F, F);
    this.core.pack_cols16_f32(this.panelsT, w, O, F, F);
  }

  private act(): number {
    const a = this.cfg.activation;
    return a === 'linear' ? -1 : this.rt.k[`ACT_${a.toUpperCase()}`];
  }

  forward(run: Run, x: Act): Act {
    check(x.F === this.inSize, 'MODEL', `${this.name}: expects ${this.inSize} features, got ${x.F}`);
    const N = rowsOf(x), O = this.cfg.units;
    const y = run.alloc(N * O * 4, `${this.name} output`);
    this.core.gemm_blocked_f32(y, O, this.store.ptr(this.b), 0, x.ptr, this.inSize, N, this.inSize, this.panels, O, 0);
    if (this.act() >= 0) this.core.act_f32(this.act(), y, y, N * O, 0, 0);
    this.x = x;
    this.y = y;
    return x.seq ? { seq: true, ptr: y, T: x.T, B: x.B, F: O } : { seq: false, ptr: y, N, F: O };
  }

  backward(run: Run, dy: number, needDx: boolean): number {
    const N = rowsOf(this.x), O = this.cfg.units, F = this.inSize, core = this.core;
    if (this.act() >= 0) core.act_bwd_f32(this.act(), dy, dy, this.y, N * O);
    const top = run.alloc(O * N * 4 + r16(F) * N * 4, `${this.name} gradient scratch`);
    core.wgrad_f32(this.store.gptr(this.w), F, dy, O, this.x.ptr, F, N, O, F, top, top + O * N * 4);
    core.colsum_add_f32(this.store.gptr(this.b), dy, N, O, O);
    if (!needDx) return 0;
    const dx = run.alloc(N * F * 4, `d ${this.name} input`);
    core.gemm_blocked_f32(dx, F, 0, 0, dy, O, N, O, this.panelsT, F, 0);
    return dx;
  }
}

/** nn.Dropout(p): a fresh mask per training run; the identity otherwise. */
export class DropoutImpl implements LayerImpl {
  readonly outSize: number;
  readonly outSeq: boolean;
  private mask = 0;
  private n = 0;

  constructor(private readonly core: TrainCore, readonly cfg: DropoutConfig, readonly name: string, inSize: number, inSeq: boolean) {
    this.outSize = inSize;
    this.outSeq = inSeq;
  }

  specs(): ParamSpec[] {
    return [];
  }

  bind(): void {}
  pack(): void {}

  forward(run: Run, x: Act): Act {
    this.mask = 0;
    if (!run.training || this.cfg.p === 0) return x;
    this.n = rowsOf(x) * x.F;
    this.mask = dropoutMask(run, this.n, this.cfg.p);
    const y = run.alloc(this.n * 4, `${this.name} output`);
    this.core.mul_f32(y, x.ptr, this.mask, this.n);
    return { ...x, ptr: y };
  }

  backward(_run: Run, dy: number, needDx: boolean): number {
    if (this.mask) this.core.mul_f32(dy, dy, this.mask, this.n);
    return needDx ? dy : 0;
  }
}

// train/recurrent.ts: a stack of LSTM / GRU / RNN layers for training — packs its weights for the forward and
// backward kernels, runs recurrent_train_fwd_f32 per layer and direction, then recurrent_bwd_f32 from the top down.
import { check } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { Act, LayerImpl, Run, TrainCore } from './core.js';
import { type RecurrentConfig, uniform } from './layers.js';
import type { Param, ParamSpec, ParamStore } from './params.js';
import type { Rng } from '../decode/rng.js';

const r16 = (n: number) => Math.ceil(n / 16) * 16;
const GATES = { lstm: 4, gru: 3, rnn: 1 } as const;

/** One direction of one layer: its parameters and the packed copies the kernels read. */
interface Dir {
  l: number;
  d: number;
  I: number;
  wx: Param; wh: Param; bx: Param; bh: Param; wr?: Param;
  spec: number;
  wxT: number; whT: number; whTn: number; wrT: number;
  /** this run's io and train blocks */
  io: number; tb: number;
}

export type { Dir as RecurrentDir };

/** The final states of a run, kept on the host to start the next one (truncated BPTT). */
export interface CarriedState {
  B: number;
  h: Float32Array; // (L*D, B, P)
  c?: Float32Array; // (L*D, B, H)
}

export class RecurrentImpl implements LayerImpl {
  readonly outSize: number;
  readonly outSeq: boolean;
  readonly G: number; readonly H: number; readonly P: number; readonly D: number; readonly L: number;
  readonly HP: number; readonly PP: number; readonly HS: number;
  /** One per layer and direction (layer-major); seq2seq's decoder runs its single direction one step at a time. */
  readonly dirs: Dir[] = [];
  private store!: ParamStore;
  // this run
  private ys: number[] = []; // output of each layer (T, B, D*P)
  private masks: number[] = []; // dropout mask on each layer's output, or 0
  private hN = 0; private cN = 0; private ws = 0; private arg = 0;
  /** Set to carry states across runs (truncated BPTT): each run starts from the state the last one ended in. */
  carry: CarriedState | undefined;
  keepState = false;
  /** Gradients on the final states, d h_n (L*D, B, P) and d c_n (L*D, B, H) in wasm (0: none), read by the next backward. */
  finalGrad: { h: number; c: number } | undefined;

  /** This run's final states in wasm: h_n (L*D, B, P), c_n (L*D, B, H) (LSTM; else 0). */
  finalStates(): { h: number; c: number } {
    return { h: this.hN, c: this.cN };
  }

  constructor(private readonly rt: Runtime, private readonly core: TrainCore, readonly cfg: RecurrentConfig, readonly name: string,
    readonly inputSize: number, private readonly rng: Rng) {
    this.G = GATES[cfg.cell];
    this.H = cfg.hidden;
    this.P = cfg.projSize || cfg.hidden;
    this.D = cfg.bidirectional ? 2 : 1;
    this.L = cfg.layers;
    this.HP = r16(this.H);
    this.PP = cfg.projSize ? r16(this.P) : 0;
    this.HS = this.PP || this.HP;
    this.outSize = this.D * this.P;
    this.outSeq = cfg.output === 'sequence';
  }

  /** Right after the embedding: the only layer that may take the fused embedding projection (Run.embed). */
  readsEmbedding = false;

  private key(kind: string, l: number, d: number) {
    return `${this.name ? `${this.name}.` : ''}${kind}_l${l}${d ? '_reverse' : ''}`;
  }

  specs(): ParamSpec[] {
    const { G, H, P, D, L, HP } = this;
    const init = uniform(this.rng, 1 / Math.sqrt(H)); // PyTorch: every weight and bias U(-1/sqrt(H), 1/sqrt(H))
    const out: ParamSpec[] = [];
    for (let l = 0; l < L; l++) {
      for (let d = 0; d < D; d++) {
        const I = l === 0 ? this.inputSize : D * P;
        const gated = { groups: G, size: H, padded: HP, init };
        out.push({ name: this.key('weight_ih', l, d), dims: [G * H, I], ...gated });
        out.push({ name: this.key('weight_hh', l, d), dims: [G * H, P], ...gated });
        out.push({ name: this.key('bias_ih', l, d), dims: [G * H], ...gated });
        // no recurrent bias (Keras): held at zero, frozen — its gradient lands past what the optimizers see
        out.push({ name: this.key('bias_hh', l, d), dims: [G * H], ...gated, ...(this.cfg.recurrentBias === false ? { init: (o: Float32Array) => o.fill(0), frozen: true } : {}) });
        if (this.PP) out.push({ name: this.key('weight_hr', l, d), dims: [P, H], groups: 1, size: P, padded: this.PP, init });
      }
    }
    return out;
  }

  bind(store: ParamStore): void {
    this.store = store;
    const { rt, G, H, P, HP, PP, HS } = this, k = rt.k, MP = G * HP;
    const get = (name: string) => store.byName.get(name)!;
    const gru = this.cfg.cell === 'gru';
    const acts = this.cfg.cell === 'lstm' ? ['SIGMOID', 'TANH', 'TANH'] : gru ? ['SIGMOID', 'TANH'] : [this.cfg.nonlinearity.toUpperCase()];
    for (let l = 0; l < this.L; l++) {
      for (let d = 0; d < this.D; d++) {
        const I = l === 0 ? this.inputSize : this.D * P;
        const what = `${this.name} layer ${l}${d ? ' reverse' : ''}`;
        // allocate everything first: an allocation may grow memory, which detaches every view made before it
        const spec = rt.alloc(k.SPEC_WORDS * 4, `${what} spec`);
        const wxp = rt.alloc(MP * I * 4, `${what} Wx panels`), whp = rt.alloc(MP * P * 4, `${what} Wh panels`);
        const bias = rt.alloc(MP * 4, `${what} bias`);
        const bhn = gru && this.cfg.resetAfter ? rt.alloc(HP * 4, `${what} recurrent n bias`) : 0;
        const wrp = PP ? rt.alloc(PP * H * 4, `${what} Wr panels`) : 0;
        const split = gru && !this.cfg.resetAfter;
        const wxT = rt.alloc(r16(I) * MP * 4, `${what} Wx^T panels`);
        const whT = rt.alloc(HS * (split ? 2 * HP : MP) * 4, `${what} Wh^T panels`);
        const whTn = split ? rt.alloc(HS * HP * 4, `${what} Wn^T panels`) : 0;
        const wrT = PP ? rt.alloc(HP * P * 4, `${what} Wr^T panels`) : 0;
        const words = rt.i32(spec, k.SPEC_WORDS);
        words.fill(0);
        words[k.SPEC_KIND] = this.cfg.cell === 'lstm' ? k.CELL_LSTM : gru ? k.CELL_GRU : k.CELL_RNN;
        words[k.SPEC_I] = I;
        words[k.SPEC_H] = H;
        words[k.SPEC_P] = P;
        words[k.SPEC_HP] = HP;
        words[k.SPEC_PP] = PP;
        words[k.SPEC_WX] = wxp;
        words[k.SPEC_WH] = whp;
        words[k.SPEC_BIAS] = bias;
        words[k.SPEC_BHN] = bhn;
        words[k.SPEC_WR] = wrp;
        words[k.SPEC_FLAGS] = (d ? k.FLAG_REVERSE : 0) | (gru && this.cfg.resetAfter ? k.FLAG_LINEAR_BEFORE_RESET : 0);
        acts.forEach((a, j) => (words[k.SPEC_ACT + j] = k[`ACT_${a}`]));
        this.dirs.push({
          l, d, I, spec,
          wx: get(this.key('weight_ih', l, d)), wh: get(this.key('weight_hh', l, d)),
          bx: get(this.key('bias_ih', l, d)), bh: get(this.key('bias_hh', l, d)), wr: PP ? get(this.key('weight_hr', l, d)) : undefined,
          wxT, whT, whTn, wrT, io: 0, tb: 0,
        });
      }
    }
  }

  pack(): void {
    const { rt, core, store, G, H, P, HP, PP } = this, k = rt.k, MP = G * HP;
    const lbr = this.cfg.cell === 'gru' && this.cfg.resetAfter;
    for (const dir of this.dirs) {
      const w = rt.i32(dir.spec, k.SPEC_WORDS);
      const wx = store.ptr(dir.wx), wh = store.ptr(dir.wh);
      core.pack_panel16_f32(w[k.SPEC_WX], wx, MP, dir.I, dir.I);
      core.pack_panel16_f32(w[k.SPEC_WH], wh, MP, P, P);
      core.pack_cols16_f32(dir.wxT, wx, MP, dir.I, dir.I);
      core.pack_cols16_f32(dir.whT, wh, dir.whTn ? 2 * HP : MP, P, P);
      if (dir.whTn) core.pack_cols16_f32(dir.whTn, wh + 2 * HP * P * 4, HP, P, P);
      if (dir.wr) {
        core.pack_panel16_f32(w[k.SPEC_WR], store.ptr(dir.wr), PP, H, H);
        core.pack_cols16_f32(dir.wrT, store.ptr(dir.wr), P, H, H);
      }
      // both biases go into the input projection, except the GRU's recurrent n bias when the reset follows the product
      const bx = rt.f32(store.ptr(dir.bx), MP), bh = rt.f32(store.ptr(dir.bh), MP), bias = rt.f32(w[k.SPEC_BIAS], MP);
      for (let j = 0; j < MP; j++) bias[j] = lbr && j >= 2 * HP ? bx[j] : bx[j] + bh[j];
      if (lbr) rt.f32(w[k.SPEC_BHN], HP).set(bh.subarray(2 * HP, 3 * HP));
    }
  }

  forward(run: Run, x: Act): Act {
    check(x.seq, 'MODEL', `${this.name}: a recurrent layer needs a sequence, but the layer before it gives one row per item`);
    const { rt, core, G, H, P, D, L, HP, PP, HS } = this, k = rt.k, { T, B } = run, MP = G * HP;
    const lstm = this.cfg.cell === 'lstm';
    if (this.carry) {
      check(D === 1, 'INPUT', `${this.name}: a bidirectional layer cannot carry its state into the next chunk (truncated BPTT)`);
      check(this.carry.B === B, 'INPUT', `${this.name}: the carried state is for ${this.carry.B} items but this batch has ${B}; resetState() first`);
    }
    let ws = 0;
    for (let l = 0; l < L; l++) ws = Math.max(ws, core.train_workspace_bytes(k[`CELL_${this.cfg.cell.toUpperCase()}`], HP, PP, B, T, l ? D * P : this.inputSize));
    this.ws = run.alloc(ws, `${this.name} workspace`);
    this.hN = run.alloc(L * D * B * P * 4, `${this.name} h_n`);
    this.cN = lstm ? run.alloc(L * D * B * H * 4, `${this.name} c_n`) : 0;
    let h0 = 0, c0 = 0;
    if (this.carry) {
      h0 = run.alloc(this.carry.h.length * 4, 'carried h');
      rt.f32(h0, this.carry.h.length).set(this.carry.h);
      if (this.carry.c) {
        c0 = run.alloc(this.carry.c.length * 4, 'carried c');
        rt.f32(c0, this.carry.c.length).set(this.carry.c);
      }
    }
    this.ys = [];
    this.masks = [];
    let input = x.ptr;
    const n = T * B;
    for (let l = 0; l < L; l++) {
      const y = run.alloc(n * D * P * 4, `${this.name} layer ${l} output`);
      for (let d = 0; d < D; d++) {
        const dir = this.dirs[l * D + d], s = l * D + d;
        dir.io = run.alloc(k.IO_WORDS * 4, 'io block');
        dir.tb = run.alloc(k.TB_WORDS * 4, 'train block');
        const io = rt.i32(dir.io, k.IO_WORDS);
        io.fill(0);
        io[k.IO_T] = T;
        io[k.IO_B] = B;
        io[k.IO_X] = input;
        io[k.IO_XST] = B * dir.I;
        io[k.IO_XSB] = dir.I;
        io[k.IO_Y] = y + d * P * 4;
        io[k.IO_YST] = B * D * P;
        io[k.IO_YSB] = D * P;
        io[k.IO_LENS] = run.lens;
        io[k.IO_H0] = h0 ? h0 + s * B * P * 4 : 0;
        io[k.IO_C0] = c0 ? c0 + s * B * H * 4 : 0;
        io[k.IO_HN] = this.hN + s * B * P * 4;
        io[k.IO_CN] = lstm ? this.cN + s * B * H * 4 : 0;
        io[k.IO_HSB] = P;
        io[k.IO_CSB] = H;
        rt.i32(dir.tb, k.TB_WORDS).fill(0);
        const put = (field: number, v: number) => void (rt.i32(dir.tb, k.TB_WORDS)[field] = v); // a fresh view: alloc may grow memory
        put(k.TB_GATES, run.alloc(n * MP * 4, 'gates'));
        put(k.TB_HPREV, run.alloc(n * HS * 4, 'states'));
        if (lstm) {
          put(k.TB_CPREV, run.alloc(n * HP * 4, 'cells'));
          put(k.TB_TANHC, run.alloc(n * HP * 4, 'tanh(c)'));
        }
        if (this.cfg.cell === 'gru') put(k.TB_NL, run.alloc(n * HP * 4, 'gru n'));
        const emb = l === 0 && this.readsEmbedding ? run.embed : undefined;
        if (emb) {
          // bias + Wx e for every vocabulary row once, then each token's row by its id
          const table = run.alloc(emb.V * MP * 4, `${this.name} projected vocabulary`), w = rt.i32(dir.spec, k.SPEC_WORDS);
          core.gemm_blocked_f32(table, MP, w[k.SPEC_BIAS], 0, emb.weight, emb.E, emb.V, emb.E, w[k.SPEC_WX], MP, 0);
          core.gather_f32(rt.i32(dir.tb, k.TB_WORDS)[k.TB_GATES], table, emb.ids, 1, emb.V, MP, n);
          put(k.TB_INPROJ, 1);
        }
        core.recurrent_train_fwd_f32(dir.spec, dir.io, dir.tb, this.ws);
      }
      let mask = 0;
      if (run.training && this.cfg.dropout > 0 && l < L - 1) {
        mask = dropoutMask(run, n * D * P, this.cfg.dropout);
        core.mul_f32(y, y, mask, n * D * P);
      }
      this.ys.push(y);
      this.masks.push(mask);
      input = y;
    }
    if (this.keepState) {
      this.carry = { B, h: rt.f32(this.hN, L * D * B * P).slice(), c: lstm ? rt.f32(this.cN, L * D * B * H).slice() : undefined };
    }
    return this.head(run, input);
  }

  /** The layer's output from the last layer's y (and h_n): the sequence, or one row per item. */
  private head(run: Run, y: number): Act {
    const { rt, core, D, L, P } = this, { T, B } = run, F = D * P, out = this.cfg.output;
    if (out === 'sequence') return { seq: true, ptr: y, T, B, F };
    const o = run.alloc(B * F * 4, `${this.name} ${out}`);
    if (out === 'final_state') {
      const dst = rt.f32(o, B * F), hN = rt.f32(this.hN, L * D * B * P);
      for (let d = 0; d < D; d++) {
        for (let b = 0; b < B; b++) dst.set(hN.subarray((((L - 1) * D + d) * B + b) * P, (((L - 1) * D + d) * B + b + 1) * P), b * F + d * P);
      }
    } else {
      this.arg = out === 'max' ? run.alloc(B * F * 4, 'argmax') : 0;
      core.pool_f32(poolMode(rt, out), o, this.arg, y, run.lens, T, B, F);
    }
    return { seq: false, ptr: o, N: B, F };
  }

  backward(run: Run, dOut: number, needDx: boolean): number {
    const { rt, core, G, P, D, L, HP, HS } = this, k = rt.k, { T, B } = run, F = D * P, n = T * B, MP = G * HP;
    const out = this.cfg.output;
    let dy = 0, dhN = 0;
    if (out === 'sequence') dy = dOut;
    else if (out === 'final_state') {
      dhN = run.alloc(L * D * B * P * 4, 'd h_n');
      const dst = rt.f32(dhN, L * D * B * P), src = rt.f32(dOut, B * F);
      dst.fill(0);
      for (let d = 0; d < D; d++) {
        for (let b = 0; b < B; b++) dst.set(src.subarray(b * F + d * P, b * F + (d + 1) * P), (((L - 1) * D + d) * B + b) * P);
      }
    } else {
      dy = run.alloc(n * F * 4, `d ${this.name} output`);
      core.pool_bwd_f32(poolMode(rt, out), dy, dOut, this.arg, run.lens, T, B, F);
    }
    let dx = 0;
    for (let l = L - 1; l >= 0; l--) {
      const I = l === 0 ? this.inputSize : D * P;
      const emb = l === 0 && this.readsEmbedding ? run.embed : undefined;
      dx = l > 0 || (needDx && !emb) ? run.alloc(n * I * 4, `d ${this.name} layer ${l} input`) : 0;
      for (let d = 0; d < D; d++) {
        const dir = this.dirs[l * D + d], s = l * D + d;
        const dgx = run.alloc(n * MP * 4, 'gate gradients');
        const dgh = this.cfg.cell === 'gru' && this.cfg.resetAfter ? run.alloc(n * MP * 4, 'recurrent gate gradients') : 0;
        const dhs = this.PP ? run.alloc(n * HS * 4, 'd h') : 0, rs = this.PP ? run.alloc(n * HP * 4, 'o*tanh(c)') : 0;
        const tb = rt.i32(dir.tb, k.TB_WORDS); // after the allocations, which may grow memory
        tb[k.TB_DGX] = dgx;
        tb[k.TB_DGH] = dgh;
        tb[k.TB_DHS] = dhs;
        tb[k.TB_R] = rs;
        tb[k.TB_DY] = dy ? dy + d * P * 4 : 0;
        tb[k.TB_DYST] = B * F;
        tb[k.TB_DYSB] = F;
        const fg = this.finalGrad;
        tb[k.TB_DHN] = fg?.h ? fg.h + s * B * P * 4 : dhN && l === L - 1 ? dhN + s * B * P * 4 : 0;
        tb[k.TB_DCN] = fg?.c ? fg.c + s * B * this.H * 4 : 0;
        tb[k.TB_DX] = dx;
        tb[k.TB_DXSB] = I;
        tb[k.TB_DXACC] = d > 0 ? 1 : 0;
        tb[k.TB_WXT] = dir.wxT;
        tb[k.TB_WHT] = dir.whT;
        tb[k.TB_WHTN] = dir.whTn;
        tb[k.TB_WRT] = dir.wrT;
        tb[k.TB_GWX] = this.store.gptr(dir.wx);
        tb[k.TB_GWH] = this.store.gptr(dir.wh);
        tb[k.TB_GBX] = this.store.gptr(dir.bx);
        tb[k.TB_GBH] = this.store.gptr(dir.bh);
        tb[k.TB_GWR] = dir.wr ? this.store.gptr(dir.wr) : 0;
        core.recurrent_bwd_f32(dir.spec, dir.io, dir.tb, this.ws);
        if (emb) {
          // the gate gradients summed per token id, S (V, G*HP): dWx += S^T emb, d emb += S Wx
          const S = run.alloc(emb.V * MP * 4, 'gate gradients per id'), gt = run.alloc(MP * emb.V * 4, 'S^T');
          const panels = run.alloc(r16(emb.E) * emb.V * 4, 'embedding panels');
          rt.f32(S, emb.V * MP).fill(0);
          core.scatter_add_rows_f32(S, MP, dgx, MP, emb.ids, n, MP);
          core.wgrad_f32(this.store.gptr(dir.wx), emb.E, S, MP, emb.weight, emb.E, emb.V, MP, emb.E, gt, panels);
          if (emb.grad) core.gemm_blocked_f32(emb.grad, emb.E, emb.grad, emb.E, S, MP, emb.V, MP, dir.wxT, emb.E, 0);
        }
      }
      if (l > 0 && this.masks[l - 1]) core.mul_f32(dx, dx, this.masks[l - 1], n * I);
      dy = dx;
      dhN = 0;
    }
    return needDx && !(this.readsEmbedding && run.embed) ? dx : 0;
  }
}

export function poolMode(rt: Runtime, out: 'mean' | 'max' | 'last_step'): number {
  return out === 'mean' ? rt.k.POOL_MEAN : out === 'max' ? rt.k.POOL_MAX : rt.k.POOL_LAST;
}

/** A dropout mask of n values in the run region: 0 with probability p, else 1/(1-p) (as torch.nn.functional.dropout). */
export function dropoutMask(run: Run, n: number, p: number): number {
  const ptr = run.alloc(n * 4, 'dropout mask');
  const m = run.rt.f32(ptr, n), keep = 1 / (1 - p);
  for (let i = 0; i < n; i++) m[i] = run.rng.next() < p ? 0 : keep;
  return ptr;
}

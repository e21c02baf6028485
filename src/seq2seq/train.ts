// seq2seq/train.ts: teacher-forced training of an encoder-decoder with attention — the forward pass keeps every
// activation in the wasm arena; backward walks output layer, attention, decoder steps, bridge and encoder in reverse.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { Rng } from '../decode/rng.js';
import { parseSafetensors, toFloat32, writeSafetensors } from '../formats/safetensors.js';
import { type ByteSource, readBytes } from '../io.js';
import { Runtime, type WasmSource } from '../runtime.js';
import { Tensor } from '../tensor.js';
import { type Run, type TrainCore, trainCore, trainWasm } from '../train/core.js';
import type { RecurrentConfig } from '../train/layers.js';
import type { Optimizer } from '../train/optim.js';
import { type Param, type ParamSpec, ParamStore } from '../train/params.js';
import { RecurrentImpl } from '../train/recurrent.js';
import { type Seq2SeqConfig, LUONG, parseConfig } from './config.js';
import { readFolder } from './files.js';

/** The attention backward kernels (assembly/attention_bwd.ts) and the forward ones the trainer calls directly. */
interface Seq2SeqCore extends TrainCore {
  attn_dot_f32(scores: number, q: number, keys: number, n: number, K: number, ldk: number): void;
  attn_additive_f32(scores: number, qp: number, keys: number, v: number, n: number, A: number, ldk: number): void;
  masked_softmax_f32(w: number, x: number, n: number, total: number): void;
  attn_context_f32(ctx: number, w: number, mem: number, n: number, D: number, ldm: number): void;
  attn_context_bwd_f32(ds: number, dmem: number, dctx: number, w: number, mem: number, n: number, D: number, ldm: number): void;
  attn_dot_bwd_f32(dq: number, dkeys: number, ds: number, q: number, keys: number, n: number, K: number, ldk: number): void;
  attn_additive_bwd_f32(dqp: number, dkeys: number, dv: number, ds: number, qp: number, keys: number, v: number, n: number, A: number, ldk: number): void;
}

/** A batch of sentence pairs as token ids, unpadded: the target without bos and eos (the trainer adds them). */
export interface Seq2SeqBatch {
  source: readonly (readonly number[])[];
  target: readonly (readonly number[])[];
}

export interface Seq2SeqTrainerOptions {
  /** The training core (lstm-train.wasm) as a compiled module, its bytes or a URL/path; default: beside this bundle. */
  wasm?: WasmSource;
}

/** The files of a model in memory: seq2seq.json's content and the safetensors state dict (PyTorch's names). */
export interface Seq2SeqTrainFiles {
  config: unknown;
  weights: ByteSource;
}

const r16 = (n: number) => Math.ceil(n / 16) * 16;

/** nn.Linear over rows in wasm: y = x W^T + b; backward adds dW, db and gives (or adds to) dx. Stateless per call. */
class Linear {
  w!: Param;
  b: Param | undefined;
  private panels = 0;
  private panelsT = 0;
  constructor(readonly name: string, readonly O: number, readonly F: number, readonly bias: boolean) {}

  specs(): ParamSpec[] {
    const none = () => {};
    return [
      { name: `${this.name}.weight`, dims: [this.O, this.F], groups: 1, size: this.O, padded: r16(this.O), init: none },
      ...(this.bias ? [{ name: `${this.name}.bias`, dims: [this.O], init: none }] : []),
    ];
  }

  bind(rt: Runtime, store: ParamStore): void {
    this.w = store.byName.get(`${this.name}.weight`)!;
    this.b = this.bias ? store.byName.get(`${this.name}.bias`)! : undefined;
    this.panels = rt.alloc(r16(this.O) * this.F * 4, `${this.name} panels`);
    this.panelsT = rt.alloc(r16(this.F) * this.O * 4, `${this.name} transposed panels`);
  }

  pack(core: TrainCore, store: ParamStore): void {
    core.pack_panel16_f32(this.panels, store.ptr(this.w), r16(this.O), this.F, this.F);
    core.pack_cols16_f32(this.panelsT, store.ptr(this.w), this.O, this.F, this.F);
  }

  /** y (N, O) rows ldy apart = x (N, F) rows ldx apart @ W^T + b */
  forward(core: TrainCore, store: ParamStore, y: number, ldy: number, x: number, ldx: number, N: number): void {
    core.gemm_blocked_f32(y, ldy, this.b ? store.ptr(this.b) : 0, 0, x, ldx, N, this.F, this.panels, this.O, 0);
  }

  /** dy (N, O) contiguous; x as in forward; dx (N, F) contiguous, overwritten (acc false) or added to; 0 skips it. */
  backward(run: Run, store: ParamStore, dy: number, x: number, ldx: number, N: number, dx: number, acc: boolean): void {
    const { core } = run, { O, F } = this;
    const scratch = run.alloc(O * N * 4 + r16(F) * N * 4, `${this.name} gradient scratch`);
    core.wgrad_f32(store.gptr(this.w), F, dy, O, x, ldx, N, O, F, scratch, scratch + O * N * 4);
    if (this.b) core.colsum_add_f32(store.gptr(this.b), dy, N, O, O);
    if (dx) core.gemm_blocked_f32(dx, F, acc ? dx : 0, F, dy, O, N, O, this.panelsT, F, 0);
  }
}

/** What one forward pass left in the arena for the backward one (byte addresses; shapes in the comments). */
interface Tape {
  run: Run;
  B: number; S: number; T: number;
  lens: number[];
  srcIds: number; // i32 (S*B), time-major
  tgtIn: number; // i32 (T*B), time-major
  tgtOut: number; // i32 (T*B), -1 past each target (ignored)
  count: number; // targets counted by the loss
  xenc: number; // (S*B, Es)
  memory: number; // (S, B, Denc) time-major: row j of item b at (j*B + b)*Denc
  keys: number; // (S, B, K): the memory itself for dot
  catH: number; catC: number; // (B, Denc) encoder final [fwd; bwd]
  xdec: number; // (T, B, Kin): [emb; feed] (Luong) or [emb; ctx] (Bahdanau)
  hs: number; cs: number; // (T+1, B, Hd): the decoder states, hs[0] from the bridge
  qp: number; // Bahdanau: (T, B, A) the projected queries
  w: number; // (T, B, S) attention weights
  cat: number; // Luong: (T, B, Denc + Hd) = [ctx; h]; Bahdanau: (T, B, Denc) ctx
  outIn: number; // (T*B, F) what the output layer reads
  logits: number; // (T*B, V)
  steps: { io: number; tb: number }[];
  ws: number;
}

/**
 * An encoder-decoder (seq2seq.json + PyTorch state dict, the reference module's names) being trained with teacher forcing:
 * loss(batch) runs the forward pass, backward() adds d(mean cross-entropy)/d(every weight) to the gradients, step() applies
 * an optimizer of lstm-wasm/train. Supported: (Bi)LSTM/GRU encoders of any depth, bridges none/copy/linear, a one-layer
 * LSTM/GRU decoder (nn.LSTM / nn.GRU names) with dot, general or Bahdanau attention, input feeding; not yet concat
 * attention, tied embeddings or stacked decoders (refused with a MODEL error).
 */
export class Seq2SeqTrainer {
  readonly config: Seq2SeqConfig;
  readonly params: ParamStore;
  readonly core: TrainCore;
  private readonly c: Seq2SeqCore;
  private rt: Runtime | undefined;
  private readonly json: unknown;
  private readonly enc: RecurrentImpl;
  private readonly dec: RecurrentImpl;
  private readonly bridgeH: Linear | undefined;
  private readonly bridgeC: Linear | undefined;
  private readonly key: Linear | undefined;
  private readonly query: Linear | undefined;
  private readonly v: Linear | undefined;
  private readonly combine: Linear | undefined;
  private readonly out: Linear;
  private readonly srcEmb: Param;
  private readonly tgtEmb: Param;
  private readonly top: number;
  private packed = -1;
  private tape: Tape | undefined;
  private readonly sizes: { Vs: number; Vt: number; Es: number; Et: number; He: number; D: number; Denc: number; Hd: number; Kin: number; A: number; K: number; F: number };

  private constructor(rt: Runtime, json: unknown, config: Seq2SeqConfig, weights: Map<string, { shape: number[]; data: Float32Array }>) {
    this.rt = rt;
    this.core = trainCore(rt);
    this.c = this.core as Seq2SeqCore;
    check(typeof this.c.attn_dot_bwd_f32 === 'function', 'RUNTIME', 'the training core has no attention backward kernels (attn_dot_bwd_f32); rebuild lstm-train.wasm');
    this.json = json;
    this.config = config;
    const { encoder: ec, decoder: dc, attention: at } = config;
    check(dc.layers === 1, 'MODEL', `seq2seq training: a decoder of ${dc.layers} layers is not supported yet (one layer)`);
    check(at.kind !== 'concat', 'MODEL', 'seq2seq training: concat attention is not supported yet (dot, general, bahdanau)');
    check(!config.tiedEmbeddings, 'MODEL', 'seq2seq training: tied embeddings are not supported yet');
    const dim = (name: string, i: number) => {
      const t = weights.get(name);
      if (!t) throw new LstmWasmError('MODEL', `the state dict has no '${name}'`);
      return t.shape[i];
    };
    const Vs = dim('encoder.embedding.weight', 0), Vt = dim('decoder.embedding.weight', 0);
    const D = ec.bidirectional ? 2 : 1, He = ec.hiddenSize, Denc = D * He, Hd = dc.hiddenSize, Et = dc.embeddingSize;
    const luong = LUONG.includes(at.kind), feeding = luong && dc.inputFeeding;
    const Kin = Et + (at.kind === 'bahdanau' ? Denc : feeding ? Hd : 0);
    const A = at.size, K = at.kind === 'bahdanau' ? A : at.kind === 'general' ? Hd : Denc;
    const F = dc.output === 'hidden_context' ? Hd + Denc : Hd;
    this.sizes = { Vs, Vt, Es: ec.embeddingSize, Et, He, D, Denc, Hd, Kin, A, K, F };

    const rng = new Rng(0); // initial values are overwritten by the state dict
    const rc = (cell: 'lstm' | 'gru', hidden: number, layers: number, bidirectional: boolean, name: string): RecurrentConfig => ({
      type: 'recurrent', cell, name, hidden, layers, bidirectional, projSize: 0, dropout: 0, output: 'sequence', nonlinearity: 'tanh', resetAfter: true,
    });
    this.enc = new RecurrentImpl(rt, this.core, rc(ec.cell, He, ec.layers, ec.bidirectional, 'encoder.rnn'), 'encoder.rnn', ec.embeddingSize, rng);
    this.dec = new RecurrentImpl(rt, this.core, rc(dc.cell, Hd, 1, false, 'decoder.rnn'), 'decoder.rnn', Kin, rng);
    const lstm = dc.cell === 'lstm';
    if (config.bridge === 'linear') {
      this.bridgeH = new Linear('bridge.h', Hd, Denc, weights.has('bridge.h.bias'));
      if (lstm) this.bridgeC = new Linear('bridge.c', Hd, Denc, weights.has('bridge.c.bias'));
    }
    const p = 'decoder.attention';
    if (at.kind === 'general') this.key = new Linear(`${p}.key`, Hd, Denc, false);
    if (at.kind === 'bahdanau') {
      this.query = new Linear(`${p}.query`, A, Hd, weights.has(`${p}.query.bias`));
      this.key = new Linear(`${p}.key`, A, Denc, weights.has(`${p}.key.bias`));
      this.v = new Linear(`${p}.v`, 1, A, weights.has(`${p}.v.bias`));
    }
    if (luong) this.combine = new Linear('decoder.combine', Hd, Denc + Hd, weights.has('decoder.combine.bias'));
    this.out = new Linear('decoder.out', Vt, F, weights.has('decoder.out.bias'));

    const none = () => {};
    const linears = [this.bridgeH, this.bridgeC].filter((l): l is Linear => !!l);
    const attn = [this.query, this.key, this.v].filter((l): l is Linear => !!l);
    const specs: ParamSpec[] = [
      { name: 'encoder.embedding.weight', dims: [Vs, ec.embeddingSize], init: none },
      ...this.enc.specs(),
      ...linears.flatMap((l) => l.specs()),
      { name: 'decoder.embedding.weight', dims: [Vt, Et], init: none },
      ...this.dec.specs(),
      ...attn.flatMap((l) => l.specs()),
      ...(this.combine ? this.combine.specs() : []),
      ...this.out.specs(),
    ];
    const names = new Set(specs.map((s) => s.name));
    for (const name of weights.keys()) check(names.has(name), 'MODEL', `the state dict has '${name}', which this seq2seq.json's model does not have`);
    for (const s of specs) {
      const t = weights.get(s.name);
      if (!t) throw new LstmWasmError('MODEL', `the state dict has no '${s.name}' ${fmtDims(s.dims)}`);
      check(t.shape.length === s.dims.length && t.shape.every((d, i) => d === s.dims[i]), 'MODEL',
        `'${s.name}' is ${fmtDims(t.shape)}; seq2seq.json says ${fmtDims(s.dims)}`);
      s.init = (o) => o.set(t.data);
    }
    this.params = new ParamStore(rt, specs);
    this.srcEmb = this.params.byName.get('encoder.embedding.weight')!;
    this.tgtEmb = this.params.byName.get('decoder.embedding.weight')!;
    this.enc.bind(this.params);
    this.dec.bind(this.params);
    for (const l of [...linears, ...attn, ...(this.combine ? [this.combine] : []), this.out]) l.bind(rt, this.params);
    this.top = rt.mark();
  }

  /** A trainer from a model folder (path or URL of seq2seq.json's folder) or its files in memory. */
  static async create(source: string | URL | Seq2SeqTrainFiles, options: Seq2SeqTrainerOptions = {}): Promise<Seq2SeqTrainer> {
    check(options !== null && typeof options === 'object', 'OPTION', 'options must be an object');
    for (const k of Object.keys(options)) check(k === 'wasm', 'OPTION', `unknown option '${k}'; known: wasm`);
    let json: unknown, bytes: Uint8Array;
    if (typeof source === 'string' || source instanceof URL) {
      const { config, c, rel } = await readFolder(source);
      json = config;
      bytes = await readBytes(rel(c.weights));
    } else {
      check(source !== null && typeof source === 'object' && 'config' in source && 'weights' in source, 'OPTION',
        'seq2seqTrainer(source): a model folder, or { config, weights }');
      json = source.config;
      bytes = await readBytes(source.weights);
    }
    const config = parseConfig(json);
    const st = parseSafetensors(bytes, config.weights);
    const weights = new Map([...st.tensors].map(([name, t]) => [name, { shape: t.shape, data: toFloat32(t, name) }]));
    const rt = await Runtime.create(options.wasm ?? (await trainWasm()));
    return new Seq2SeqTrainer(rt, json, config, weights);
  }

  private runtime(): Runtime {
    if (!this.rt) throw new LstmWasmError('RELEASED', 'this trainer was released');
    return this.rt;
  }

  private pack(): void {
    if (this.packed === this.params.version) return;
    this.enc.pack();
    this.dec.pack();
    for (const l of [this.bridgeH, this.bridgeC, this.query, this.key, this.v, this.combine, this.out]) l?.pack(this.core, this.params);
    this.packed = this.params.version;
  }

  private checkBatch(batch: Seq2SeqBatch): void {
    check(batch !== null && typeof batch === 'object' && Array.isArray(batch.source) && Array.isArray(batch.target), 'INPUT',
      'a batch is { source: number[][], target: number[][] }');
    check(batch.source.length >= 1 && batch.source.length === batch.target.length, 'INPUT',
      `a batch needs as many targets as sources (at least one), got ${batch.source.length} and ${batch.target.length}`);
    const { Vs, Vt } = this.sizes;
    batch.source.forEach((s, b) => {
      check(Array.isArray(s) && s.length >= 1, 'INPUT', `source ${b} is empty`);
      s.forEach((id, j) => check(Number.isInteger(id) && id >= 0 && id < Vs, 'INPUT', `source ${b} token ${j}: id ${id} is outside 0..${Vs - 1}`));
    });
    batch.target.forEach((s, b) => {
      check(Array.isArray(s), 'INPUT', `target ${b} must be an array of ids`);
      s.forEach((id, j) => check(Number.isInteger(id) && id >= 0 && id < Vt, 'INPUT', `target ${b} token ${j}: id ${id} is outside 0..${Vt - 1}`));
    });
  }

  /** Runs the teacher-forced forward pass and returns the mean cross-entropy over the target tokens (eos included). */
  loss(batch: Seq2SeqBatch): number {
    const rt = this.runtime();
    this.checkBatch(batch);
    this.pack();
    rt.reset(this.top);
    const core = this.c, k = rt.k, st = this.params, z = this.sizes, cfg = this.config;
    const { Es, Et, He, D, Denc, Hd, Kin, A, K, F, Vt } = z;
    const B = batch.source.length, S = Math.max(...batch.source.map((s) => s.length)), T = Math.max(...batch.target.map((s) => s.length)) + 1;
    const lens = batch.source.map((s) => s.length);
    const alloc = (bytes: number, what: string) => rt.alloc(Math.max(bytes, 16), what);
    const { bos, eos } = cfg.tokens, pad = cfg.tokens.pad ?? 0;
    const lstm = cfg.decoder.cell === 'lstm', bahdanau = cfg.attention.kind === 'bahdanau', feeding = !bahdanau && cfg.decoder.inputFeeding;

    // ids, time-major
    const lensPtr = alloc(B * 4, 'lengths'), srcIds = alloc(S * B * 4, 'source ids');
    const tgtIn = alloc(T * B * 4, 'target inputs'), tgtOut = alloc(T * B * 4, 'target outputs');
    rt.i32(lensPtr, B).set(lens);
    const si = rt.i32(srcIds, S * B), ti = rt.i32(tgtIn, T * B), to = rt.i32(tgtOut, T * B);
    let count = 0;
    for (let b = 0; b < B; b++) {
      const s = batch.source[b], y = batch.target[b];
      for (let j = 0; j < S; j++) si[j * B + b] = j < s.length ? s[j] : 0;
      for (let t = 0; t < T; t++) {
        ti[t * B + b] = t === 0 ? bos : t - 1 < y.length ? y[t - 1] : pad;
        to[t * B + b] = t < y.length ? y[t] : t === y.length ? eos : -1;
        if (t <= y.length) count++;
      }
    }
    const run: Run = { rt, core, k, T: S, B, lens: lensPtr, training: true, rng: new Rng(0), alloc };

    // encoder: embedding, then every layer and direction over the padded batch
    const xenc = alloc(S * B * Es * 4, 'source embeddings');
    core.gather_f32(xenc, st.ptr(this.srcEmb), srcIds, 1, z.Vs, Es, S * B);
    const memory = this.enc.forward(run, { seq: true, ptr: xenc, T: S, B, F: Es }).ptr;

    // bridge: the last layer's final [fwd; bwd] states to the decoder's initial states
    const catH = alloc(B * Denc * 4, 'encoder final h'), catC = alloc(B * Denc * 4, 'encoder final c');
    const hs = alloc((T + 1) * B * Hd * 4, 'decoder states'), cs = alloc((T + 1) * B * Hd * 4, 'decoder cells');
    const L = cfg.encoder.layers;
    const cat = (dst: number, src: number) => {
      const o = rt.f32(dst, B * Denc), s = rt.f32(src, L * D * B * He);
      for (let d = 0; d < D; d++) for (let b = 0; b < B; b++) o.set(s.subarray((((L - 1) * D + d) * B + b) * He, (((L - 1) * D + d) * B + b + 1) * He), b * Denc + d * He);
    };
    const fin = this.enc.finalStates();
    cat(catH, fin.h);
    if (fin.c) cat(catC, fin.c);
    rt.f32(hs, (T + 1) * B * Hd).fill(0);
    rt.f32(cs, (T + 1) * B * Hd).fill(0);
    if (cfg.bridge === 'copy') {
      rt.f32(hs, B * Hd).set(rt.f32(catH, B * Denc));
      if (lstm) rt.f32(cs, B * Hd).set(rt.f32(catC, B * Denc));
    } else if (cfg.bridge === 'linear') {
      this.bridgeH!.forward(core, st, hs, Hd, catH, Denc, B);
      core.act_f32(k.ACT_TANH, hs, hs, B * Hd, 0, 0);
      if (lstm) {
        this.bridgeC!.forward(core, st, cs, Hd, catC, Denc, B);
        core.act_f32(k.ACT_TANH, cs, cs, B * Hd, 0, 0);
      }
    }

    // keys: what the scores read, once per sentence
    let keys = memory;
    if (this.key) {
      keys = alloc(S * B * K * 4, 'attention keys');
      this.key.forward(core, st, keys, K, memory, Denc, S * B);
    }

    // decoder inputs: the target embeddings in the first Et columns of every step's row
    const xdec = alloc(T * B * Kin * 4, 'decoder inputs'), emb = alloc(T * B * Et * 4, 'target embeddings');
    core.gather_f32(emb, st.ptr(this.tgtEmb), tgtIn, 1, Vt, Et, T * B);
    {
      const x = rt.f32(xdec, T * B * Kin), e = rt.f32(emb, T * B * Et);
      x.fill(0);
      for (let r = 0; r < T * B; r++) x.set(e.subarray(r * Et, (r + 1) * Et), r * Kin);
    }
    const qp = bahdanau ? alloc(T * B * A * 4, 'projected queries') : 0;
    const scores = alloc(S * 4, 'scores'), w = alloc(T * B * S * 4, 'attention weights');
    const catW = bahdanau ? Denc : Denc + Hd;
    const catBuf = alloc(T * B * catW * 4, bahdanau ? 'contexts' : '[context; h]');
    const outIn = bahdanau && cfg.decoder.output === 'hidden' ? hs + B * Hd * 4 : alloc(T * B * F * 4, 'output layer input');
    const dir = this.dec.dirs[0];
    const ws = alloc(core.train_workspace_bytes(lstm ? k.CELL_LSTM : k.CELL_GRU, this.dec.HP, 0, B, 1, Kin), 'decoder workspace');
    const MP = this.dec.G * this.dec.HP, HS = this.dec.HS, HP = this.dec.HP;
    const steps: { io: number; tb: number }[] = [];
    const rowsCopy = (dst: number, ldd: number, src: number, lds: number, n: number, cols: number) => {
      const a = rt.f32(dst, (n - 1) * ldd + cols), s = rt.f32(src, (n - 1) * lds + cols);
      for (let r = 0; r < n; r++) a.set(s.subarray(r * lds, r * lds + cols), r * ldd);
    };
    const attend = (t: number, q: number, qld: number) => {
      // per sentence: scores over its own source positions, masked softmax, context into catBuf's first Denc columns
      for (let b = 0; b < B; b++) {
        const wt = w + (t * B + b) * S * 4, ctx = catBuf + (t * B + b) * catW * 4;
        if (bahdanau) core.attn_additive_f32(scores, qp + (t * B + b) * A * 4, keys + b * K * 4, st.ptr(this.v!.w), lens[b], A, B * K);
        else core.attn_dot_f32(scores, q + b * qld * 4, keys + b * K * 4, lens[b], K, B * K);
        core.masked_softmax_f32(wt, scores, lens[b], S);
        core.attn_context_f32(ctx, wt, memory + b * Denc * 4, lens[b], Denc, B * Denc);
      }
    };
    for (let t = 0; t < T; t++) {
      const hPrev = hs + t * B * Hd * 4, hNext = hs + (t + 1) * B * Hd * 4;
      if (bahdanau) {
        this.query!.forward(core, st, qp + t * B * A * 4, A, hPrev, Hd, B);
        attend(t, 0, 0);
        rowsCopy(xdec + (t * B * Kin + Et) * 4, Kin, catBuf + t * B * catW * 4, catW, B, Denc);
      }
      // one decoder step: the training forward kernel over a sequence of one step, from hs[t] to hs[t+1]
      const io = alloc(k.IO_WORDS * 4, 'io block'), tb = alloc(k.TB_WORDS * 4, 'train block');
      const gates = alloc(B * MP * 4, 'gates'), hprev = alloc(B * HS * 4, 'states');
      const cprev = lstm ? alloc(B * HP * 4, 'cells') : 0, tanhc = lstm ? alloc(B * HP * 4, 'tanh(c)') : 0;
      const nl = lstm ? 0 : alloc(B * HP * 4, 'gru n');
      const iw = rt.i32(io, k.IO_WORDS);
      iw.fill(0);
      iw[k.IO_T] = 1;
      iw[k.IO_B] = B;
      iw[k.IO_X] = xdec + t * B * Kin * 4;
      iw[k.IO_XST] = B * Kin;
      iw[k.IO_XSB] = Kin;
      iw[k.IO_H0] = hPrev;
      iw[k.IO_C0] = lstm ? cs + t * B * Hd * 4 : 0;
      iw[k.IO_HN] = hNext;
      iw[k.IO_CN] = lstm ? cs + (t + 1) * B * Hd * 4 : 0;
      iw[k.IO_HSB] = Hd;
      iw[k.IO_CSB] = Hd;
      const tw = rt.i32(tb, k.TB_WORDS);
      tw.fill(0);
      tw[k.TB_GATES] = gates;
      tw[k.TB_HPREV] = hprev;
      tw[k.TB_CPREV] = cprev;
      tw[k.TB_TANHC] = tanhc;
      tw[k.TB_NL] = nl;
      core.recurrent_train_fwd_f32(dir.spec, io, tb, ws);
      steps.push({ io, tb });
      if (!bahdanau) {
        attend(t, hNext, Hd);
        const ct = catBuf + t * B * catW * 4, feed = outIn + t * B * Hd * 4;
        rowsCopy(ct + Denc * 4, catW, hNext, Hd, B, Hd);
        this.combine!.forward(core, st, feed, Hd, ct, catW, B);
        core.act_f32(k.ACT_TANH, feed, feed, B * Hd, 0, 0);
        if (feeding && t + 1 < T) rowsCopy(xdec + ((t + 1) * B * Kin + Et) * 4, Kin, feed, Hd, B, Hd);
      } else if (cfg.decoder.output === 'hidden_context') {
        rowsCopy(outIn + t * B * F * 4, F, hNext, Hd, B, Hd);
        rowsCopy(outIn + (t * B * F + Hd) * 4, F, catBuf + t * B * catW * 4, catW, B, Denc);
      }
    }
    const logits = alloc(T * B * Vt * 4, 'logits');
    this.out.forward(core, st, logits, Vt, outIn, F, T * B);
    const dl = alloc(T * B * Vt * 4, 'd logits');
    const sum = core.softmax_xent_f32(dl, logits, tgtOut, T * B, Vt, Vt, -1, Math.fround(1 / count));
    this.tape = {
      run, B, S, T, lens, srcIds, tgtIn, tgtOut, count, xenc, memory, keys, catH, catC, xdec, hs, cs, qp, w, cat: catBuf, outIn, logits,
      steps, ws,
    };
    this.dl = dl;
    return sum / count;
  }

  private dl = 0;

  /** Adds d(mean loss)/d(every weight) of the last loss() to the gradients (zeroGrad() clears them). */
  backward(): void {
    const rt = this.runtime();
    const tp = this.tape;
    check(tp !== undefined, 'INPUT', 'backward() needs a loss(batch) first');
    this.tape = undefined;
    const { run, B, S, T, lens, memory, keys, hs, cs, w, outIn } = tp;
    const core = this.c, k = rt.k, st = this.params, z = this.sizes, cfg = this.config;
    const { Es, Et, He, D, Denc, Hd, Kin, A, K, F, Vt } = z;
    const alloc = run.alloc;
    const lstm = cfg.decoder.cell === 'lstm', bahdanau = cfg.attention.kind === 'bahdanau', feeding = !bahdanau && cfg.decoder.inputFeeding;
    const catW = bahdanau ? Denc : Denc + Hd;
    const dir = this.dec.dirs[0];
    const MP = this.dec.G * this.dec.HP;

    // output layer
    const dOut = alloc(T * B * F * 4, 'd output layer input');
    this.out.backward(run, st, this.dl, outIn, F, T * B, dOut, false);

    const dxdec = alloc(T * B * Kin * 4, 'd decoder inputs'), dmem = alloc(S * B * Denc * 4, 'd memory');
    const dkeys = this.key ? alloc(S * B * K * 4, 'd keys') : dmem;
    const dh = alloc(B * Hd * 4, 'd h'), dc = alloc(B * Hd * 4, 'd c'), dq = alloc(B * Math.max(Hd, A) * 4, 'd query');
    const ds = alloc(S * 4, 'd scores'), dcat = alloc(B * catW * 4, 'd [context; h]');
    const dgx = alloc(B * MP * 4, 'gate gradients'), dgh = !lstm ? alloc(B * MP * 4, 'recurrent gate gradients') : 0;
    rt.f32(dxdec, T * B * Kin).fill(0);
    rt.f32(dmem, S * B * Denc).fill(0);
    if (dkeys !== dmem) rt.f32(dkeys, S * B * K).fill(0);
    rt.f32(dh, B * Hd).fill(0);
    rt.f32(dc, B * Hd).fill(0);
    const addRows = (dst: number, ldd: number, src: number, lds: number, n: number, cols: number) => {
      const a = rt.f32(dst, (n - 1) * ldd + cols), s = rt.f32(src, (n - 1) * lds + cols);
      for (let r = 0; r < n; r++) for (let j = 0; j < cols; j++) a[r * ldd + j] += s[r * lds + j];
    };
    const cellBack = (t: number) => {
      const tw = rt.i32(tp.steps[t].tb, k.TB_WORDS);
      tw[k.TB_DGX] = dgx;
      tw[k.TB_DGH] = dgh;
      tw[k.TB_DY] = 0;
      tw[k.TB_DHN] = dh;
      tw[k.TB_DCN] = lstm ? dc : 0;
      tw[k.TB_DH0] = dh;
      tw[k.TB_DC0] = lstm ? dc : 0;
      tw[k.TB_DX] = dxdec + t * B * Kin * 4;
      tw[k.TB_DXSB] = Kin;
      tw[k.TB_DXACC] = 0;
      tw[k.TB_WXT] = dir.wxT;
      tw[k.TB_WHT] = dir.whT;
      tw[k.TB_WHTN] = dir.whTn;
      tw[k.TB_WRT] = 0;
      tw[k.TB_GWX] = st.gptr(dir.wx);
      tw[k.TB_GWH] = st.gptr(dir.wh);
      tw[k.TB_GBX] = st.gptr(dir.bx);
      tw[k.TB_GBH] = st.gptr(dir.bh);
      tw[k.TB_GWR] = 0;
      core.recurrent_bwd_f32(dir.spec, tp.steps[t].io, tp.steps[t].tb, tp.ws);
    };
    // context and softmax back to the scores, then through the score function to the query and the keys
    const attendBack = (t: number, dctx: number, ldctx: number, q: number, qld: number) => {
      for (let b = 0; b < B; b++) {
        const wt = w + (t * B + b) * S * 4;
        core.attn_context_bwd_f32(ds, dmem + b * Denc * 4, dctx + b * ldctx * 4, wt, memory + b * Denc * 4, lens[b], Denc, B * Denc);
        if (bahdanau) {
          core.attn_additive_bwd_f32(dq + b * A * 4, dkeys + b * K * 4, st.gptr(this.v!.w), ds, tp.qp + (t * B + b) * A * 4, keys + b * K * 4,
            st.ptr(this.v!.w), lens[b], A, B * K);
        } else {
          core.attn_dot_bwd_f32(dq + b * Hd * 4, dkeys + b * K * 4, ds, q + b * qld * 4, keys + b * K * 4, lens[b], K, B * K);
        }
      }
    };
    for (let t = T - 1; t >= 0; t--) {
      const hNext = hs + (t + 1) * B * Hd * 4, hPrev = hs + t * B * Hd * 4;
      if (!bahdanau) {
        // d feed: from the output layer, and from the next step's input (input feeding)
        const dfeed = dOut + t * B * Hd * 4, feed = outIn + t * B * Hd * 4;
        if (feeding && t + 1 < T) addRows(dfeed, Hd, dxdec + ((t + 1) * B * Kin + Et) * 4, Kin, B, Hd);
        core.act_bwd_f32(k.ACT_TANH, dfeed, dfeed, feed, B * Hd);
        this.combine!.backward(run, st, dfeed, tp.cat + t * B * catW * 4, catW, B, dcat, false);
        rt.f32(dq, B * Hd).fill(0);
        attendBack(t, dcat, catW, hNext, Hd);
        addRows(dh, Hd, dcat + Denc * 4, catW, B, Hd);
        core.add_f32(dh, dq, B * Hd);
        cellBack(t);
      } else {
        addRows(dh, Hd, dOut + t * B * F * 4, F, B, Hd);
        cellBack(t);
        // d context: from the cell's input, and from the output layer ([h; ctx])
        const dctx = dcat;
        rt.f32(dctx, B * Denc).fill(0);
        addRows(dctx, Denc, dxdec + (t * B * Kin + Et) * 4, Kin, B, Denc);
        if (cfg.decoder.output === 'hidden_context') addRows(dctx, Denc, dOut + (t * B * F + Hd) * 4, F, B, Denc);
        rt.f32(dq, B * A).fill(0);
        attendBack(t, dctx, Denc, 0, 0);
        this.query!.backward(run, st, dq, hPrev, Hd, B, dh, true);
      }
    }
    if (this.key) this.key.backward(run, st, dkeys, memory, Denc, S * B, dmem, true);

    // bridge back to the encoder's final states
    const L = cfg.encoder.layers;
    const dhN = alloc(L * D * B * He * 4, 'd encoder h_n'), dcN = lstm ? alloc(L * D * B * He * 4, 'd encoder c_n') : 0;
    rt.f32(dhN, L * D * B * He).fill(0);
    if (dcN) rt.f32(dcN, L * D * B * He).fill(0);
    const split = (dst: number, src: number) => {
      const o = rt.f32(dst, L * D * B * He), s = rt.f32(src, B * Denc);
      for (let d = 0; d < D; d++) for (let b = 0; b < B; b++) o.set(s.subarray(b * Denc + d * He, b * Denc + (d + 1) * He), (((L - 1) * D + d) * B + b) * He);
    };
    if (cfg.bridge === 'copy') {
      split(dhN, dh);
      if (dcN) split(dcN, dc);
    } else if (cfg.bridge === 'linear') {
      const dcat2 = alloc(B * Denc * 4, 'd encoder final state');
      core.act_bwd_f32(k.ACT_TANH, dh, dh, hs, B * Hd);
      this.bridgeH!.backward(run, st, dh, tp.catH, Denc, B, dcat2, false);
      split(dhN, dcat2);
      if (lstm) {
        core.act_bwd_f32(k.ACT_TANH, dc, dc, cs, B * Hd);
        this.bridgeC!.backward(run, st, dc, tp.catC, Denc, B, dcat2, false);
        split(dcN, dcat2);
      }
    }

    // encoder, then both embeddings (rows of the tokens that were read)
    this.enc.finalGrad = { h: dhN, c: dcN };
    const dxenc = this.enc.backward(run, dmem, true);
    this.enc.finalGrad = undefined;
    core.scatter_add_rows_f32(st.gptr(this.srcEmb), Es, dxenc, Es, tp.srcIds, S * B, Es);
    core.scatter_add_rows_f32(st.gptr(this.tgtEmb), Et, dxdec, Kin, tp.tgtIn, T * B, Et);
    void Vt;
  }

  zeroGrad(): void {
    this.runtime();
    this.params.zeroGrad();
  }

  /** Updates the weights from the gradients with an optimizer of lstm-wasm/train (adam(), sgd() …). */
  step(optimizer: Optimizer, lr?: number): void {
    this.runtime();
    optimizer.step(this, lr);
  }

  /** The weights by PyTorch state-dict name. */
  weights(): Record<string, Tensor> {
    this.runtime();
    return Object.fromEntries(this.params.params.map((p) => [p.name, new Tensor('float32', this.params.read(p), p.dims)]));
  }

  /** The gradients by PyTorch state-dict name. */
  gradients(): Record<string, Tensor> {
    this.runtime();
    return Object.fromEntries(this.params.params.map((p) => [p.name, new Tensor('float32', this.params.readGrad(p), p.dims)]));
  }

  /** The trained model as files: the state dict (safetensors, PyTorch's names) and seq2seq.json's content, unchanged. */
  save(): { weights: Uint8Array; config: unknown } {
    this.runtime();
    const weights = writeSafetensors(this.params.params.map((p) => ({ name: p.name, shape: p.dims, data: this.params.read(p) })));
    return { weights, config: JSON.parse(JSON.stringify(this.json)) };
  }

  /** Frees the wasm instance; the trainer cannot be used afterwards. */
  release(): void {
    this.rt = undefined;
  }
}

/** A trainer for the model in a folder (seq2seq.json + weights) or in memory: `await seq2seqTrainer('models/dates')`. */
export function seq2seqTrainer(source: string | URL | Seq2SeqTrainFiles, options?: Seq2SeqTrainerOptions): Promise<Seq2SeqTrainer> {
  return Seq2SeqTrainer.create(source, options);
}

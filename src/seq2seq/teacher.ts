// seq2seq/teacher.ts: the teacher-forced forward pass of an encoder-decoder with every activation kept in the wasm arena,
// and its backward pass: output layer, then the decoder steps in reverse (attention, combine, the cell's BPTT kernel),
// keys, bridge, encoder (BPTT with gradients on its final states) and both embeddings.
import type { Runtime } from '../runtime.js';
import { Rng } from '../decode/rng.js';
import type { Run, TrainCore } from '../train/core.js';
import type { Param, ParamStore } from '../train/params.js';
import type { RecurrentImpl } from '../train/recurrent.js';
import type { Seq2SeqConfig } from './config.js';
import type { Linear } from './linear.js';
import { type SamplingPlan, feedPredictions } from './scheduled.js';

/** The attention backward kernels (assembly/attention_bwd.ts) and the forward ones the trainer calls directly. */
export interface Seq2SeqCore extends TrainCore {
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

/** The model as the passes see it: parameters in the store, the layers bound to it and packed, sizes. */
export interface Parts {
  rt: Runtime;
  core: Seq2SeqCore;
  params: ParamStore;
  config: Seq2SeqConfig;
  enc: RecurrentImpl;
  dec: RecurrentImpl;
  bridgeH?: Linear; bridgeC?: Linear;
  query?: Linear; key?: Linear; v?: Linear;
  combine?: Linear;
  out: Linear;
  srcEmb: Param; tgtEmb: Param;
  /** Vs, Vt vocabularies; Es, Et embeddings; He encoder hidden, D directions, Denc = D*He; Hd decoder hidden; Kin its input;
   * A additive size; K key width; F the output layer's input */
  sizes: { Vs: number; Vt: number; Es: number; Et: number; He: number; D: number; Denc: number; Hd: number; Kin: number; A: number; K: number; F: number };
  /** the arena mark where a run's memory starts */
  top: number;
}

/** What one forward pass left in the arena for the backward one (byte addresses; shapes in the comments). */
export interface Tape {
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
  dl: number; // (T*B, V) d loss / d logits, from the loss kernel
  steps: { io: number; tb: number }[];
  ws: number;
}

/**
 * The teacher-forced forward pass over a checked batch, from the arena mark p.top (everything after it is this run's):
 * returns the mean cross-entropy over the target tokens (eos included) and what the backward pass reads. With a sampling
 * plan (scheduled.ts) the output layer runs after every step, and the inputs it marks are that step's predictions.
 */
export function teacherForward(p: Parts, batch: Seq2SeqBatch, plan?: SamplingPlan): { loss: number; tape: Tape } {
  const rt = p.rt;
  rt.reset(p.top);
  const core = p.core, k = rt.k, st = p.params, z = p.sizes, cfg = p.config;
  const { Es, Et, He, D, Denc, Hd, Kin, A, K, F, Vt } = z;
  const B = batch.source.length, S = Math.max(...batch.source.map((s) => s.length)), T = Math.max(...batch.target.map((s) => s.length)) + 1;
  const lens = batch.source.map((s) => s.length);
  const alloc = (bytes: number, what: string) => rt.alloc(Math.max(bytes, 16), what);
  const { bos, eos } = cfg.tokens, pad = cfg.tokens.pad ?? 0;
  const lstm = cfg.decoder.cell === 'lstm', bahdanau = cfg.attention.kind === 'bahdanau', feeding = !bahdanau && cfg.decoder.inputFeeding;
  const additive = bahdanau || cfg.attention.kind === 'concat';
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
  core.gather_f32(xenc, st.ptr(p.srcEmb), srcIds, 1, z.Vs, Es, S * B);
  const memory = p.enc.forward(run, { seq: true, ptr: xenc, T: S, B, F: Es }).ptr;

  // bridge: encoder layer l's final [fwd; bwd] states to decoder layer l's initial states (a bridge needs L = Ld)
  const L = cfg.encoder.layers, Ld = cfg.decoder.layers, LB = Ld * B;
  const catH = alloc(L * B * Denc * 4, 'encoder final h'), catC = alloc(L * B * Denc * 4, 'encoder final c');
  const hs = alloc((T + 1) * LB * Hd * 4, 'decoder states'), cs = alloc((T + 1) * LB * Hd * 4, 'decoder cells');
  const cat = (dst: number, src: number) => {
    const o = rt.f32(dst, L * B * Denc), s = rt.f32(src, L * D * B * He);
    for (let l = 0; l < L; l++) {
      for (let d = 0; d < D; d++) for (let b = 0; b < B; b++) o.set(s.subarray(((l * D + d) * B + b) * He, ((l * D + d) * B + b + 1) * He), (l * B + b) * Denc + d * He);
    }
  };
  const fin = p.enc.finalStates();
  cat(catH, fin.h);
  if (fin.c) cat(catC, fin.c);
  rt.f32(hs, (T + 1) * LB * Hd).fill(0);
  rt.f32(cs, (T + 1) * LB * Hd).fill(0);
  if (cfg.bridge === 'copy') {
    rt.f32(hs, LB * Hd).set(rt.f32(catH, LB * Denc));
    if (lstm) rt.f32(cs, LB * Hd).set(rt.f32(catC, LB * Denc));
  } else if (cfg.bridge === 'linear') {
    p.bridgeH!.forward(core, st, hs, Hd, catH, Denc, LB);
    core.act_f32(k.ACT_TANH, hs, hs, LB * Hd, 0, 0);
    if (lstm) {
      p.bridgeC!.forward(core, st, cs, Hd, catC, Denc, LB);
      core.act_f32(k.ACT_TANH, cs, cs, LB * Hd, 0, 0);
    }
  }

  // keys: what the scores read, once per sentence
  let keys = memory;
  if (p.key) {
    keys = alloc(S * B * K * 4, 'attention keys');
    p.key.forward(core, st, keys, K, memory, Denc, S * B);
  }

  // decoder inputs: the target embeddings in the first Et columns of every step's row
  const xdec = alloc(T * B * Kin * 4, 'decoder inputs'), emb = alloc(T * B * Et * 4, 'target embeddings');
  core.gather_f32(emb, st.ptr(p.tgtEmb), tgtIn, 1, Vt, Et, T * B);
  {
    const x = rt.f32(xdec, T * B * Kin), e = rt.f32(emb, T * B * Et);
    x.fill(0);
    for (let r = 0; r < T * B; r++) x.set(e.subarray(r * Et, (r + 1) * Et), r * Kin);
  }
  const qp = additive ? alloc(T * B * A * 4, 'projected queries') : 0;
  const scores = alloc(S * 4, 'scores'), w = alloc(T * B * S * 4, 'attention weights');
  const catW = bahdanau ? Denc : Denc + Hd;
  const catBuf = alloc(T * B * catW * 4, bahdanau ? 'contexts' : '[context; h]');
  const outIn = alloc(T * B * F * 4, 'output layer input'), logits = alloc(T * B * Vt * 4, 'logits');
  const ws = alloc(core.train_workspace_bytes(lstm ? k.CELL_LSTM : k.CELL_GRU, p.dec.HP, 0, B, 1, Math.max(Kin, Hd)), 'decoder workspace');
  const MP = p.dec.G * p.dec.HP, HS = p.dec.HS, HP = p.dec.HP;
  const steps: { io: number; tb: number }[] = [];
  const rowsCopy = (dst: number, ldd: number, src: number, lds: number, n: number, cols: number) => {
    const a = rt.f32(dst, (n - 1) * ldd + cols), s = rt.f32(src, (n - 1) * lds + cols);
    for (let r = 0; r < n; r++) a.set(s.subarray(r * lds, r * lds + cols), r * ldd);
  };
  const attend = (t: number, q: number, qld: number) => {
    // per sentence: scores over its own source positions, masked softmax, context into catBuf's first Denc columns
    for (let b = 0; b < B; b++) {
      const wt = w + (t * B + b) * S * 4, ctx = catBuf + (t * B + b) * catW * 4;
      if (additive) core.attn_additive_f32(scores, qp + (t * B + b) * A * 4, keys + b * K * 4, st.ptr(p.v!.w), lens[b], A, B * K);
      else core.attn_dot_f32(scores, q + b * qld * 4, keys + b * K * 4, lens[b], K, B * K);
      core.masked_softmax_f32(wt, scores, lens[b], S);
      core.attn_context_f32(ctx, wt, memory + b * Denc * 4, lens[b], Denc, B * Denc);
    }
  };
  // hs, cs (T+1, Ld, B, Hd): layer l's state after step t at hs + ((t*Ld + l)*B)*Hd*4
  const at = (base: number, t: number, l: number) => base + (t * Ld + l) * B * Hd * 4;
  for (let t = 0; t < T; t++) {
    const hPrev = at(hs, t, Ld - 1), hNext = at(hs, t + 1, Ld - 1); // the top layer's: what attention reads
    if (plan && t) feedPredictions(p, plan, t, B, logits, tgtIn, xdec);
    if (bahdanau) {
      p.query!.forward(core, st, qp + t * B * A * 4, A, hPrev, Hd, B);
      attend(t, 0, 0);
      rowsCopy(xdec + (t * B * Kin + Et) * 4, Kin, catBuf + t * B * catW * 4, catW, B, Denc);
    }
    // one decoder step, layer by layer: the training forward kernel over a sequence of one step, from hs[t] to hs[t+1]
    for (let l = 0; l < Ld; l++) {
      const I = l ? Hd : Kin;
      const io = alloc(k.IO_WORDS * 4, 'io block'), tb = alloc(k.TB_WORDS * 4, 'train block');
      const gates = alloc(B * MP * 4, 'gates'), hprev = alloc(B * HS * 4, 'states');
      const cprev = lstm ? alloc(B * HP * 4, 'cells') : 0, tanhc = lstm ? alloc(B * HP * 4, 'tanh(c)') : 0;
      const nl = lstm ? 0 : alloc(B * HP * 4, 'gru n');
      const iw = rt.i32(io, k.IO_WORDS);
      iw.fill(0);
      iw[k.IO_T] = 1;
      iw[k.IO_B] = B;
      iw[k.IO_X] = l ? at(hs, t + 1, l - 1) : xdec + t * B * Kin * 4;
      iw[k.IO_XST] = B * I;
      iw[k.IO_XSB] = I;
      iw[k.IO_H0] = at(hs, t, l);
      iw[k.IO_C0] = lstm ? at(cs, t, l) : 0;
      iw[k.IO_HN] = at(hs, t + 1, l);
      iw[k.IO_CN] = lstm ? at(cs, t + 1, l) : 0;
      iw[k.IO_HSB] = Hd;
      iw[k.IO_CSB] = Hd;
      const tw = rt.i32(tb, k.TB_WORDS);
      tw.fill(0);
      tw[k.TB_GATES] = gates;
      tw[k.TB_HPREV] = hprev;
      tw[k.TB_CPREV] = cprev;
      tw[k.TB_TANHC] = tanhc;
      tw[k.TB_NL] = nl;
      core.recurrent_train_fwd_f32(p.dec.dirs[l].spec, io, tb, ws);
      steps.push({ io, tb });
    }
    if (!bahdanau) {
      if (additive) p.query!.forward(core, st, qp + t * B * A * 4, A, hNext, Hd, B); // concat: W_h h
      attend(t, hNext, Hd);
      const ct = catBuf + t * B * catW * 4, feed = outIn + t * B * Hd * 4;
      rowsCopy(ct + Denc * 4, catW, hNext, Hd, B, Hd);
      p.combine!.forward(core, st, feed, Hd, ct, catW, B);
      core.act_f32(k.ACT_TANH, feed, feed, B * Hd, 0, 0);
      if (feeding && t + 1 < T) rowsCopy(xdec + ((t + 1) * B * Kin + Et) * 4, Kin, feed, Hd, B, Hd);
    } else {
      rowsCopy(outIn + t * B * F * 4, F, hNext, Hd, B, Hd);
      if (cfg.decoder.output === 'hidden_context') rowsCopy(outIn + (t * B * F + Hd) * 4, F, catBuf + t * B * catW * 4, catW, B, Denc);
    }
    if (plan) p.out.forward(core, st, logits + t * B * Vt * 4, Vt, outIn + t * B * F * 4, F, B); // what step t+1 may read
  }
  if (!plan) p.out.forward(core, st, logits, Vt, outIn, F, T * B);
  const dl = alloc(T * B * Vt * 4, 'd logits');
  const sum = core.softmax_xent_f32(dl, logits, tgtOut, T * B, Vt, Vt, -1, Math.fround(1 / count));
  const tape = {
    run, B, S, T, lens, srcIds, tgtIn, tgtOut, count, xenc, memory, keys, catH, catC, xdec, hs, cs, qp, w, cat: catBuf, outIn, logits,
    dl, steps, ws,
  };
  return { loss: sum / count, tape };
}

/** Adds d(mean loss)/d(every weight) of the forward pass recorded in `tp` to the gradients. */
export function teacherBackward(p: Parts, tp: Tape): void {
  const rt = p.rt;
  const { run, B, S, T, lens, memory, keys, hs, cs, w, outIn } = tp;
  const core = p.core, k = rt.k, st = p.params, z = p.sizes, cfg = p.config;
  const { Es, Et, He, D, Denc, Hd, Kin, A, K, F, Vt } = z;
  const alloc = run.alloc;
  const lstm = cfg.decoder.cell === 'lstm', bahdanau = cfg.attention.kind === 'bahdanau', feeding = !bahdanau && cfg.decoder.inputFeeding;
  const additive = bahdanau || cfg.attention.kind === 'concat';
  const catW = bahdanau ? Denc : Denc + Hd;
  const MP = p.dec.G * p.dec.HP, L = cfg.encoder.layers, Ld = cfg.decoder.layers, LB = Ld * B;
  const at = (base: number, t: number, l: number) => base + (t * Ld + l) * B * Hd * 4;

  // output layer
  const dOut = alloc(T * B * F * 4, 'd output layer input');
  p.out.backward(run, st, tp.dl, outIn, F, T * B, dOut, false);

  const dxdec = alloc(T * B * Kin * 4, 'd decoder inputs'), dmem = alloc(S * B * Denc * 4, 'd memory');
  const dkeys = p.key ? alloc(S * B * K * 4, 'd keys') : dmem;
  // dh, dc (Ld, B, Hd): d loss / d each layer's state, carried back through the steps; dxl (B, Hd): d a layer's input
  const dh = alloc(LB * Hd * 4, 'd h'), dc = alloc(LB * Hd * 4, 'd c'), dq = alloc(B * Math.max(Hd, A) * 4, 'd query');
  const dxl = alloc(B * Hd * 4, 'd layer input'), dhTop = dh + (Ld - 1) * B * Hd * 4;
  const ds = alloc(S * 4, 'd scores'), dcat = alloc(B * catW * 4, 'd [context; h]');
  const dgx = alloc(B * MP * 4, 'gate gradients'), dgh = !lstm ? alloc(B * MP * 4, 'recurrent gate gradients') : 0;
  rt.f32(dxdec, T * B * Kin).fill(0);
  rt.f32(dmem, S * B * Denc).fill(0);
  if (dkeys !== dmem) rt.f32(dkeys, S * B * K).fill(0);
  rt.f32(dh, LB * Hd).fill(0);
  rt.f32(dc, LB * Hd).fill(0);
  const addRows = (dst: number, ldd: number, src: number, lds: number, n: number, cols: number) => {
    const a = rt.f32(dst, (n - 1) * ldd + cols), s = rt.f32(src, (n - 1) * lds + cols);
    for (let r = 0; r < n; r++) for (let j = 0; j < cols; j++) a[r * ldd + j] += s[r * lds + j];
  };
  const cellBack = (t: number, l: number) => {
    const dir = p.dec.dirs[l], step = tp.steps[t * Ld + l], dhl = dh + l * B * Hd * 4, dcl = dc + l * B * Hd * 4;
    const tw = rt.i32(step.tb, k.TB_WORDS);
    tw[k.TB_DGX] = dgx;
    tw[k.TB_DGH] = dgh;
    tw[k.TB_DY] = 0;
    tw[k.TB_DHN] = dhl;
    tw[k.TB_DCN] = lstm ? dcl : 0;
    tw[k.TB_DH0] = dhl;
    tw[k.TB_DC0] = lstm ? dcl : 0;
    tw[k.TB_DX] = l ? dxl : dxdec + t * B * Kin * 4;
    tw[k.TB_DXSB] = l ? Hd : Kin;
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
    core.recurrent_bwd_f32(dir.spec, step.io, step.tb, tp.ws);
  };
  // one step's layers from the top down: layer l's input was layer l-1's new state
  const cellsBack = (t: number) => {
    for (let l = Ld - 1; l >= 0; l--) {
      cellBack(t, l);
      if (l) core.add_f32(dh + (l - 1) * B * Hd * 4, dxl, B * Hd);
    }
  };
  // context and softmax back to the scores, then through the score function to the query and the keys
  const attendBack = (t: number, dctx: number, ldctx: number, q: number, qld: number) => {
    for (let b = 0; b < B; b++) {
      const wt = w + (t * B + b) * S * 4;
      core.attn_context_bwd_f32(ds, dmem + b * Denc * 4, dctx + b * ldctx * 4, wt, memory + b * Denc * 4, lens[b], Denc, B * Denc);
      if (additive) {
        core.attn_additive_bwd_f32(dq + b * A * 4, dkeys + b * K * 4, st.gptr(p.v!.w), ds, tp.qp + (t * B + b) * A * 4, keys + b * K * 4,
          st.ptr(p.v!.w), lens[b], A, B * K);
      } else {
        core.attn_dot_bwd_f32(dq + b * Hd * 4, dkeys + b * K * 4, ds, q + b * qld * 4, keys + b * K * 4, lens[b], K, B * K);
      }
    }
  };
  for (let t = T - 1; t >= 0; t--) {
    const hNext = at(hs, t + 1, Ld - 1), hPrev = at(hs, t, Ld - 1);
    if (!bahdanau) {
      // d feed: from the output layer, and from the next step's input (input feeding)
      const dfeed = dOut + t * B * Hd * 4, feed = outIn + t * B * Hd * 4;
      if (feeding && t + 1 < T) addRows(dfeed, Hd, dxdec + ((t + 1) * B * Kin + Et) * 4, Kin, B, Hd);
      core.act_bwd_f32(k.ACT_TANH, dfeed, dfeed, feed, B * Hd);
      p.combine!.backward(run, st, dfeed, tp.cat + t * B * catW * 4, catW, B, dcat, false);
      rt.f32(dq, B * Math.max(Hd, A)).fill(0);
      attendBack(t, dcat, catW, hNext, Hd);
      addRows(dhTop, Hd, dcat + Denc * 4, catW, B, Hd);
      if (additive) p.query!.backward(run, st, dq, hNext, Hd, B, dhTop, true); // concat: through W_h
      else core.add_f32(dhTop, dq, B * Hd);
      cellsBack(t);
    } else {
      addRows(dhTop, Hd, dOut + t * B * F * 4, F, B, Hd);
      cellsBack(t);
      // d context: from the cell's input, and from the output layer ([h; ctx])
      const dctx = dcat;
      rt.f32(dctx, B * Denc).fill(0);
      addRows(dctx, Denc, dxdec + (t * B * Kin + Et) * 4, Kin, B, Denc);
      if (cfg.decoder.output === 'hidden_context') addRows(dctx, Denc, dOut + (t * B * F + Hd) * 4, F, B, Denc);
      rt.f32(dq, B * A).fill(0);
      attendBack(t, dctx, Denc, 0, 0);
      p.query!.backward(run, st, dq, hPrev, Hd, B, dhTop, true);
    }
  }
  if (p.key) p.key.backward(run, st, dkeys, memory, Denc, S * B, dmem, true);

  // bridge back to the encoder's final states (layer l's from decoder layer l's)
  const dhN = alloc(L * D * B * He * 4, 'd encoder h_n'), dcN = lstm ? alloc(L * D * B * He * 4, 'd encoder c_n') : 0;
  rt.f32(dhN, L * D * B * He).fill(0);
  if (dcN) rt.f32(dcN, L * D * B * He).fill(0);
  const split = (dst: number, src: number) => {
    const o = rt.f32(dst, L * D * B * He), s = rt.f32(src, L * B * Denc);
    for (let l = 0; l < L; l++) {
      for (let d = 0; d < D; d++) for (let b = 0; b < B; b++) o.set(s.subarray((l * B + b) * Denc + d * He, (l * B + b) * Denc + (d + 1) * He), ((l * D + d) * B + b) * He);
    }
  };
  if (cfg.bridge === 'copy') {
    split(dhN, dh);
    if (dcN) split(dcN, dc);
  } else if (cfg.bridge === 'linear') {
    const dcat2 = alloc(LB * Denc * 4, 'd encoder final state');
    core.act_bwd_f32(k.ACT_TANH, dh, dh, hs, LB * Hd);
    p.bridgeH!.backward(run, st, dh, tp.catH, Denc, LB, dcat2, false);
    split(dhN, dcat2);
    if (lstm) {
      core.act_bwd_f32(k.ACT_TANH, dc, dc, cs, LB * Hd);
      p.bridgeC!.backward(run, st, dc, tp.catC, Denc, LB, dcat2, false);
      split(dcN, dcat2);
    }
  }

  // encoder, then both embeddings (rows of the tokens that were read)
  p.enc.finalGrad = { h: dhN, c: dcN };
  const dxenc = p.enc.backward(run, dmem, true);
  p.enc.finalGrad = undefined;
  core.scatter_add_rows_f32(st.gptr(p.srcEmb), Es, dxenc, Es, tp.srcIds, S * B, Es);
  core.scatter_add_rows_f32(st.gptr(p.tgtEmb), Et, dxdec, Kin, tp.tgtIn, T * B, Et);
  void Vt;
}

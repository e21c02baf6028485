// seq2seq/stream.ts: a batch of source sentences encoded once, then decoded step by step — one wasm call per step
// for every row (sentences x hypotheses), the rows reordered, repeated or dropped between steps inside that call.
import { check } from '../errors.js';
import { recurrentWorkspaceBytes } from '../model/plan.js';
import type { RowModel, StepOutput } from '../decode/batch.js';
import type { Runtime } from '../runtime.js';
import type { Seq2SeqConfig } from './config.js';
import type { PackedAffine, PackedSeq2Seq } from './pack.js';

const up16 = (n: number) => Math.ceil(n / 16) * 16;

/** The decoder state of the current rows, (layers, rows, hidden) as PyTorch's h / c, and h~ (rows, hidden) with input feeding. */
export interface DecoderState {
  h: Float32Array;
  c?: Float32Array;
  feed?: Float32Array;
}

/**
 * Where two per-position products of attention are made (decoder.ts, DIO_CMEM): general attention's W_a either once per
 * source position (keys, 'source') or once per row on its query ('rows': W_a^T h scored against the memory); Luong's
 * combine either on each row's context ('rows') or once per source position, each row summing those with its weights
 * ('source'). Equal up to rounding; the cheaper way depends on rows per sentence against its length.
 */
export interface StreamWays {
  keys: 'source' | 'rows';
  combine: 'source' | 'rows';
}

interface Region {
  lens: number; memory: number; keys: number; ldk: number; cmem: number; states: [number, number];
  ws: number; logits: number; attention: number; io: number; tokens: number; from: number; sent: number;
}

/**
 * Sentences encoded by a Seq2Seq: before the first step, row i holds sentence i's start state (the bridge of the
 * encoder's final states). Each step() feeds one token to each row and gives the scores of the next with the attention
 * weights. Made by Seq2Seq.start(); its wasm memory is the model's run region, so the next start() ends it.
 */
export class Seq2SeqStream implements RowModel {
  readonly sentences: number;
  /** source tokens of each sentence; S = the longest */
  readonly lengths: readonly number[];
  readonly S: number;
  /** rows the last step left (the sentences, before the first step) */
  rows: number;
  private readonly sent: Int32Array;
  private readonly r: Region;
  private readonly VP: number;
  /** how attention's per-position products are made for these sentences (chosen by start() unless given) */
  readonly ways: StreamWays;

  /** @internal — see Seq2Seq.start() */
  constructor(
    private readonly rt: Runtime,
    private readonly c: Seq2SeqConfig,
    private readonly p: PackedSeq2Seq,
    sources: readonly (readonly number[])[],
    /** the most rows a step may have (sentences x beam width) */
    readonly maxRows: number,
    private readonly current: () => boolean,
    ways: Partial<StreamWays> = {},
  ) {
    this.sentences = sources.length;
    this.lengths = sources.map((s) => s.length);
    this.S = Math.max(...this.lengths);
    this.rows = this.sentences;
    this.sent = Int32Array.from({ length: maxRows }, (_, i) => i);
    this.VP = up16(p.V);
    // rows a sentence will have (width x target length) against its positions: the cheaper side takes each product
    const rowsPer = (maxRows / this.sentences) * c.maxTargetLength, positions = this.lengths.reduce((x, y) => x + y, 0) / this.sentences;
    this.ways = {
      keys: p.keyT ? (ways.keys ?? (rowsPer < positions ? 'rows' : 'source')) : 'source',
      combine: p.combineMemory ? (ways.combine ?? (rowsPer > positions ? 'source' : 'rows')) : 'rows',
    };
    this.r = this.encode(sources);
  }

  /** Allocates the region, runs the encoder (one kernel call per layer and direction), the bridge and the key projection. */
  private encode(sources: readonly (readonly number[])[]): Region {
    const { rt, c, p } = this, k = rt.k, core = rt.core;
    const B = this.sentences, S = this.S, R = this.maxRows, RW = p.rowFloats, { Denc } = p;
    const e = c.encoder, D = e.bidirectional ? 2 : 1, He = e.hiddenSize, Es = e.embeddingSize;
    const Ld = c.decoder.layers, HP = up16(c.decoder.hiddenSize), KP = up16(p.K);
    const a = (bytes: number, what: string) => rt.alloc(bytes, `seq2seq ${what} (${B} sentences of up to ${S} tokens)`);
    // kept while decoding
    const lens = a(B * 4, 'source lengths');
    rt.i32(lens, B).set(this.lengths);
    const memory = a(B * S * Denc * 4, 'memory');
    const keyed = p.key !== undefined && this.ways.keys === 'source', cmem = this.ways.combine === 'source' ? a(B * S * HP * 4, 'combine rows') : 0;
    const keys = keyed ? a(B * S * KP * 4, 'keys') : p.key ? 0 : memory;
    const states: [number, number] = [a(R * RW * 4, 'decoder states'), a(R * RW * 4, 'decoder states')];
    const r: Region = {
      lens, memory, keys, ldk: p.key ? KP : Denc, cmem, states, ws: a(core.decoder_workspace_bytes(p.spec, R, S), 'decoder workspace'),
      logits: a(R * this.VP * 4, 'logits'), attention: a(R * S * 4, 'attention weights'), io: a(k.DIO_WORDS * 4, 'step block'),
      tokens: a(R * 4, 'tokens'), from: a(R * 4, 'row map'), sent: a(R * 4, 'row sentences'),
    };
    const top = rt.mark();
    // the first layer's input: its projection gathered from the vocabulary tables (time-major rows: IO_XPROJ), else
    // the embeddings (batch-major). Past a sentence's end the tables' rows are never read (lengths): id -1 skips them;
    // the embeddings there are projected (and dropped), so they get row 0.
    const tables = p.sourceTables, MP = up16(e.hiddenSize) * (e.cell === 'lstm' ? 4 : 3);
    const timeMajor = tables.length > 0, ids = a(B * S * 4, 'source ids');
    const idv = rt.i32(ids, B * S);
    for (let b = 0; b < B; b++) for (let t = 0; t < S; t++) idv[timeMajor ? t * B + b : b * S + t] = t < sources[b].length ? sources[b][t] : timeMajor ? -1 : 0;
    const emb = timeMajor ? 0 : a(B * S * Es * 4, 'source embeddings');
    if (emb) core.gather_f32(emb, p.sourceEmbedding, ids, 1, p.Vs, Es, B * S);
    const proj = tables.map((table) => {
      const x = a(B * S * MP * 4, 'projected source embeddings');
      core.gather_f32(x, table, ids, 1, p.Vs, MP, B * S);
      return x;
    });
    const mid = e.layers > 1 ? [a(B * S * Denc * 4, 'encoder layer outputs'), a(B * S * Denc * 4, 'encoder layer outputs')] : [];
    const hcat = a(e.layers * B * Denc * 4, 'encoder final h'), ccat = a(e.layers * B * Denc * 4, 'encoder final c');
    const ews = a(recurrentWorkspaceBytes(rt, p.encoder.node, B), 'encoder workspace');
    const io = a(k.IO_WORDS * 4, 'encoder block');
    for (let l = 0; l < e.layers; l++) {
      const input = l === 0 ? emb : mid[(l - 1) % 2], width = l === 0 ? Es : Denc;
      const output = l === e.layers - 1 ? memory : mid[l % 2];
      for (let d = 0; d < D; d++) {
        const b = rt.i32(io, k.IO_WORDS);
        b.fill(0);
        b[k.IO_T] = S;
        b[k.IO_B] = B;
        if (l === 0 && proj.length) [b[k.IO_X], b[k.IO_XPROJ]] = [proj[d], 1];
        else [b[k.IO_X], b[k.IO_XST], b[k.IO_XSB]] = [input, width, S * width]; // batch-major: x(t, b) at (b*S + t)*width
        [b[k.IO_Y], b[k.IO_YST], b[k.IO_YSB]] = [output + d * He * 4, Denc, S * Denc];
        b[k.IO_LENS] = lens;
        b[k.IO_HN] = hcat + (l * B * Denc + d * He) * 4;
        b[k.IO_CN] = e.cell === 'lstm' ? ccat + (l * B * Denc + d * He) * 4 : 0;
        [b[k.IO_HSB], b[k.IO_CSB]] = [Denc, Denc];
        core.recurrent_seq_f32(p.encoder.specs[l * D + d], io, ews);
      }
    }
    // decoder start rows: [h of every layer | c of every layer | h~ = 0], from the encoder's final [fwd; bwd] states
    const rows = rt.f32(states[0], B * RW);
    rows.fill(0);
    if (c.bridge !== 'none') {
      const lstm = c.decoder.cell === 'lstm';
      const bridge = (f: PackedAffine | undefined, src: number, at: number) => {
        let from = src, stride = Denc;
        if (f) { // tanh(W [fwd; bwd] + b), all layers in one product
          from = a(Ld * B * HP * 4, 'bridge');
          core.gemm_panel16_f32(from, HP, f.bias, 0, src, Denc, Ld * B, Denc, f.panels, HP, 0);
          core.act_f32(k.ACT_TANH, from, from, Ld * B * HP, 0, 0);
          stride = HP;
        }
        const v = rt.f32(from, Ld * B * stride), out = rt.f32(states[0], B * RW);
        for (let l = 0; l < Ld; l++) {
          for (let b = 0; b < B; b++) out.set(v.subarray((l * B + b) * stride, (l * B + b) * stride + c.decoder.hiddenSize), b * RW + (at + l) * HP);
        }
      };
      bridge(p.bridgeH, hcat, 0);
      if (lstm) bridge(p.bridgeC, ccat, Ld);
    }
    if (keyed || cmem) { // products of the valid positions only (attention reads no further)
      const n = this.lengths.reduce((x, y) => x + y, 0), rows = n < B * S ? a(n * 4, 'valid positions') : 0;
      if (rows) {
        const v = rt.i32(rows, n);
        let i = 0;
        for (let b = 0; b < B; b++) for (let t = 0; t < this.lengths[b]; t++) v[i++] = b * S + t;
      }
      if (keyed) core.gemm_panel16_f32(keys, KP, p.key!.bias, 0, memory, Denc, n, Denc, p.key!.panels, KP, rows);
      if (cmem) core.gemm_panel16_f32(cmem, HP, 0, 0, memory, Denc, n, Denc, p.combineMemory!.panels, HP, rows);
    }
    rt.reset(top);
    return r;
  }

  private live(): void {
    check(this.current(), 'INPUT', 'this seq2seq stream has ended: the model started another batch (start() / translate()) or was released');
  }

  /**
   * One decoder step: row i continues row from[i] with tokens[i] (rows may repeat or be dropped, as beam search needs);
   * one call into wasm for all rows. Returns views valid until the next step.
   */
  step(tokens: readonly number[], from: readonly number[]): StepOutput {
    this.live();
    const { rt, r, p } = this, k = rt.k, N = tokens.length;
    check(N >= 1 && N <= this.maxRows, 'INPUT', `a step takes 1 to ${this.maxRows} rows (the stream's maxRows), got ${N}`);
    check(from.length === N, 'INPUT', `step: ${N} tokens but ${from.length} rows to continue`);
    const tv = rt.i32(r.tokens, N), fv = rt.i32(r.from, N), sv = rt.i32(r.sent, N);
    const sentBefore = Int32Array.from(this.sent.subarray(0, this.rows));
    for (let i = 0; i < N; i++) {
      const t = tokens[i], f = from[i];
      check(Number.isInteger(t) && t >= 0 && t < p.V, 'INPUT', () => `step: token ${t} (row ${i}) is outside the target vocabulary 0..${p.V - 1}`);
      check(Number.isInteger(f) && f >= 0 && f < this.rows, 'INPUT', () => `step: row ${i} continues row ${f}, but the last step left rows 0..${this.rows - 1}`);
      tv[i] = t;
      fv[i] = f;
      sv[i] = sentBefore[f];
    }
    const io = rt.i32(r.io, k.DIO_WORDS);
    io.fill(0);
    io[k.DIO_N] = N;
    io[k.DIO_TOKENS] = r.tokens;
    io[k.DIO_FROM] = r.from;
    io[k.DIO_SENT] = r.sent;
    io[k.DIO_LENS] = r.lens;
    io[k.DIO_S] = this.S;
    [io[k.DIO_MEM], io[k.DIO_LDM]] = [r.memory, p.Denc];
    [io[k.DIO_KEYS], io[k.DIO_LDK]] = [r.keys, r.ldk]; // 0 for general scored on the rows' projected queries
    [io[k.DIO_CMEM], io[k.DIO_LDC]] = [r.cmem, up16(this.c.decoder.hiddenSize)];
    [io[k.DIO_SIN], io[k.DIO_SOUT]] = r.states;
    io[k.DIO_LOGITS] = r.logits;
    io[k.DIO_ATTN] = r.attention;
    rt.core.decoder_step_f32(p.spec, r.io, r.ws);
    r.states.reverse();
    this.sent.set(sv.subarray(0, N));
    this.rows = N;
    return { scores: rt.f32(r.logits, N * this.VP), stride: this.VP, width: p.V, attention: rt.f32(r.attention, N * this.S), attentionStride: this.S };
  }

  /** The encoder outputs, (sentences, S, Denc): [forward; backward] per position, zeros past each sentence. */
  memory(): Float32Array {
    this.live();
    return rt32(this.rt, this.r.memory, this.sentences * this.S * this.p.Denc);
  }

  /** Which sentence each current row belongs to. */
  rowSentences(): Int32Array {
    return this.sent.slice(0, this.rows);
  }

  /** The decoder state of the current rows (copies), shaped as PyTorch's: h, c (layers, rows, hidden); feed (rows, hidden). */
  state(): DecoderState {
    this.live();
    const L = this.c.decoder.layers, H = this.c.decoder.hiddenSize, HP = up16(H), RW = this.p.rowFloats, N = this.rows;
    const rows = this.rt.f32(this.r.states[0], N * RW);
    const part = (at: number, n: number) => {
      const out = new Float32Array(n * N * H);
      for (let l = 0; l < n; l++) for (let i = 0; i < N; i++) out.set(rows.subarray(i * RW + (at + l) * HP, i * RW + (at + l) * HP + H), (l * N + i) * H);
      return out;
    };
    const lstm = this.c.decoder.cell === 'lstm', feeding = RW > L * HP * (lstm ? 2 : 1);
    return { h: part(0, L), ...(lstm ? { c: part(L, L) } : {}), ...(feeding ? { feed: part(lstm ? 2 * L : L, 1) } : {}) };
  }
}

const rt32 = (rt: Runtime, ptr: number, n: number) => rt.f32(ptr, n).slice();

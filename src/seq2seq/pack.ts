// seq2seq/pack.ts: an encoder-decoder's weights copied once into a wasm instance, packed as the kernels read them.
import { LstmWasmError } from '../errors.js';
import { type PackedRecurrent, packGateRows, packRecurrent } from '../model/plan.js';
import { GATES } from '../model/recurrent.js';
import type { Runtime } from '../runtime.js';
import { LUONG, type Seq2SeqConfig } from './config.js';
import type { Affine, Seq2SeqWeights } from './weights.js';

const up16 = (n: number) => Math.ceil(n / 16) * 16;

/** The most bytes the encoder's projected-embedding tables may take (a character or small word vocabulary fits). */
const TABLE_BYTES = 8 * 2 ** 20;

/** A Linear packed for gemm_panel16_f32: panels of (up16(rows), cols) and a zero-padded bias (0 when it has none). */
export interface PackedAffine {
  panels: number;
  bias: number;
  rows: number;
  cols: number;
}

export interface PackedSeq2Seq {
  encoder: PackedRecurrent;
  decoder: PackedRecurrent;
  /** the decoder's spec block (DEC_* words) for decoder_step_f32 */
  spec: number;
  /** (Vs, Es) source embedding rows, for gather_f32 */
  sourceEmbedding: number;
  /** per direction of the encoder's first layer, (Vs, G*HP): bias + Wx e of every source embedding row, so the encoder
   * gathers its input projection instead of computing it (IO_XPROJ); empty when the tables would pass TABLE_BYTES */
  sourceTables: number[];
  /** whether the decoder's first layer gathers its embedding's projection from a table too (DEC_XTAB) */
  targetTable: boolean;
  bridgeH?: PackedAffine;
  bridgeC?: PackedAffine;
  /** keys = key.w @ memory + key.b, computed once per sentence (general, bahdanau, concat); dot reads memory itself */
  key?: PackedAffine;
  /** general: W_a^T, so a step can score each row's projected query against the memory instead (no keys: DEC_WQT) */
  keyT?: PackedAffine;
  /** Luong: the combine's context half Wc[:, :Denc], so a step can sum per-position rows instead of forming the context
   * (CMEM; the h half's panels are DEC_WC2) */
  combineMemory?: PackedAffine;
  /** floats of one decoder state row (decoder_row_floats) */
  rowFloats: number;
  /** memory width D*He, key width, source and target vocabulary sizes */
  Denc: number;
  K: number;
  Vs: number;
  V: number;
}

function finite(rt: Runtime, ptr: number, n: number, what: string): void {
  const bad = rt.core.find_nonfinite_f32(ptr, n);
  if (bad >= 0) throw new LstmWasmError('MODEL', `${what}: value ${rt.f32(ptr, n)[bad]} at flat index ${bad}; weights must be finite`);
}

/** Copies `a` into the arena (rounded up to `pad` floats with zeros). */
function put(rt: Runtime, a: Float32Array, what: string, pad = a.length): number {
  const ptr = rt.alloc(Math.max(pad, a.length) * 4, what);
  const v = rt.f32(ptr, Math.max(pad, a.length));
  v.fill(0);
  v.set(a);
  finite(rt, ptr, a.length, what);
  return ptr;
}

/** Packs W (rows, cols) into panels through a staging copy released afterwards. */
export function packAffine(rt: Runtime, f: Affine, rows: number, cols: number, what: string): PackedAffine {
  const panels = rt.alloc(up16(rows) * cols * 4, `${what} weights`);
  const top = rt.mark();
  const staging = put(rt, f.w, `${what} weights`);
  rt.core.pack_panel16_strided_f32(panels, staging, rows, cols, cols, 1, 1);
  rt.reset(top);
  return { panels, bias: f.b ? put(rt, f.b, `${what} bias`, up16(rows)) : 0, rows, cols };
}

/** Packs W^T of W (rows, cols): panels of (up16(cols), rows). */
function packAffineT(rt: Runtime, w: Float32Array, rows: number, cols: number, what: string): PackedAffine {
  const panels = rt.alloc(up16(cols) * rows * 4, `${what} weights`);
  const top = rt.mark();
  rt.core.pack_panel16_strided_f32(panels, put(rt, w, `${what} weights`), cols, rows, 1, cols, 1);
  rt.reset(top);
  return { panels, bias: 0, rows: cols, cols: rows };
}

/** Columns from .. from+n of W (rows, cols), as a (rows, n) matrix. */
function columns(w: Float32Array, rows: number, cols: number, from: number, n: number): Float32Array {
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(w.subarray(r * cols + from, r * cols + from + n), r * n);
  return out;
}

/**
 * The first encoder layer's input projection of every vocabulary row, per direction: (V, G*HP) = bias + Wx e, by the
 * same product the encoder runs, so gathering a row gives what projecting the embedding would. [] past TABLE_BYTES.
 */
function projectedTables(rt: Runtime, enc: PackedRecurrent, D: number, emb: number, V: number, E: number): number[] {
  const k = rt.k, tables: number[] = [];
  const spec = (d: number) => rt.i32(enc.specs[d], k.SPEC_WORDS);
  const MP = up16(enc.node.hiddenSize) * GATES[enc.node.cell];
  if (V * MP * D * 4 > TABLE_BYTES) return tables;
  for (let d = 0; d < D; d++) {
    const t = rt.alloc(V * MP * 4, 'the encoder input projection of the source vocabulary');
    rt.core.gemm_panel16_f32(t, MP, spec(d)[k.SPEC_BIAS], 0, emb, E, V, E, spec(d)[k.SPEC_WX], MP, 0);
    tables.push(t);
  }
  return tables;
}

/**
 * The decoder's first layer split at its embedding: a (V, G*HP) table of bias + Wx[:, :E] e for every target row, and the
 * panels of the columns after it, Wx[:, E:] (its input feeding h~ or Bahdanau context); [0, 0] past TABLE_BYTES.
 */
function decoderTable(rt: Runtime, dec: PackedRecurrent, emb: number, V: number, E: number): [number, number] {
  const k = rt.k, node = dec.node, G = GATES[node.cell], H = node.hiddenSize, HP = up16(H), MP = G * HP, K = node.inputSize;
  if (V * MP * 4 > TABLE_BYTES) return [0, 0];
  const wx = node.weights[0].wx, cols = (from: number, n: number) => columns(wx, G * H, K, from, n);
  const table = rt.alloc(V * MP * 4, 'the decoder input projection of the target vocabulary');
  const rest = K > E ? packGateRows(rt, cols(E, K - E), G, H, HP, K - E, 'the decoder input weights after the embedding') : 0;
  const top = rt.mark();
  const first = packGateRows(rt, cols(0, E), G, H, HP, E, 'the decoder input weights of the embedding');
  rt.core.gemm_panel16_f32(table, MP, rt.i32(dec.specs[0], k.SPEC_WORDS)[k.SPEC_BIAS], 0, emb, E, V, E, first, MP, 0);
  rt.reset(top);
  return [table, rest];
}

/** Packs everything and writes the decoder spec. Throws MODEL on a non-finite weight, naming it. */
export function packSeq2Seq(rt: Runtime, c: Seq2SeqConfig, w: Seq2SeqWeights, tables = true): PackedSeq2Seq {
  const k = rt.k;
  const D = c.encoder.bidirectional ? 2 : 1, Denc = D * c.encoder.hiddenSize, H = c.decoder.hiddenSize, HP = up16(H);
  const encoder = packRecurrent(rt, w.encoder);
  const decoder = packRecurrent(rt, w.decoder);
  const sourceEmbedding = put(rt, w.sourceEmbedding, 'the source embedding');
  const sourceTables = !tables ? [] : projectedTables(rt, encoder, D, sourceEmbedding, w.sourceVocabSize, c.encoder.embeddingSize);
  const bridgeH = w.bridge.h ? packAffine(rt, w.bridge.h, H, Denc, 'the bridge (h)') : undefined;
  const bridgeC = w.bridge.c ? packAffine(rt, w.bridge.c, H, Denc, 'the bridge (c)') : undefined;
  const kind = c.attention.kind, additive = kind === 'bahdanau' || kind === 'concat';
  const K = kind === 'dot' ? Denc : kind === 'general' ? H : c.attention.size;
  const key = w.attention.key ? packAffine(rt, w.attention.key, K, Denc, 'the attention keys') : undefined;
  const query = additive ? packAffine(rt, w.attention.query!, K, H, 'the attention query') : undefined;
  const luong = LUONG.includes(kind);
  const combine = luong ? packAffine(rt, w.combine!, H, Denc + H, 'the combine layer') : undefined;
  const keyT = kind === 'general' ? packAffineT(rt, w.attention.key!.w, K, Denc, 'the general attention W_a (transposed)') : undefined;
  const combineMemory = luong ? packAffine(rt, { w: columns(w.combine!.w, H, Denc + H, 0, Denc) }, H, Denc, 'the combine layer (context half)') : undefined;
  const combineH = luong ? packAffine(rt, { w: columns(w.combine!.w, H, Denc + H, Denc, H) }, H, H, 'the combine layer (h half)') : undefined;
  const V = w.targetVocabSize, F = c.decoder.output === 'hidden_context' ? H + Denc : H;
  const out = packAffine(rt, w.out, V, F, 'the output layer');
  const layers = rt.alloc(decoder.specs.length * 4, 'decoder layer specs');
  rt.i32(layers, decoder.specs.length).set(decoder.specs);
  const emb = put(rt, w.targetEmbedding, 'the target embedding');
  const vatt = w.attention.v ? put(rt, w.attention.v, 'the attention vector v', up16(K)) : 0;

  const xtab = tables ? decoderTable(rt, decoder, emb, V, c.decoder.embeddingSize) : [0, 0];
  const spec = rt.alloc(k.DEC_WORDS * 4, 'decoder spec');
  const s = rt.i32(spec, k.DEC_WORDS);
  s.fill(0);
  s[k.DEC_CELL] = c.decoder.cell === 'lstm' ? k.CELL_LSTM : k.CELL_GRU;
  s[k.DEC_L] = c.decoder.layers;
  s[k.DEC_H] = H;
  s[k.DEC_HP] = HP;
  s[k.DEC_E] = c.decoder.embeddingSize;
  s[k.DEC_KIN] = w.decoder.inputSize;
  s[k.DEC_LAYERS] = layers;
  s[k.DEC_EMB] = emb;
  s[k.DEC_STYLE] = luong ? k.STYLE_LUONG : k.STYLE_BAHDANAU;
  s[k.DEC_SCORE] = additive ? k.ATT_ADDITIVE : k.ATT_DOT;
  s[k.DEC_FEED] = luong && c.decoder.inputFeeding ? 1 : 0;
  s[k.DEC_DENC] = Denc;
  s[k.DEC_K] = K;
  s[k.DEC_WQ] = query?.panels ?? 0;
  s[k.DEC_BQ] = query?.bias ?? 0;
  s[k.DEC_VATT] = vatt;
  s[k.DEC_WC] = combine?.panels ?? 0;
  s[k.DEC_BC] = combine?.bias ?? 0;
  s[k.DEC_OUT] = c.decoder.output === 'attentional' ? k.OUT_ATTENTIONAL : c.decoder.output === 'hidden' ? k.OUT_HIDDEN : k.OUT_HIDDEN_CONTEXT;
  s[k.DEC_F] = F;
  s[k.DEC_WO] = out.panels;
  s[k.DEC_BO] = out.bias;
  s[k.DEC_V] = V;
  s[k.DEC_VP] = up16(V);
  [s[k.DEC_XTAB], s[k.DEC_WXR]] = xtab;
  s[k.DEC_WQT] = keyT?.panels ?? 0;
  s[k.DEC_WC2] = combineH?.panels ?? 0;
  return { encoder, decoder, spec, sourceEmbedding, sourceTables, targetTable: xtab[0] !== 0, bridgeH, bridgeC, key, keyT, combineMemory, rowFloats: rt.core.decoder_row_floats(spec), Denc, K, Vs: w.sourceVocabSize, V };
}

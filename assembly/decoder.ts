// decoder.ts: one step of an attention decoder for many rows (sentences x beams) in one call — embedding, the
// recurrent layers, attention over each row's sentence, the combine layer and the output projection.
import { ACT_TANH, act_f32 } from './activations';
import { ATT_ADDITIVE, attn_additive_f32, attn_context_f32, attn_dot_f32, masked_softmax_f32 } from './attention';
import { gemm_panel16_f32 } from './gemm';
import { gru_cell_after, gru_step } from './gru';
import { lstm_cell } from './lstm';
import { PRODUCT_WH, PRODUCT_WX, product_scratch_bytes, spec_product } from './product';
import { CELL_LSTM, FLAG_LINEAR_BEFORE_RESET, SPEC_BHN, SPEC_BIAS, SPEC_FLAGS, SPEC_I, SPEC_P, spec_i32, spec_ptr } from './spec';

// Where attention sits and what the output layer reads.
export const STYLE_LUONG: i32 = 0; // cell step, then attention with the new top h, then h~ = tanh(Wc [ctx; h] + bc)
export const STYLE_BAHDANAU: i32 = 1; // attention with the previous top h, ctx appended to the cell's input
export const OUT_ATTENTIONAL: i32 = 0; // logits = Wo h~ + bo (Luong)
export const OUT_HIDDEN: i32 = 1; // logits = Wo h + bo
export const OUT_HIDDEN_CONTEXT: i32 = 2; // logits = Wo [h; ctx] + bo

// The decoder's spec: 32 words written once when the model loads. Sizes count floats; *P sizes are padded to 16.
export const DEC_CELL: i32 = 0; // CELL_LSTM or CELL_GRU (spec.ts)
export const DEC_L: i32 = 1; // layers
export const DEC_H: i32 = 2; // hidden units H
export const DEC_HP: i32 = 3; // H rounded up to 16: the stride of every h, c and h~ row
export const DEC_E: i32 = 4; // target embedding width E
export const DEC_KIN: i32 = 5; // layer 0's input: E, + H (input feeding) or + Denc (Bahdanau's context)
export const DEC_LAYERS: i32 = 6; // i32 (L): the recurrent spec (spec.ts) of each layer, packed as recurrent_seq_f32's
export const DEC_EMB: i32 = 7; // (V, E) target embedding rows
export const DEC_STYLE: i32 = 8; // STYLE_*
export const DEC_SCORE: i32 = 9; // ATT_DOT or ATT_ADDITIVE (attention.ts)
export const DEC_FEED: i32 = 10; // 1: input feeding (Luong), h~ of the last step goes into layer 0's input
export const DEC_DENC: i32 = 11; // width of an encoder state (memory row)
export const DEC_K: i32 = 12; // width of a key row: Denc (dot), H (general), A (additive)
export const DEC_WQ: i32 = 13; // additive: panels of the query projection (KP, H); else 0
export const DEC_BQ: i32 = 14; // additive: (KP) query bias, or 0 (a key bias is added to the keys by the host)
export const DEC_VATT: i32 = 15; // additive: (K) scoring vector v
export const DEC_WC: i32 = 16; // Luong: panels of the combine layer (HP, Denc + H)
export const DEC_BC: i32 = 17; // Luong: (HP) combine bias, or 0
export const DEC_OUT: i32 = 18; // OUT_*
export const DEC_F: i32 = 19; // width the output layer reads
export const DEC_WO: i32 = 20; // panels of the output layer (VP, F)
export const DEC_BO: i32 = 21; // (VP) output bias, or 0
export const DEC_V: i32 = 22; // target vocabulary size V
export const DEC_VP: i32 = 23; // V rounded up to 16: the stride of a logits row
export const DEC_XTAB: i32 = 24; // (V, G*HP): layer 0's bias + Wx[:, :E] e of every target embedding row, or 0 (then
//                                  layer 0 projects [e; rest] with its spec's Wx)
export const DEC_WXR: i32 = 25; // with XTAB: panels of Wx[:, E:] (G*HP, KIN - E), the columns after the embedding, or 0
export const DEC_WQT: i32 = 26; // general: panels of Wa^T (up16(Denc), H), for scoring a projected query against the
//                                 memory itself (a step with no KEYS); else 0
export const DEC_WC2: i32 = 27; // Luong: panels of Wc[:, Denc:] (HP, H), the combine's h half, for a step given CMEM; else 0
export const DEC_WORDS: i32 = 32;

// One step: 16 i32 words. Row i continues row FROM[i] of the state rows in SIN with token TOKENS[i]; rows may repeat
// or be dropped (beam search, finished sentences), so N may differ from the number of rows in SIN.
export const DIO_N: i32 = 0; // rows this step
export const DIO_TOKENS: i32 = 1; // i32 (N) token of each row, each in 0 .. V-1 (checked by the host)
export const DIO_FROM: i32 = 2; // i32 (N) the state row each row continues; 0 = row i continues row i
export const DIO_SENT: i32 = 3; // i32 (N) the sentence of each row (after FROM): which memory it attends over
export const DIO_LENS: i32 = 4; // i32 (sentences) source length of each sentence, 1 .. S
export const DIO_S: i32 = 5; // positions per sentence in MEM and KEYS
export const DIO_MEM: i32 = 6; // memory: sentence s, position j at MEM + ((s*S + j) * LDM) * 4, Denc floats
export const DIO_LDM: i32 = 7;
export const DIO_KEYS: i32 = 8; // keys: sentence s, position j at KEYS + ((s*S + j) * LDK) * 4, K floats
export const DIO_LDK: i32 = 9;
export const DIO_SIN: i32 = 10; // state rows in, decoder_row_floats(spec) floats each
export const DIO_SOUT: i32 = 11; // state rows out (N of them); must not overlap SIN
export const DIO_LOGITS: i32 = 12; // (N, VP) logits out
export const DIO_ATTN: i32 = 13; // (N, S) attention weights out (zeros past each sentence), or 0
// Either of two ways per source position may be taken off the rows: with KEYS = 0 (general attention), each row's query
// is projected instead, q' = Wa^T h (DEC_WQT), and scored against the memory; with CMEM (Luong), the combine's context
// half comes from the sentence's Wc[:, :Denc] memory rows, h~ = tanh(sum_j a_j CMEM_j + bc + Wc[:, Denc:] h), and no
// context is formed. Which is cheaper depends on rows per sentence against its length (the host decides).
export const DIO_CMEM: i32 = 14; // Luong: sentence s, position j at CMEM + ((s*S + j) * LDC) * 4, H floats: Wc[:, :Denc] mem, or 0
export const DIO_LDC: i32 = 15;
export const DIO_WORDS: i32 = 16;

@inline function w32(p: usize, field: i32): i32 {
  return load<i32>(p + (<usize>field << 2));
}

@inline function wptr(p: usize, field: i32): usize {
  return <usize>load<u32>(p + (<usize>field << 2));
}

@inline function up4(n: i32): i32 {
  return (n + 3) & ~3;
}

@inline function up16(n: i32): i32 {
  return (n + 15) & ~15;
}

// the state row row i continues (FROM, or i itself)
@inline function row_from(from: usize, i: i32): i32 {
  return from ? load<i32>(from + (<usize>i << 2)) : i;
}

// the row holding row i's parent products: the first row continuing the same state row
@inline function parent_first(first: usize, parent: usize, i: i32): usize {
  return <usize>load<i32>(first + (<usize>load<i32>(parent + (<usize>i << 2)) << 2));
}

// d (n floats, n a multiple of 4) = a + b
@inline function add_rows(d: usize, a: usize, b: usize, n: i32): void {
  for (let u: usize = 0; u < (<usize>n << 2); u += 16) v128.store(d + u, f32x4.add(v128.load(a + u), v128.load(b + u)));
}

// whether rows (rows[n], or n when rows is 0; n < N) of a (floats lda apart) are all ±0 in their first K floats
function zero_rows(a: usize, lda: i32, K: i32, N: i32, rows: usize): bool {
  const mag = i32x4.splat(0x7fffffff);
  for (let n = 0; n < N; n++) {
    const p = a + <usize>(rows ? load<i32>(rows + (<usize>n << 2)) : n) * lda * 4;
    let k = 0;
    for (; k + 4 <= K; k += 4) if (v128.any_true(v128.and(v128.load(p + (<usize>k << 2)), mag))) return false;
    for (; k < K; k++) if ((load<i32>(p + (<usize>k << 2)) & 0x7fffffff) != 0) return false;
  }
  return true;
}

@inline function copy_f32(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 2);
}

/** Floats of one state row: every layer's h, then (LSTM) every layer's c, then (input feeding) h~; each HP wide. */
export function decoder_row_floats(spec: usize): i32 {
  const L = w32(spec, DEC_L), HP = w32(spec, DEC_HP);
  return HP * (L * (w32(spec, DEC_CELL) == CELL_LSTM ? 2 : 1) + w32(spec, DEC_FEED));
}

// Widths of the workspace rows (floats): layer-0 input, the concatenation the combine / output layer reads.
@inline function x_width(spec: usize): i32 {
  return up4(w32(spec, DEC_KIN));
}

// a projected query row: the key width, or the memory's (padded to 16) when a general query is projected onto it
@inline function q_width(spec: usize): i32 {
  return max(up16(w32(spec, DEC_K)), wptr(spec, DEC_WQT) ? up16(w32(spec, DEC_DENC)) : 0);
}

@inline function z_width(spec: usize): i32 {
  return up4(w32(spec, DEC_DENC) + w32(spec, DEC_HP));
}

/** Bytes of workspace decoder_step_f32 needs for up to N rows over sentences of up to S positions. f64: no wrap. */
export function decoder_workspace_bytes(spec: usize, N: i32, S: i32): f64 {
  const L = <f64>w32(spec, DEC_L), HP = <f64>w32(spec, DEC_HP), n = <f64>N;
  const G = <f64>(w32(spec, DEC_CELL) == CELL_LSTM ? 4 : 3);
  const KP = <f64>q_width(spec), DP = <f64>up4(w32(spec, DEC_DENC));
  const floats = n * (<f64>x_width(spec) + 3 * L * HP + 3 * G * HP + HP + <f64>up4(S) + KP + DP + <f64>z_width(spec) + HP);
  return floats * 4 + <f64>up4(N) * 12 + <f64>product_scratch_bytes(max(w32(spec, DEC_KIN), w32(spec, DEC_H))) + 64;
}

/**
 * Attention of N rows (rows[k], or k when rows is 0) with queries q (rows HP apart): weights into sc (rows S4 apart), contexts into ctx (rows DP
 * apart) — or, when ctx is 0, each row's sum of the weights times its sentence's CMEM rows into ht (rows HP apart).
 * Additive scores first project every query at once: qp (N, QW) = Wq q + bq; a general query with no keys, qp = Wa^T q.
 */
function attend(spec: usize, io: usize, N: i32, rows: usize, q: usize, qp: usize, QW: i32, sc: usize, S4: i32, ctx: usize, DP: i32, ht: usize): void {
  const HP = w32(spec, DEC_HP), H = w32(spec, DEC_H), K = w32(spec, DEC_K), Denc = w32(spec, DEC_DENC);
  const additive = w32(spec, DEC_SCORE) == ATT_ADDITIVE;
  const S = w32(io, DIO_S), sent = wptr(io, DIO_SENT), lens = wptr(io, DIO_LENS);
  const mem = wptr(io, DIO_MEM), ldm = w32(io, DIO_LDM), cmem = wptr(io, DIO_CMEM), ldc = w32(io, DIO_LDC);
  let keys = wptr(io, DIO_KEYS), ldk = w32(io, DIO_LDK), qs = q, qstride = HP, kw = K;
  if (additive) {
    gemm_panel16_f32(qp, QW, wptr(spec, DEC_BQ), 0, q, HP, N, H, wptr(spec, DEC_WQ), up16(K), rows);
    qs = qp;
    qstride = QW;
  } else if (!keys) { // general, scored on the memory: q' = Wa^T q
    gemm_panel16_f32(qp, QW, 0, 0, q, HP, N, H, wptr(spec, DEC_WQT), up16(Denc), rows);
    qs = qp;
    qstride = QW;
    keys = mem;
    ldk = ldm;
    kw = Denc;
  }
  const v = wptr(spec, DEC_VATT);
  for (let k = 0; k < N; k++) {
    const i = rows ? load<i32>(rows + (<usize>k << 2)) : k;
    const s = <usize>load<i32>(sent + (<usize>i << 2));
    const n = load<i32>(lens + (s << 2));
    const ks = keys + s * <usize>S * ldk * 4, ms = mem + s * <usize>S * ldm * 4;
    const si = sc + <usize>i * S4 * 4, qi = qs + <usize>i * qstride * 4;
    if (additive) attn_additive_f32(si, qi, ks, v, n, K, ldk);
    else attn_dot_f32(si, qi, ks, n, kw, ldk);
    masked_softmax_f32(si, si, n, S);
    if (ctx) attn_context_f32(ctx + <usize>i * DP * 4, si, ms, n, Denc, ldm);
    else attn_context_f32(ht + <usize>i * HP * 4, si, cmem + s * <usize>S * ldc * 4, n, H, ldc);
  }
}

/** One decoder step for the rows of the io block (see DIO_*); the workspace holds decoder_workspace_bytes(spec, N, S). */
export function decoder_step_f32(spec: usize, io: usize, ws: usize): void {
  const N = w32(io, DIO_N), S = w32(io, DIO_S);
  const L = w32(spec, DEC_L), H = w32(spec, DEC_H), HP = w32(spec, DEC_HP), E = w32(spec, DEC_E);
  const lstm = w32(spec, DEC_CELL) == CELL_LSTM, MP = HP * (lstm ? 4 : 3);
  const feed = w32(spec, DEC_FEED) != 0, luong = w32(spec, DEC_STYLE) == STYLE_LUONG;
  const Denc = w32(spec, DEC_DENC), DP = up4(Denc), QW = q_width(spec);
  const XW = x_width(spec), ZW = z_width(spec), S4 = up4(S), RW = decoder_row_floats(spec);
  const n4 = <usize>N << 2;

  // workspace: x (N, XW) | h (L, N, HP) | h' (L, N, HP) | c (L, N, HP) | xp, gates, shared (N, MP) | r (N, HP) |
  //            scores (N, S4) | qp (N, QW) | ctx (N, DP) | z (N, ZW) | h~ (N, HP) | act, first, parent (N) i32 |
  //            product scratch
  const x = ws;
  const hp = x + n4 * XW;
  const hn = hp + n4 * L * HP;
  const c = hn + n4 * L * HP;
  const xp = c + n4 * L * HP;
  const gates = xp + n4 * MP;
  const sh = gates + n4 * MP;
  const r = sh + n4 * MP;
  const sc = r + n4 * HP;
  const qp = sc + n4 * S4;
  const ctx = qp + n4 * QW;
  const z = ctx + n4 * DP;
  const ht = z + n4 * ZW;
  const act = ht + n4 * HP;
  const first = act + ((n4 + 15) & ~15);
  const parent = first + ((n4 + 15) & ~15);
  const qs = parent + ((n4 + 15) & ~15);

  // gather: each row's state from the row it continues, its token's embedding
  const tokens = wptr(io, DIO_TOKENS), from = wptr(io, DIO_FROM), sin = wptr(io, DIO_SIN);
  const emb = wptr(spec, DEC_EMB), gathered = wptr(spec, DEC_XTAB) != 0; // with the table, layer 0 reads no embedding
  for (let i = 0; i < N; i++) {
    store<i32>(act + (<usize>i << 2), i);
    const src = sin + <usize>row_from(from, i) * RW * 4;
    for (let l = 0; l < L; l++) {
      copy_f32(hp + (<usize>l * N + i) * HP * 4, src + <usize>l * HP * 4, HP);
      if (lstm) copy_f32(c + (<usize>l * N + i) * HP * 4, src + <usize>(L + l) * HP * 4, HP);
    }
    const xi = x + <usize>i * XW * 4;
    if (!gathered) copy_f32(xi, emb + <usize>load<i32>(tokens + (<usize>i << 2)) * E * 4, E);
    if (feed) copy_f32(xi + (<usize>E << 2), src + <usize>(lstm ? 2 * L : L) * HP * 4, H);
  }

  // rows continuing the same state row (a beam's children) share its recurrent products: one row per parent state,
  // first[j] the first row continuing parent j, parent[i] row i's parent (N x parents compares: N is small)
  let np = 0;
  for (let i = 0; i < N; i++) {
    const f = row_from(from, i);
    let j = 0;
    while (j < np && row_from(from, load<i32>(first + (<usize>j << 2))) != f) j++;
    if (j == np) {
      store<i32>(first + (<usize>j << 2), i);
      np++;
    }
    store<i32>(parent + (<usize>i << 2), j);
  }
  const prows = np < N ? first : 0; // all distinct: first[j] = j, and the products take every row in order

  // Bahdanau: attend with the previous top h; the context joins the cell's input
  if (!luong) {
    // (the previous h is the parent's: one attention per parent, at its first row, and its weights for every row)
    attend(spec, io, np, prows, hp + <usize>(L - 1) * N * HP * 4, qp, QW, sc, S4, ctx, DP, 0);
    for (let i = 0; i < N; i++) {
      const f = <i32>parent_first(first, parent, i);
      if (f != i) { // (the output layer may read the context again: every row keeps its own copy)
        copy_f32(sc + <usize>i * S4 * 4, sc + <usize>f * S4 * 4, S);
        copy_f32(ctx + <usize>i * DP * 4, ctx + <usize>f * DP * 4, Denc);
      }
      copy_f32(x + (<usize>i * XW + E) * 4, ctx + <usize>i * DP * 4, Denc);
    }
  }

  // the recurrent layers: input projection of all rows at once, then the cell update
  const layers = wptr(spec, DEC_LAYERS);
  for (let l = 0; l < L; l++) {
    const ls = <usize>load<u32>(layers + (<usize>l << 2));
    const input = l == 0 ? x : hn + <usize>(l - 1) * N * HP * 4;
    const xtab = l == 0 ? wptr(spec, DEC_XTAB) : 0;
    const hl = hp + <usize>l * N * HP * 4, hl2 = hn + <usize>l * N * HP * 4;
    const after = !lstm && (spec_i32(ls, SPEC_FLAGS) & FLAG_LINEAR_BEFORE_RESET) != 0;
    if (lstm || after) {
      // What depends on the parent state alone is computed once per parent, at its first row, into sh: Wh h (a GRU's
      // n slice with its bias bhn: PyTorch's form, where r multiplies the whole product). Each row adds its own part:
      // LSTM gates = own + sh; GRU gates = [own + sh on r, z; sh on n] and own's n slice joins in the cell.
      // own = the table row of its token (+ Wx[:, E:] [h~ or ctx], again per parent), or Wx x.
      const HPP = spec_i32(ls, SPEC_P);
      let own = xp, projected = false;
      if (xtab) {
        const rest = w32(spec, DEC_KIN) - E;
        // (the first step's h~ is all zeros: its product is skipped, exactly, as the weights are finite)
        projected = rest > 0 && !zero_rows(x + (<usize>E << 2), XW, rest, np, prows);
        if (projected) gemm_panel16_f32(lstm ? sh : gates, MP, 0, 0, x + (<usize>E << 2), XW, np, rest, wptr(spec, DEC_WXR), MP, prows);
        if (lstm) {
          own = 0; // the token's table row, read in place
        } else { // a GRU's x part stays apart from its h part: xp = table row + the parent's projection
          for (let i = 0; i < N; i++) {
            const t = xtab + <usize>load<i32>(tokens + (<usize>i << 2)) * MP * 4, d = xp + <usize>i * MP * 4;
            if (projected) add_rows(d, t, gates + <usize>parent_first(first, parent, i) * MP * 4, MP);
            else copy_f32(d, t, MP);
          }
        }
      } else {
        spec_product(ls, PRODUCT_WX, 0, xp, MP, spec_ptr(ls, SPEC_BIAS), 0, input, l == 0 ? XW : HP, N, spec_i32(ls, SPEC_I), MP, 0, qs);
      }
      if (lstm) {
        spec_product(ls, PRODUCT_WH, 0, sh, MP, projected ? sh : 0, MP, hl, HP, np, HPP, MP, prows, qs);
      } else {
        spec_product(ls, PRODUCT_WH, 0, sh, MP, 0, MP, hl, HP, np, HPP, 2 * HP, prows, qs);
        spec_product(ls, PRODUCT_WH, 2 * HP, sh + <usize>HP * 8, MP, spec_ptr(ls, SPEC_BHN), 0, hl, HP, np, HPP, HP, prows, qs);
      }
      for (let i = 0; i < N; i++) {
        const o = own ? own + <usize>i * MP * 4 : xtab + <usize>load<i32>(tokens + (<usize>i << 2)) * MP * 4;
        const p = sh + <usize>parent_first(first, parent, i) * MP * 4, d = gates + <usize>i * MP * 4;
        add_rows(d, o, p, lstm ? MP : 2 * HP);
        if (!lstm) copy_f32(d + <usize>HP * 8, p + <usize>HP * 8, HP);
      }
      if (lstm) lstm_cell(ls, act, N, gates, hl2, HP, c + <usize>l * N * HP * 4, r);
      else gru_cell_after(ls, act, N, gates, xp, hl, hl2, HP);
    } else { // a GRU with the reset inside the product (ONNX's default): every row on its own
      if (xtab) { // the embedding's part gathered from the table, the rest ([h~] or [ctx]) projected onto it
        for (let i = 0; i < N; i++) copy_f32(xp + <usize>i * MP * 4, xtab + <usize>load<i32>(tokens + (<usize>i << 2)) * MP * 4, MP);
        const rest = w32(spec, DEC_KIN) - E;
        if (rest > 0) gemm_panel16_f32(xp, MP, xp, MP, x + (<usize>E << 2), XW, N, rest, wptr(spec, DEC_WXR), MP, 0);
      } else {
        spec_product(ls, PRODUCT_WX, 0, xp, MP, spec_ptr(ls, SPEC_BIAS), 0, input, l == 0 ? XW : HP, N, spec_i32(ls, SPEC_I), MP, 0, qs);
      }
      gru_step(ls, act, N, xp, hl, hl2, HP, gates, r, qs);
    }
  }
  const top = hn + <usize>(L - 1) * N * HP * 4;

  // Luong: attend with the new top h, then h~ = tanh(Wc [ctx; h] + bc) (with CMEM: its context half from the rows)
  const mode = w32(spec, DEC_OUT);
  let features = top, fw = HP;
  if (luong && wptr(io, DIO_CMEM)) {
    // h~ = tanh(sum_j a_j (Wc[:, :Denc] mem_j) + bc + Wc[:, Denc:] h): the context half summed from the sentence's rows
    attend(spec, io, N, 0, top, qp, QW, sc, S4, 0, DP, ht);
    const bc = wptr(spec, DEC_BC);
    for (let i = 0; i < N; i++) {
      const hi = ht + <usize>i * HP * 4;
      if (H < HP) memory.fill(hi + (<usize>H << 2), 0, <usize>(HP - H) << 2); // padding lanes 0, as the other way
      if (bc) for (let u = 0; u < HP; u += 4) v128.store(hi + (<usize>u << 2), f32x4.add(v128.load(hi + (<usize>u << 2)), v128.load(bc + (<usize>u << 2))));
    }
    gemm_panel16_f32(ht, HP, ht, HP, top, HP, N, H, wptr(spec, DEC_WC2), HP, 0);
    act_f32(ACT_TANH, ht, ht, N * HP, 0, 0);
    features = ht;
  } else if (luong) {
    attend(spec, io, N, 0, top, qp, QW, sc, S4, ctx, DP, 0);
    for (let i = 0; i < N; i++) {
      copy_f32(z + <usize>i * ZW * 4, ctx + <usize>i * DP * 4, Denc);
      copy_f32(z + (<usize>i * ZW + Denc) * 4, top + <usize>i * HP * 4, H);
    }
    gemm_panel16_f32(ht, HP, wptr(spec, DEC_BC), 0, z, ZW, N, Denc + H, wptr(spec, DEC_WC), HP, 0);
    act_f32(ACT_TANH, ht, ht, N * HP, 0, 0);
    features = ht;
  } else if (mode == OUT_HIDDEN_CONTEXT) {
    for (let i = 0; i < N; i++) {
      copy_f32(z + <usize>i * ZW * 4, top + <usize>i * HP * 4, H);
      copy_f32(z + (<usize>i * ZW + H) * 4, ctx + <usize>i * DP * 4, Denc);
    }
    features = z;
    fw = ZW;
  }
  const VP = w32(spec, DEC_VP);
  gemm_panel16_f32(wptr(io, DIO_LOGITS), VP, wptr(spec, DEC_BO), 0, features, fw, N, w32(spec, DEC_F), wptr(spec, DEC_WO), VP, 0);

  // state rows out, attention weights out
  const sout = wptr(io, DIO_SOUT), attn = wptr(io, DIO_ATTN);
  for (let i = 0; i < N; i++) {
    const dst = sout + <usize>i * RW * 4;
    for (let l = 0; l < L; l++) {
      copy_f32(dst + <usize>l * HP * 4, hn + (<usize>l * N + i) * HP * 4, HP);
      if (lstm) copy_f32(dst + <usize>(L + l) * HP * 4, c + (<usize>l * N + i) * HP * 4, HP);
    }
    if (feed) copy_f32(dst + <usize>(lstm ? 2 * L : L) * HP * 4, ht + <usize>i * HP * 4, HP);
    if (attn) copy_f32(attn + <usize>i * S * 4, sc + <usize>i * S4 * 4, S);
  }
}

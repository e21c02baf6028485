// seq2seq/weights.ts: a PyTorch encoder-decoder state dict (safetensors) as canonical weights, checked against seq2seq.json.
import { LstmWasmError, check, fmtDims } from '../errors.js';
import { type SafetensorsFile, type SafetensorsTensor, toFloat32 } from '../formats/safetensors.js';
import { RECURRENT_KEY, torchRecurrent } from '../formats/torch_recurrent.js';
import type { RecurrentNode } from '../model/types.js';
import { LUONG, type Seq2SeqConfig } from './config.js';

/** A Linear's parameters: w (rows, cols) row-major, b (rows) or undefined. */
export interface Affine {
  w: Float32Array;
  b?: Float32Array;
}

/**
 * Everything an encoder-decoder computes with, in one layout whatever the names in the file (plain data: this is what
 * packing reads, and what training would update). Denc = memory width, H = decoder hidden, A = additive size.
 */
export interface Seq2SeqWeights {
  sourceEmbedding: Float32Array; // (Vs, Es)
  targetEmbedding: Float32Array; // (Vt, Et)
  encoder: RecurrentNode; // input Es, layers and directions as configured
  decoder: RecurrentNode; // input Et (+ H or + Denc), one direction
  bridge: { h?: Affine; c?: Affine }; // linear: (H, Denc) each
  /** general: key (H, Denc), no bias. bahdanau: query (A, H), key (A, Denc), v (A) (+ its bias, which no softmax sees).
   * concat: W (A, H + Denc) split into query (A, H) and key (A, Denc) with W's bias; v (A). */
  attention: { query?: Affine; key?: Affine; v?: Float32Array; vBias?: number };
  combine?: Affine; // Luong: (H, Denc + H) over [ctx; h]
  out: Affine; // (Vt, F)
  sourceVocabSize: number;
  targetVocabSize: number;
}

// Names the reference module (test/fixtures/seq2seq_torch.py) uses, and those of the common tutorials.
const NAMES = {
  sourceEmbedding: ['encoder.embedding.weight', 'encoder.embed.weight'],
  encoder: ['encoder.rnn.', 'encoder.lstm.', 'encoder.gru.'],
  targetEmbedding: ['decoder.embedding.weight', 'decoder.embed.weight'],
  decoder: ['decoder.rnn.', 'decoder.lstm.', 'decoder.gru.', 'decoder.cell.'],
  bridgeH: ['bridge.h.', 'bridge_h.'],
  bridgeC: ['bridge.c.', 'bridge_c.'],
  attention: ['decoder.attention.', 'decoder.attn.', 'attention.', 'attn.'],
  query: ['query.', 'Wa.'],
  key: ['key.', 'Ua.'],
  v: ['v.', 'Va.'],
  concatW: ['W.', 'attn.'],
  combine: ['decoder.combine.', 'decoder.concat.', 'combine.'],
  out: ['decoder.out.', 'out.', 'decoder.generator.', 'generator.'],
};

/** The part of the model each state-dict name belongs to: for the embeddings the exact name, for the others the prefix. */
interface Prefixes {
  sourceEmbedding: string; targetEmbedding: string; encoder: string; decoder: string; bridgeH: string; bridgeC: string;
  attention: string; query: string; key: string; v: string; concatW: string; combine: string; out: string;
}

/** Which alias of NAMES a state dict with these keys uses for each part: the first some key starts with (the embeddings:
 * that is a key), else the reference module's, which the errors then name. */
function prefixesOf(keys: readonly string[]): Prefixes {
  const set = new Set(keys);
  const exact = (names: readonly string[]) => names.find((n) => set.has(n)) ?? names[0];
  const pick = (names: readonly string[], base = '') => names.map((n) => base + n).find((p) => keys.some((k) => k.startsWith(p))) ?? base + names[0];
  const attention = pick(NAMES.attention);
  return {
    sourceEmbedding: exact(NAMES.sourceEmbedding), targetEmbedding: exact(NAMES.targetEmbedding),
    encoder: pick(NAMES.encoder), decoder: pick(NAMES.decoder), bridgeH: pick(NAMES.bridgeH), bridgeC: pick(NAMES.bridgeC),
    attention, query: pick(NAMES.query, attention), key: pick(NAMES.key, attention), v: pick(NAMES.v, attention),
    concatW: pick(NAMES.concatW, attention), combine: pick(NAMES.combine), out: pick(NAMES.out),
  };
}

/** nn.LSTMCell / nn.GRUCell parameters (no layer suffix), given the names after the module's prefix. */
const CELL_KEY = /^(weight|bias)_(ih|hh)$/;
const isCell = (rests: readonly string[]) => rests.length > 0 && rests.every((r) => CELL_KEY.test(r));

/**
 * For every tensor of a state dict named by one of the aliases the loader accepts (NAMES: the reference module's,
 * nn.LSTMCell / nn.GRUCell keys, the tutorials' renames), its name in the reference module (test/fixtures/seq2seq_torch.py):
 * file name -> canonical name. A cell's weight_ih becomes layer 0's weight_ih_l0. Names that follow no alias, or parts
 * this seq2seq.json's model does not have, are left out (the caller reports them). The trainer keeps its parameters
 * under the canonical names and writes the file's back.
 */
export function seq2seqNames(keys: Iterable<string>, c: Seq2SeqConfig): Map<string, string> {
  const all = [...keys], set = new Set(all), px = prefixesOf(all), map = new Map<string, string>();
  const name = (from: string, to: string) => {
    if (set.has(from)) map.set(from, to);
  };
  const linear = (from: string, to: string) => {
    name(`${from}weight`, `${to}weight`);
    name(`${from}bias`, `${to}bias`);
  };
  const rnn = (from: string, to: string) => {
    const mine = all.filter((k) => k.startsWith(from)), rests = mine.map((k) => k.slice(from.length)), cell = isCell(rests);
    mine.forEach((k, i) => {
      if (cell) map.set(k, `${to}${rests[i]}_l0`);
      else if (RECURRENT_KEY.exec(rests[i])?.[1] === '') map.set(k, to + rests[i]);
    });
  };
  name(px.sourceEmbedding, 'encoder.embedding.weight');
  name(px.targetEmbedding, 'decoder.embedding.weight');
  rnn(px.encoder, 'encoder.rnn.');
  rnn(px.decoder, 'decoder.rnn.');
  if (c.bridge === 'linear') {
    linear(px.bridgeH, 'bridge.h.');
    if (c.decoder.cell === 'lstm') linear(px.bridgeC, 'bridge.c.');
  }
  const a = 'decoder.attention.', kind = c.attention.kind;
  if (kind === 'general' || kind === 'bahdanau') linear(px.key, `${a}key.`);
  if (kind === 'bahdanau') linear(px.query, `${a}query.`);
  if (kind === 'concat') linear(px.concatW, `${a}W.`);
  if (kind === 'bahdanau' || kind === 'concat') linear(px.v, `${a}v.`);
  if (LUONG.includes(kind)) linear(px.combine, 'decoder.combine.');
  linear(px.out, 'decoder.out.');
  return map;
}

/** Maps the state dict onto Seq2SeqWeights; any tensor left over, missing or of the wrong shape is a MODEL error naming it. */
export function seq2seqWeights(st: SafetensorsFile, c: Seq2SeqConfig, file: string): Seq2SeqWeights {
  const left = new Map(st.tensors);
  const px = prefixesOf([...left.keys()]);
  const bad = (msg: string) => new LstmWasmError('MODEL', `${file}: ${msg}`);
  const has = (name: string) => left.has(name);
  const take = (name: string, dims: number[], what: string): Float32Array => {
    const t = left.get(name);
    if (!t) throw bad(`missing ${what} '${name}' ${fmtDims(dims)}`);
    check(t.shape.length === dims.length && t.shape.every((d, i) => d === dims[i]), 'MODEL',
      `${file}: '${name}' is ${fmtDims(t.shape)}; seq2seq.json says ${what} is ${fmtDims(dims)}`);
    left.delete(name);
    return toFloat32(t, name);
  };
  const linear = (p: string, rows: number, cols: number, what: string, bias: 'optional' | 'none' = 'optional'): Affine => {
    const w = take(`${p}weight`, [rows, cols], `${what} weight`);
    check(bias === 'optional' || !has(`${p}bias`), 'MODEL', `${file}: '${p}bias' is present but ${what} has no bias in this architecture`);
    return { w, b: has(`${p}bias`) ? take(`${p}bias`, [rows], `${what} bias`) : undefined };
  };

  const se = px.sourceEmbedding, te = px.targetEmbedding;
  const srcT = left.get(se), tgtT = left.get(te);
  if (!srcT) throw bad(`missing the source embedding (${NAMES.sourceEmbedding.map((n) => `'${n}'`).join(' or ')})`);
  if (!tgtT) throw bad(`missing the target embedding (${NAMES.targetEmbedding.map((n) => `'${n}'`).join(' or ')})`);
  const Vs = srcT.shape[0], Vt = tgtT.shape[0];
  const { encoder: ec, decoder: dc } = c;
  const D = ec.bidirectional ? 2 : 1, Denc = D * ec.hiddenSize, H = dc.hiddenSize;
  const sourceEmbedding = take(se, [Vs, ec.embeddingSize], 'the source embedding (vocabulary, encoder.embedding_size)');
  const targetEmbedding = take(te, [Vt, dc.embeddingSize], 'the target embedding (vocabulary, decoder.embedding_size)');

  const encoder = recurrent(left, px.encoder, file, 'encoder');
  const kin = dc.embeddingSize + (c.attention.kind === 'bahdanau' ? Denc : dc.inputFeeding ? H : 0);
  expectRecurrent(encoder, file, 'encoder', ec.cell, ec.embeddingSize, ec.hiddenSize, ec.layers, D);
  const decoder = recurrent(left, px.decoder, file, 'decoder');
  expectRecurrent(decoder, file, 'decoder', dc.cell, kin, H, dc.layers, 1,
    c.attention.kind === 'bahdanau' ? ' (embedding + Bahdanau context)' : dc.inputFeeding ? ' (embedding + input feeding)' : '');

  const bridge: Seq2SeqWeights['bridge'] = {};
  if (c.bridge === 'linear') {
    bridge.h = linear(px.bridgeH, H, Denc, 'bridge (h)');
    if (dc.cell === 'lstm') bridge.c = linear(px.bridgeC, H, Denc, 'bridge (c)');
  }

  const A = c.attention.size, attention: Seq2SeqWeights['attention'] = {};
  const vOf = () => {
    const vp = px.v;
    const v = take(`${vp}weight`, [1, A], 'the attention scoring vector v');
    if (has(`${vp}bias`)) attention.vBias = take(`${vp}bias`, [1], 'the bias of v')[0];
    return v;
  };
  if (c.attention.kind === 'general') attention.key = linear(px.key, H, Denc, 'the general attention W_a', 'none');
  if (c.attention.kind === 'bahdanau') {
    attention.query = linear(px.query, A, H, 'the attention query projection (attention.size, decoder.hidden_size)');
    attention.key = linear(px.key, A, Denc, 'the attention key projection (attention.size, memory width)');
    attention.v = vOf();
  }
  if (c.attention.kind === 'concat') {
    const W = linear(px.concatW, A, H + Denc, 'the concat attention W over [h; memory] (attention.size, hidden + memory width)');
    const cols = (from: number, n: number) => Float32Array.from({ length: A * n }, (_, i) => W.w[Math.floor(i / n) * (H + Denc) + from + (i % n)]);
    attention.query = { w: cols(0, H) };
    attention.key = { w: cols(H, Denc), b: W.b };
    attention.v = vOf();
  }
  const combine = LUONG.includes(c.attention.kind) ? linear(px.combine, H, Denc + H, 'the combine layer (hidden, memory + hidden)') : undefined;

  const F = dc.output === 'hidden_context' ? H + Denc : H;
  const outName = px.out;
  let out: Affine;
  if (c.tiedEmbeddings && !has(`${outName}weight`)) {
    out = { w: targetEmbedding, b: has(`${outName}bias`) ? take(`${outName}bias`, [Vt], 'the output bias') : undefined };
  } else {
    out = linear(outName, Vt, F, `the output layer (target vocabulary, ${dc.output === 'hidden_context' ? 'hidden + memory' : 'hidden'})`);
    if (c.tiedEmbeddings) {
      const i = out.w.findIndex((v, k) => v !== targetEmbedding[k]);
      check(i < 0, 'MODEL', `${file}: tied_embeddings is true but '${outName}weight' differs from the target embedding at flat index ${i}`);
    }
  }
  if (left.size) {
    throw bad(`unexpected tensor${left.size > 1 ? 's' : ''} ${[...left.keys()].map((k) => `'${k}'`).join(', ')} for this seq2seq.json ` +
      `(attention "${c.attention.kind}", bridge "${c.bridge}", decoder output "${dc.output}"${c.tiedEmbeddings ? ', tied embeddings' : ''})`);
  }
  for (const [what, a] of [['source embedding', sourceEmbedding], ['target embedding', targetEmbedding]] as const) {
    const i = a.findIndex((v) => !Number.isFinite(v));
    check(i < 0, 'MODEL', `${file}: the ${what} holds ${a[i]} at flat index ${i}; weights must be finite`);
  }
  return { sourceEmbedding, targetEmbedding, encoder, decoder, bridge, attention, combine, out, sourceVocabSize: Vs, targetVocabSize: Vt };
}

/** The recurrent module under `prefix` (nn.LSTM/GRU keys weight_ih_l0 …, or nn.LSTMCell/GRUCell keys weight_ih …). */
function recurrent(left: Map<string, SafetensorsTensor>, prefix: string, file: string, what: string): RecurrentNode {
  const mine = [...left.entries()].filter(([k]) => k.startsWith(prefix));
  if (!mine.length) throw new LstmWasmError('MODEL', `${file}: missing the ${what}'s recurrent weights ('${prefix}weight_ih_l0', …)`);
  const cell = isCell(mine.map(([k]) => k.slice(prefix.length)));
  const renamed = mine.map(([k, t]): [string, SafetensorsTensor] => [cell ? `${k}_l0` : k, t]);
  for (const [k] of renamed) {
    check(RECURRENT_KEY.test(k), 'MODEL', `${file}: '${k}' is not a recurrent weight (weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k})`);
  }
  for (const [k] of mine) left.delete(k);
  const node = torchRecurrent(renamed, {}, {}, file);
  node.name = what;
  return node;
}

function expectRecurrent(n: RecurrentNode, file: string, what: string, cell: string, I: number, H: number, L: number, D: number, extra = ''): void {
  const says = `seq2seq.json says ${what}`;
  check(n.cell === cell, 'MODEL', `${file}: ${says}.cell "${cell}" but its weights are an nn.${n.cell.toUpperCase()} (hidden ${n.hiddenSize})`);
  check(n.hiddenSize === H, 'MODEL', `${file}: ${says}.hidden_size ${H} but its weights have hidden size ${n.hiddenSize}`);
  check(n.numLayers === L, 'MODEL', `${file}: ${says}.layers ${L} but its weights have ${n.numLayers}`);
  check((n.direction === 'bidirectional' ? 2 : 1) === D, 'MODEL',
    `${file}: ${says} is ${D === 2 ? '' : 'not '}bidirectional but its weights ${n.direction === 'bidirectional' ? 'have' : 'lack'} the _reverse direction`);
  check(n.inputSize === I, 'MODEL', `${file}: the ${what}'s first layer reads ${n.inputSize} features; seq2seq.json implies ${I}${extra}`);
  check(n.projSize === 0, 'UNSUPPORTED', `${file}: the ${what} has a projection (proj_size); seq2seq models take plain LSTM/GRU layers`);
}

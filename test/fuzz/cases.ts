// test/fuzz/cases.ts: structure-aware mutations of valid models in every format, and random bytes (fast-check).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { encode, mutate, parse } from './proto';

const fixture = (rel: string) => new Uint8Array(readFileSync(new URL(`../fixtures/${rel}`, import.meta.url)));
const enc = new TextEncoder(), dec = new TextDecoder();

/** A case: the bytes (or Keras artifacts) to load, the format to say, and what was done to them. */
export interface FuzzCase {
  format: 'safetensors' | 'onnx' | 'tfjs' | 'npy' | 'vectors';
  bytes?: Uint8Array;
  artifacts?: { modelTopology: unknown; weightSpecs: unknown; weightData: ArrayBuffer };
  what: string;
}

/** A JSON value that tends to break things: boundaries, wrong types, huge and negative sizes. */
const wild = fc.oneof(
  fc.constantFrom(0, -1, 1, 2, 3, 7, 2 ** 31, 2 ** 31 - 1, 2 ** 53, 1e300, -1e300, 0.5, NaN, null, true, false, '', 'float32', 'int64',
    'F32', 'F16', 'BF16', 'I64', 'U8', 'tanh', 'relu', 'sigmoid', 'linear', 'LSTM', 'GRU', 'Dense', 'x', [], [0], [-1], [1, 2], [2 ** 31], {}),
  fc.integer({ min: -4, max: 1 << 20 }),
  fc.string({ maxLength: 12 }),
  fc.array(fc.integer({ min: -2, max: 70000 }), { maxLength: 4 }),
);

/** Replaces the value at a random path of a JSON document (objects and arrays walked at random). */
function mutateJson(doc: unknown, picks: number[], value: unknown): unknown {
  const root = structuredClone(doc);
  let node: any = root, i = 0;
  for (; i < picks.length - 1; i++) {
    const keys = node && typeof node === 'object' ? Object.keys(node) : [];
    if (!keys.length) break;
    const k = keys[picks[i] % keys.length];
    if (!node[k] || typeof node[k] !== 'object') {
      node[k] = value;
      return root;
    }
    node = node[k];
  }
  const keys = node && typeof node === 'object' ? Object.keys(node) : [];
  if (keys.length) node[keys[picks[i] % keys.length]] = value;
  return root;
}

/** Byte-level edits: flip, set, insert, delete bytes, or truncate. */
const byteEdits = fc.array(fc.record({ kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate'), at: fc.nat(), b: fc.nat(255) }), { minLength: 1, maxLength: 6 });
function editBytes(src: Uint8Array, edits: { kind: string; at: number; b: number }[]): Uint8Array {
  let out = Array.from(src);
  for (const e of edits) {
    if (!out.length) break;
    const at = e.at % out.length;
    if (e.kind === 'flip') out[at] ^= 1 << (e.b % 8);
    else if (e.kind === 'set') out[at] = e.b;
    else if (e.kind === 'insert') out.splice(at, 0, e.b);
    else if (e.kind === 'delete') out.splice(at, 1);
    else out = out.slice(0, at);
  }
  return Uint8Array.from(out);
}

// ---- safetensors: the header JSON edited at a random path, or bytes edited ----

const SAFETENSORS = ['torch/lstm_basic/model.safetensors', 'torch/gru_stack2_bi/model.safetensors', 'torch/rnn_relu/model.safetensors',
  'torch/lstm_proj/model.safetensors', 'torch/lstm_f16/model.safetensors', 'torch-models/charlm_every_logits/model.safetensors',
  'torch-models/bigru_final_softmax/model.safetensors'].map((f) => [f, fixture(f)] as const);

function safetensorsWith(src: Uint8Array, header: unknown): Uint8Array {
  const n = Number(new DataView(src.buffer, src.byteOffset).getBigUint64(0, true));
  const h = enc.encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + src.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(src.subarray(8 + n), 8 + h.length);
  return out;
}

export const safetensorsCase: fc.Arbitrary<FuzzCase> = fc.tuple(fc.nat(SAFETENSORS.length - 1), fc.boolean(), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), wild, byteEdits)
  .map(([i, json, picks, value, edits]) => {
    const [name, src] = SAFETENSORS[i];
    if (!json) return { format: 'safetensors', bytes: editBytes(src, edits), what: `${name} bytes ${JSON.stringify(edits)}` };
    const n = Number(new DataView(src.buffer, src.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(dec.decode(src.subarray(8, 8 + n)));
    return { format: 'safetensors', bytes: safetensorsWith(src, mutateJson(header, picks, value)), what: `${name} header ${JSON.stringify(picks)} = ${JSON.stringify(value)}` };
  });

// ---- ONNX: bytes edited (the protobuf's lengths, tags and varints), over recurrent, graph-op and If models ----

const ONNX = ['torch-onnx/classifier_bilstm/model.onnx', 'torch-onnx/lm_lstm2/model.onnx', 'onnx/lstm_peep/model.onnx', 'onnx/gru_bidir_seqlens/model.onnx',
  'onnx-ops/conv1d_bias_pads/model.onnx', 'onnx-ops/if_nested/model.onnx', 'onnx-ops/pad_reflect_2d/model.onnx', 'onnx-ops/gather_axis1/model.onnx',
  'onnx-ops/stft_magnitude/model.onnx', 'torch-onnx/gru_squeeze_flatten/model.onnx'].map((f) => [f, fixture(f)] as const);

const ONNX_TREES = ONNX.map(([, b]) => parse(b));

/** Mostly value edits through the protobuf tree (lengths kept right), sometimes raw byte edits. */
export const onnxCase: fc.Arbitrary<FuzzCase> = fc.tuple(fc.nat(ONNX.length - 1), fc.nat(9), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }), byteEdits)
  .map(([i, mode, picks, edits]) => {
    if (mode === 0) return { format: 'onnx', bytes: editBytes(ONNX[i][1], edits), what: `${ONNX[i][0]} bytes ${JSON.stringify(edits)}` };
    let tree = structuredClone(ONNX_TREES[i]);
    for (const [pick, kind, byte] of picks) tree = mutate(tree, pick, kind, byte);
    return { format: 'onnx', bytes: Uint8Array.from(encode(tree)), what: `${ONNX[i][0]} values ${JSON.stringify(picks)}` };
  });

// ---- Keras / TF.js: model.json (topology and weight manifest) edited at a random path, weight bytes cut ----

const KERAS = ['tfjs/classifier_masked', 'tfjs/bidi_concat', 'tfjs/gru_reset_after', 'tfjs/encoder_decoder', 'tfjs/quantized_uint8'].map((d) => {
  const json = JSON.parse(dec.decode(fixture(`${d}/model.json`)));
  const shards = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => fixture(`${d}/${p}`)));
  const data = new Uint8Array(shards.reduce((a: number, s: Uint8Array) => a + s.length, 0));
  let at = 0;
  for (const s of shards) data.set(s, (at += s.length) - s.length);
  return [d, json, data] as const;
});

export const kerasCase: fc.Arbitrary<FuzzCase> = fc.tuple(fc.nat(KERAS.length - 1), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), wild, fc.nat(), fc.boolean())
  .map(([i, picks, value, cut, cutIt]) => {
    const [d, json, data] = KERAS[i];
    const edited = mutateJson({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights) }, picks, value) as any;
    const weightData = cutIt ? data.slice(0, cut % (data.length + 1)).buffer : data.slice().buffer;
    return { format: 'tfjs', artifacts: { modelTopology: edited.modelTopology, weightSpecs: edited.weightSpecs, weightData }, what: `${d} ${JSON.stringify(picks)} = ${JSON.stringify(value)}${cutIt ? ` weights cut at ${cut % (data.length + 1)}` : ''}` };
  });

// ---- npy: the header dictionary edited, or bytes edited ----

const NPY = ['torch/lstm_basic/x.npy', 'torch/gru_lengths/lengths.npy', 'torch-models/charlm_every_logits/ids.npy'].map((f) => [f, fixture(f)] as const);
export const npyCase: fc.Arbitrary<FuzzCase> = fc.tuple(fc.nat(NPY.length - 1), fc.boolean(), fc.string({ maxLength: 40 }), byteEdits)
  .map(([i, header, text, edits]) => {
    const [name, src] = NPY[i];
    if (!header) return { format: 'npy', bytes: editBytes(src, edits), what: `${name} bytes ${JSON.stringify(edits)}` };
    const hl = src[8] | (src[9] << 8), h = dec.decode(src.subarray(10, 10 + hl));
    const at = h.length ? edits[0].at % h.length : 0;
    const nh = enc.encode(h.slice(0, at) + text + h.slice(at + (edits[0].b % 8)));
    const out = new Uint8Array(10 + nh.length + src.length - 10 - hl);
    out.set(src.subarray(0, 8));
    out[8] = nh.length & 255;
    out[9] = nh.length >> 8;
    out.set(nh, 10);
    out.set(src.subarray(10 + hl), 10 + nh.length);
    return { format: 'npy', bytes: out, what: `${name} header at ${at} += ${JSON.stringify(text)}` };
  });

// ---- word-vector files (word2vec text and binary, GloVe): the header line edited, a row's text edited, or bytes edited ----

const VECTORS = ['vectors/small.txt', 'vectors/small.bin', 'vectors/small.c.bin', 'vectors/small.noheader.txt'].map((f) => [f, fixture(f)] as const);
const vectorText = fc.oneof(fc.constantFrom('', ' ', '\n', '\r\n', '0', '-1', '1e40', 'nan', 'inf', '99999999999', '3 2', '2 99999', '\u00ff', '\ud800', 'x y z'),
  fc.string({ maxLength: 12 }));
export const vectorsCase: fc.Arbitrary<FuzzCase> = fc.tuple(fc.nat(VECTORS.length - 1), fc.boolean(), vectorText, byteEdits)
  .map(([i, textual, text, edits]) => {
    const [name, src] = VECTORS[i];
    if (!textual) return { format: 'vectors', bytes: editBytes(src, edits), what: `${name} bytes ${JSON.stringify(edits)}` };
    // splice text in at the start of a line (the header, a word, a number) or anywhere in the first line
    const starts = [0];
    for (let k = 0; k < src.length; k++) if (src[k] === 10) starts.push(k + 1);
    const at = edits[0].kind === 'flip' ? edits[0].at % Math.max(1, starts.length > 1 ? starts[1] : src.length) : starts[edits[0].at % starts.length];
    const cut = Math.min(src.length, at + (edits[0].b % 8));
    const add = enc.encode(text), out = new Uint8Array(at + add.length + src.length - cut);
    out.set(src.subarray(0, at));
    out.set(add, at);
    out.set(src.subarray(cut), at + add.length);
    return { format: 'vectors', bytes: out, what: `${name} at ${at} replace ${cut - at} bytes by ${JSON.stringify(text)}` };
  });

// ---- random bytes, told to be each format ----

export const randomCase: fc.Arbitrary<FuzzCase> = fc.tuple(fc.constantFrom('safetensors', 'onnx', 'tfjs', 'npy', 'vectors' as const), fc.uint8Array({ maxLength: 512 }))
  .map(([format, bytes]) => ({ format: format as FuzzCase['format'], bytes, what: `${bytes.length} random bytes as ${format}` }));

// test/safetensors.test.ts: the safetensors container and the PyTorch state-dict importer, good files and bad.
import { InferenceSession, type RecurrentNode, parseSafetensors, writeSafetensors } from 'lstm-wasm';
import { describe, expect, it } from 'vitest';
import { expectError, readFixture } from './helpers';

type Entry = { name: string; shape: number[]; data: Float32Array };
const filled = (n: number, v = 0.1) => new Float32Array(n).fill(v);

/** A small nn.LSTM(3, 2, num_layers=L) state dict. */
function lstmDict(L = 1, prefix = ''): Entry[] {
  const out: Entry[] = [];
  for (let l = 0; l < L; l++) {
    out.push({ name: `${prefix}weight_ih_l${l}`, shape: [8, l ? 2 : 3], data: filled(l ? 16 : 24) });
    out.push({ name: `${prefix}weight_hh_l${l}`, shape: [8, 2], data: filled(16) });
    out.push({ name: `${prefix}bias_ih_l${l}`, shape: [8], data: filled(8) });
    out.push({ name: `${prefix}bias_hh_l${l}`, shape: [8], data: filled(8) });
  }
  return out;
}

/** Rewrites the JSON header of a safetensors file (same data section). */
function withHeader(bytes: Uint8Array, edit: (h: any) => void): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(header);
  const head = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + head.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(bytes.subarray(8 + n), 8 + head.length);
  return out;
}

const create = (bytes: Uint8Array, options = {}) => InferenceSession.create(bytes, options);

describe('safetensors container', () => {
  it('is detected from its first bytes, even when damaged, so the error is the specific one', async () => {
    const b = writeSafetensors(lstmDict()).slice(0, 100);
    await expectError(() => create(b), 'FORMAT', /header length 272 runs past the end of the file \(100 bytes\): truncated\?/);
    await expectError(() => create(b.subarray(0, 5)), 'FORMAT', /cannot tell the format \(first bytes 10 01 00 00 00\)/);
  });

  it('round-trips tensors and metadata, data 8-aligned', () => {
    const bytes = writeSafetensors(lstmDict(), { batch_first: 'true', format: 'pt' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const st = parseSafetensors(bytes);
    expect([...st.tensors.keys()]).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']);
    expect(st.tensors.get('weight_hh_l0')!.shape).toEqual([8, 2]);
    expect(st.metadata).toEqual({ batch_first: 'true', format: 'pt' });
  });

  it('reads the F16 and F64 files PyTorch wrote', async () => {
    for (const name of ['lstm_f16', 'lstm_f64']) {
      const st = parseSafetensors(readFixture(`torch/${name}/model.safetensors`));
      expect(st.tensors.get('weight_ih_l0')!.dtype).toBe(name === 'lstm_f16' ? 'F16' : 'F64');
    }
  });

  const good = writeSafetensors(lstmDict());
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['fewer than 8 bytes', () => good.subarray(0, 5), /5 bytes; a safetensors file starts with an 8-byte header length/],
    ['a truncated file', () => good.subarray(0, good.length - 7), /tensor 'bias_hh_l0' data_offsets \[192, 224\] run past the data section \(217 bytes\): truncated\?/],
    ['a header length past the end', () => {
      const b = good.slice();
      new DataView(b.buffer).setBigUint64(0, 10_000n, true);
      return b;
    }, /header length 10000 runs past the end of the file/],
    ['a header length over the format limit', () => {
      const b = good.slice();
      new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true);
      return b;
    }, /exceeds the format's limit/],
    ['header offsets out of range', () => withHeader(good, (h) => (h.weight_hh_l0.data_offsets = [96, 99_999])), /'weight_hh_l0' data_offsets \[96, 99999\] run past the data section/],
    ['offsets that disagree with dtype and shape', () => withHeader(good, (h) => (h.bias_ih_l0.shape = [9])), /'bias_ih_l0' F32 \[9\] needs 36 bytes but data_offsets \[160, 192\] hold 32/],
    ['overlapping tensors', () => withHeader(good, (h) => (h.bias_hh_l0.data_offsets = [160, 192])), /'bias_hh_l0' starts at byte 160 .* \(hole or overlap\)/],
    ['trailing bytes', () => {
      const b = new Uint8Array(good.length + 4);
      b.set(good);
      return b;
    }, /cover 224 bytes but the data section has 228 \(trailing bytes\)/],
    ['a header that is not JSON', () => {
      const b = good.slice();
      b[9] = 0x7d; // '}' early
      return b;
    }, /header is not valid UTF-8 JSON/],
    ['an unknown dtype', () => withHeader(good, (h) => (h.bias_ih_l0.dtype = 'F8_E4M3')), /tensor 'bias_ih_l0' has dtype "F8_E4M3"; known: F64, F32/],
    ['a negative dimension', () => withHeader(good, (h) => (h.bias_ih_l0.shape = [-8])), /shape \[-8\] must be a list of non-negative integers/],
    ['non-string metadata', () => withHeader(good, (h) => (h.__metadata__ = { batch_first: true })), /__metadata__.batch_first must be a string/],
  ];
  for (const [what, make, re] of cases) {
    it(`rejects ${what} with a FORMAT error`, async () => {
      await expectError(() => parseSafetensors(make(), 'm.safetensors'), 'FORMAT', new RegExp(`m\\.safetensors: .*${re.source}`));
      await expectError(() => create(make(), { format: 'safetensors' }), 'FORMAT', re);
    });
  }
});

describe('PyTorch state dict importer', () => {
  it('infers LSTM, layers, directions and sizes, with a common prefix', async () => {
    const s = await create(writeSafetensors(lstmDict(2, 'model.rnn.')));
    const n = s.model.nodes[0] as RecurrentNode;
    expect([n.cell, n.numLayers, n.direction, n.inputSize, n.hiddenSize, n.projSize, n.name]).toEqual(['lstm', 2, 'forward', 3, 2, 0, 'model.rnn']);
    expect([...s.inputNames]).toEqual(['x', 'h0', 'c0', 'lengths']);
    expect([...s.outputNames]).toEqual(['y', 'h_n', 'c_n']);
  });

  it('accepts bias=False', async () => {
    const s = await create(writeSafetensors(lstmDict().filter((e) => !e.name.startsWith('bias'))));
    expect((s.model.nodes[0] as RecurrentNode).weights[0].bx.every((v) => v === 0)).toBe(true);
  });

  const errors: [string, () => Uint8Array, string, RegExp, object?][] = [
    ['a missing weight', () => writeSafetensors(lstmDict().filter((e) => e.name !== 'weight_hh_l0')), 'MODEL', /missing weight 'weight_hh_l0'/],
    ['a missing bias in a later layer', () => writeSafetensors(lstmDict(2).filter((e) => e.name !== 'bias_hh_l1')), 'MODEL', /missing weight 'bias_hh_l1'/],
    ['an unknown key', () => writeSafetensors([...lstmDict(), { name: 'proj.weight', shape: [1, 2], data: filled(2) }]), 'MODEL', /unknown key 'proj\.weight'; expected weight_ih_l\{k\}.*optionally an nn\.Embedding \(embed\.weight/],
    ['a head without __metadata__.head', () => writeSafetensors([...lstmDict(), { name: 'head.weight', shape: [3, 2], data: filled(6) }]), 'MODEL', /'head\.weight' is an nn\.Linear after the recurrent module; say how it reads it in __metadata__\.head .*'every_step', 'last_step', 'final_state', 'mean'/],
    ['a head of the wrong width', () => writeSafetensors([...lstmDict(), { name: 'fc.weight', shape: [3, 5], data: filled(15) }], { head: 'every_step' }), 'MODEL', /'fc\.weight' is \[3, 5\]; expected \[out_features, 2\]/],
    ['a head bias of the wrong size', () => writeSafetensors([...lstmDict(), { name: 'head.weight', shape: [3, 2], data: filled(6) }, { name: 'head.bias', shape: [4], data: filled(4) }], { head: 'every_step' }), 'MODEL', /'head\.bias' is \[4\]; expected \[3\]/],
    ['an unknown head parameter', () => writeSafetensors([...lstmDict(), { name: 'head.weight', shape: [3, 2], data: filled(6) }, { name: 'head.scale', shape: [3], data: filled(3) }], { head: 'every_step' }), 'MODEL', /unknown key 'head\.scale'; an nn\.Linear holds only 'head\.weight' and 'head\.bias'/],
    ['a bad head value', () => writeSafetensors([...lstmDict(), { name: 'head.weight', shape: [3, 2], data: filled(6) }], { head: 'last' }), 'MODEL', /__metadata__\.head = 'last'; expected 'every_step', 'last_step', 'final_state', 'mean'/],
    ['a bad output value', () => writeSafetensors([...lstmDict(), { name: 'head.weight', shape: [3, 2], data: filled(6) }], { head: 'mean', output: 'relu' }), 'MODEL', /__metadata__\.output = 'relu'; expected 'logits', 'linear', 'softmax', 'log_softmax', 'sigmoid'/],
    ['an output named by a prototype key', () => writeSafetensors([...lstmDict(), { name: 'head.weight', shape: [3, 2], data: filled(6) }], { head: 'mean', output: 'constructor' }), 'MODEL', /__metadata__\.output = 'constructor'; expected 'logits'/],
    ['head metadata without a head', () => writeSafetensors(lstmDict(), { head: 'mean' }), 'OPTION', /head and output describe an nn\.Linear after the recurrent module, but the file has none/],
    ['an embedding of the wrong width', () => writeSafetensors([{ name: 'embed.weight', shape: [10, 4], data: filled(40) }, ...lstmDict()]), 'MODEL', /'embed\.weight' is \[10, 4\]; expected \[num_embeddings, 3\] \(the recurrent module's input size\)/],
    ['two embeddings', () => writeSafetensors([{ name: 'embed.weight', shape: [10, 3], data: filled(30) }, { name: 'emb.weight', shape: [10, 3], data: filled(30) }, ...lstmDict()]), 'MODEL', /more than one embedding \(embed, emb\)/],
    ['only an embedding', () => writeSafetensors([{ name: 'embed.weight', shape: [10, 3], data: filled(30) }]), 'MODEL', /no recurrent module; expected weight_ih_l\{k\}/],
    ['two prefixes', () => writeSafetensors([...lstmDict(1, 'a.'), ...lstmDict(1, 'b.').map((e) => ({ ...e, name: e.name.replace('_l0', '_l1') }))]), 'MODEL', /key 'b\.weight_ih_l1' has prefix 'b\.' but earlier keys have 'a\.'/],
    ['a wrong shape', () => writeSafetensors(lstmDict(2).map((e) => (e.name === 'weight_ih_l1' ? { ...e, shape: [8, 3], data: filled(24) } : e))), 'MODEL', /'weight_ih_l1' is \[8, 3\]; expected \[8, 2\] for an nn\.LSTM with hidden_size 2/],
    ['rows that fit no cell', () => writeSafetensors([{ name: 'weight_ih_l0', shape: [10, 3], data: filled(30) }, { name: 'weight_hh_l0', shape: [10, 2], data: filled(20) }]), 'MODEL', /rows must be 4, 3 or 1 times the hidden size 2/],
    ['a NaN weight', () => writeSafetensors(lstmDict().map((e) => (e.name === 'bias_hh_l0' ? { ...e, data: Float32Array.from([0, 0, 0, NaN, 0, 0, 0, 0]) } : e))), 'MODEL', /layer 0, recurrent bias bh: value NaN at flat index 3; weights must be finite/],
    ['an integer weight', () => withHeader(writeSafetensors(lstmDict()), (h) => (h.bias_ih_l0.dtype = 'I32')), 'MODEL', /tensor 'bias_ih_l0' has dtype I32; weights must be one of F32, F16, BF16, F64/],
    ['an empty file', () => writeSafetensors([]), 'MODEL', /no tensors; expected a PyTorch nn\.LSTM, nn\.GRU or nn\.RNN state dict/],
    ['a bad batch_first value', () => writeSafetensors(lstmDict(), { batch_first: 'yes' }), 'MODEL', /__metadata__\.batch_first = 'yes'; expected 'true' or 'false'/],
    ['nonlinearity on an LSTM', () => writeSafetensors(lstmDict()), 'OPTION', /nonlinearity applies only to nn\.RNN; model holds an nn\.LSTM/, { nonlinearity: 'relu' }],
    ['an option contradicting the metadata', () => writeSafetensors(lstmDict(), { batch_first: 'false' }), 'OPTION', /--batch-first true contradicts the file's __metadata__\.batch_first = 'false'/, { batchFirst: true }],
  ];
  for (const [what, make, code, re, options] of errors) {
    it(`rejects ${what}`, async () => {
      await expectError(() => create(make(), options), code, re);
    });
  }
});

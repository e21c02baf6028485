// test/seq2seq_errors.test.ts: bad input gets an LstmWasmError naming the thing — a seq2seq.json contradicting the
// weights, broken files, empty / too long / out-of-vocabulary sources (unknown pieces counted), bad steps and options.
import { parseSafetensors, writeSafetensors } from 'lstm-wasm';
import { OnnxSeq2Seq, Seq2Seq, type Seq2SeqFiles } from 'lstm-wasm/seq2seq';
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectError, fixturePath, json, readFixture } from './helpers';

type Json = Record<string, any>;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** A fixture's files in memory, edited by `edit` (config, vocabularies, tensors by name). */
function files(name: string, edit: (f: { config: Json; sv: Json; tv: Json; tensors: Map<string, { shape: number[]; data: Float32Array }> }) => void = () => {}): Seq2SeqFiles {
  const st = parseSafetensors(readFixture(`seq2seq/${name}/model.safetensors`));
  const tensors = new Map([...st.tensors].map(([k, t]) => [k, { shape: t.shape, data: new Float32Array(Uint8Array.from(t.bytes).buffer) }]));
  const f = { config: clone(json(`seq2seq/${name}/seq2seq.json`)), sv: clone(json(`seq2seq/${name}/source_vocab.json`)), tv: clone(json(`seq2seq/${name}/target_vocab.json`)), tensors };
  edit(f);
  return { config: f.config, sourceVocab: f.sv, targetVocab: f.tv, weights: writeSafetensors([...f.tensors].map(([n, t]) => ({ name: n, ...t }))) };
}
const create = (f: Seq2SeqFiles) => () => Seq2Seq.create(f);

describe('a seq2seq.json that contradicts the weights is a MODEL error naming both', () => {
  const cases: [string, string, (f: Parameters<Parameters<typeof files>[1] & {}>[0]) => void, RegExp][] = [
    ['decoder hidden size', 'luong_general', (f) => (f.config.decoder.hidden_size = 34), /decoder.hidden_size 34 but its weights have hidden size 33/],
    ['encoder direction', 'luong_general', (f) => (f.config.encoder.bidirectional = false), /encoder is not bidirectional but its weights have the _reverse direction/],
    ['decoder cell', 'tied_general', (f) => (f.config.decoder.cell = 'gru'), /decoder.cell "gru" but its weights are an nn.LSTM/],
    ['decoder layers', 'luong_dot_copy', (f) => { f.config.decoder.layers = 1; f.config.encoder.layers = 1; }, /encoder.layers 1 but its weights have 2/],
    ['input feeding', 'luong_general', (f) => (f.config.decoder.input_feeding = false), /decoder's first layer reads 42 features; seq2seq.json implies 9/],
    ['source embedding width', 'luong_general', (f) => (f.config.encoder.embedding_size = 11), /'encoder.embedding.weight' is \[30, 10\]; seq2seq.json says the source embedding .* is \[30, 11\]/],
    ['attention kind', 'luong_general', (f) => (f.config.attention = { kind: 'concat', size: 7 }), /missing the concat attention W .* 'decoder.attention.W.weight' \[7, 73\]/],
    ['attention size', 'bahdanau_tutorial', (f) => (f.config.attention.size = 12), /'decoder.attention.Wa.weight' is \[10, 10\]; seq2seq.json says the attention query projection .* is \[12, 10\]/],
    ['bridge', 'luong_general', (f) => (f.config.bridge = 'none'), /unexpected tensors 'bridge.h.weight', 'bridge.h.bias', 'bridge.c.weight', 'bridge.c.bias' .*bridge "none"/],
    ['bridge missing', 'luong_dot_copy', (f) => (f.config.bridge = 'linear'), /missing bridge \(h\) weight 'bridge.h.weight' \[12, 12\]/],
    ['output', 'bahdanau_tutorial', (f) => (f.config.decoder.output = 'hidden_context'), /'decoder.out.weight' is \[11, 10\]; seq2seq.json says the output layer .* is \[11, 26\]/],
    ['tied, different', 'tied_general', (f) => f.tensors.set('decoder.out.weight', { shape: [11, 8], data: new Float32Array(88).fill(0.5) }), /tied_embeddings is true but 'decoder.out.weight' differs from the target embedding at flat index 0/],
    ['untied, missing', 'tied_general', (f) => (f.config.tied_embeddings = false), /missing the output layer .* weight 'decoder.out.weight' \[11, 8\]/],
    ['target vocabulary', 'luong_general', (f) => f.tv.words.pop(), /the target vocabulary has 36 tokens but the target embedding has 37 rows/],
    ['eos id', 'luong_general', (f) => (f.config.tokens.eos = 37), /tokens.eos = 37 is outside the target vocabulary 0..36/],
    ['an extra tensor', 'luong_general', (f) => f.tensors.set('decoder.extra.weight', { shape: [2], data: new Float32Array(2) }), /unexpected tensor 'decoder.extra.weight'/],
    ['a NaN weight', 'luong_general', (f) => (f.tensors.get('decoder.combine.weight')!.data[5] = NaN), /the combine layer weights: value NaN at flat index 5; weights must be finite/],
  ];
  for (const [what, name, edit, re] of cases) it(what, () => expectError(create(files(name, edit)), 'MODEL', re));
});

describe('seq2seq.json itself', () => {
  const cases: [string, (c: Json) => void, RegExp][] = [
    ['unknown key', (c) => (c.beam_size = 5), /unknown key "beam_size"; known: seq2seq, weights/],
    ['version', (c) => (c.seq2seq = 2), /"seq2seq" must be 1/],
    ['attention kind', (c) => (c.attention.kind = 'multihead'), /attention.kind must be one of "bahdanau", "dot", "general", "concat", got "multihead"/],
    ['size on dot', (c) => (c.attention = { kind: 'general', size: 4 }), /attention.size applies only to additive scores/],
    ['feeding on Bahdanau', (c) => { c.attention = { kind: 'bahdanau', size: 4 }; c.decoder.output = 'hidden'; }, /decoder.input_feeding is Luong's/],
    ['copy bridge sizes', (c) => (c.bridge = 'copy'), /bridge "copy" needs the encoder's state width \(2 x 20 = 40\) to equal decoder.hidden_size 33/],
    ['dot sizes', (c) => (c.attention.kind = 'dot'), /dot attention needs the memory width 40 to equal decoder.hidden_size 33/],
    ['tied sizes', (c) => (c.tied_embeddings = true), /tied_embeddings needs the output layer's input width \(33\) to equal decoder.embedding_size 9/],
    ['missing size', (c) => delete c.encoder.hidden_size, /encoder.hidden_size is missing/],
    ['RNN cell', (c) => (c.encoder.cell = 'rnn'), /encoder.cell must be one of "lstm", "gru", got "rnn"/],
  ];
  for (const [what, edit, re] of cases) it(what, () => expectError(create(files('luong_general', (f) => edit(f.config))), 'MODEL', re));

  it('a truncated weights file is a FORMAT error', async () => {
    const f = files('luong_general');
    await expectError(() => Seq2Seq.create({ ...f, weights: (f.weights as Uint8Array).subarray(0, 100) }), 'FORMAT', /runs past the end of the file/);
  });
  it('a folder without seq2seq.json is an IO error naming the path', () =>
    expectError(() => Seq2Seq.load(fixturePath('seq2seq/')), 'IO', /seq2seq\/seq2seq.json/));
});

describe('sources', () => {
  it('empty, too long, out-of-vocabulary ids and texts are INPUT errors naming the sentence', async () => {
    const m = await Seq2Seq.load(fixturePath('seq2seq/luong_general/'));
    await expectError(() => m.decode([[3, 4], []]), 'INPUT', /source 1 is empty/);
    await expectError(() => m.decode([Array(13).fill(3)]), 'INPUT', /source 0 has 13 tokens; this model reads at most 12 \(max_source_length/);
    await expectError(() => m.decode([[3, 30]]), 'INPUT', /source 0, token 1: id 30 is outside the source vocabulary 0..29/);
    await expectError(() => m.translate(['s4 s5', '  ']), 'INPUT', /text 1 "  " is empty/);
    await expectError(() => m.translate(Array(13).fill('s3').join(' ')), 'INPUT', /source 0 has 13 tokens/);
    await expectError(() => m.decode([]), 'INPUT', /at least one source sentence/);
  });

  it('unknown pieces map to <unk>, are counted and named, and translate as that id', async () => {
    const m = await Seq2Seq.load(fixturePath('seq2seq/luong_general/'));
    const [r] = await m.translate('s4 zz s5 qq');
    expect(r.sourceTokens).toEqual(['s4', 'zz', 's5', 'qq']);
    expect(r.sourceIds).toEqual([4, 1, 5, 1]);
    expect(r.unknown).toEqual(['zz', 'qq']);
    const [ids] = await m.decode([[4, 1, 5, 1]]);
    expect(r.translations[0].tokens).toEqual(ids[0].tokens);
    expect(r.translations[0].attention.every((a) => a.length === 4)).toBe(true);
  });

  it('a source vocabulary without an unknown id names the piece it cannot encode', async () => {
    const m = await Seq2Seq.create(files('luong_general', (f) => delete f.sv.unknown));
    await expectError(() => m.translate('s4 zz'), 'INPUT', /"zz" is not in the vocabulary and it has no unknown token/);
  });
});

describe('steps, options, lifetime', () => {
  it('bad steps, options and ended streams are errors, not traps', async () => {
    const m = await Seq2Seq.load(fixturePath('seq2seq/luong_general/'));
    const s = m.start([[3, 4], [5]], 4);
    await expectError(() => s.step([1, 37], [0, 1]), 'INPUT', /token 37 \(row 1\) is outside the target vocabulary 0..36/);
    await expectError(() => s.step([1, 1], [0, 2]), 'INPUT', /row 1 continues row 2, but the last step left rows 0..1/);
    await expectError(() => s.step([1, 1, 1, 1, 1], [0, 1, 0, 1, 0]), 'INPUT', /a step takes 1 to 4 rows/);
    s.step([1, 1, 1], [0, 1, 1]); // rows may repeat (beams)
    expect(Array.from(s.rowSentences())).toEqual([0, 1, 1]);
    m.start([[3]]);
    await expectError(() => s.step([1], [0]), 'INPUT', /this seq2seq stream has ended/);
    await expectError(() => m.decode([[3]], { beam: 2, nBest: 3 }), 'OPTION', /nBest must be an integer from 1 to beam \(2\), got 3/);
    await expectError(() => m.decode([[3]], { beam: 2, temperature: 0.5 }), 'OPTION', /temperature, topK and topP \(sampling\) do not apply/);
    await expectError(() => m.decode([[3]], { stop: [2] } as never), 'OPTION', /unknown decoding option 'stop'/);
    await expectError(() => m.translate('s3', { batchSize: 0 }), 'OPTION', /batchSize must be an integer >= 1/);
    await expectError(() => Promise.resolve(m.start([[3], [4]], 1)), 'OPTION', /maxRows must be an integer >= the 2 sentences/);
    await expectError(() => Seq2Seq.create(files('luong_general'), { threads: 2 } as never), 'OPTION', /unknown option 'threads'/);
    await expectError(() => Seq2Seq.create(files('luong_general'), { embeddingTables: 'yes' } as never), 'OPTION', /embeddingTables must be true or false, got yes/);
    m.release();
    await expectError(() => m.decode([[3]]), 'RELEASED', /was released/);
  });

  it('a model too large for maxMemoryBytes is a MEMORY error saying what was asked', async () => {
    const m = await Seq2Seq.create(files('luong_general'), { maxMemoryBytes: 2 ** 20 });
    await expectError(() => m.decode(Array.from({ length: 2000 }, () => Array(12).fill(3)), { beam: 8 }), 'MEMORY', /seq2seq .*2000 sentences of up to 12 tokens/);
  });
});

describe('the ONNX pair', () => {
  const copy = (edit: (c: Json) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'seq2seq-'));
    cpSync(fixturePath('seq2seq/luong_general'), dir, { recursive: true });
    const c = JSON.parse(readFileSync(join(dir, 'seq2seq.json'), 'utf8'));
    edit(c);
    writeFileSync(join(dir, 'seq2seq.json'), JSON.stringify(c));
    return dir;
  };
  it('names that are not the graphs\' tensors, or a missing section, are MODEL errors', async () => {
    await expectError(() => OnnxSeq2Seq.load(copy((c) => (c.onnx.decoder.inputs.mask = 'src_mask'))), 'MODEL',
      /onnx.decoder.inputs.mask = "src_mask", but decoder.onnx has inputs "token", "h", "c", "feed", "memory", "keys", "mask"/);
    await expectError(() => OnnxSeq2Seq.load(copy((c) => delete c.onnx.decoder.outputs.attention)), 'MODEL', /onnx.decoder.outputs does not name the "attention" tensor/);
    await expectError(() => OnnxSeq2Seq.load(copy((c) => delete c.onnx)), 'MODEL', /has no "onnx" section/);
  });
  it('bad steps are INPUT errors; a target vocabulary that is not the logits\' width is a MODEL error', async () => {
    const m = await OnnxSeq2Seq.load(fixturePath('seq2seq/luong_general/'));
    const s = await m.start([[3, 4], [5]]);
    await expectError(() => s.step([1, 37], [0, 1]), 'INPUT', /token 37 \(row 1\) is outside the target vocabulary 0..36/);
    await expectError(() => s.step([1, 1], [0, 2]), 'INPUT', /row 1 continues row 2, but the last step left rows 0..1/);
    await expectError(() => s.step([1, 1], [0]), 'INPUT', /2 tokens but 1 rows to continue/);
    await expectError(() => m.decode([[3, 30]]), 'INPUT', /source 0, token 1: id 30 is outside the source vocabulary 0..29/);
    const dir = copy(() => {});
    const tv = JSON.parse(readFileSync(join(dir, 'target_vocab.json'), 'utf8'));
    tv.words.pop();
    writeFileSync(join(dir, 'target_vocab.json'), JSON.stringify(tv));
    const short = await OnnxSeq2Seq.load(dir);
    await expectError(() => short.decode([[3, 4]]), 'MODEL', /decoder.onnx gave 37 logits per row, but the target vocabulary has 36 tokens/);
  });
});

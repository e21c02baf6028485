// test/cli.test.ts: the lstm-wasm command as a user runs it — outputs, the JSON line, info, one-line errors.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from 'lstm-wasm';
import { Seq2Seq } from 'lstm-wasm/seq2seq';
import { describe, expect, it } from 'vitest';
import { expectClose, fixturePath, npy, root } from './helpers';

const bin = new URL('bin/lstm-wasm.js', root).pathname;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: tmpdir() }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

const fx = (c: string, f: string) => fixturePath(`torch/${c}/${f}`);

/** A version-1.0 .npy file of any dtype, built the way NumPy lays it out. */
function npyBytes(descr: string, dims: readonly number[], data: ArrayBufferView): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

describe('lstm-wasm run', () => {
  it('writes every output as .npy and ends with the JSON line', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-'));
    const r = await cli('run', fx('lstm_stack3_bi', 'model.safetensors'), '--input', fx('lstm_stack3_bi', 'x.npy'),
      '--input', fx('lstm_stack3_bi', 'h0.npy'), '--input', `c0=${fx('lstm_stack3_bi', 'c0.npy')}`, '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]);
    expect(Object.keys(result)).toEqual(['outputs', 'ms']);
    expect(result.ms).toBeGreaterThan(0);
    expect(result.outputs).toEqual([
      { name: 'y', file: join(out, 'y.npy'), dims: [9, 5, 74] },
      { name: 'h_n', file: join(out, 'h_n.npy'), dims: [6, 5, 37] },
      { name: 'c_n', file: join(out, 'c_n.npy'), dims: [6, 5, 37] },
    ]);
    for (const o of result.outputs) {
      expectClose(readNpy(readFileSync(o.file)), npy(`torch/lstm_stack3_bi/${o.name}.npy`), o.name);
    }
  });

  it('takes --batch-first and --nonlinearity for files whose metadata does not say', async () => {
    for (const [c, flag] of [['lstm_batch_first_nometa', ['--batch-first']], ['rnn_relu_nometa', ['--nonlinearity', 'relu']]] as const) {
      const out = mkdtempSync(join(tmpdir(), 'lw-'));
      const r = await cli('run', fx(c, 'model.safetensors'), '--input', fx(c, 'x.npy'), '--out', out, ...flag);
      expect(r.code, r.stderr).toBe(0);
      expectClose(readNpy(readFileSync(join(out, 'y.npy'))), npy(`torch/${c}/y.npy`), `${c} y`);
    }
  });

  it('reads float64 and int32 arrays, converting them to what the input takes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-'));
    const x = npy('torch/gru_lengths/x.npy');
    // a float64 x and int32 lengths, written as NumPy would
    writeFileSync(join(dir, 'x.npy'), npyBytes('<f8', x.dims, Float64Array.from(x.data as Float32Array)));
    const lens = npy('torch/gru_lengths/lengths.npy');
    writeFileSync(join(dir, 'lengths.npy'), npyBytes('<i4', lens.dims, Int32Array.from(lens.data as BigInt64Array, Number)));
    const r = await cli('run', fx('gru_lengths', 'model.safetensors'), '--input', join(dir, 'x.npy'), '--input', `lengths=${join(dir, 'lengths.npy')}`, '--out', dir);
    expect(r.code, r.stderr).toBe(0);
    expectClose(readNpy(readFileSync(join(dir, 'y.npy'))), npy('torch/gru_lengths/y.npy'), 'y');
  });
});

describe('lstm-wasm run --expect', () => {
  const sine = (f: string) => new URL(`examples/sine/${f}`, root).pathname;
  it('runs the bundled quick-start model and agrees with PyTorch', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-'));
    const r = await cli('run', sine('model.safetensors'), '--input', sine('x.npy'), '--expect', `y=${sine('y_torch.npy')}`, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/expect y\s+max \|ours - .*y_torch\.npy\| = \d\.\d\de-\d+, within 1e-5·max\(1,\|ref\|\)/);
    expectClose(readNpy(readFileSync(join(out, 'y.npy'))), readNpy(readFileSync(sine('y_torch.npy'))), 'sine y');
  });

  it('--weights int8 runs quantized and stays within the int8 tolerance of PyTorch', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-'));
    const r = await cli('run', fx('lstm_stack3_bi', 'model.safetensors'), '--weights', 'int8', '--input', fx('lstm_stack3_bi', 'x.npy'),
      '--input', fx('lstm_stack3_bi', 'h0.npy'), '--input', fx('lstm_stack3_bi', 'c0.npy'),
      '--expect', `y=${fx('lstm_stack3_bi', 'y.npy')}`, '--tolerance', '2e-2', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/expect y\s+max \|ours - .*\| = \d\.\d\de-\d+, within 2e-2/);
  });

  it('fails with MISMATCH, naming the element, when an output differs', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-'));
    const r = await cli('run', fx('gru_basic', 'model.safetensors'), '--input', fx('gru_basic', 'x.npy'),
      '--expect', `y=${fx('rnn_tanh', 'y.npy')}`, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^lstm-wasm: MISMATCH: output 'y' differs from .*rnn_tanh\/y\.npy: element \d+ is .*, expected .* \(error .* > tolerance 1e-5·max\(1,\|ref\|\)\)$/);
    const wrongShape = await cli('run', fx('gru_basic', 'model.safetensors'), '--input', fx('gru_basic', 'x.npy'), '--expect', `h_n=${fx('gru_basic', 'y.npy')}`, '--out', out);
    expect(wrongShape.stderr.trim()).toBe(`lstm-wasm: MISMATCH: output 'h_n' is [1, 5, 37] but ${fx('gru_basic', 'y.npy')} is [7, 5, 37]`);
  });
});

describe('lstm-wasm with ONNX models', () => {
  const tx = (c: string, f: string) => fixturePath(`torch-onnx/${c}/${f}`);
  it('runs an exported classifier on int64 ids and matches PyTorch', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-'));
    const r = await cli('run', tx('classifier_bilstm', 'model.onnx'), '--input', `ids=${tx('classifier_bilstm', 'b_ids.npy')}`,
      '--expect', `probs=${tx('classifier_bilstm', 'b_probs.npy')}`, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(result.outputs).toEqual([{ name: 'probs', file: join(out, 'probs.npy'), dims: [1, 5] }]);
  });

  it('binds inputs in order and writes every output of a two-layer LM', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-'));
    const r = await cli('run', tx('lm_lstm2', 'model.onnx'), '--input', tx('lm_lstm2', 'a_ids.npy'), '--input', tx('lm_lstm2', 'a_h0.npy'),
      '--input', tx('lm_lstm2', 'a_c0.npy'), '--out', out);
    expect(r.code, r.stderr).toBe(0);
    for (const o of ['logits', 'h', 'c']) expectClose(readNpy(readFileSync(join(out, `${o}.npy`))), npy(`torch-onnx/lm_lstm2/a_${o}.npy`), o);
  });

  it('info lists the graph ops and the recurrent layers', async () => {
    const r = await cli('info', tx('classifier_bilstm', 'model.onnx'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^source   ONNX \(pytorch 1\.13\.0, IR 7\) \(opset 14\)$/m);
    expect(r.stdout).toMatch(/^node     .*: LSTM \(gates i, f, g, o; activations sigmoid, tanh, tanh\)$/m);
    expect(r.stdout).toContain('layer 0  bidirectional  input 16 -> hidden 24  output 48');
    expect(r.stdout).toContain("ops      Concat, ConstantOfShape, Gather x3, Gemm, Reshape, Shape, Softmax, Transpose x3, Unsqueeze");
    expect(r.stdout).toMatch(/^input    ids\s+int64\|int32\s+\[batch, time\]/m);
    // Embedding 50x16, bidirectional LSTM(16, 24), Linear(48, 5): counted once each
    expect(r.stdout).toContain(`params   ${(50 * 16 + 2 * (4 * 24 * (16 + 24) + 8 * 24) + 48 * 5 + 5).toLocaleString('en-US')}`);
  });
});

describe('lstm-wasm info', () => {
  it('prints the layers, shapes and parameter count', async () => {
    const r = await cli('info', fx('lstm_proj', 'model.safetensors'));
    expect(r.code, r.stderr).toBe(0);
    // nn.LSTM(13, 37, num_layers=2, bidirectional=True, proj_size=11): per direction 4*37*(in+11) + 8*37 + 11*37
    const params = 2 * (4 * 37 * (13 + 11) + 8 * 37 + 11 * 37) + 2 * (4 * 37 * (22 + 11) + 8 * 37 + 11 * 37);
    expect(r.stdout).toContain('LSTM (gates i, f, g, o; activations sigmoid, tanh, tanh)');
    expect(r.stdout).toContain('layer 0  bidirectional  input 13 -> hidden 37, projection 37 -> 11  output 22');
    expect(r.stdout).toContain('layer 1  bidirectional  input 22 -> hidden 37, projection 37 -> 11  output 22');
    expect(r.stdout).toMatch(/input\s+x\s+float32\s+\[T, B, 13\]/);
    expect(r.stdout).toMatch(/output\s+h_n\s+float32\s+\[4, B, 11\]/);
    expect(r.stdout).toContain(`params   ${params.toLocaleString('en-US')}`);
  });
});

describe('bad input: one line on stderr, exit code 1', () => {
  const cases: [string, string[], RegExp][] = [
    ['a missing model file', ['run', '/no/such.safetensors', '--input', 'x.npy'], /^lstm-wasm: IO: cannot read \/no\/such\.safetensors: ENOENT$/],
    ['a malformed model', ['info', fx('lstm_basic', 'x.npy')], /^lstm-wasm: FORMAT: .*x\.npy: cannot tell the format/],
    ['a wrong-shaped input', ['run', fx('lstm_basic', 'model.safetensors'), '--input', fx('gru_h1', 'x.npy')], /^lstm-wasm: INPUT: input 'x' \[5, 1, 3\]: dim 2 must be 13 \(the model declares \[T, B, 13\]\)$/],
    ['an input that is not .npy', ['run', fx('lstm_basic', 'model.safetensors'), '--input', fx('lstm_basic', 'case.json')], /^lstm-wasm: FORMAT: .*case\.json: not a NumPy \.npy file/],
    ['an unknown input name', ['run', fx('lstm_basic', 'model.safetensors'), '--input', `hx=${fx('lstm_basic', 'x.npy')}`], /^lstm-wasm: OPTION: --input hx=.*: the model has no input 'hx'; its inputs are x, h0, c0, lengths$/],
    ['an unknown flag', ['run', fx('lstm_basic', 'model.safetensors'), '--frobnicate'], /^lstm-wasm: OPTION: Unknown option '--frobnicate'/],
    ['a flag that does not apply', ['info', fx('lstm_basic', 'model.safetensors'), '--nonlinearity', 'relu'], /^lstm-wasm: OPTION: nonlinearity applies only to nn\.RNN/],
    ['no inputs', ['run', fx('lstm_basic', 'model.safetensors')], /^lstm-wasm: OPTION: no --input given; usage: lstm-wasm run MODEL/],
    ['an unknown weight type', ['run', fx('lstm_basic', 'model.safetensors'), '--weights', 'int4', '--input', fx('lstm_basic', 'x.npy')], /^lstm-wasm: OPTION: weights must be 'float32' or 'int8', got "int4"$/],
    ['an unknown command', ['frob'], /^lstm-wasm: unknown command 'frob'; commands: run, info/],
  ];
  for (const [what, args, re] of cases) {
    it(what, async () => {
      const r = await cli(...args);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(re);
    });
  }
});

describe('lstm-wasm generate / classify / forecast', () => {
  const tm = (c: string, f: string) => fixturePath(`torch-models/${c}/${f}`);

  it('generate --ids streams PyTorch\'s greedy continuation; with a vocabulary, as text', async () => {
    const greedy = JSON.parse(readFileSync(tm('charlm_every_logits', 'case.json'), 'utf8')).greedy;
    const r = await cli('generate', tm('charlm_every_logits', 'model.safetensors'), '--ids', greedy.prompt.join(','), '--max-tokens', String(greedy.steps));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split(' ').map(Number)).toEqual(greedy.ids);
    const dir = mkdtempSync(join(tmpdir(), 'lw-'));
    const chars = [...'\ufffdabcdefghijklmnopqrstuv'];
    writeFileSync(join(dir, 'vocab.json'), JSON.stringify({ chars, unknown: 0 }));
    const t = await cli('generate', tm('charlm_every_logits', 'model.safetensors'), '--vocab', join(dir, 'vocab.json'), '--prompt', 'abc', '--max-tokens', String(greedy.steps));
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toBe(`abc${greedy.ids.map((i: number) => chars[i]).join('')}\n`);
    const seeded = () => cli('generate', tm('charlm_every_logits', 'model.safetensors'), '--ids', '1,2', '--temperature', '1', '--top-p', '0.9', '--seed', '5', '--max-tokens', '25');
    expect((await seeded()).stdout).toBe((await seeded()).stdout);
  });

  it('classify prints the most probable class of each sequence', async () => {
    const probs = npy('torch-models/bigru_final_softmax/probs.npy').data as Float32Array;
    const ids = npy('torch-models/bigru_final_softmax/ids.npy'); // (T, B)
    const [T, B] = ids.dims, all = Array.from(ids.data as BigInt64Array, Number);
    const item0 = Array.from({ length: T }, (_, t) => all[t * B]);
    const r = await cli('classify', tm('bigru_final_softmax', 'model.safetensors'), '--ids', item0.join(','), '--labels', 'a,b,c,d,e');
    expect(r.code, r.stderr).toBe(0);
    const best = Array.from(probs.subarray(0, 5)).reduce((b, p, i, a) => (p > a[b] ? i : b), 0);
    expect(r.stdout).toContain(`  -> ${'abcde'[best]} (${(probs[best] * 100).toFixed(1)}%)`);
  });

  it('forecast prints the continuation and a sparkline', async () => {
    const x = Array.from((npy('torch-models/gru_every_linear/x.npy').data as Float32Array).subarray(0, 20));
    const r = await cli('forecast', tm('gru_every_linear', 'model.safetensors'), '--series', x.join(','), '--horizon', '6');
    expect(r.code, r.stderr).toBe(0);
    const [series, fc, values] = r.stdout.trim().split('\n');
    expect(series).toMatch(/^series   [▁▂▃▄▅▆▇█]{20}$/);
    expect(fc).toMatch(/^forecast {21}[▁▂▃▄▅▆▇█]{6}$/);
    const first = Number(values.replace('values   ', '').split(', ')[0]);
    expect(first).toBeCloseTo((npy('torch-models/gru_every_linear/output.npy').data as Float32Array)[19], 4);
  });

  const bad: [string, string[], RegExp][] = [
    ['generate without a prompt', ['generate', tm('charlm_every_logits', 'model.safetensors')], /^lstm-wasm: OPTION: give --prompt TEXT or --ids 1,2,3/],
    ['generate --prompt with no vocabulary', ['generate', tm('charlm_every_logits', 'model.safetensors'), '--prompt', 'ab'], /^lstm-wasm: OPTION: no --vocab given and no .*vocab\.json: cannot read/],
    ['generate --top-p out of range', ['generate', tm('charlm_every_logits', 'model.safetensors'), '--ids', '1', '--temperature', '1', '--top-p', '2'], /^lstm-wasm: OPTION: topP must be in \(0, 1\], got 2$/],
    ['generate with a classifier', ['generate', tm('bigru_final_softmax', 'model.safetensors'), '--ids', '1'], /^lstm-wasm: MODEL: generate: no output of the model is scores over the vocabulary/],
    ['classify with no sequence', ['classify', tm('bigru_final_softmax', 'model.safetensors')], /^lstm-wasm: OPTION: give --text TEXT or --ids 1,2,3/],
    ['forecast without --horizon', ['forecast', tm('gru_every_linear', 'model.safetensors'), '--series', '1,2'], /^lstm-wasm: OPTION: missing --horizon N/],
    ['forecast with an empty field in the series', ['forecast', tm('gru_every_linear', 'model.safetensors'), '--series', '0.5,,0.5', '--horizon', '2'], /^lstm-wasm: OPTION: --series must be comma-separated numbers, got '0\.5,,0\.5'$/],
    ['forecast with a blank horizon', ['forecast', tm('gru_every_linear', 'model.safetensors'), '--series', '1,2', '--horizon', ' '], /^lstm-wasm: OPTION: --horizon must be a number, got ' '$/],
    ['forecast with a bad series', ['forecast', tm('gru_every_linear', 'model.safetensors'), '--series', '1,x', '--horizon', '2'], /^lstm-wasm: OPTION: --series must be comma-separated numbers, got '1,x'$/],
  ];
  for (const [what, args, re] of bad) {
    it(`refuses ${what} in one line`, async () => {
      const r = await cli(...args);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(re);
    });
  }
});

describe('lstm-wasm vad', () => {
  it('prints the segments of a WAV file and, with --json, every frame\'s probability (onnxruntime\'s within 1e-4)', async () => {
    const ref = JSON.parse(readFileSync(fixturePath('vad/reference.json'), 'utf8')).models['silero_vad.onnx']['16000'];
    const seg = JSON.parse(readFileSync(fixturePath('vad/segments.json'), 'utf8')).segments['silero_vad.onnx']['16000'].defaults;
    const r = await cli('vad', fixturePath('vad/audio/speech_16k_16bit_stereo.wav'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/speech_16k_16bit_stereo\.wav: 3\.00 s, 16000 Hz 16-bit 2 channels mixed down; 94 frames at 16000 Hz/);
    const j = await cli('vad', fixturePath('vad/audio/speech_16k.wav'), '--json');
    expect(j.code, j.stderr).toBe(0);
    const last = JSON.parse(j.stdout.trim().split('\n').pop()!);
    expect(Object.keys(last)).toEqual(['sampleRate', 'frame', 'probs', 'segments']);
    expect([last.sampleRate, last.frame, last.probs.length]).toEqual([16000, 512, ref.frames]);
    last.probs.forEach((p: number, i: number) => expect(Math.abs(p - ref.probs[i])).toBeLessThanOrEqual(1e-4));
    expect(last.segments).toEqual(seg.map(([a, b]: number[]) => ({ start: a / 16000, end: b / 16000 })));
    expect(j.stdout).toMatch(/\nspeech 0:00\.99 - 0:04\.16  \(3\.1\d s\)\n/);
  });

  const bad: [string, string[], RegExp][] = [
    ['no file', ['vad'], /^lstm-wasm: OPTION: missing AUDIO\.wav; usage: lstm-wasm vad/],
    ['a file that is not WAV', ['vad', fixturePath('torch/lstm_basic/x.npy')], /^lstm-wasm: FORMAT: .*x\.npy: not a WAV file/],
    ['a bad model rate', ['vad', fixturePath('vad/audio/speech_16k_8bit.wav'), '--model-rate', '44100'], /^lstm-wasm: OPTION: --model-rate must be 8000 or 16000, got 44100$/],
  ];
  for (const [what, args, re] of bad) {
    it(`refuses ${what} in one line`, async () => {
      const r = await cli(...args);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd()).toMatch(re);
    });
  }
});

describe('lstm-wasm translate', () => {
  const dates = new URL('examples/models/dates/', root).pathname;
  const heldout = readFileSync(`${dates}heldout.tsv`, 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
  const beamRef = JSON.parse(readFileSync(fixturePath('models/dates/beam.json'), 'utf8'));
  const greedyRef = JSON.parse(readFileSync(fixturePath('models/dates/greedy.json'), 'utf8'));
  const chars: string[] = JSON.parse(readFileSync(`${dates}target_vocab.json`, 'utf8')).chars;
  const text = (ids: number[]) => ids.map((i) => chars[i]).join('');

  it('--beam 5 --n-best 3 --attention prints PyTorch\'s n-best and the attention as a text heatmap', async () => {
    const c = beamRef.cases[3];
    const r = await cli('translate', dates, '--text', c.source, '--beam', '5', '--n-best', '3', '--attention');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(JSON.stringify(c.source));
    c.nbest.forEach((h: { tokens: number[]; score: number; rank: number }, j: number) =>
      expect(lines[1 + j]).toBe(`  ${j + 1}. ${text(h.tokens)}   (log p ${h.score.toFixed(4)}, rank ${h.rank.toFixed(4)})`));
    expect(lines[4]).toMatch(/^ {2}attention of the best \(rows: output tokens, columns: source/);
    const best = text(c.nbest[0].tokens);
    expect(lines[5]).toBe(`      │${c.source.replace(/ /g, '·')}`);
    expect(lines[6]).toBe(`    ──┼${'─'.repeat(c.source.length)}`);
    // the heatmap rows: the best translation's attention, each weight shaded by the nearest quarter
    const [lib] = await (await Seq2Seq.load(dates)).translate(c.source, { beam: 5, nBest: 3 });
    expect(lib.translations[0].text).toBe(best);
    const rows = lines.slice(7, 7 + best.length);
    rows.forEach((row, i) => expect(row).toBe(`    ${best[i]} │${Array.from(lib.translations[0].attention[i], (w) => ' ░▒▓█'[Math.round(w * 4)]).join('')}`));
    expect(lines[7 + best.length]).toMatch(/^\(\d+ ms, model load included\)$/);
  });

  it('greedy from the ONNX graphs (--onnx --json): PyTorch\'s outputs; unknown characters are counted', async () => {
    const r = await cli('translate', dates, '--onnx', '--json', '--text', heldout[0][0], '--text', heldout[1][0]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out.map((x: { translations: { tokens: number[] }[] }) => x.translations[0].tokens)).toEqual(greedyRef.outputs.slice(0, 2));
    expect(out[0].translations[0].attention).toHaveLength(greedyRef.outputs[0].length);
    const u = await cli('translate', dates, '--text', '5 Mär 1987 ☃');
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout.split('\n')[1]).toBe('  (2 unknown: "ä", "☃" -> <unk>)');
    expect(u.stdout.split('\n')[2]).toMatch(/^ {2}-> [0-9-]+ {3}\(log p -\d+\.\d{4}\)$/);
  });

  const bad: [string, string[], RegExp][] = [
    ['no model folder', ['translate', '--text', 'x'], /^lstm-wasm: OPTION: missing MODEL_DIR; usage: lstm-wasm translate MODEL_DIR --text/],
    ['no text', ['translate', dates], /^lstm-wasm: OPTION: give --text TEXT \(it may repeat\)/],
    ['an empty text', ['translate', dates, '--text', ''], /^lstm-wasm: INPUT: text 0 "" is empty \(no tokens\); nothing to translate$/],
    ['a blank text', ['translate', dates, '--text', 'x', '--text', ' \t'], /^lstm-wasm: INPUT: text 1 " \\t" is empty \(only whitespace\); nothing to translate$/],
    ['a text longer than the model reads', ['translate', dates, '--text', '1'.repeat(73)], /^lstm-wasm: INPUT: source 0 has 73 tokens; this model reads at most 72 \(max_source_length in seq2seq.json\)$/],
    ['a folder without seq2seq.json', ['translate', fixturePath('torch/lstm_basic'), '--text', 'x'], /^lstm-wasm: IO: cannot read .*torch\/lstm_basic\/seq2seq\.json/],
    ['an n-best longer than the beam', ['translate', dates, '--text', '3/5/1987', '--beam', '2', '--n-best', '3'], /^lstm-wasm: OPTION: nBest must be an integer from 1 to beam \(2\), got 3$/],
  ];
  for (const [what, args, re] of bad) {
    it(`refuses ${what} in one line`, async () => {
      const r = await cli(...args);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(re);
    });
  }
});

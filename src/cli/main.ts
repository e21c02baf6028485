// cli/main.ts: the lstm-wasm command: dispatch to a command, print one-line errors, return the exit code.
import { LstmWasmError } from '../errors.js';
import { type Io } from './common.js';
import { CLASSIFY_USAGE, classify } from './classify.js';
import { FORECAST_USAGE, forecast } from './forecast.js';
import { GENERATE_USAGE, generate } from './generate.js';
import { INFO_USAGE, info } from './info.js';
import { RUN_USAGE, run } from './run.js';
import { TRANSLATE_USAGE, translate } from './translate.js';
import { VAD_USAGE, vad } from './vad.js';
import { ANALOGY_USAGE, analogy } from './analogy.js';
import { SIMILAR_USAGE, similar } from './similar.js';
import { WORD2VEC_USAGE, word2vec } from './word2vec.js';
import { GRAD_USAGE, grad } from './grad.js';
import { TRAIN_USAGE, train } from './train.js';
import { TRAIN_LM_USAGE, trainLm } from './train_lm.js';

const HELP = [
  'lstm-wasm — LSTM, GRU and RNN models in SIMD WebAssembly',
  '',
  `  ${RUN_USAGE}`,
  '      runs MODEL on NumPy inputs; writes DIR/<output>.npy (default DIR: out) and prints, last,',
  '      {"outputs":[{"name","file","dims"}...],"ms"} as one JSON line; --expect NAME=FILE.npy checks an',
  '      output against a reference array (|ours - ref| <= tolerance * max(1, |ref|), else exit code 1)',
  `  ${INFO_USAGE}`,
  '      prints layers, shapes and parameter count',
  `  ${GENERATE_USAGE}`,
  '      streams a language model\'s continuation of the prompt to stdout (greedy unless sampling or --beam)',
  `  ${CLASSIFY_USAGE}`,
  '      prints the most probable classes of each text or id sequence',
  `  ${FORECAST_USAGE}`,
  '      continues a series with a next-value model, feeding each prediction back; prints it and a sparkline',
  `  ${VAD_USAGE}`,
  '      prints the speech segments of a PCM WAV (8/16/24/32-bit, mono or mixed down, any rate) with Silero VAD',
  `  ${TRANSLATE_USAGE}`,
  '      translates with an encoder-decoder folder (seq2seq.json + weights, or --onnx: its encoder.onnx and decoder.onnx);',
  '      greedy, sampling or beam search with an n-best list; --attention draws the attention matrix as a text heatmap',
  `  ${WORD2VEC_USAGE}`,
  '      trains word vectors (CBOW, or skip-gram with --sg) on a text file, one sentence a line; progress on stderr;',
  '      writes FILE (format from its extension: .bin word2vec binary, .txt word2vec text, .vec fastText) and prints a JSON line',
  `  ${SIMILAR_USAGE}`,
  '      prints the nearest words (cosine) to a word, or to the sum of several minus others',
  `  ${ANALOGY_USAGE}`,
  '      A is to B as C is to ?: prints the nearest words to B - A + C',
  `  ${GRAD_USAGE}`,
  '      writes d(mean loss)/d(weight) for every weight as DIR/<weight name>.npy; prints, last,',
  '      {"loss","grads":[{"name","file","dims"}...]} (the loss reads the logits; ce targets are class ids)',
  `  ${TRAIN_USAGE}`,
  '      trains a safetensors model (a progress bar on stderr) and writes it back under the same names; prints, last,',
  '      {"losses":[one per step],"epochs","stopped","out"}',
  `  ${TRAIN_LM_USAGE}`,
  '      trains a character language model on a text file; writes DIR/model.safetensors and DIR/vocab.json',
  '',
  'generate and classify read the vocabulary from --vocab, else the file the model\'s metadata names, else',
  'vocab.json beside the model ({"chars": [...]} or {"words": [...], "tokenizer": "...", "labels": [...]}).',
  'MODEL: a PyTorch nn.LSTM / nn.GRU / nn.RNN state dict in safetensors format, an ONNX model, or a Keras / TF.js',
  'layers model.json (its weight files beside it); --format safetensors|onnx|tfjs when the content does not tell.',
];

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<void>> = { run, info, generate, classify, forecast, vad, word2vec, similar, analogy, grad, train, 'train-lm': trainLm, translate };

const STDIO: Io = {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  write: (s) => (globalThis as { process?: { stdout: { write(s: string): void } } }).process!.stdout.write(s),
};

export async function main(argv: string[], io: Io = STDIO): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    HELP.forEach((l) => io.out(l));
    return cmd ? 0 : 1;
  }
  const command = COMMANDS[cmd];
  if (!command) {
    io.err(`lstm-wasm: unknown command '${cmd}'; commands: ${Object.keys(COMMANDS).join(', ')} (lstm-wasm help)`);
    return 1;
  }
  try {
    await command(rest, io);
    return 0;
  } catch (e) {
    if (e instanceof LstmWasmError) io.err(`lstm-wasm: ${e.code}: ${e.message}`);
    else {
      const debug = (globalThis as { process?: { env?: Record<string, string> } }).process?.env?.LSTM_WASM_DEBUG;
      io.err(`lstm-wasm: internal error: ${debug ? (e as Error)?.stack : `${String((e as Error)?.message ?? e)} (LSTM_WASM_DEBUG=1 shows the stack)`}`);
    }
    return 1;
  }
}

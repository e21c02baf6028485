// cli/translate.ts: `lstm-wasm translate MODEL_DIR --text …` — translate with a seq2seq model folder; n-best lists and
// the attention matrix as a text heatmap.
import { check } from '../errors.js';
import type { BatchDecodeOptions } from '../decode/batch.js';
import { Seq2Seq } from '../seq2seq/model.js';
import { OnnxSeq2Seq } from '../seq2seq/onnx.js';
import type { Translation, TranslationResult } from '../seq2seq/translate.js';
import { type Io, SAMPLING_FLAGS, numberFlags, parse } from './common.js';

export const TRANSLATE_USAGE =
  'lstm-wasm translate MODEL_DIR --text TEXT ... [--beam K] [--n-best N] [--length-penalty 1] [--max-tokens N] [--temperature T --top-k K --top-p P --seed S] [--attention] [--onnx] [--json]';

const SHADES = [' ', '░', '▒', '▓', '█'];

/** The attention of one translation as rows of shade characters: one row per output token, one column per source piece. */
export function heatmap(r: TranslationResult, t: Translation, outNames: string[]): string[] {
  const shown = (p: string) => p.replace(/ /g, '·'); // a space piece still shows where its column is
  const widths = r.sourceTokens.map((p) => Math.max(1, [...p].length));
  const label = Math.max(1, ...outNames.map((n) => [...n].length));
  const sep = r.sourceTokens.length && [...r.sourceTokens].every((p) => [...p].length === 1) ? '' : ' ';
  const lines = [`${' '.repeat(label)} │${r.sourceTokens.map((p, j) => shown(p).padEnd(widths[j])).join(sep)}`];
  lines.push(`${'─'.repeat(label)}─┼${'─'.repeat(widths.reduce((a, b) => a + b, 0) + sep.length * Math.max(0, widths.length - 1))}`);
  t.attention.forEach((row, i) => {
    const cells = Array.from(row, (w, j) => SHADES[Math.min(4, Math.round(w * 4))].repeat(widths[j]));
    lines.push(`${shown(outNames[i]).padStart(label)} │${cells.join(sep)}`);
  });
  return lines;
}

export async function translate(args: string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, {
    text: { type: 'string', multiple: true }, beam: { type: 'string' }, 'n-best': { type: 'string' }, 'length-penalty': { type: 'string' },
    'max-tokens': { type: 'string' }, temperature: { type: 'string' }, 'top-k': { type: 'string' }, 'top-p': { type: 'string' },
    seed: { type: 'string' }, attention: { type: 'boolean' }, onnx: { type: 'boolean' }, json: { type: 'boolean' },
  });
  check(positionals.length === 1, 'OPTION', positionals.length ? `unexpected argument '${positionals[1]}'; usage: ${TRANSLATE_USAGE}` : `missing MODEL_DIR; usage: ${TRANSLATE_USAGE}`);
  const texts = values.text ?? [];
  check(texts.length > 0, 'OPTION', `give --text TEXT (it may repeat); usage: ${TRANSLATE_USAGE}`);
  const options = numberFlags<BatchDecodeOptions>(values, { ...SAMPLING_FLAGS, 'n-best': 'nBest', 'max-tokens': 'maxTokens' });
  const t0 = performance.now();
  const model = values.onnx ? await OnnxSeq2Seq.load(positionals[0]) : await Seq2Seq.load(positionals[0]);
  const results = await model.translate(texts, options);
  const ms = performance.now() - t0;
  const names = model.targetVocab.names;
  if (values.json) {
    io.out(JSON.stringify(results.map((r) => ({ ...r, translations: r.translations.map((t) => ({ ...t, attention: t.attention.map((a) => Array.from(a, (v) => +v.toFixed(4))) })) }))));
    return;
  }
  for (const r of results) {
    io.out(JSON.stringify(r.source));
    if (r.unknown.length) io.out(`  (${r.unknown.length} unknown: ${r.unknown.map((u) => JSON.stringify(u)).join(', ')} -> <unk>)`);
    r.translations.forEach((t, i) => {
      const how = `${t.finished ? '' : 'unfinished, '}log p ${t.score.toFixed(4)}${options.beam && options.beam > 1 ? `, rank ${t.rank.toFixed(4)}` : ''}`;
      io.out(`  ${r.translations.length > 1 ? `${i + 1}. ` : '-> '}${t.text}   (${how})`);
    });
    if (values.attention) {
      const best = r.translations[0];
      io.out('  attention of the best (rows: output tokens, columns: source; ░ ▒ ▓ █ = 1/4, 1/2, 3/4, all of the weight):');
      for (const line of heatmap(r, best, best.tokens.map((id) => names[id]))) io.out(`    ${line}`);
    }
  }
  io.out(`(${ms.toFixed(0)} ms, model load included)`);
}

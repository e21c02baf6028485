// cli/classify.ts: `lstm-wasm classify MODEL --text …` — label sentences (or id sequences) with a classifier.
import { check } from '../errors.js';
import { classify as classifyOne } from '../tasks/classify.js';
import { type Io, MODEL_FLAGS, TASK_FLAGS, modelVocab, openModel, parse } from './common.js';

export const CLASSIFY_USAGE = 'lstm-wasm classify MODEL (--text TEXT ... | --ids 1,2,3 ...) [--labels a,b,c] [--top 3] [--vocab vocab.json]';

export async function classify(args: string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, {
    ...MODEL_FLAGS, ...TASK_FLAGS, text: { type: 'string', multiple: true }, ids: { type: 'string', multiple: true },
    labels: { type: 'string' }, top: { type: 'string' },
  });
  check(positionals.length <= 1, 'OPTION', `unexpected argument '${positionals[1]}'; usage: ${CLASSIFY_USAGE}`);
  const texts = values.text ?? [], idLists = values.ids ?? [];
  check(texts.length + idLists.length > 0, 'OPTION', `give --text TEXT or --ids 1,2,3 (each may repeat); usage: ${CLASSIFY_USAGE}`);
  const top = Number(values.top ?? 3);
  check(Number.isInteger(top) && top >= 1, 'OPTION', `--top must be an integer >= 1, got '${values.top}'`);
  const session = await openModel(positionals[0], values, CLASSIFY_USAGE);
  const vocab = await modelVocab(positionals[0]!, session, values, texts.length > 0);
  const labels = values.labels?.split(',');
  const inputs: [string, string | number[]][] = [
    ...texts.map((t): [string, string] => [JSON.stringify(t), t]),
    ...idLists.map((s): [string, number[]] => {
      check(/^\s*\d+(\s*,\s*\d+)*\s*$/.test(s), 'OPTION', `--ids must be comma-separated token ids, got '${s}'`);
      return [`[${s}]`, s.split(',').map(Number)];
    }),
  ];
  for (const [shown, input] of inputs) {
    const r = await classifyOne(session, input, { vocab, labels, input: values.input, output: values.output });
    const name = (i: number) => r.label !== undefined ? (labels ?? vocab!.labels!)[i] : `class ${i}`;
    const best = r.probs.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]).slice(0, top);
    io.out(`${shown}\n  -> ${name(r.index)} (${(r.probs[r.index] * 100).toFixed(1)}%)   ${best.map(([p, i]) => `${name(i)} ${(p * 100).toFixed(1)}%`).join(', ')}`);
  }
}

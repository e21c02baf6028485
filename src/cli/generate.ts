// cli/generate.ts: `lstm-wasm generate MODEL --prompt TEXT` — stream a language model's continuation to stdout.
import { check } from '../errors.js';
import type { DecodeOptions } from '../decode/search.js';
import { generate as generateTokens } from '../tasks/generate.js';
import { type Io, MODEL_FLAGS, SAMPLING_FLAGS, TASK_FLAGS, modelVocab, num, numberFlags, openModel, parse } from './common.js';

export const GENERATE_USAGE =
  'lstm-wasm generate MODEL (--prompt TEXT | --ids 1,2,3) [--max-tokens 200] [--temperature 0] [--top-k K] [--top-p P] [--repetition-penalty R] [--beam K] [--length-penalty 1] [--seed 0] [--stop TEXT|#ID ...] [--vocab vocab.json]';

export async function generate(args: string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, {
    ...MODEL_FLAGS, ...TASK_FLAGS, prompt: { type: 'string' }, ids: { type: 'string' }, 'max-tokens': { type: 'string' },
    temperature: { type: 'string' }, 'top-k': { type: 'string' }, 'top-p': { type: 'string' }, 'repetition-penalty': { type: 'string' },
    beam: { type: 'string' }, 'length-penalty': { type: 'string' }, seed: { type: 'string' }, stop: { type: 'string', multiple: true },
  });
  check(positionals.length <= 1, 'OPTION', `unexpected argument '${positionals[1]}'; usage: ${GENERATE_USAGE}`);
  check((values.prompt === undefined) !== (values.ids === undefined), 'OPTION', `give --prompt TEXT or --ids 1,2,3 (one of them); usage: ${GENERATE_USAGE}`);
  const session = await openModel(positionals[0], values, GENERATE_USAGE);
  const vocab = await modelVocab(positionals[0]!, session, values, values.prompt !== undefined);
  const ids = values.ids?.split(',').map((s) => {
    check(/^\s*\d+\s*$/.test(s), 'OPTION', `--ids must be comma-separated token ids, got '${values.ids}'`);
    return Number(s);
  });
  const stop = (values.stop ?? []).map((s) => {
    if (/^#\d+$/.test(s)) return Number(s.slice(1));
    check(vocab, 'OPTION', `--stop ${s}: a text stop token needs a vocabulary; give the id as #ID`);
    const enc = vocab.encode(s);
    check(enc.length === 1, 'OPTION', `--stop ${JSON.stringify(s)} is ${enc.length} tokens in this vocabulary; a stop token is one`);
    return enc[0];
  });
  const options: DecodeOptions = { maxTokens: num(values, 'max-tokens') ?? 200, stop, ...numberFlags<DecodeOptions>(values, { ...SAMPLING_FLAGS, 'repetition-penalty': 'repetitionPenalty' }) };
  const write = io.write ?? ((s: string) => io.out(s));
  const prompt = ids ?? values.prompt!;
  if (typeof prompt === 'string') write(prompt); // the continuation reads on from the prompt
  for await (const t of generateTokens(session, prompt, { ...options, vocab, input: values.input, output: values.output })) {
    write(t.text !== undefined ? (vocab!.kind === 'word' ? ` ${t.text}` : t.text) : `${t.id} `);
  }
  write('\n');
}

// tasks/classify.ts: many-to-one classification — one sequence in, class probabilities out.
import { check, fmtDims } from '../errors.js';
import type { InferenceSession } from '../session.js';
import type { Vocab } from '../text/vocab.js';
import { type TaskIO, lastRow, requiredZeros, scoreKind, sequenceInput, sequenceTensor, taskOutput } from './io.js';

export interface ClassifyOptions extends TaskIO {
  /** Encodes a text input. */
  vocab?: Vocab;
  /** Names of the classes, by index (default: the vocab's labels). */
  labels?: readonly string[];
}

export interface Classification {
  /** the most probable class */
  index: number;
  label?: string;
  /** per class: softmax probabilities (one label), or sigmoid ones (independent labels, `multiLabel`) */
  probs: number[];
  multiLabel: boolean;
}

/**
 * Classifies one sequence: text (with a vocab), token ids, or feature rows (numbers, or arrays of the input's width).
 * Reads the model's (batch, classes) output; logits become probabilities by softmax (sigmoid for a single unit).
 */
export async function classify(session: InferenceSession, input: string | readonly number[] | readonly (readonly number[])[],
  options: ClassifyOptions = {}): Promise<Classification> {
  const seq = sequenceInput(session, options, 'classify');
  check(typeof input !== 'string' || options.vocab, 'OPTION', 'classify: a text input needs a vocab to encode it');
  check(typeof input !== 'string' || seq.ids, 'MODEL', `classify: input '${seq.info.name}' takes float features, not text`);
  const steps = typeof input === 'string' ? options.vocab!.encode(input) : input;
  check(steps.length > 0, 'INPUT', `classify: the sequence is empty${typeof input === 'string' ? ` (no token of ${JSON.stringify(input)} is in the vocabulary)` : ''}`);
  const labels = options.labels ?? options.vocab?.labels;
  const out = taskOutput(session, options, 'classify', (o) => o.dims.length === 2, 'class scores (batch, classes)');
  const C = out.dims[1];
  check(!labels || typeof C !== 'number' || labels.length === C, 'OPTION',
    `classify: ${labels?.length} labels for output '${out.name}' ${fmtDims(out.dims)} of ${C} classes`);
  const res = await session.run({ [seq.info.name]: sequenceTensor(seq, steps, 'classify'), ...requiredZeros(session, seq, 1) }, [out.name]);
  const row = Array.from(lastRow(res[out.name], 0, seq.batchFirst));
  const kind = scoreKind(session.model, out.name);
  const multiLabel = kind === 'sigmoid' || (kind === 'logits' && row.length === 1);
  let probs: number[];
  if (kind === 'probs' || kind === 'sigmoid') probs = row;
  else if (kind === 'log_probs') probs = row.map(Math.exp);
  else if (multiLabel) probs = row.map((z) => 1 / (1 + Math.exp(-z)));
  else {
    const m = Math.max(...row), e = row.map((z) => Math.exp(z - m)), s = e.reduce((a, b) => a + b, 0);
    probs = e.map((v) => v / s);
  }
  check(probs.every((p) => !Number.isNaN(p)), 'NUMERIC', `classify: output '${out.name}' holds NaN`);
  const index = probs.reduce((best, p, i) => (p > probs[best] ? i : best), 0);
  return { index, ...(labels ? { label: labels[index] } : {}), probs, multiLabel };
}

// tasks/generate.ts: text generation with a language model — a session as a TokenModel, and generate().
import { check } from '../errors.js';
import { type DecodeOptions, type TokenModel, checkDecode, decode } from '../decode/search.js';
import type { InferenceSession } from '../session.js';
import type { Vocab } from '../text/vocab.js';
import { type SequenceInput, type TaskIO, lastRow, requiredZeros, scoreKind, sequenceInput, sequenceTensor, taskOutput } from './io.js';

/**
 * A language model session (token ids in, scores over the vocabulary at every step out) as a TokenModel: it feeds
 * the prompt once, then one token per hypothesis per step, carrying the recurrent state in wasm (step()).
 */
export class SessionTokenModel implements TokenModel {
  private readonly seq: SequenceInput;
  private readonly output: string;
  private readonly log: boolean;
  private rows = 0;
  /** the session's stateVersion after this model's last step: anything else means another caller moved the state */
  private version = -1;
  /** what the scores are: logits, or log-probabilities (from a LogSoftmax, or the log of a Softmax) */
  readonly scoreKind: 'logits' | 'log_probs';
  /** the vocabulary size, when the model declares it */
  readonly vocabSize: number | undefined;

  constructor(private readonly session: InferenceSession, io: TaskIO = {}) {
    this.seq = sequenceInput(session, io, 'generate');
    check(this.seq.ids, 'MODEL', `generate: input '${this.seq.info.name}' takes float features; a language model takes token ids`);
    const [t, b] = this.seq.batchFirst ? [1, 0] : [0, 1], dims = this.seq.info.dims;
    const out = taskOutput(session, io, 'generate', (o) => o.dims.length === 3 && o.dims[t] === dims[t] && o.dims[b] === dims[b],
      `scores over the vocabulary at every step (${this.seq.batchFirst ? 'batch, time' : 'time, batch'}, vocabulary)`);
    const kind = scoreKind(session.model, out.name);
    check(kind !== 'sigmoid', 'MODEL', `generate: output '${out.name}' is a sigmoid (independent labels), not a distribution over the next token`);
    this.output = out.name;
    this.log = kind === 'probs'; // probabilities: decode on their logs
    this.scoreKind = kind === 'logits' ? 'logits' : 'log_probs';
    const V = out.dims[2];
    this.vocabSize = typeof V === 'number' ? V : undefined;
  }

  /** Steps the session, first making sure no one else stepped it since this model did. */
  private async step(feeds: Record<string, import('../tensor.js').Tensor>, first: boolean) {
    check(first || this.session.stateVersion === this.version, 'INPUT',
      'generate: the session\'s step() state was changed by another call in the middle of this generation; give each concurrent stream its own session');
    const out = await this.session.step(feeds, [this.output]);
    this.version = this.session.stateVersion;
    return out;
  }

  private rowsOf(out: Record<string, import('../tensor.js').Tensor>, n: number): Float32Array[] {
    const t = out[this.output];
    return Array.from({ length: n }, (_, b) => {
      const row = lastRow(t, b, this.seq.batchFirst);
      return this.log ? row.map(Math.log) : row;
    });
  }

  async prime(prompt: readonly number[]): Promise<Float32Array> {
    check(prompt.length > 0, 'INPUT', 'generate: the prompt is empty; a language model needs at least one token to continue');
    this.session.resetState();
    const out = await this.step({ [this.seq.info.name]: sequenceTensor(this.seq, prompt, 'generate'), ...requiredZeros(this.session, this.seq, 1) }, true);
    this.rows = 1;
    return this.rowsOf(out, 1)[0];
  }

  async advance(tokens: readonly number[], from: readonly number[]): Promise<Float32Array[]> {
    if (from.length !== this.rows || from.some((r, i) => r !== i)) {
      check(this.session.stateVersion === this.version, 'INPUT',
        'generate: the session\'s step() state was changed by another call in the middle of this generation; give each concurrent stream its own session');
      this.session.selectState(from);
      this.version = this.session.stateVersion;
    }
    this.rows = tokens.length;
    const ids = sequenceTensor({ ...this.seq, batchFirst: !this.seq.batchFirst }, tokens, 'generate'); // one step of n rows
    const out = await this.step({ [this.seq.info.name]: ids }, false);
    return this.rowsOf(out, tokens.length);
  }
}

export interface GenerateOptions extends DecodeOptions, TaskIO {
  /** Encodes a text prompt and decodes each token; without it the prompt is ids and tokens come without text. */
  vocab?: Vocab;
}

export interface GeneratedToken {
  id: number;
  /** the token's text (with a vocab) */
  text?: string;
}

/**
 * Continues `prompt` (text with a vocab, or token ids) with a language model, yielding each token as it is chosen
 * (beam search: as soon as every hypothesis agrees on it). The session's step() state is reset first.
 */
export async function* generate(session: InferenceSession, prompt: string | readonly number[], options: GenerateOptions = {}): AsyncGenerator<GeneratedToken> {
  const { vocab, input, output, batchFirst, ...decoding } = options;
  checkDecode(decoding);
  check(typeof prompt !== 'string' || vocab, 'OPTION', 'generate: a text prompt needs a vocab to encode it; pass vocab or token ids');
  const ids = typeof prompt === 'string' ? vocab!.encode(prompt) : prompt;
  const model = new SessionTokenModel(session, { input, output, batchFirst });
  check(!vocab || model.vocabSize === undefined || vocab.size === model.vocabSize, 'MODEL',
    `generate: the vocabulary has ${vocab?.size} tokens but the model scores ${model.vocabSize}`);
  check((decoding.repetitionPenalty ?? 1) === 1 || model.scoreKind === 'logits', 'OPTION',
    'generate: repetitionPenalty scales logits (CTRL); this model outputs probabilities or log-probabilities, where it is not defined');
  for await (const id of decode(model, ids, decoding)) yield vocab ? { id, text: vocab.decode([id]) } : { id };
}

// test/decode.test.ts: greedy, sampling and beam search — against PyTorch's greedy loop, a seed, and a toy model.
import { InferenceSession, Rng, type TokenModel, Vocab, decode, generate } from 'lstm-wasm';
import { describe, expect, it } from 'vitest';
import { expectError, fixturePath, json, npy } from './helpers';

const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

/**
 * A hand-checkable bigram model over tokens 0 (stop), 1 (a), 2 (b), 3 (c): P(next | last) from a table, as log-probs.
 * After the prompt: a 0.5, b 0.4, c 0.1. After a: a 0.35, b 0.35, c 0.3 (no stop). After b: stop 0.9. After c: stop 1.
 * Greedy takes "a" then "a" (0.5 * 0.35 = 0.175) …; the best two-token-and-stop sequence is "b" stop (0.4 * 0.9 = 0.36).
 */
const TABLE: Record<number, number[]> = {
  [-1]: [0, 0.5, 0.4, 0.1],
  1: [0, 0.35, 0.35, 0.3],
  2: [0.9, 0.05, 0.05, 0],
  3: [1, 0, 0, 0],
};
function toy(): TokenModel & { calls: number } {
  let last: number[] = [];
  const row = (t: number) => TABLE[t].map(Math.log);
  return {
    calls: 0,
    async prime() {
      last = [-1];
      return row(-1);
    },
    async advance(tokens, from) {
      this.calls++;
      expect(from.every((r) => r < last.length)).toBe(true);
      last = [...tokens];
      return tokens.map(row);
    },
  };
}

describe('beam search', () => {
  it('finds the most probable sequence greedy misses, on a toy model', async () => {
    expect(await collect(decode(toy(), [9], { maxTokens: 3, stop: [0] }))).toEqual([1, 1, 1]);
    expect(await collect(decode(toy(), [9], { beam: 2, maxTokens: 3, stop: [0], lengthPenalty: 0 }))).toEqual([2]);
    expect(await collect(decode(toy(), [9], { beam: 3, maxTokens: 3, stop: [0], lengthPenalty: 0 }))).toEqual([2]);
  });

  it('with width 1 equals greedy', async () => {
    const lm = await InferenceSession.create(fixturePath('torch-models/charlm_every_logits/model.safetensors'));
    const greedy = (await collect(generate(lm, [1, 2, 3], { maxTokens: 30 }))).map((t) => t.id);
    const beam1 = (await collect(generate(lm, [1, 2, 3], { maxTokens: 30, beam: 1 }))).map((t) => t.id);
    expect(beam1).toEqual(greedy);
    const stops = await collect(decode(toy(), [9], { beam: 1, maxTokens: 5, stop: [0] }));
    expect(stops).toEqual(await collect(decode(toy(), [9], { maxTokens: 5, stop: [0] })));
  });

  it('length penalty: 0 ranks by total probability, 1 by the per-token mean', async () => {
    // toy: "b" stop scores log 0.36 over 2 tokens; "a a a" (unfinished at 3) scores log(0.5*0.35*0.35) over 3
    expect(await collect(decode(toy(), [9], { beam: 2, maxTokens: 3, stop: [0], lengthPenalty: 0 }))).toEqual([2]);
    expect(await collect(decode(toy(), [9], { beam: 2, maxTokens: 1, stop: [0], lengthPenalty: 1 }))).toEqual([1]);
  });

  it('runs a beam of real hypotheses through the LM (state reordered in wasm) and yields tokens', async () => {
    const lm = await InferenceSession.create(fixturePath('torch-models/charlm_every_logits/model.safetensors'));
    const out = await collect(generate(lm, [1, 2, 3], { maxTokens: 12, beam: 4 }));
    expect(out).toHaveLength(12);
    expect(out.every((t) => Number.isInteger(t.id) && t.id >= 0 && t.id < 23)).toBe(true);
  });
});

describe('greedy decoding', () => {
  it('equals PyTorch\'s own greedy loop token for token', async () => {
    const c = json('torch-models/charlm_every_logits/case.json').greedy;
    expect(c.min_top2_gap).toBeGreaterThan(1e-4); // a margin our float32 error (~1e-6) cannot cross
    const want = Array.from(npy('torch-models/charlm_every_logits/greedy_ids.npy').data as BigInt64Array, Number);
    for (const file of ['model.safetensors']) {
      const lm = await InferenceSession.create(fixturePath(`torch-models/charlm_every_logits/${file}`));
      const got = (await collect(generate(lm, c.prompt, { maxTokens: c.steps }))).map((t) => t.id);
      expect(got).toEqual(want);
    }
  });
});

describe('sampling', () => {
  const lmPath = fixturePath('torch-models/charlm_every_logits/model.safetensors');
  it('is reproducible with a seed and differs across seeds', async () => {
    const lm = await InferenceSession.create(lmPath);
    const run = async (seed: number) => (await collect(generate(lm, [1, 2], { maxTokens: 40, temperature: 1, seed }))).map((t) => t.id);
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
    const nucleus = async (seed: number) => (await collect(generate(lm, [1, 2], { maxTokens: 40, temperature: 0.8, topK: 5, topP: 0.9, repetitionPenalty: 1.3, seed }))).map((t) => t.id);
    expect(await nucleus(3)).toEqual(await nucleus(3));
  });

  it('draws tokens with the tempered softmax probabilities; top-k and top-p cut the tail', async () => {
    const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)];
    const model: TokenModel = { prime: async () => logits, advance: async (t) => t.map(() => logits) };
    const freq = async (o: object, n = 20000) => {
      const counts = [0, 0, 0, 0];
      for (const t of await collect(decode(model, [0], { maxTokens: n, seed: 1, ...o }))) counts[t]++;
      return counts.map((c) => c / n);
    };
    const f1 = await freq({ temperature: 1 });
    [0.5, 0.3, 0.15, 0.05].forEach((p, i) => expect(Math.abs(f1[i] - p)).toBeLessThan(0.015));
    const f2 = await freq({ temperature: 2 }); // p^(1/2), renormalized
    const s = [0.5, 0.3, 0.15, 0.05].map(Math.sqrt), z = s.reduce((a, b) => a + b);
    s.forEach((p, i) => expect(Math.abs(f2[i] - p / z)).toBeLessThan(0.015));
    expect((await freq({ temperature: 1, topK: 2 }, 4000)).slice(2)).toEqual([0, 0]);
    expect((await freq({ temperature: 1, topP: 0.75 }, 4000)).slice(2)).toEqual([0, 0]); // 0.5 + 0.3 >= 0.75
    expect(await freq({ temperature: 1, topP: 0.4 }, 1000)).toEqual([1, 0, 0, 0]);
  });

  it('a repetition penalty steers away from tokens already seen', async () => {
    const logits = [2, 1.9, 0, -1];
    const model: TokenModel = { prime: async () => logits, advance: async (t) => t.map(() => logits) };
    expect(await collect(decode(model, [0], { maxTokens: 3 }))).toEqual([0, 0, 0]);
    // prompt 0 seen: 2/1.2 = 1.67 < 1.9 -> 1; then both seen: 1.67 > 1.9/1.2 = 1.58 -> 0, and 0 again (no compounding)
    expect(await collect(decode(model, [0], { maxTokens: 3, repetitionPenalty: 1.2 }))).toEqual([1, 0, 0]);
    expect(await collect(decode(model, [3], { maxTokens: 2, repetitionPenalty: 1.2 }))).toEqual([0, 1]);
  });

  it('the generator is xoshiro128** : the same stream for the same seed, uniform in [0, 1)', () => {
    const a = new Rng(42), b = new Rng(42);
    const xs = Array.from({ length: 10000 }, () => a.next());
    expect(xs.every((x) => x === b.next() && x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });
});

describe('decoding options and vocabularies', () => {
  it('refuses bad options, naming them', async () => {
    const model: TokenModel = { prime: async () => [0, 1], advance: async (t) => t.map(() => [0, 1]) };
    const bad: [object, RegExp][] = [
      [{ temperature: -1 }, /temperature must be a number >= 0, got -1/],
      [{ topK: 0 }, /topK must be an integer >= 1, got 0/],
      [{ topP: 1.5 }, /topP must be in \(0, 1\], got 1\.5/],
      [{ beam: 2, temperature: 1 }, /beam search ranks hypotheses by probability; temperature, topK and topP/],
      [{ maxTokens: -3 }, /maxTokens must be an integer >= 0/],
      [{ topk: 3 }, /unknown decoding option 'topk'/],
    ];
    for (const [o, re] of bad) await expectError(() => collect(decode(model, [0], o)), 'OPTION', re);
    const nan: TokenModel = { prime: async () => [0, NaN], advance: async (t) => t.map(() => [0, 1]) };
    await expectError(() => collect(decode(nan, [0])), 'NUMERIC', /the model's scores hold NaN at token 1/);
  });

  it('a character vocabulary encodes code points, with an unknown id', () => {
    const v = Vocab.fromJSON({ chars: ['\ufffd', ' ', 'a', 'b', 'é'], unknown: 0 });
    expect(v.encode('ab é!')).toEqual([2, 3, 1, 4, 0]);
    expect(v.decode([2, 4, 1])).toBe('aé ');
    expect(() => v.decode([5])).toThrow(/token id 5 is outside the vocabulary 0\.\.4/);
    const strict = new Vocab(['a', 'b'], { kind: 'char' });
    expect(() => strict.encode('abc')).toThrow(/"c" is not in the vocabulary and it has no unknown token/);
  });

  it('a word vocabulary tokenizes with its pattern, lower-cased', () => {
    const v = Vocab.fromJSON({ words: ['<pad>', '<unk>', 'the', 'lord', "lord's"], pad: 0, unknown: 1, tokenizer: "[a-z]+(?:'[a-z]+)?", lowercase: true });
    expect(v.encode("The LORD's house, the Lord!")).toEqual([2, 4, 1, 2, 3]);
    expect(() => Vocab.fromJSON({ words: ['a', 'a'] })).toThrow(/token "a" appears twice \(ids 0 and 1\)/);
    expect(() => Vocab.fromJSON({ tokens: [] })).toThrow(/expected a "chars" or a "words" array/);
  });
});

describe('decoding corner cases', () => {
  it('beam search never returns a hypothesis cut short when k hypotheses finished first', async () => {
    // prompt -> 1 .5, 2 .4, stop .1; after 1: 1 .99, stop .01; after 2: stop 1. At step 2, [2, stop] and [1, stop]
    // finish while [1, 1] (more probable so far) is still open: the answer is the best finished one, [2].
    const T: Record<number, number[]> = { [-1]: [0.1, 0.5, 0.4], 1: [0.01, 0.99, 0], 2: [1, 0, 0] };
    const model: TokenModel = { prime: async () => T[-1].map(Math.log), advance: async (t) => t.map((x) => T[x].map(Math.log)) };
    expect(await collect(decode(model, [9], { beam: 2, maxTokens: 10, stop: [0], lengthPenalty: 0 }))).toEqual([2]);
  });

  it('seeds: distinct safe integers give distinct streams; a fractional seed is an error', () => {
    const first = (seed: number) => Array.from({ length: 4 }, ((r) => () => r.nextU32())(new Rng(seed)));
    const seen = new Set([-1, 0, 1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER].map((s) => first(s).join(',')));
    expect(seen.size).toBe(7);
    expect(() => new Rng(1.5)).toThrow(/seed must be a safe integer, got 1\.5/);
  });

  it('vocabularies refuse what they cannot mean', () => {
    const v = Vocab.fromJSON({ chars: ['a', 'b'] });
    expect(() => v.decode(5 as never)).toThrow(/decode\(ids\): ids must be an array of token ids/);
    expect(() => Vocab.fromJSON({ chars: ['a'], lowercase: true })).toThrow(/unknown key "lowercase" for a character vocabulary/);
    expect(() => new Vocab(['a'], undefined as never)).toThrow(/options must say at least \{ kind/);
  });
});

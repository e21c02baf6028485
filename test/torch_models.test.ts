// test/torch_models.test.ts: whole PyTorch sequence models (Embedding -> recurrent -> Linear head) against PyTorch.
import { InferenceSession, Tensor } from 'lstm-wasm';
import { describe, expect, it } from 'vitest';
import { expectClose, fixturePath, json, npy } from './helpers';

interface Case {
  name: string;
  keys: string[];
  metadata: Record<string, string>;
  inputs: string[];
  outputs: string[];
}

const manifest = json<{ cases: string[] }>('torch-models/manifest.json');
const load = (name: string) => json<Case>(`torch-models/${name}/case.json`);
const open = (c: Case) => InferenceSession.create(fixturePath(`torch-models/${c.name}/model.safetensors`));
const feedsOf = (c: Case) => Object.fromEntries(c.inputs.map((n) => [n, npy(`torch-models/${c.name}/${n}.npy`)]));

describe('PyTorch sequence models: |ours - torch| <= 1e-5 * max(1, |torch|)', () => {
  it('covers every head and output the importer reads', () => {
    const cases = manifest.cases.map(load);
    for (const head of ['every_step', 'last_step', 'final_state', 'mean']) expect(cases.some((c) => c.metadata.head === head), head).toBe(true);
    for (const out of ['softmax', 'log_softmax', 'sigmoid', 'linear']) expect(cases.some((c) => c.metadata.output === out), out).toBe(true);
    expect(cases.some((c) => c.inputs.includes('lengths') && c.metadata.head === 'final_state')).toBe(true);
  });

  for (const name of manifest.cases) {
    it(name, async () => {
      const c = load(name);
      const s = await open(c);
      expect(s.inputNames).toEqual(expect.arrayContaining(c.inputs));
      expect(s.outputNames).toEqual(c.outputs);
      const out = await s.run(feedsOf(c));
      for (const o of c.outputs) expectClose(out[o], npy(`torch-models/${name}/${o}.npy`), `${name} ${o}`);
      // the same ids as int32
      if (c.inputs.includes('ids')) {
        const ids = npy(`torch-models/${name}/ids.npy`);
        const i32 = new Tensor('int32', Int32Array.from(ids.data as BigInt64Array, Number), ids.dims);
        const again = await s.run({ ...feedsOf(c), ids: i32 });
        for (const o of c.outputs) expect(again[o].data).toEqual(out[o].data);
      }
      await s.release();
    });
  }

  it('names the model and its head in source and the input docs', async () => {
    const s = await open(load('bigru_final_softmax'));
    expect(s.model.source).toBe('PyTorch nn.Embedding(30, 6) -> nn.GRU -> nn.Linear(20, 5) (final_state, softmax) state dict (safetensors)');
    expect(s.inputMetadata[0]).toMatchObject({ name: 'ids', types: ['int64', 'int32'], dims: ['T', 'B'], doc: 'token ids of nn.Embedding(30, 6)', range: [0, 29] });
    expect(s.outputMetadata[0]).toMatchObject({ name: 'probs', dims: ['B', 5] });
  });

  it('rejects an id outside the vocabulary, naming it', async () => {
    const s = await open(load('charlm_every_logits'));
    const ids = new Tensor('int64', BigInt64Array.from([0n, 3n, 23n, 1n]), [1, 4]);
    await expect(s.run({ ids })).rejects.toThrow(/input 'ids' has 23 at flat index 2; its values must be in 0\.\.22 \(token ids of nn\.Embedding\(23, 8\)\)/);
    // nn.Embedding refuses negative ids; ONNX Gather would wrap -1 to the last row
    const neg = new Tensor('int32', Int32Array.from([-1, 2]), [1, 2]);
    await expect(s.run({ ids: neg })).rejects.toThrow(/input 'ids' has -1 at flat index 0; its values must be in 0\.\.22/);
  });
});

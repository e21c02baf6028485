// test/int8.test.ts: int8-quantized recurrent weights — the kernel against a scalar reference, every PyTorch fixture
// within 2e-2 of PyTorch's float32 outputs, and the memory it saves.
import { InferenceSession, Tensor, writeSafetensors } from 'lstm-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { core, expectClose, expectError, fixturePath, json, npy, rng } from './helpers';

let c: Awaited<ReturnType<typeof core>>;
beforeAll(async () => {
  c = await core();
});

describe('gemv_q8 against a scalar reference', () => {
  for (const wide of [0, 1]) {
    for (const K of [0, 1, 3, 4, 5, 17, 300]) {
      for (const M of [16, 37]) {
        it(`${wide ? 'int16' : 'int8'} storage, K=${K} M=${M}, x at an unaligned address`, () => {
          const rand = rng(K * 31 + M), MP = (M + 15) & ~15;
          const W = Float32Array.from({ length: M * K }, rand), X = Float32Array.from({ length: K }, rand);
          const init = Float32Array.from({ length: MP }, rand);
          const m = c.mark();
          const w = c.alloc(M * K * 4 + 4), x = c.alloc(K * 4 + 16) + 4, xq = c.alloc(K * 2 + 16), sums = c.alloc(64);
          const panels = c.alloc(c.ex.q8_panel_bytes_of(M, K, wide) + 16), scales = c.alloc(MP * 4), ip = c.alloc(MP * 4), y = c.alloc(MP * 4 + 64);
          c.f32(w, M * K).set(W);
          c.f32(x, K).set(X);
          c.f32(ip, MP).set(init);
          c.ex.pack_q8_f32(panels, scales, w, M, K, K, wide);
          const s = c.ex.quant_i16_f32(xq, x, K);
          c.ex.gemv_q8(y, ip, panels, scales, xq, s, K, MP, wide, sums);
          const Y = c.f32(y, M);
          const dx = Math.max(0, ...Array.from(X, Math.abs)) / 32767; // one step of x's int16 grid
          for (let r = 0; r < M; r++) {
            const dw = Math.max(0, ...Array.from(W.subarray(r * K, (r + 1) * K), Math.abs)) / 127; // one step of the row's int8 grid
            let ref = init[r], bound = 1e-6;
            for (let k = 0; k < K; k++) {
              ref += W[r * K + k] * X[k];
              // |w x - wq xq| <= |w| dx/2 + |x| dw/2 + dw dx/4
              bound += (Math.abs(W[r * K + k]) * dx + Math.abs(X[k]) * dw + (dw * dx) / 2) / 2;
            }
            expect(Math.abs(Y[r] - ref), `row ${r}`).toBeLessThanOrEqual(bound * 1.0001);
          }
          c.reset(m);
        });
      }
    }
  }
});

describe("weights: 'int8' on every PyTorch fixture: within 2e-2 * max(1, |torch|)", () => {
  for (const name of json<{ cases: string[] }>('torch/manifest.json').cases) {
    it(name, async () => {
      const k = json(`torch/${name}/case.json`);
      const s = await InferenceSession.create(fixturePath(`torch/${name}/model.safetensors`), { ...k.flags, weights: 'int8' });
      const out = await s.run(Object.fromEntries(k.inputs.map((i: string) => [i, npy(`torch/${name}/${i}.npy`)])));
      for (const o of k.outputs) expectClose(out[o], npy(`torch/${name}/${o}.npy`), `${name} ${o}`, 2e-2);
    });
  }
});

describe('int8 sessions', () => {
  it('hold about a third of the memory of float32 for a large layer, and say what they hold', async () => {
    const H = 512, I = 256;
    const r = rng(3);
    const dict = [['weight_ih_l0', [4 * H, I]], ['weight_hh_l0', [4 * H, H]], ['bias_ih_l0', [4 * H]], ['bias_hh_l0', [4 * H]]]
      .map(([name, shape]) => ({ name: name as string, shape: shape as number[], data: Float32Array.from({ length: (shape as number[]).reduce((a, b) => a * b) }, () => r() * 0.05) }));
    const bytes = writeSafetensors(dict);
    const x = new Tensor('float32', Float32Array.from({ length: 4 * I }, r), [4, 1, I]);
    const f = await InferenceSession.create(bytes), q = await InferenceSession.create(bytes, { weights: 'int8' });
    await f.run({ x });
    await q.run({ x });
    // float32 weights: 4*512*(256+512)*4 = 6 MiB; int8: Wx 0.5 MiB stored wide (int16, 1 MiB), Wh 1 MiB as int8
    expect(q.memoryBytes).toBeLessThan(f.memoryBytes * 0.45);
  });

  it('refuses an unknown weights option', () =>
    expectError(() => InferenceSession.create(fixturePath('torch/lstm_basic/model.safetensors'), { weights: 'int4' as never }), 'OPTION',
      /weights must be 'float32' or 'int8', got "int4"/));
});

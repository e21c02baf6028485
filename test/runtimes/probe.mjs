// test/runtimes/probe.mjs: the computation every runtime test runs — plain JS that Node, Deno, Bun, Chromium (page and
// Web Worker) and workerd all load. It runs committed fixture models and returns their outputs as JSON, keyed by the
// reference file each must match; the test (in Node) compares them with test/runtimes/compare.ts.

const C = 'torch-onnx/classifier_bilstm/'; // ONNX: Embedding -> BiLSTM -> Linear -> Softmax, outputs from PyTorch
const L = 'torch-models/charlm_every_logits/'; // PyTorch state dict (safetensors): 2-layer char LSTM LM

/** Tensor -> JSON (float32 values are exact as JSON numbers). */
export const toJSON = (t) => ({ type: t.type, dims: [...t.dims], data: Array.from(t.data, Number) });

/**
 * `lib` is the loaded bundle (dist/index.js or dist/inline.js); `model(rel)` is what to hand InferenceSession.create
 * for a fixture file (a path, URL or bytes — as that runtime's users would); `bytes(rel)` reads a fixture's bytes.
 * `options` go to every InferenceSession.create (e.g. { wasm } on workerd).
 */
export async function probe(lib, model, bytes, options = {}) {
  const { InferenceSession, readNpy, generate } = lib;
  const npy = async (rel) => readNpy(await bytes(rel), rel);
  const outputs = {};

  const classifier = await InferenceSession.create(await model(`${C}model.onnx`), options);
  for (const set of ['a', 'b']) {
    const { probs } = await classifier.run({ ids: await npy(`${C}${set}_ids.npy`) });
    outputs[`${C}${set}_probs.npy`] = toJSON(probs);
  }
  await classifier.release();

  const lm = await InferenceSession.create(await model(`${L}model.safetensors`), options);
  const feeds = { ids: await npy(`${L}ids.npy`), h0: await npy(`${L}h0.npy`), c0: await npy(`${L}c0.npy`) };
  const out = await lm.run(feeds);
  for (const name of ['logits', 'h_n', 'c_n']) outputs[`${L}${name}.npy`] = toJSON(out[name]);
  const { greedy } = JSON.parse(new TextDecoder().decode(await bytes(`${L}case.json`)));
  const ids = [];
  for await (const t of generate(lm, greedy.prompt, { maxTokens: greedy.steps })) ids.push(t.id);
  await lm.release();

  return { relaxedSimd: lib.hasRelaxedSimd(), outputs, greedy: { [`${L}greedy_ids.npy`]: ids } };
}

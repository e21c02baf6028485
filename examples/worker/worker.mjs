// examples/worker/worker.mjs: lstm-wasm in a Cloudflare Worker / workerd — POST /infer runs the model on JSON tensors;
// POST /vad finds the speech in a WAV body with Silero VAD.
import wasm from 'lstm.wasm'; // a WebAssembly.Module: Workers compile wasm at deploy time and refuse to at run time
import model from 'model'; // the model file, as a Data module (ArrayBuffer)
import vadModel from 'silero_vad.onnx'; // Silero VAD (lstm-wasm's dist/models/silero_vad.onnx), a Data module too
import { InferenceSession, LstmWasmError, Tensor, readWav, speechTimestamps } from 'lstm-wasm';

/** A session made by the first request that needs it and shared by the next ones (made again if making it failed). */
function shared(bytes) {
  let session;
  return () => (session ??= InferenceSession.create(new Uint8Array(bytes), { wasm }).catch((e) => {
    session = undefined;
    throw e;
  }));
}
const sessions = { infer: shared(model), vad: shared(vadModel) };

const ARRAYS = { float32: Float32Array, int32: Int32Array, int64: BigInt64Array };

/** {"type": "int64", "dims": [1, 5], "data": [3, 1, 4, 1, 5]} -> Tensor */
function tensor(name, t) {
  const Array_ = ARRAYS[t?.type];
  if (!Array_ || !Array.isArray(t.dims) || !Array.isArray(t.data)) {
    throw new LstmWasmError('INPUT', `feed '${name}': expected {"type": ${Object.keys(ARRAYS).join('|')}, "dims": [...], "data": [...]}`);
  }
  if (t.type !== 'float32' && !t.data.every(Number.isSafeInteger)) throw new LstmWasmError('INPUT', `feed '${name}': ${t.type} data must be integers`);
  return new Tensor(t.type, Array_.from(t.data, t.type === 'int64' ? BigInt : Number), t.dims);
}

/** POST /infer {"<input>": {"type", "dims", "data"}, ...} -> {"outputs": {"<output>": {"type", "dims", "data"}, ...}} */
async function infer(request) {
  const s = await sessions.infer(), body = await request.json().catch(() => {
    throw new LstmWasmError('INPUT', 'the request body is not JSON');
  });
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new LstmWasmError('INPUT', 'expected a JSON object of feeds');
  const out = await s.run(Object.fromEntries(Object.entries(body).map(([k, v]) => [k, tensor(k, v)])));
  return { outputs: Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { type: t.type, dims: t.dims, data: Array.from(t.data, Number) }])) };
}

const VAD_OPTIONS = ['threshold', 'minSpeechMs', 'minSilenceMs', 'speechPadMs', 'maxSpeechS'];

/**
 * POST /vad?threshold=0.5&minSpeechMs=250&minSilenceMs=100&speechPadMs=30 with a WAV file as the body (8/16/24/32-bit or
 * float, any rate: resampled to 16 kHz, 8 kHz stays 8 kHz) -> {"sampleRate": the model's rate, "frame": samples per
 * frame, "probs": [one per frame], "segments": [{"start": s, "end": s, "startSample", "endSample"}, ...]}
 */
async function vad(request, url) {
  const options = {};
  for (const [k, v] of url.searchParams) {
    if (!VAD_OPTIONS.includes(k)) throw new LstmWasmError('OPTION', `unknown parameter '${k}'; expected ${VAD_OPTIONS.join(', ')}`);
    options[k] = Number(v); // the VAD refuses what is not a number >= 0
  }
  const session = await sessions.vad(), body = new Uint8Array(await request.arrayBuffer());
  let wav;
  try {
    wav = readWav(body, 'the request body');
  } catch (e) {
    throw Object.assign(e, { status: 400 }); // FORMAT: not a WAV file the reader takes — the client's to fix
  }
  const { probs, segments, modelRate } = await speechTimestamps(wav.samples, { ...options, sampleRate: wav.sampleRate, model: session });
  return { sampleRate: modelRate, frame: modelRate === 16000 ? 512 : 256, probs: Array.from(probs), segments };
}

const ROUTES = { '/infer': infer, '/vad': vad };
const reply = (body, status = 200) => Response.json(body, { status });

export default {
  async fetch(request) {
    const url = new URL(request.url), route = ROUTES[url.pathname];
    if (!route) return reply({ error: 'POST /infer with {"<input>": {"type", "dims", "data"}, ...}, or POST /vad with a WAV file' }, 404);
    if (request.method !== 'POST') return reply({ error: 'POST only' }, 405);
    try {
      return reply(await route(request, url));
    } catch (e) {
      const bad = e.status === 400 || (e instanceof LstmWasmError && (e.code === 'INPUT' || e.code === 'OPTION'));
      return reply({ error: e instanceof LstmWasmError ? `${e.code}: ${e.message}` : String(e) }, bad ? 400 : 500);
    }
  },
};

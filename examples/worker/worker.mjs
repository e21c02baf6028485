// examples/worker/worker.mjs: lstm-wasm in a Cloudflare Worker / workerd — POST /infer runs the model on JSON tensors.
import wasm from 'lstm.wasm'; // a WebAssembly.Module: Workers compile wasm at deploy time and refuse to at run time
import model from 'model'; // the model file, as a Data module (ArrayBuffer)
import { InferenceSession, LstmWasmError, Tensor } from 'lstm-wasm';

let session; // a promise of the session: created by the first request, shared by the next ones

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

const reply = (body, status = 200) => Response.json(body, { status });

export default {
  async fetch(request) {
    if (new URL(request.url).pathname !== '/infer') return reply({ error: 'POST /infer with {"<input>": {"type", "dims", "data"}, ...}' }, 404);
    if (request.method !== 'POST') return reply({ error: 'POST only' }, 405);
    try {
      session ??= InferenceSession.create(new Uint8Array(model), { wasm }).catch((e) => {
        session = undefined;
        throw e;
      });
      const s = await session, body = await request.json().catch(() => {
        throw new LstmWasmError('INPUT', 'the request body is not JSON');
      });
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new LstmWasmError('INPUT', 'expected a JSON object of feeds');
      const out = await s.run(Object.fromEntries(Object.entries(body).map(([k, v]) => [k, tensor(k, v)])));
      const outputs = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { type: t.type, dims: t.dims, data: Array.from(t.data, Number) }]));
      return reply({ outputs });
    } catch (e) {
      const bad = e instanceof LstmWasmError && (e.code === 'INPUT' || e.code === 'OPTION');
      return reply({ error: e instanceof LstmWasmError ? `${e.code}: ${e.message}` : String(e) }, bad ? 400 : 500);
    }
  },
};

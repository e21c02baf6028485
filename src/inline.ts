// inline.ts: the lstm-wasm/inline entry — the whole library (lstm-wasm/vad included) in one file with the wasm core embedded, so nothing is fetched.
import { LstmWasmError } from './errors.js';
import { assetUrl, hasRelaxedSimd, compileCore as compileFrom, type WasmSource } from './runtime.js';
import { InferenceSession as Session, type SessionOptions } from './session.js';
import type { SegmentOptions } from './vad/detect.js';
import { type Vad, type VadOptions, createVad as createVadOn, speechTimestamps as speechTimestampsOn } from './vad/vad.js';

export * from './index.js';
export * from './vad.js'; // lstm-wasm/vad too; createVad and speechTimestamps are redefined below to run on the embedded core

// Filled in by scripts/build.mjs (esbuild `define`): base64 of build/lstm.wasm and build/lstm-relaxed.wasm.
declare const __LSTM_WASM_SIMD__: string;
declare const __LSTM_WASM_RELAXED__: string;

function fromBase64(b64: string): Uint8Array {
  const s = atob(b64), bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

let embedded: Promise<WebAssembly.Module> | undefined;

/** The embedded core, compiled once: the relaxed-SIMD build where the engine runs it (Chromium), else the plain SIMD one. */
function embeddedCore(): Promise<WebAssembly.Module> {
  embedded ??= compileFrom(fromBase64(hasRelaxedSimd() ? __LSTM_WASM_RELAXED__ : __LSTM_WASM_SIMD__)).catch((e) => {
    embedded = undefined;
    throw new LstmWasmError('RUNTIME', `${(e as Error).message}; where wasm cannot be compiled at run time (Cloudflare Workers, ` +
      'workerd), import lstm.wasm (lstm-wasm/lstm.wasm) as a module and pass it as the `wasm` option');
  });
  return embedded;
}

/** Compiles the wasm core: `source` when given, else the embedded one (compiled once and cached). */
export function compileCore(source?: WasmSource): Promise<WebAssembly.Module> {
  return source === undefined ? embeddedCore() : compileFrom(source);
}

/**
 * InferenceSession whose `wasm` option defaults to the embedded core. A `wasm` given still wins — on Cloudflare
 * Workers / workerd, which cannot compile wasm from bytes at run time, pass the imported `lstm.wasm` module.
 * Sessions are ordinary InferenceSession instances (`instanceof` holds); only `create` differs.
 */
export const InferenceSession: typeof Session = new Proxy(Session, {
  get(target, key, receiver) {
    if (key !== 'create') return Reflect.get(target, key, receiver);
    return async (model: Parameters<typeof Session.create>[0], options: SessionOptions = {}) => {
      // anything but an options object without `wasm` goes through untouched, so create's own checks report it
      if (options === null || typeof options !== 'object' || options.wasm !== undefined) return target.create(model, options);
      return target.create(model, { ...options, wasm: await embeddedCore() });
    };
  },
});
export type InferenceSession = Session;

/** The VAD's model as a session on the embedded core (a session given is used as it is). */
async function vadSession<O extends VadOptions>(options: O): Promise<O> {
  if (options === null || typeof options !== 'object' || options.model instanceof Session) return options; // the VAD's own checks report it
  return { ...options, model: await InferenceSession.create(options.model ?? assetUrl('models/silero_vad.onnx')) };
}

/** lstm-wasm/vad's createVad, on the embedded core. The default model is models/silero_vad.onnx beside this file (dist/models/). */
export async function createVad(options: VadOptions = {}): Promise<Vad> {
  return createVadOn(await vadSession(options));
}

/** lstm-wasm/vad's speechTimestamps, on the embedded core. */
export async function speechTimestamps(audio: Float32Array, options: VadOptions & SegmentOptions = {}): ReturnType<typeof speechTimestampsOn> {
  return speechTimestampsOn(audio, await vadSession(options));
}

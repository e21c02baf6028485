# examples/worker/config.capnp: workerd serving the bundled topic classifier at POST http://127.0.0.1:8787/infer and
# Silero VAD at POST http://127.0.0.1:8787/vad (a WAV body; replies with each frame's speech probability and the segments)
#   npm run build && npx workerd serve examples/worker/config.capnp
#   curl -s -X POST 127.0.0.1:8787/infer -d '{"ids": {"type": "int64", "dims": [1, 4], "data": [32, 12, 8, 227]}}'
#   curl -s -X POST '127.0.0.1:8787/vad?threshold=0.5' --data-binary @test/fixtures/vad/audio/speech_16k.wav
# lstm-wasm/inline is the library in one module (importers and lstm-wasm/vad included); its embedded wasm goes unused here, because a
# Worker cannot compile wasm from bytes at run time: the worker passes the lstm.wasm module as the `wasm` option.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker", esModule = embed "worker.mjs"),
    (name = "lstm-wasm", esModule = embed "../../dist/inline.js"),
    (name = "lstm.wasm", wasm = embed "../../dist/lstm.wasm"),
    (name = "model", data = embed "../models/topic/model.onnx"),
    (name = "silero_vad.onnx", data = embed "../../dist/models/silero_vad.onnx"),
  ],
  compatibilityDate = "2025-01-01",
);

// examples/bun.ts: lstm-wasm in Bun — the bundled forecaster reads a series and predicts the next 24 steps.
//   bun examples/bun.ts
import { InferenceSession, forecast } from '../dist/index.js'; // in your project: from 'lstm-wasm'

// model.onnx: the network of model.safetensors exported by torch.onnx (LSTM(1, 64, 2 layers) -> Linear(64, 1)).
const bytes = await Bun.file(`${import.meta.dir}/models/forecast/model.onnx`).bytes();
const session = await InferenceSession.create(bytes);

const series = Array.from({ length: 96 }, (_, t) => 0.6 * Math.sin((2 * Math.PI * t) / 24) + 0.3 * Math.sin((2 * Math.PI * t) / 9 + 1));
const next = (await forecast(session, series, 24)) as number[];

const bars = '▁▂▃▄▅▆▇█', lo = Math.min(...series, ...next), hi = Math.max(...series, ...next);
const spark = (xs: number[]) => xs.map((x) => bars[Math.round(((x - lo) / (hi - lo)) * 7)]).join('');
console.log(`series   ${spark(series.slice(-48))}`);
console.log(`forecast ${' '.repeat(48)}${spark(next)}`);
console.log(`next 24: ${next.map((x) => x.toFixed(3)).join(' ')}`);

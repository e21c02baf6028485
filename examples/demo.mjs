// examples/demo.mjs: npm start — the bundled models through the lstm-wasm command: generate, classify, forecast.
import { main } from '../dist/cli.js';

const M = 'examples/models';
/** The series the demo forecasts: two sines with a little noise-free drift, 96 steps. */
const series = Array.from({ length: 96 }, (_, t) => 0.6 * Math.sin((2 * Math.PI * t) / 24) + 0.3 * Math.sin((2 * Math.PI * t) / 9 + 1) + 0.002 * t);

const demos = [
  ['generate', [`${M}/charlm/model.safetensors`, '--prompt', 'And God said, ', '--max-tokens', '160', '--temperature', '0.6', '--top-k', '10', '--seed', '5']],
  ['classify', [`${M}/topic/model.onnx`, '--text', 'And the LORD spake unto Moses, saying, Speak unto the children of Israel',
    '--text', 'Grace be unto you, and peace, from God our Father, and from the Lord Jesus Christ']],
  ['forecast', [`${M}/forecast/model.safetensors`, '--series', series.map((v) => v.toFixed(4)).join(','), '--horizon', '48']],
];

for (const [cmd, args] of demos) {
  const shown = args.map((a) => (a.length > 48 ? `'${a.slice(0, 45)}…'` : /[\s,]/.test(a) ? `'${a}'` : a)).join(' ');
  console.log(`\n$ lstm-wasm ${cmd} ${shown}`);
  const t0 = performance.now();
  const code = await main([cmd, ...args]);
  if (code !== 0) process.exit(code);
  console.log(`(${(performance.now() - t0).toFixed(0)} ms, model load included)`);
}

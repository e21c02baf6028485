// examples/deno.ts: lstm-wasm in Deno — the bundled character LSTM continues a prompt, streamed character by character.
//   deno run --allow-read examples/deno.ts ["And God said, "]
import { InferenceSession, Vocab, generate } from '../dist/index.js'; // in your project: from 'npm:lstm-wasm'

const dir = new URL('./models/charlm/', import.meta.url);
const session = await InferenceSession.create(new URL('model.safetensors', dir)); // a PyTorch state dict + head
const vocab = await Vocab.load(new URL('vocab.json', dir));

const prompt = Deno.args[0] ?? 'And God said, ';
const out = new TextEncoder();
await Deno.stdout.write(out.encode(prompt));
for await (const { text } of generate(session, prompt, { vocab, maxTokens: 200, temperature: 0.7, topK: 12, seed: 7 })) {
  await Deno.stdout.write(out.encode(text));
}
console.log();

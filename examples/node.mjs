// examples/node.mjs: lstm-wasm in Node — the bundled topic classifier tells which part of the Bible a verse is from.
//   node examples/node.mjs ["verse" ...]
import { InferenceSession, Vocab, classify } from '../dist/index.js'; // in your project: from 'lstm-wasm'

const dir = new URL('./models/topic/', import.meta.url);
const session = await InferenceSession.create(new URL('model.onnx', dir)); // Embedding -> BiLSTM -> Linear, via torch.onnx
const vocab = await Vocab.load(new URL('vocab.json', dir)); // words, tokenizer and the six class names

const verses = process.argv.length > 2 ? process.argv.slice(2) : [
  'And the LORD spake unto Moses, saying, Speak unto the children of Israel',
  'The LORD is my shepherd; I shall not want.',
  'Grace be unto you, and peace, from God our Father, and from the Lord Jesus Christ.',
];
for (const verse of verses) {
  const { label, probs, index } = await classify(session, verse, { vocab });
  console.log(`${label.padEnd(20)} ${(100 * probs[index]).toFixed(1).padStart(5)}%  ${verse}`);
}

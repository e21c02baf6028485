// text.ts: the lstm-wasm/text entry — words to numbers: tokenizer, vocabulary, vectorizers (re-exports only).
export { Tokenizer, TOKEN_PATTERNS, type TokenizerOptions, type TokenPatternName } from './text/tokenizer.js';
export { Vocabulary, SPECIALS, type SpecialRole, type VocabularyOptions } from './text/vocabulary.js';
export { CsrMatrix } from './text/sparse.js';
export { oneHot, CountVectorizer, TfidfVectorizer, compareCodePoints, type CountVectorizerOptions, type TfidfOptions } from './text/vectorizers.js';
export { cooccurrenceMatrix, type CooccurrenceOptions } from './text/cooccurrence.js';
export { nearestSpellings } from './text/spelling.js';
export { Vocab, type VocabOptions } from './text/vocab.js';
export { LstmWasmError, type ErrorCode } from './errors.js';

// text.ts: the lstm-wasm/text entry — words to numbers: tokenizer, vocabulary, vectorizers (re-exports only).
export { Tokenizer, TOKEN_PATTERNS, type TokenizerOptions, type TokenPatternName } from './text/tokenizer.js';
export { Vocabulary, SPECIALS, type SpecialRole, type VocabularyOptions } from './text/vocabulary.js';
export { CsrMatrix } from './text/sparse.js';
export { oneHot, CountVectorizer, TfidfVectorizer, compareCodePoints, type CountVectorizerOptions, type TfidfOptions } from './text/vectorizers.js';
export { cooccurrenceMatrix, type CooccurrenceOptions } from './text/cooccurrence.js';
export { nearestSpellings } from './text/spelling.js';
export { Vocab, type VocabOptions } from './text/vocab.js';
export { LstmWasmError, type ErrorCode } from './errors.js';
export { Word2Vec, type Word2VecOptions, type Word2VecProgress, type Word2VecStats } from './text/word2vec.js';
export { KeyedVectors, type KeyedVectorsOptions, type SearchOptions, type Similar, type Term } from './text/keyed_vectors.js';
export { readVectors, formatFloat32, vectorFileChunks, type ReadVectorsOptions, type VectorFormat, type VectorRows } from './text/vector_files.js';
export { evaluateWordPairs, evaluateWordAnalogies, type EvaluateOptions, type WordPairsResult, type AnalogiesResult, type AnalogySection } from './text/evaluate.js';

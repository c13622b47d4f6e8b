// The `text` namespace: a word vocabulary with captioning's special tokens, and corpus BLEU.
export {
  Vocabulary, tokenize, NULL_TOKEN, START_TOKEN, END_TOKEN, UNK_TOKEN, NULL_ID, START_ID, END_ID, UNK_ID,
} from "./vocab.js";
export type { EncodeOptions, DecodeOptions } from "./vocab.js";
export { corpusBleu, sentenceBleu } from "./bleu.js";
export type { BleuScores, Sentence } from "./bleu.js";

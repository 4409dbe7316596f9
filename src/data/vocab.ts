// A tokenizer's vocabulary identity: its size and the SHA-256 of every token string by id. Token ids
// from two tokenizers with the same identity mean the same tokens, so a tokenization made with one
// is valid input for a model that ships the other; any other vocabulary is refused before work starts.
import { sha256Hex } from '../storage/chunks';
import type { TextTokenizer } from './tokenizer';

export interface VocabIdentity {
  /** Where the vocabulary came from, as the user knows it: "Built-in demo BPE", "<repo> tokenizer", a file name. */
  source: string;
  /** Largest id + 1, added tokens included. */
  size: number;
  /** SHA-256 of the JSON array of token strings, index = id ("" for an unused id). */
  hash: string;
}

export async function vocabularyOf(tokenizer: Pick<TextTokenizer, 'vocabSize' | 'idToToken'>, source: string): Promise<VocabIdentity> {
  const tokens = Array.from({ length: tokenizer.vocabSize }, (_, id) => tokenizer.idToToken(id) ?? '');
  return { source, size: tokenizer.vocabSize, hash: await sha256Hex(new TextEncoder().encode(JSON.stringify(tokens))) };
}

export function sameVocabulary(a: VocabIdentity, b: VocabIdentity): boolean {
  return a.size === b.size && a.hash === b.hash;
}

/** What to tell someone whose tokenization (`have`) does not fit the model whose tokenizer is `need`. */
export function vocabMismatchMessage(have: VocabIdentity, need: VocabIdentity, model: string): string {
  return (
    `This tokenization was made with '${have.source}' (${have.size.toLocaleString('en-US')} tokens), not the vocabulary of ${model} ` +
    `(${need.size.toLocaleString('en-US')} tokens): tokenize this dataset with '${need.source}' on the Datasets page.`
  );
}

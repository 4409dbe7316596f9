// The tokenizer that ships with the app: a byte-level BPE trained on the demo corpus, so datasets
// can be tokenized offline before any language model is loaded (and tests need no download).

import { buildByteLevelBpe } from './byteLevelBpe';
import { generateDemoCorpus } from './demoCorpus';
import { loadTokenizer, type TextTokenizer } from './tokenizer';

export const BUILTIN_TOKENIZER_ID = 'builtin:demo-bpe';
export const BUILTIN_TOKENIZER_NAME = 'Built-in demo BPE';

let cached: TextTokenizer | undefined;

/** Trained once per thread (deterministic: same corpus, same merges, same ids). */
export function builtinTokenizer(): TextTokenizer {
  if (!cached) {
    const { tokenizerJson, tokenizerConfig } = buildByteLevelBpe(
      generateDemoCorpus({ documents: 400 }).map((d) => d.text),
      300,
    );
    cached = loadTokenizer(tokenizerJson, tokenizerConfig);
  }
  return cached;
}

// A shared test tokenizer: byte-level BPE trained on the demo corpus (built once per process).

import { generateDemoCorpus } from '../demoCorpus';
import { loadTokenizer, type TextTokenizer } from '../tokenizer';
import { buildByteLevelBpe } from './byteLevelBpe';

let cached: TextTokenizer | undefined;

export function demoTokenizer(): TextTokenizer {
  if (!cached) {
    const { tokenizerJson, tokenizerConfig } = buildByteLevelBpe(
      generateDemoCorpus({ documents: 400 }).map((d) => d.text),
      300,
    );
    cached = loadTokenizer(tokenizerJson, tokenizerConfig);
  }
  return cached;
}

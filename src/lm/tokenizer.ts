// Tokenizer loading through @huggingface/tokenizers (no ORT), from a repo's tokenizer.json and
// tokenizer_config.json.
import { Tokenizer } from '@huggingface/tokenizers';
import { LmError } from './errors';

export interface LmTokenizer {
  encode(text: string): number[];
  decode(ids: number[]): string;
  /** Token strings, for showing contexts token by token. */
  tokens(text: string): string[];
}

export function loadTokenizer(tokenizerJson: object, tokenizerConfig: object = {}): LmTokenizer {
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(tokenizerJson, tokenizerConfig);
  } catch (e) {
    throw new LmError('INVALID_CONFIG', `tokenizer.json could not be loaded: ${(e as Error).message}`, { cause: (e as Error).message });
  }
  return {
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    decode: (ids) => tok.decode(ids, { skip_special_tokens: false }),
    tokens: (text) => tok.encode(text, { add_special_tokens: false }).tokens,
  };
}

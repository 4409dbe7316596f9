// The dataset side of a model's tokenizer: any Hugging Face tokenizer.json (+ tokenizer_config.json)
// through @huggingface/tokenizers, with vocabulary size and the special ids SAELens options refer to.

import { Tokenizer } from '@huggingface/tokenizers';
import { DataError } from './errors';

export interface SpecialTokenIds {
  bos?: number;
  eos?: number;
  sep?: number;
  pad?: number;
  unk?: number;
}

export interface TextTokenizer {
  /** Token ids of `text`; `addSpecialTokens` runs the tokenizer's post-processor (e.g. Llama's BOS). */
  encode(text: string, addSpecialTokens?: boolean): number[];
  decode(ids: ArrayLike<number>): string;
  idToToken(id: number): string | undefined;
  /** Largest id + 1, added tokens included. */
  vocabSize: number;
  special: SpecialTokenIds;
  /** Every special id: the added tokens marked special plus the config's bos/eos/sep/pad/unk. */
  allSpecialIds: number[];
}

type TokenSpec = string | { content?: string } | null | undefined;

function tokenContent(spec: TokenSpec): string | undefined {
  if (typeof spec === 'string') return spec;
  return spec?.content ?? undefined;
}

/** Builds a tokenizer; rejects JSON that is not a tokenizer.json with `invalid-tokenizer`. */
export function loadTokenizer(tokenizerJson: unknown, tokenizerConfig: Record<string, unknown> = {}): TextTokenizer {
  const json = tokenizerJson as { model?: { type?: string }; added_tokens?: { id: number; content: string; special?: boolean }[] };
  if (json === null || typeof json !== 'object' || !json.model || typeof json.model !== 'object') {
    throw new DataError('invalid-tokenizer', 'The tokenizer file has no "model" section. Load the model\'s tokenizer.json.', {});
  }
  let tok: Tokenizer;
  try {
    tok = new Tokenizer({ added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...json }, tokenizerConfig);
  } catch (e) {
    throw new DataError('invalid-tokenizer', `The tokenizer could not be built: ${e instanceof Error ? e.message : String(e)}.`, {
      modelType: json.model.type,
    });
  }
  let maxId = -1;
  for (const id of tok.get_vocab(true).values()) if (id > maxId) maxId = id;

  const special: SpecialTokenIds = {};
  for (const key of ['bos', 'eos', 'sep', 'pad', 'unk'] as const) {
    const content = tokenContent(tokenizerConfig[`${key}_token`] as TokenSpec);
    const id = content === undefined ? undefined : tok.token_to_id(content);
    if (id !== undefined) special[key] = id;
  }
  const addedSpecial = (json.added_tokens ?? []).filter((t) => t.special).map((t) => t.id);
  // GPT-2 style tokenizers without a config have a single special token that is both BOS and EOS.
  if (special.bos === undefined && special.eos === undefined && addedSpecial.length === 1) {
    special.bos = special.eos = addedSpecial[0];
  }
  const allSpecialIds = [...new Set([...addedSpecial, ...Object.values(special)])].sort((a, b) => a - b);

  return {
    encode: (text, addSpecialTokens = true) => tok.encode(text, { add_special_tokens: addSpecialTokens }).ids,
    decode: (ids) => tok.decode(Array.from(ids)),
    idToToken: (id) => tok.id_to_token(id),
    vocabSize: maxId + 1,
    special,
    allSpecialIds,
  };
}

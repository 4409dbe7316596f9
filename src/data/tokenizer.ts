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

const SPECIAL_KEYS = ['bos', 'eos', 'sep', 'pad', 'unk'] as const;

function configError(message: string, details: Record<string, unknown>): DataError {
  return new DataError('invalid-tokenizer', `tokenizer_config.json cannot be loaded: ${message} Fix or remove the file and try again.`, details);
}

/**
 * The parts of a tokenizer_config.json the tokenizer library reads, checked before it is used:
 * an object; bos/eos/sep/pad/unk tokens that are strings or {content} and exist in tokenizer.json;
 * `additional_special_tokens` a list; `chat_template` a string or a list of {name, template}.
 */
function checkTokenizerConfig(config: unknown, tok: Tokenizer): asserts config is Record<string, unknown> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw configError('it must hold a JSON object.', {});
  const cfg = config as Record<string, unknown>;
  for (const key of SPECIAL_KEYS) {
    const field = `${key}_token`;
    const spec = cfg[field];
    if (spec === undefined || spec === null) continue;
    const content = typeof spec === 'string' ? spec : typeof spec === 'object' && typeof (spec as { content?: unknown }).content === 'string' ? (spec as { content: string }).content : undefined;
    if (content === undefined) throw configError(`"${field}" must be a string or an object with "content", not ${JSON.stringify(spec)}.`, { field });
    if (tok.token_to_id(content) === undefined) {
      throw configError(`"${field}" is "${content}", which tokenizer.json does not contain (the config belongs to another tokenizer).`, { field, token: content });
    }
  }
  const extra = cfg.additional_special_tokens;
  if (extra !== undefined && extra !== null && !Array.isArray(extra)) throw configError('"additional_special_tokens" must be a list.', { field: 'additional_special_tokens' });
  const template = cfg.chat_template;
  const namedTemplates = (t: unknown[]) => t.every((x) => x !== null && typeof x === 'object' && typeof (x as { name?: unknown }).name === 'string' && typeof (x as { template?: unknown }).template === 'string');
  if (template !== undefined && template !== null && typeof template !== 'string' && !(Array.isArray(template) && namedTemplates(template))) {
    throw configError('"chat_template" must be a string or a list of {name, template}.', { field: 'chat_template' });
  }
}

/**
 * Builds a tokenizer; rejects JSON that is not a tokenizer.json, and a tokenizer_config.json the
 * library cannot load, with `invalid-tokenizer` naming the file and the field.
 */
export function loadTokenizer(tokenizerJson: unknown, tokenizerConfig: unknown = {}): TextTokenizer {
  const json = tokenizerJson as { model?: { type?: string }; added_tokens?: { id: number; content: string; special?: boolean }[] };
  if (json === null || typeof json !== 'object' || !json.model || typeof json.model !== 'object') {
    throw new DataError('invalid-tokenizer', 'The tokenizer file has no "model" section. Load the model\'s tokenizer.json.', {});
  }
  const build = (config: object) => new Tokenizer({ added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...json }, config);
  let tok: Tokenizer;
  try {
    tok = build({});
  } catch (e) {
    throw new DataError('invalid-tokenizer', `The tokenizer could not be built: ${e instanceof Error ? e.message : String(e)}.`, {
      modelType: json.model.type,
    });
  }
  checkTokenizerConfig(tokenizerConfig, tok);
  try {
    tok = build(tokenizerConfig);
  } catch (e) {
    throw configError(`${e instanceof Error ? e.message : String(e)}.`, { modelType: json.model.type });
  }
  let maxId = -1;
  for (const id of tok.get_vocab(true).values()) if (id > maxId) maxId = id;

  const special: SpecialTokenIds = {};
  for (const key of SPECIAL_KEYS) {
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

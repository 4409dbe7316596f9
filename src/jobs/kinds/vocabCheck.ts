// Tokenizers that match: a downloaded model's own tokenizer (read from its cached files, offered
// when a dataset is tokenized), its vocabulary identity, and the check that refuses a tokenization
// from another vocabulary before an extraction or a live training run does any work.
import { loadTokenizer } from '../../data/tokenizer';
import { sameVocabulary, vocabMismatchMessage, vocabularyOf, type VocabIdentity } from '../../data/vocab';
import { LmError } from '../../lm/errors';
import { fetchHubFile } from '../../lm/hub';
import type { LanternDb, ModelRecord, TokenizationRecord } from '../../storage/db';
import { JobError } from '../types';
import { openTokenizer, type TokenizerSpec } from './tokenize';

/** How a model's own tokenizer is listed: "<repo> tokenizer". */
export function modelTokenizerName(model: Pick<ModelRecord, 'repo'>): string {
  return `${model.repo} tokenizer`;
}

/** The model's tokenizer.json and tokenizer_config.json (when the repo has one), from the cache it was downloaded into. */
export async function modelTokenizerSpec(model: ModelRecord): Promise<Extract<TokenizerSpec, { type: 'model' }>> {
  const opts = { host: model.host, revision: model.revision };
  const blob = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/json' });
  const file = blob(await fetchHubFile(model.repo, 'tokenizer.json', opts));
  let config: Blob | undefined;
  if (!model.files || model.files.some((f) => f.path === 'tokenizer_config.json')) {
    try {
      config = blob(await fetchHubFile(model.repo, 'tokenizer_config.json', opts));
    } catch (e) {
      if (!(e instanceof LmError && e.code === 'FILE_NOT_FOUND')) throw e;
    }
  }
  return { type: 'model', modelId: model.id, name: modelTokenizerName(model), file, ...(config ? { config } : {}) };
}

const modelVocabs = new Map<string, Promise<VocabIdentity>>();

/** The vocabulary of a model's own tokenizer (computed once per model and thread). */
export function modelVocabulary(model: ModelRecord): Promise<VocabIdentity> {
  let v = modelVocabs.get(model.id);
  if (!v) {
    v = modelTokenizerSpec(model).then(async (spec) => vocabularyOf(await openTokenizer(spec), spec.name));
    v.catch(() => modelVocabs.delete(model.id));
    modelVocabs.set(model.id, v);
  }
  return v;
}

/** The vocabulary a tokenization was made with: recorded, or rebuilt from its tokenizer (older records); undefined when neither is there. */
export async function tokenizationVocabulary(record: TokenizationRecord): Promise<VocabIdentity | undefined> {
  if (record.vocab) return record.vocab;
  if (!record.tokenizer) return undefined;
  return vocabularyOf(await openTokenizer(record.tokenizer), record.tokenizerName ?? record.modelId);
}

/** The model's own tokenizer, for a model given as files already loaded (the worker has them when it opens the model). */
export function vocabularyOfFiles(tokenizerJson: unknown, tokenizerConfig: Record<string, unknown>, model: Pick<ModelRecord, 'repo'>): Promise<VocabIdentity> {
  return vocabularyOf(loadTokenizer(tokenizerJson, tokenizerConfig), modelTokenizerName(model));
}

/**
 * Refuses (JobError 'vocab-mismatch', naming the tokenizer to use) a tokenization whose vocabulary
 * is not the model's, and one that is not ready. `modelVocab` defaults to the model's cached tokenizer.
 */
export async function checkTokenizationFits(db: LanternDb, tokenizationId: string, model: ModelRecord, modelVocab?: VocabIdentity): Promise<void> {
  const record = await db.tokenizations.get(tokenizationId);
  if (!record || record.status !== 'ready') {
    throw new JobError('tokenization-not-ready', 'The tokenization is not ready (still running, or deleted).', { tokenizationId });
  }
  const have = await tokenizationVocabulary(record);
  if (!have) return;
  const need = modelVocab ?? (await modelVocabulary(model));
  if (!sameVocabulary(have, need)) {
    throw new JobError('vocab-mismatch', vocabMismatchMessage(have, need, model.repo), {
      tokenizationId,
      modelId: model.id,
      tokenizer: have.source,
      vocabSize: have.size,
      modelTokenizer: need.source,
      modelVocabSize: need.size,
    });
  }
}

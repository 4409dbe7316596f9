// Tokenizers that match: a model's own tokenizer read back from its files, the vocabulary each
// tokenization records, and the refusal of a tokenization from another vocabulary, naming the
// tokenizer to use — for recorded vocabularies and for older records that only kept their tokenizer.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHubMirror, type HubMirror } from '../../../scripts/hub-mirror';
import { DEFAULT_PRETOKENIZE_CONFIG } from '../../data/pretokenize';
import { FIXTURE_ORG } from '../../lm/fixtures/repos';
import { fixture, useNodeWasm } from '../../lm/testing';
import { downloadModel } from '../../state/models';
import { getDb, type ModelRecord } from '../../storage/db';
import type { JobQueue } from '../queue';
import { cpuQueue, settled } from '../testing';
import type { JobKind } from '../types';
import { resolveConfig } from '../../sae/config';
import { extractJob, type ExtractParams } from './extract';
import { ingestJob, type IngestParams } from './ingest';
import { trainJob, type TrainParams } from './train';
import { tokenizationIdFor, tokenizeJob, tokenizerIdentity, type TokenizerSpec } from './tokenize';
import { checkTokenizationFits, modelTokenizerSpec, modelVocabulary } from './vocabCheck';

const GPT2 = `${FIXTURE_ORG}/tiny-gpt2`;
const db = getDb();
let mirror: HubMirror;
let queue: JobQueue;
let gpt2: ModelRecord;

beforeAll(async () => {
  useNodeWasm();
  mirror = await startHubMirror({ repos: { [GPT2]: fixture('tiny-gpt2').files } });
  queue = cpuQueue(db, [ingestJob, tokenizeJob, extractJob, trainJob] as unknown as JobKind[]);
  queue.start();
  gpt2 = await downloadModel({ repo: GPT2, revision: 'main', dtype: 'fp32', host: mirror.url }, () => {});
  const text = ['the fox and the otter', 'numbers 1 2 3 and colours', 'a third short row of text'].map((t) => JSON.stringify({ text: t })).join('\n');
  const params: IngestParams = { datasetId: 'ds_v', name: 'rows', source: { type: 'file', file: new Blob([text]), fileName: 'rows.jsonl', format: 'jsonl', field: 'text' } };
  expect((await settled(db, await queue.enqueue({ kind: 'ingest', params }))).status).toBe('done');
});
afterAll(async () => {
  await queue.close();
  await mirror.close();
});
beforeEach(async () => {
  await db.tokenizations.clear();
  await db.tokenChunks.clear();
});

async function tokenize(tokenizer: TokenizerSpec): Promise<string> {
  const config = { ...DEFAULT_PRETOKENIZE_CONFIG, contextSize: 8 };
  const tokenizationId = await tokenizationIdFor('ds_v', (await tokenizerIdentity(tokenizer)).id, config);
  const job = await settled(db, await queue.enqueue({ kind: 'tokenize', params: { datasetId: 'ds_v', tokenizationId, tokenizer, config } }));
  expect(job.status).toBe('done');
  return tokenizationId;
}

describe('tokenizers that match the model', () => {
  it("a model's own tokenizer is named after it and its tokenization fits the model", async () => {
    const spec = await modelTokenizerSpec(gpt2);
    expect(spec).toMatchObject({ type: 'model', modelId: gpt2.id, name: `${GPT2} tokenizer` });
    expect(spec.config).toBeInstanceOf(Blob);
    const id = await tokenize(spec);
    const record = await db.tokenizations.get(id);
    expect(record?.vocab).toEqual(await modelVocabulary(gpt2));
    await expect(checkTokenizationFits(db, id, gpt2)).resolves.toBeUndefined();
  });

  it('the same tokenizer.json dropped as a file has the same vocabulary and fits too', async () => {
    const { file, config } = await modelTokenizerSpec(gpt2);
    const id = await tokenize({ type: 'file', name: 'tokenizer.json', file, config });
    await expect(checkTokenizationFits(db, id, gpt2)).resolves.toBeUndefined();
  });

  it("the built-in demo BPE is refused for the demo GPT-2, naming the model's tokenizer", async () => {
    const id = await tokenize({ type: 'builtin' });
    const e = await checkTokenizationFits(db, id, gpt2).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'vocab-mismatch', details: { tokenizer: 'Built-in demo BPE', modelTokenizer: `${GPT2} tokenizer`, modelVocabSize: 278 } });
    expect((e as Error).message).toContain(`tokenize this dataset with '${GPT2} tokenizer'`);
  });

  it('an older tokenization without a recorded vocabulary is checked through its stored tokenizer', async () => {
    const fits = await tokenize(await modelTokenizerSpec(gpt2));
    const other = await tokenize({ type: 'builtin' });
    for (const id of [fits, other]) await db.tokenizations.update(id, { vocab: undefined });
    await expect(checkTokenizationFits(db, fits, gpt2)).resolves.toBeUndefined();
    await expect(checkTokenizationFits(db, other, gpt2)).rejects.toMatchObject({ code: 'vocab-mismatch' });
  });

  it('an extraction job and a live training job from the built-in BPE fail at their start, storing nothing', async () => {
    const tokenizationId = await tokenize({ type: 'builtin' });
    const tokens = { type: 'tokenization' as const, tokenizationId, datasetId: 'ds_v' };
    const extract: ExtractParams = { setId: 'act_v', modelId: gpt2.id, hook: 'blocks.1.hook_resid_pre', source: tokens, contextSize: 8, batchSize: 2, maxSequences: 0, skipPositions: 0, backend: 'wasm' };
    const train: TrainParams = {
      runId: 'run_v',
      name: 'refused',
      config: resolveConfig({ arch: 'topk', dIn: 48, dSae: 96, k: 4, batchSize: 16, totalSteps: 4 }),
      source: { type: 'live', modelId: gpt2.id, hook: 'blocks.1.hook_resid_pre', tokens, contextSize: 8, contextsPerChunk: 2, seed: 1, backend: 'wasm' },
      totalSteps: 4,
      checkpointEvery: 2,
    };
    for (const req of [{ kind: 'extract', params: extract }, { kind: 'train', params: train }]) {
      const job = await settled(db, await queue.enqueue(req), undefined, 60_000);
      expect(job.error).toMatchObject({ code: 'vocab-mismatch' });
      expect(job.error?.message).toContain(`tokenize this dataset with '${GPT2} tokenizer'`);
      expect(job.state).toBeUndefined();
    }
    expect(await db.activationSets.count()).toBe(0);
    expect(await db.runs.count()).toBe(0);
  });

  it('a tokenization that is not ready is refused', async () => {
    await expect(checkTokenizationFits(db, 'tok_missing', gpt2)).rejects.toMatchObject({ code: 'tokenization-not-ready' });
  });
});

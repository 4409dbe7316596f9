// Job titles name their subject: which dataset a tokenization reads and with which tokenizer,
// which model and source an extraction uses, so three jobs never read "Tokenize (context 128)".
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_TOKENIZER_NAME } from '../../data/builtinTokenizer';
import { DEFAULT_PRETOKENIZE_CONFIG } from '../../data/pretokenize';
import { getDb } from '../../storage/db';
import { extractJob, type ExtractParams } from './extract';
import { tokenizeJob } from './tokenize';

const db = getDb();

beforeAll(async () => {
  await db.datasets.put({ id: 'ds_1', name: 'demo corpus', rows: 3, bytes: 10, status: 'ready', createdAt: 1, source: { type: 'file', name: 'corpus.jsonl', format: 'jsonl' } } as never);
  await db.models.put({ id: 'org/tiny@main/fp32', repo: 'org/tiny', revision: 'main', variant: 'fp32', summary: {}, bytes: 1, createdAt: 1 });
});

describe('job titles', () => {
  it('a tokenization names its dataset and tokenizer', async () => {
    const title = await tokenizeJob.title({ datasetId: 'ds_1', tokenizationId: 't', tokenizer: { type: 'builtin' }, config: { ...DEFAULT_PRETOKENIZE_CONFIG, contextSize: 64 } }, db);
    expect(title).toBe(`Tokenize demo corpus · ${BUILTIN_TOKENIZER_NAME} (context 64)`);
  });

  it('an extraction names its model and where its tokens come from', async () => {
    const base: ExtractParams = { setId: 'a', modelId: 'org/tiny@main/fp32', hook: 'blocks.1.hook_resid_post', source: { type: 'text', text: 'hi' }, contextSize: 8, batchSize: 1, maxSequences: 0, skipPositions: 0, backend: 'wasm' };
    expect(await extractJob.title(base, db)).toBe('Extract blocks.1.hook_resid_post of org/tiny from pasted text');
    const fromDataset = { ...base, source: { type: 'tokenization' as const, tokenizationId: 't', datasetId: 'ds_1' } };
    expect(await extractJob.title(fromDataset, db)).toBe('Extract blocks.1.hook_resid_post of org/tiny from demo corpus');
  });
});

// Tokenizers from files: tokenizer.json with an optional tokenizer_config.json, their identity,
// and clear refusals for files that are not tokenizers (a job given one stores nothing).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { buildByteLevelBpe, END_OF_TEXT } from '../../data/byteLevelBpe';
import { isDataError } from '../../data/errors';
import { DEFAULT_PRETOKENIZE_CONFIG } from '../../data/pretokenize';
import { LanternDb } from '../../storage/db';
import type { JobContext } from '../types';
import { openTokenizer, tokenizeJob, tokenizerIdentity } from './tokenize';

describe('tokenizer files', () => {
  const { tokenizerJson } = buildByteLevelBpe(['the fox and the otter'], 5);
  const file = new Blob([JSON.stringify(tokenizerJson)]);

  it('a tokenizer_config.json names the special tokens and is part of the identity', async () => {
    const plain = await openTokenizer({ type: 'file', name: 'tokenizer.json', file });
    const eot = plain.special.eos!;
    expect(plain.idToToken(eot)).toBe(END_OF_TEXT);
    const config = new Blob([JSON.stringify({ bos_token: 'a', eos_token: END_OF_TEXT })]);
    const withConfig = await openTokenizer({ type: 'file', name: 'tokenizer.json', file, config });
    expect(withConfig.special.bos).toBe(withConfig.encode('a', false)[0]);
    expect(withConfig.special.eos).toBe(eot);
    const a = await tokenizerIdentity({ type: 'file', name: 'tokenizer.json', file });
    const b = await tokenizerIdentity({ type: 'file', name: 'tokenizer.json', file, config });
    expect(a.id).toMatch(/^tokenizer\.json:[0-9a-f]{64}$/);
    expect(b.id).not.toBe(a.id);
  });

  it('refuses a file that is not JSON or not a tokenizer, naming it', async () => {
    const notJson = openTokenizer({ type: 'file', name: 'tok.json', file: new Blob(['{oops']) });
    await expect(notJson).rejects.toThrow(/"tok.json" is not valid JSON/);
    const e = await openTokenizer({ type: 'file', name: 'tok.json', file: new Blob(['{"hello": 1}']) }).catch((x: unknown) => x);
    expect(isDataError(e, 'invalid-tokenizer')).toBe(true);
  });
});

describe('a tokenization job with a tokenizer config the library cannot load', () => {
  it('fails before anything is stored, naming the field', async () => {
    const db = new LanternDb('lantern-tokenize-bad-config');
    await db.open();
    try {
      await db.datasets.put({ id: 'ds_1', name: 'rows', source: {}, status: 'ready', rows: 1, bytes: 3, createdAt: 0 });
      const { tokenizerJson } = buildByteLevelBpe(['the fox'], 3);
      const spec = {
        type: 'model' as const,
        modelId: 'org/model@main/fp32',
        name: 'org/model tokenizer',
        file: new Blob([JSON.stringify(tokenizerJson)]),
        config: new Blob([JSON.stringify({ unk_token: '<unk>' })]),
      };
      const params = tokenizeJob.validate({ datasetId: 'ds_1', tokenizationId: 'tok_1', tokenizer: spec, config: DEFAULT_PRETOKENIZE_CONFIG });
      const ctx = { db, jobId: 'job_1' } as unknown as JobContext;
      await expect(tokenizeJob.start(params, ctx)).rejects.toThrow(/tokenizer_config\.json cannot be loaded: "unk_token" is "<unk>"/);
      expect(await db.tokenizations.count()).toBe(0);
      expect(await db.tokenChunks.count()).toBe(0);
    } finally {
      await db.delete();
    }
  });
});

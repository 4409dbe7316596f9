// A stored run's SAELens export: model, hook, context, prepend_bos and dataset read from the run's
// source (live extraction over a Hub dataset's tokenization); a synthetic run is refused.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PRETOKENIZE_CONFIG, prependBosOptions } from '../../data/pretokenize';
import { LanternDb, type ModelRecord } from '../../storage/db';
import { runnerExportOf } from './runnerExport';

let db: LanternDb;
let n = 0;
beforeEach(async () => {
  db = new LanternDb(`runner-export-test-${n++}`);
  await db.open();
});
afterEach(() => db.delete());

const sae = { arch: 'topk', dIn: 768, dSae: 24576, k: 32, batchSize: 4096 };

describe('runnerExportOf', () => {
  it('reads the data spec of a live run: SAELens model name, hook, context, prepend_bos and the Hub dataset', async () => {
    await db.models.put({ id: 'm', repo: 'onnx-community/gpt2', revision: 'main', variant: 'fp32', summary: {}, bytes: 1, createdAt: 0 } as ModelRecord);
    await db.datasets.put({ id: 'ds', name: 'owt', source: { type: 'hub', dataset: 'Skylion007/openwebtext', config: 'default', split: 'train', column: 'text' }, status: 'ready', rows: 1, bytes: 1, createdAt: 0 });
    await db.tokenizations.put({
      id: 'tok', datasetId: 'ds', modelId: 'x', contextSize: 128, tokens: 0, status: 'ready', createdAt: 0,
      config: { ...DEFAULT_PRETOKENIZE_CONFIG, contextSize: 128, ...prependBosOptions(true) },
    });
    const source = { type: 'live', modelId: 'm', hook: 'blocks.8.hook_resid_pre', tokens: { type: 'tokenization', tokenizationId: 'tok', datasetId: 'ds' }, contextSize: 128, contextsPerChunk: 16, seed: 1, backend: 'auto' };
    await db.runs.add({ id: 'r', name: 'gpt2 L8', config: { ...sae, source, totalSteps: 100, checkpointEvery: 50 }, status: 'done', step: 100, createdAt: 0 });
    const out = await runnerExportOf(db, 'r');
    expect(out.fileBase).toBe('gpt2_L8-saelens');
    expect(out.json).toMatchObject({
      model_name: 'gpt2-small',
      hook_name: 'blocks.8.hook_resid_pre',
      hook_layer: 8,
      context_size: 128,
      prepend_bos: true,
      dataset_path: 'Skylion007/openwebtext',
      store_batch_size_prompts: 16,
      training_tokens: 409_600,
      sae: { architecture: 'topk', k: 32, d_sae: 24576 },
    });
  });

  it('refuses a run on the synthetic source, saying why', async () => {
    await db.runs.add({ id: 's', name: 'toy', config: { ...sae, source: { type: 'synthetic', nFeatures: 10, sparsity: 0.1, noise: 0, seed: 1 }, totalSteps: 1, checkpointEvery: 0 }, status: 'done', step: 1, createdAt: 0 });
    await expect(runnerExportOf(db, 's')).rejects.toThrow(/synthetic source, which has no language model or dataset/);
  });
});

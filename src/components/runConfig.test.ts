// Run configuration display: the source and branch origin are named (set, model, checkpoint), not
// shown as ids; deleted records say so; every other hyperparameter follows, sorted.
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '../storage/db';
import { describeRunConfig } from './runConfig';

const db = getDb();

beforeEach(async () => {
  await Promise.all([db.activationSets.clear(), db.checkpoints.clear(), db.runs.clear()]);
});

describe('describeRunConfig', () => {
  it('names the activation set and the branch origin instead of their ids', async () => {
    await db.activationSets.add({
      id: 'act_1',
      modelId: 'lantern-fixtures/tiny-gpt2@main/fp32',
      model: 'lantern-fixtures/tiny-gpt2@main',
      hook: 'blocks.1.hook_resid_post',
      layer: 1,
      dModel: 48,
      tokens: 4096,
      status: 'ready',
      createdAt: 1,
    } as never);
    await db.runs.add({ id: 'run_0', name: 'parent', config: {}, status: 'done', step: 100, createdAt: 1 });
    await db.checkpoints.add({ id: 'ckpt_1', runId: 'run_0', name: 'v002', step: 100, complete: 1, sha256: '', bytes: 0, createdAt: 1 });
    const rows = await describeRunConfig(db, { source: { type: 'activations', setId: 'act_1', seed: 3 }, fromCheckpointId: 'ckpt_1', lr: 0.003, arch: 'topk' });
    expect(rows).toEqual([
      ['source', 'activation set lantern-fixtures/tiny-gpt2@main · blocks.1.hook_resid_post · [4,096, 48]'],
      ['source seed', '3'],
      ['branched from', 'parent · v002 (step 100)'],
      ['arch', 'topk'],
      ['lr', '0.003'],
    ]);
    expect(rows.flat().join(' ')).not.toMatch(/act_1|ckpt_1/);
  });

  it('says when the set is gone, and summarises a live source without its text', async () => {
    const gone = await describeRunConfig(db, { source: { type: 'activations', setId: 'act_x' } });
    expect(gone[0][1]).toMatch(/deleted/);
    const live = await describeRunConfig(db, {
      source: { type: 'live', modelId: 'm', hook: 'blocks.0.hook_mlp_out', tokens: { type: 'text', text: 'x'.repeat(5000) }, contextSize: 32, contextsPerChunk: 8, seed: 0 },
    });
    expect(live.find(([k]) => k === 'source tokens')?.[1]).toBe('pasted text (5,000 characters)');
    expect(live.flat().join(' ')).not.toContain('xxxx');
  });
});

// The training job on Dawn: metrics land keyed [runId+step] without gaps, checkpoints are
// versioned and verified, and a crash rolls back to the last checkpoint and recomputes the
// same steps bit for bit, leaving one continuous history.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { LanternDb } from '../../storage/db';
import { readCheckpoint } from '../../storage/checkpoints';
import { decodeCheckpoint } from '../../sae/checkpointCodec';
import type { TrainState } from './train';
import { trainHarness } from './train.testing';
import { makeActivationChunkRow } from '../../storage/activations';
import { createSyntheticSource } from '../../sae/synthetic';

/** A ready activation set of `chunks` × 40 rows of width `dModel` (synthetic activations). */
async function seedActivationSet(id: string, dModel: number, chunks: number) {
  const synthetic = createSyntheticSource({ dIn: dModel, nFeatures: 40, seed: 5 });
  const rows = [];
  for (let i = 0; i < chunks; i++) {
    const n = 40;
    rows.push(await makeActivationChunkRow(id, i, { activations: synthetic.next(n), tokenIds: new Int32Array(n), positions: Int32Array.from({ length: n }, (_, t) => t) }, dModel));
  }
  await db.activationSets.add({ id, modelId: 'm', hook: 'blocks.0.hook_resid_post', layer: 0, dModel, tokens: chunks * 40, contextSize: 40, dtype: 'f32', status: 'ready', createdAt: 1 });
  await db.activationChunks.bulkAdd(rows);
}

const db = new LanternDb('train-job-test');
const { train, service, current, waitFor } = trainHarness(db);

const params = (runId: string, totalSteps: number) => ({
  runId,
  name: runId,
  config: { arch: 'topk', dIn: 16, dSae: 48, k: 4, batchSize: 37, lr: 3e-3, seed: 7, histogramEvery: 5, metricsEvery: 1 },
  source: { type: 'synthetic', nFeatures: 40, seed: 3 },
  totalSteps,
  checkpointEvery: 10,
});

const steps = async (runId: string) => (await db.metrics.where('runId').equals(runId).toArray()).map((m) => m.step);

describe('train job', () => {
  it('trains a synthetic TopK run to the end with a continuous history and verified checkpoints', async () => {
    const s = await service();
    const id = await s.enqueue({ kind: 'train', params: params('run-a', 30) });
    const job = await waitFor(id, (j) => j.status === 'done');
    expect(job.resultId).toBe('run-a');
    expect(await steps('run-a')).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const cks = await db.checkpoints.where('runId').equals('run-a').sortBy('step');
    expect(cks.map((c) => [c.name, c.step])).toEqual([['v001', 10], ['v002', 20], ['v003', 30]]);
    const { state } = decodeCheckpoint(await readCheckpoint(db, cks[2].id));
    expect(state.step).toBe(30);
    const run = await db.runs.get('run-a');
    expect(run?.status).toBe('done');
    expect(run?.finalMetrics?.l0).toBeLessThanOrEqual(4);
    const withHist = await db.metrics.filter((m) => m.runId === 'run-a' && Boolean(m.histograms)).count();
    expect(withHist).toBeGreaterThan(0);
  });

  it('after a crash it resumes from the last checkpoint and recomputes identical steps', async () => {
    const a = await service();
    // Job steps never cross a checkpoint: the first to pass step 20 ends between 21 and 30.
    train.after((s) => (s as TrainState).step > 20, 'pause');
    const id = await a.enqueue({ kind: 'train', params: params('run-b', 40) });
    const paused = await waitFor(id, (j) => j.status === 'paused');
    const pausedAt = (paused.state as TrainState).step;
    expect(pausedAt).toBeGreaterThan(20);
    expect(pausedAt).toBeLessThanOrEqual(30);
    const before = await db.metrics.where('runId').equals('run-b').toArray();
    // A crash right after step `pausedAt`: the job is still marked running, and the newest
    // checkpoint it knows is the one at step 20.
    const at20 = (await db.checkpoints.where('runId').equals('run-b').toArray()).find((c) => c.step === 20)!;
    await db.jobs.update(id, { status: 'running', state: { ...(paused.state as TrainState), checkpointId: at20.id, checkpointStep: 20 } });

    await service();
    await waitFor(id, (j) => j.status === 'done');
    expect(await steps('run-b')).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const after = await db.metrics.where('runId').equals('run-b').toArray();
    for (const m of before.filter((r) => r.step > 20 && r.step <= pausedAt)) {
      const again = after.find((r) => r.step === m.step)!;
      expect(again.values.loss).toBe(m.values.loss);
      expect(again.values.l0).toBe(m.values.l0);
    }
  });

  it('trains on a stored activation set and refuses a set of the wrong width', async () => {
    const s = current();
    await seedActivationSet('acts-16', 16, 3);
    const fromSet = { ...params('run-acts', 25), source: { type: 'activations', setId: 'acts-16', seed: 1 } };
    const id = await s.enqueue({ kind: 'train', params: fromSet });
    await waitFor(id, (j) => j.status === 'done');
    expect(await steps('run-acts')).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));

    await seedActivationSet('acts-8', 8, 1);
    const wrong = await s.enqueue({ kind: 'train', params: { ...params('run-wrong', 5), source: { type: 'activations', setId: 'acts-8', seed: 1 } } });
    const failed = await waitFor(wrong, (j) => j.status === 'failed' || j.status === 'done');
    expect(failed.error?.message).toMatch(/width 8 but the SAE's d_in is 16/);
    const missing = await s.enqueue({ kind: 'train', params: { ...params('run-missing', 5), source: { type: 'activations', setId: 'nope', seed: 1 } } });
    const gone = await waitFor(missing, (j) => j.status === 'failed');
    expect(gone.error?.message).toMatch(/does not exist or is not complete/);
  });

  it('rejects invalid parameters naming the field', async () => {
    const s = current();
    await expect(s.enqueue({ kind: 'train', params: { ...params('x', 10), checkpointEvery: 0 } })).rejects.toThrow(/Checkpoint interval/);
    await expect(s.enqueue({ kind: 'train', params: { ...params('x', 10), config: { arch: 'topk', dIn: 16, dSae: 48, k: 99 } } })).rejects.toThrow(/k/);
  });
});

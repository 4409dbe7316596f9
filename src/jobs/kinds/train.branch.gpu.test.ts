// Branching on Dawn: a new run started from a checkpoint continues from its weights (its first
// loss is the parent's last, not a fresh start's), across architectures it takes the weights
// alone, and a checkpoint of another width is refused with a message naming both sizes.
import 'fake-indexeddb/auto';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeGpu } from '../../gpu/nodeDevice';
import { LanternDb, type JobRecord } from '../../storage/db';
import { createGpuService } from '../gpuService';

const db = new LanternDb('train-branch-test');
let service: ReturnType<typeof createGpuService> | undefined;

async function api() {
  if (!service) {
    service = createGpuService({ gpu: await nodeGpu(), db });
    await service.init(() => {});
  }
  return service;
}

async function settle(id: string, ms = 240_000): Promise<JobRecord> {
  const t0 = Date.now();
  for (;;) {
    const job = await db.jobs.get(id);
    if (job && (job.status === 'done' || job.status === 'failed')) return job;
    if (Date.now() - t0 > ms) throw new Error(`job ${id} stuck at ${job?.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const params = (runId: string, totalSteps: number, over: Record<string, unknown> = {}, fromCheckpointId?: string) => ({
  runId,
  name: runId,
  config: { arch: 'topk', dIn: 16, dSae: 48, k: 4, batchSize: 64, lr: 3e-3, seed: 7, histogramEvery: 5, metricsEvery: 1, ...over },
  source: { type: 'synthetic', nFeatures: 40, seed: 3 },
  totalSteps,
  checkpointEvery: 10,
  ...(fromCheckpointId ? { fromCheckpointId } : {}),
});

const losses = async (runId: string) => (await db.metrics.where('runId').equals(runId).sortBy('step')).map((m) => m.values.loss);

afterAll(async () => {
  await service?.close();
  await db.delete();
});

describe('branching a run from a checkpoint', () => {
  it('continues from the checkpoint with a changed config and counts its own steps', async () => {
    const s = await api();
    expect((await settle(await s.enqueue({ kind: 'train', params: params('parent', 60) }))).status).toBe('done');
    const parent = await losses('parent');
    const last = (await db.checkpoints.where('runId').equals('parent').sortBy('step')).at(-1)!;
    expect(last.step).toBe(60);

    const id = await s.enqueue({ kind: 'train', params: params('branch', 10, { lr: 1e-3, k: 6 }, last.id) });
    expect((await settle(id)).status).toBe('done');
    const branch = await losses('branch');
    expect(branch).toHaveLength(10);
    // A fresh start (same seeds) repeats the parent's first loss; the branch starts nearer its last.
    expect(branch[0]).toBeLessThan((parent[0] + parent.at(-1)!) / 2);
    const run = await db.runs.get('branch');
    expect(run?.config).toMatchObject({ fromCheckpointId: last.id, lr: 1e-3, k: 6 });
    expect((await db.checkpoints.where('runId').equals('branch').sortBy('step')).map((c) => [c.name, c.step])).toEqual([['v001', 10]]);
  });

  it('takes the weights alone across architectures', async () => {
    const s = await api();
    const last = (await db.checkpoints.where('runId').equals('parent').sortBy('step')).at(-1)!;
    const id = await s.enqueue({ kind: 'train', params: params('to-relu', 5, { arch: 'relu', sparsityCoefficient: 1e-3 }, last.id) });
    expect((await settle(id)).status).toBe('done');
    const fresh = await losses('parent');
    expect((await losses('to-relu'))[0]).toBeLessThan(fresh[0]);
  });

  it('refuses a checkpoint of another width, naming both sizes', async () => {
    const s = await api();
    const last = (await db.checkpoints.where('runId').equals('parent').sortBy('step')).at(-1)!;
    const job = await settle(await s.enqueue({ kind: 'train', params: params('wrong', 5, { dIn: 24 }, last.id) }));
    expect(job.status).toBe('failed');
    expect(job.error?.message).toBe('Cannot branch: the checkpoint has dIn = 16, the new configuration 24. Keep dIn when branching.');
    expect(await db.runs.get('wrong')).toBeUndefined();
  });
});

// The GPU service in-thread on Dawn: the self-test job runs through the queue to a stored
// result whose matmuls matched the reference, and a lost device is re-acquired.
import 'fake-indexeddb/auto';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeGpu } from '../gpu/nodeDevice';
import { LanternDb, type JobRecord } from '../storage/db';
import { createGpuService } from './gpuService';
import type { JobEvent } from './types';

const db = new LanternDb('gpu-service-test');
const events: JobEvent[] = [];
let service: ReturnType<typeof createGpuService>;

async function waitFor(id: string, statuses: JobRecord['status'][], ms = 120_000): Promise<JobRecord> {
  const t0 = Date.now();
  for (;;) {
    const job = await db.jobs.get(id);
    if (job && statuses.includes(job.status)) return job;
    if (Date.now() - t0 > ms) throw new Error(`job ${id} stuck at ${job?.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterAll(async () => {
  await service?.close();
  await db.delete();
});

describe('gpu service', () => {
  it('reports the adapter and its limits', async () => {
    service = createGpuService({ gpu: await nodeGpu(), db });
    const report = await service.init((e) => events.push(e));
    expect(report.webgpu).toBe(true);
    expect(report.device).toBe('ready');
    expect(report.adapter?.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(report.queueOwner).toBe(true);
  });

  it('runs the self-test job and stores a passing result per shape', async () => {
    const id = await service.enqueue({ kind: 'self-test', params: { shapes: [[1, 1, 1], [37, 48, 65], [64, 33, 17]], secondsPerShape: 0.05 } });
    const job = await waitFor(id, ['done', 'failed']);
    expect(job.error).toBeUndefined();
    const result = await db.selfTests.get(job.resultId!);
    expect(result?.passed).toBe(true);
    expect(result?.shapes.map((s) => [s.M, s.N, s.K])).toEqual([[1, 1, 1], [37, 48, 65], [64, 33, 17]]);
    for (const s of result!.shapes) {
      expect(s.maxAbsError).toBeLessThan(1e-4);
      expect(s.gflops).toBeGreaterThan(0);
    }
    expect(events.map((e) => e.type).filter((t) => t.startsWith('job-'))).toEqual(['job-started', 'job-finished']);
  });

  it('rejects invalid self-test shapes naming the field', async () => {
    await expect(service.enqueue({ kind: 'self-test', params: { shapes: [[0, 4, 4]] } })).rejects.toThrow(/integers from 1 to 4096/);
  });

  it('re-acquires a lost device and keeps running jobs', async () => {
    service.device()!.destroy();
    const t0 = Date.now();
    while (!events.some((e) => e.type === 'device-restored')) {
      if (Date.now() - t0 > 30_000) throw new Error('device was not restored');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(events.some((e) => e.type === 'device-lost')).toBe(true);
    const report = await service.report();
    expect(report).toMatchObject({ device: 'ready', deviceRestores: 1 });
    const id = await service.enqueue({ kind: 'self-test', params: { shapes: [[8, 8, 8]], secondsPerShape: 0.02 } });
    expect((await waitFor(id, ['done', 'failed'])).status).toBe('done');
  });
});

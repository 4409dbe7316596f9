// The training job on Dawn for a test file: one GPU service at a time over a database, a train
// kind whose queue can be paused or stopped at a chosen step, a wait for a job, and cleanup.
import { afterAll } from 'vitest';
import { nodeGpu } from '../../gpu/nodeDevice';
import type { JobRecord, LanternDb } from '../../storage/db';
import { createGpuService } from '../gpuService';
import { withControlPoint } from '../testing';
import type { JobKind } from '../types';
import { trainJob } from './train';

/** Registers the file's cleanup (close the service, delete `db`) and returns its helpers. */
export function trainHarness(db: LanternDb) {
  let live: ReturnType<typeof createGpuService> | undefined;
  const train = withControlPoint(trainJob, () => live!);
  afterAll(async () => {
    await live?.close();
    await db.delete();
  });
  return {
    train,
    /** The service `service()` last started. */
    current: () => live!,
    /**
     * A new service, the previous one closed first (as a crashed tab's queue is gone). In a browser one
     * tab runs the queue (a Web Lock); Node has no Web Locks, so two live services here would both run
     * it, each woken by the other's kicks over their BroadcastChannel.
     */
    async service() {
      await live?.close();
      live = createGpuService({ gpu: await nodeGpu(), db, kinds: [train.kind as unknown as JobKind] });
      await live.init(() => {});
      return live;
    },
    /** The job once `pred` holds; throws when it fails or does not get there within `ms`. */
    async waitFor(id: string, pred: (j: JobRecord) => boolean, ms = 240_000): Promise<JobRecord> {
      const t0 = Date.now();
      for (;;) {
        const job = await db.jobs.get(id);
        if (job && pred(job)) return job;
        if (job?.status === 'failed') throw new Error(`job failed: ${job.error?.message}`);
        if (Date.now() - t0 > ms) throw new Error(`job ${id} stuck at ${job?.status} ${job?.progress}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

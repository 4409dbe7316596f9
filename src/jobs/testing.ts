// Test helpers for job kinds that need no GPU: a queue whose context has no device, and a
// wait for a job to reach a status.
import type { JobRecord, LanternDb } from '../storage/db';
import { JobQueue } from './queue';
import { JobError, type JobEvent, type JobKind } from './types';

/** A queue over `db` running `kinds`; asking it for a device throws like a browser without WebGPU. */
export function cpuQueue(db: LanternDb, kinds: JobKind[], onEvent: (e: JobEvent) => void = () => {}): JobQueue {
  const queue = new JobQueue({
    db,
    onEvent,
    context: (jobId) => ({
      db,
      jobId,
      device: () => {
        throw new JobError('webgpu-unavailable', 'none');
      },
      adapterName: () => 'none',
    }),
  });
  for (const kind of kinds) queue.register(kind);
  return queue;
}

/** The job once its status is one of `statuses` (polled every 5 ms, for at most `ms`). */
export async function settled(db: LanternDb, id: string, statuses: JobRecord['status'][] = ['done', 'failed', 'cancelled'], ms = 20_000): Promise<JobRecord> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; ) {
    const job = await db.jobs.get(id);
    if (job && statuses.includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`job ${id} did not settle`);
}

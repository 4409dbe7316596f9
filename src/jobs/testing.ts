// Job test helpers: a queue whose context has no device (for kinds that need no GPU), a wait for
// a job to reach a status, and a kind that has its queue pause, stop or cancel it at a set step.
import type { JobRecord, LanternDb } from '../storage/db';
import { createControlPoints, type ControlAt } from './controlPoints';
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

/**
 * `kind` wrapped so a test can have its queue pause, stop or cancel a job right after a given
 * step. Polling a job and then acting on it races the job, which may finish first on a fast
 * machine; this does not. Register `kind` in place of the original, then call `after` before
 * enqueueing.
 */
export function withControlPoint<K extends JobKind>(kind: K, queue: () => Pick<JobQueue, 'pause' | 'stop' | 'cancel'>) {
  const points = createControlPoints<'pause' | 'stop' | 'cancel'>((action, jobId) => queue()[action](jobId));
  return {
    kind: points.wrap(kind),
    /**
     * The next job of this kind gets `action` after its `at`-th step, or (`at` a function) after
     * the first step whose new state satisfies it.
     */
    after(at: ControlAt, action: 'pause' | 'stop' | 'cancel'): void {
      points.after(kind.kind, at, action);
    },
  };
}

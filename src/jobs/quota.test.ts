// Storage full during a job: the queue pauses it at its last committed step with a StorageQuotaError
// that names the records taking the most space, and Resume continues from there.
import 'fake-indexeddb/auto';
import { afterEach, expect, it, vi } from 'vitest';
import { LanternDb } from '../storage/db';
import { cpuQueue, settled } from './testing';
import type { JobEvent, JobKind } from './types';

let db: LanternDb;
afterEach(async () => {
  await db.delete();
});

/** A refused write as Dexie reports it: an AbortError whose inner error is the browser's QuotaExceededError. */
const quotaExceeded = () => Object.assign(new Error('Transaction aborted'), { name: 'AbortError', inner: new DOMException('full', 'QuotaExceededError') });

/** A job that counts to `steps`, one write a step; `beforeStep(n)` runs ahead of step n + 1 and may throw. */
function countingKind(beforeStep: (n: number) => void): JobKind<{ steps: number }, { n: number }> {
  return {
    kind: 'write',
    autoResume: true,
    title: () => 'write rows',
    validate: (p) => p as { steps: number },
    start: async () => ({ n: 0 }),
    async step(s, p) {
      beforeStep(s.n);
      return { state: { n: s.n + 1 }, progress: (s.n + 1) / p.steps, done: s.n + 1 >= p.steps };
    },
    finish: async (s) => `wrote ${s.n}`,
  };
}

it('a write refused for quota pauses the job at its last step, naming what to delete; Resume finishes it', async () => {
  db = new LanternDb('quota-test');
  await db.datasets.add({ id: 'd1', name: 'wiki', source: {}, status: 'ready', rows: 10, bytes: 12 << 20, createdAt: 0 });
  await db.datasets.add({ id: 'd2', name: 'tiny', source: {}, status: 'ready', rows: 1, bytes: 10, createdAt: 0 });
  let full = true;
  const writes: number[] = [];
  // Step 3 fails the way Dexie reports a quota refusal.
  const kind = countingKind((n) => {
    if (full && n === 2) throw quotaExceeded();
    writes.push(n + 1);
  });
  const events: JobEvent[] = [];
  const queue = cpuQueue(db, [kind as unknown as JobKind], (e) => events.push(e));
  queue.start();
  const id = await queue.enqueue({ kind: 'write', params: { steps: 5 } });

  const paused = await settled(db, id, ['paused', 'failed', 'done']);
  expect(paused).toMatchObject({ status: 'paused', state: { n: 2 }, error: { code: 'quota-exceeded' } });
  expect(paused.error!.message).toContain('what takes the most: dataset "wiki" (12 MB), dataset "tiny" (10 B)');
  expect(events.find((e) => e.type === 'job-paused')).toMatchObject({ reason: paused.error!.message });

  full = false;
  await queue.resume(id);
  const done = await settled(db, id);
  expect(done).toMatchObject({ status: 'done', resultId: 'wrote 5' });
  expect(done.error).toBeUndefined();
  expect(writes).toEqual([1, 2, 3, 4, 5]);
  await queue.close();
});

it('when even the paused status is refused for quota, the user is told at once and the status is stored once there is room', async () => {
  db = new LanternDb('quota-full-test');
  await db.datasets.add({ id: 'd1', name: 'wiki', source: {}, status: 'ready', rows: 10, bytes: 12 << 20, createdAt: 0 });
  // Storage fills up at step 3: from then on every job update is refused, as by a browser over its quota.
  let full = false;
  db.jobs.hook('updating', () => {
    if (full) throw quotaExceeded();
  });
  const kind = countingKind((n) => {
    if (n === 2 && !resumed) {
      full = true;
      throw quotaExceeded();
    }
  });
  let resumed = false;
  const events: JobEvent[] = [];
  const queue = cpuQueue(db, [kind as unknown as JobKind], (e) => events.push(e));
  queue.start();
  const id = await queue.enqueue({ kind: 'write', params: { steps: 4 } });

  await vi.waitFor(() => expect(events.find((e) => e.type === 'job-paused')).toMatchObject({ reason: expect.stringContaining('what takes the most: dataset "wiki" (12 MB)') }));
  expect(await db.jobs.get(id)).toMatchObject({ status: 'running', state: { n: 2 } });

  full = false;
  const paused = await settled(db, id, ['paused', 'failed', 'done']);
  expect(paused).toMatchObject({ status: 'paused', state: { n: 2 }, error: { code: 'quota-exceeded' } });
  resumed = true;
  await queue.resume(id);
  expect(await settled(db, id)).toMatchObject({ status: 'done', resultId: 'wrote 4' });
  await queue.close();
});

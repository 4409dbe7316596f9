// Queue leadership across tabs: one context holds the Web Lock and runs the queue; the others relay
// new work and controls to it over a BroadcastChannel and take over when it lets go. Node has no
// Web Locks, so an exclusive in-memory LockManager stands in for the browser's.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { LanternDb } from '../storage/db';
import { createGpuService } from './gpuService';
import { requestLeadership } from './leader';
import { settled } from './testing';
import type { JobEvent, JobKind } from './types';

/** One exclusive lock per name, granted in request order; `ifAvailable` and `signal` as in the spec. */
class InMemoryLocks {
  private readonly queues = new Map<string, { grant(): void }[]>();
  private readonly held = new Set<string>();

  async request(name: string, a: LockOptions | LockGrantedCallback<unknown>, b?: LockGrantedCallback<unknown>): Promise<unknown> {
    const [opts, callback] = typeof a === 'function' ? [{} as LockOptions, a] : [a, b!];
    if (this.held.has(name)) {
      if (opts.ifAvailable) return callback(null);
      await new Promise<void>((grant, reject) => {
        const waiter = { grant };
        const queue = this.queues.get(name) ?? [];
        this.queues.set(name, [...queue, waiter]);
        opts.signal?.addEventListener('abort', () => {
          this.queues.set(name, (this.queues.get(name) ?? []).filter((w) => w !== waiter));
          reject(new DOMException('The request was aborted.', 'AbortError'));
        });
      });
    }
    this.held.add(name);
    try {
      return await callback({ name, mode: 'exclusive' } as Lock);
    } finally {
      this.held.delete(name);
      const [next, ...rest] = this.queues.get(name) ?? [];
      this.queues.set(name, rest);
      next?.grant();
    }
  }
}
const lockManager = () => new InMemoryLocks() as unknown as LockManager;

/** A CPU-only kind counting to `steps`, a few ms per step. */
const count: JobKind<{ steps: number }, { n: number }> = {
  kind: 'count',
  autoResume: true,
  title: (p) => `count to ${p.steps}`,
  validate: (p) => p as { steps: number },
  start: async () => ({ n: 0 }),
  async step(s, p) {
    await new Promise((r) => setTimeout(r, 3));
    return { state: { n: s.n + 1 }, progress: (s.n + 1) / p.steps, done: s.n + 1 >= p.steps };
  },
  finish: async (s) => `counted ${s.n}`,
};

const until = async (pred: () => boolean | Promise<boolean>) => {
  for (const t0 = Date.now(); !(await pred()); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() - t0 > 10_000) throw new Error('timed out');
  }
};

let db: LanternDb;
let n = 0;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await db?.delete();
});

describe('queue leadership', () => {
  it('the first context leads; a second follows until the first lets go, then leads', async () => {
    const locks = lockManager();
    const led: string[] = [];
    const a = await requestLeadership(locks, async () => void led.push('a'));
    const b = await requestLeadership(locks, async () => void led.push('b'));
    expect([a.owner(), b.owner(), led]).toEqual([true, false, ['a']]);
    a.release();
    await until(() => b.owner());
    expect([a.owner(), led]).toEqual([false, ['a', 'b']]);
    b.release();
  });

  it('a follower that stops waiting never leads', async () => {
    const locks = lockManager();
    const a = await requestLeadership(locks, async () => {});
    let bLed = false;
    const b = await requestLeadership(locks, async () => void (bLed = true));
    b.release();
    a.release();
    const c = await requestLeadership(locks, async () => {});
    await until(() => c.owner());
    expect(bLed).toBe(false);
    c.release();
  });

  it('a job enqueued in a following tab runs once, in the leading tab; its controls act there; the follower takes over when the leader closes', async () => {
    db = new LanternDb(`leader-${n++}`);
    const locks = lockManager();
    const eventsA: JobEvent[] = [];
    const eventsB: JobEvent[] = [];
    const a = createGpuService({ db, locks, kinds: [count as unknown as JobKind] });
    const b = createGpuService({ db, locks, kinds: [count as unknown as JobKind] });
    closers.push(() => b.close());
    expect((await a.init((e) => eventsA.push(e))).queueOwner).toBe(true);
    expect((await b.init((e) => eventsB.push(e))).queueOwner).toBe(false);

    // 1. Work enqueued in the follower runs in the leader.
    const quick = await b.enqueue({ kind: 'count', params: { steps: 3 } });
    expect((await settled(db, quick)).status).toBe('done');
    expect(eventsA.filter((e) => e.type === 'job-finished')).toHaveLength(1);
    expect(eventsB.filter((e) => e.type.startsWith('job-'))).toEqual([]);

    // 2. Pausing the leader's running job from the follower pauses it there.
    const long = await b.enqueue({ kind: 'count', params: { steps: 100_000 } });
    await until(async () => (await db.jobs.get(long))?.status === 'running');
    await b.pause(long);
    expect((await settled(db, long, ['paused'])).attempts).toBe(1);
    expect(eventsA.some((e) => e.type === 'job-paused' && e.jobId === long)).toBe(true);

    // 3. The leader closes: the follower leads, says so, and runs the resumed job.
    await a.close();
    await until(() => eventsB.some((e) => e.type === 'queue-owner'));
    expect((await b.report()).queueOwner).toBe(true);
    await b.resume(long);
    await until(async () => ((await db.jobs.get(long))?.progress ?? 0) > 0.0001 && (await db.jobs.get(long))?.attempts === 2);
    await b.cancel(long);
    expect((await settled(db, long)).status).toBe('cancelled');
  });
});

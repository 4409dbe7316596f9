// Job queue: priorities, FIFO, controls, retry, reorder and recovery after a reload.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LanternDb, type JobRecord } from '../storage/db';
import type { JobQueue } from './queue';
import { cpuQueue } from './testing';
import { JobError, type JobEvent, type JobKind } from './types';

interface CountParams { steps: number; failAt?: number }
interface CountState { n: number }

/**
 * A CPU-only kind: counts to `steps`, one per step, and records who finished in what order.
 * With `freezeAt`, the step after that count never returns (a page that died mid-step).
 */
function counter(finished: string[], freezeAt?: number): JobKind<CountParams, CountState> {
  return {
    kind: 'count',
    autoResume: true,
    title: (p) => `count to ${p.steps}`,
    validate(raw) {
      const p = raw as CountParams;
      if (!Number.isInteger(p?.steps) || p.steps < 1) throw new JobError('invalid-params', 'steps must be ≥ 1', { field: 'steps' });
      return p;
    },
    async start() {
      return { n: 0 };
    },
    async step(s, p) {
      if (freezeAt !== undefined && s.n >= freezeAt) await new Promise(() => {});
      await new Promise((r) => setTimeout(r, 2));
      if (p.failAt === s.n) throw new JobError('boom', `failed at ${s.n}`, { at: s.n });
      const n = s.n + 1;
      return { state: { n }, progress: n / p.steps, done: n >= p.steps };
    },
    async finish(s, _p, ctx, stopped) {
      finished.push(`${ctx.jobId}:${s.n}${stopped ? ':stopped' : ''}`);
      return `result-${s.n}`;
    },
  };
}

let db: LanternDb;
let queue: JobQueue;
let events: JobEvent[];
let finished: string[];
let dbn = 0;

function makeQueue(kind: JobKind<CountParams, CountState>) {
  return cpuQueue(db, [kind as unknown as JobKind], (e) => events.push(e));
}

async function until(pred: (jobs: JobRecord[]) => boolean, ms = 10_000): Promise<JobRecord[]> {
  const t0 = Date.now();
  for (;;) {
    const jobs = await db.jobs.toArray();
    if (pred(jobs)) return jobs;
    if (Date.now() - t0 > ms) throw new Error(`timed out; jobs: ${JSON.stringify(jobs.map((j) => [j.title, j.status, j.progress]))}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const statusOf = (jobs: JobRecord[], id: string) => jobs.find((j) => j.id === id)?.status;

beforeEach(async () => {
  db = new LanternDb(`queue-test-${dbn++}`);
  events = [];
  finished = [];
  queue = makeQueue(counter(finished));
});
afterEach(async () => {
  await queue.close();
  await db.delete();
});

describe('job queue', () => {
  it('runs high before normal before low, FIFO within a level', async () => {
    const low = await queue.enqueue({ kind: 'count', params: { steps: 1 }, priority: 'low' });
    const n1 = await queue.enqueue({ kind: 'count', params: { steps: 1 } });
    const high = await queue.enqueue({ kind: 'count', params: { steps: 1 }, priority: 'high' });
    const n2 = await queue.enqueue({ kind: 'count', params: { steps: 1 } });
    queue.start();
    await until((jobs) => jobs.every((j) => j.status === 'done'));
    expect(finished.map((f) => f.split(':')[0])).toEqual([high, n1, n2, low]);
  });

  it('rejects bad parameters and unknown kinds with a typed error', async () => {
    await expect(queue.enqueue({ kind: 'count', params: { steps: 0 } })).rejects.toThrow(/steps must be/);
    await expect(queue.enqueue({ kind: 'nope', params: {} })).rejects.toThrow(/Unknown job kind/);
    expect(await db.jobs.count()).toBe(0);
  });

  it('pauses after the current step and resumes from the saved state', async () => {
    const id = await queue.enqueue({ kind: 'count', params: { steps: 200 } });
    queue.start();
    await until((jobs) => jobs[0].progress > 0.02);
    await queue.pause(id);
    const [paused] = await until((jobs) => jobs[0].status === 'paused');
    const n = (paused.state as CountState).n;
    expect(n).toBeGreaterThan(0);
    await queue.resume(id);
    await until((jobs) => jobs[0].status === 'done');
    expect(finished).toEqual([`${id}:200`]);
    expect(events.map((e) => e.type)).toEqual(['job-started', 'job-paused', 'job-started', 'job-finished']);
  });

  it('stop keeps the work done so far; cancel discards it', async () => {
    const a = await queue.enqueue({ kind: 'count', params: { steps: 500 } });
    const b = await queue.enqueue({ kind: 'count', params: { steps: 500 } });
    queue.start();
    await until((jobs) => (jobs.find((j) => j.id === a)?.progress ?? 0) > 0.01);
    await queue.stop(a);
    await until((jobs) => statusOf(jobs, a) === 'done');
    await until((jobs) => statusOf(jobs, b) === 'running');
    await queue.cancel(b);
    const jobs = await until((js) => statusOf(js, b) === 'cancelled');
    expect(jobs.find((j) => j.id === a)?.stopped).toBe(true);
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatch(new RegExp(`^${a}:\\d+:stopped$`));
  });

  it('a failing step marks the job failed with its error; retry runs it again from scratch', async () => {
    const id = await queue.enqueue({ kind: 'count', params: { steps: 3, failAt: 1 } });
    queue.start();
    const [failed] = await until((jobs) => jobs[0].status === 'failed');
    expect(failed.error).toEqual({ code: 'boom', message: 'failed at 1', details: { at: 1 } });
    expect(events.at(-1)).toMatchObject({ type: 'job-failed', jobId: id });
    await queue.retry(id);
    const [again] = await until((jobs) => jobs[0].status === 'failed' && jobs[0].attempts === 2);
    expect(again.progress).toBeCloseTo(1 / 3);
  });

  it('reorders waiting jobs within a level and changes priority', async () => {
    const a = await queue.enqueue({ kind: 'count', params: { steps: 1 } });
    const b = await queue.enqueue({ kind: 'count', params: { steps: 1 } });
    const c = await queue.enqueue({ kind: 'count', params: { steps: 1 } });
    await queue.move(c, 'up');
    await queue.setPriority(a, 'low');
    queue.start();
    await until((jobs) => jobs.every((j) => j.status === 'done'));
    expect(finished.map((f) => f.split(':')[0])).toEqual([c, b, a]);
  });

  it('refuses controls that do not fit the state, saying why', async () => {
    const id = await queue.enqueue({ kind: 'count', params: { steps: 1 } });
    await expect(queue.resume(id)).rejects.toThrow(/Cannot resume "count to 1": it is queued/);
    await expect(queue.retry(id)).rejects.toThrow(/it is queued/);
    await expect(queue.pause('job_missing')).rejects.toThrow(/does not exist/);
  });

  it('after a reload, a running job resumes from its last step without duplicating records', async () => {
    queue = makeQueue(counter(finished, 10));
    const id = await queue.enqueue({ kind: 'count', params: { steps: 50 } });
    queue.start();
    const [saved] = await until((jobs) => (jobs[0].state as CountState | undefined)?.n === 10);
    expect(saved.status).toBe('running');

    // The old page is gone (its queue frozen mid-step); a new one starts on the same database.
    const reloaded = makeQueue(counter(finished));
    queue = reloaded;
    await reloaded.recover();
    const [recovered] = await db.jobs.toArray();
    expect(recovered.status).toBe('queued');
    expect(recovered.message).toMatch(/Resumed after the page was reloaded/);
    reloaded.start();
    await until((jobs) => jobs[0].status === 'done');
    expect(await db.jobs.count()).toBe(1);
    expect(finished).toEqual([`${id}:50`]);
  });

  it('a kind without autoResume is shown interrupted and resumes on request', async () => {
    const id = await queue.enqueue({ kind: 'count', params: { steps: 5 } });
    await db.jobs.update(id, { status: 'running', state: { n: 2 }, progress: 0.4 });
    const manual = makeQueue({ ...counter(finished), autoResume: false });
    await manual.recover();
    const [job] = await db.jobs.toArray();
    expect(job).toMatchObject({ status: 'paused', interrupted: true });
    manual.start();
    await manual.resume(id);
    await until((jobs) => jobs[0].status === 'done');
    expect(finished).toEqual([`${id}:5`]);
    await manual.close();
  });
});

// The persistent job queue: one job runs at a time; priority high > normal > low, FIFO
// within a level. Every step's state is saved in the job record, so a reload resumes from
// the last step boundary. Controls act after the current step (pause, stop) or at once.
import type { JobPriority, JobRecord, LanternDb } from '../storage/db';
import { newId } from '../storage/db';
import { isQuotaError } from '../storage/errors';
import { quotaError } from '../storage/quota';
import { JobError, toErrorInfo, type EnqueueRequest, type JobContext, type JobEvent, type JobKind } from './types';

const PRIORITY_RANK: Record<JobPriority, number> = { high: 0, normal: 1, low: 2 };
/** How often a status write refused for quota is tried again. */
const QUOTA_RETRY_MS = 1000;

interface Controls {
  pause: boolean;
  stop: boolean;
  cancel: boolean;
}

export interface QueueOptions {
  db: LanternDb;
  context(jobId: string): JobContext;
  onEvent(e: JobEvent): void;
  /** True while the GPU device is lost: no job starts then. */
  deviceLost?(): boolean;
  /** Whether job `jobId` failed with `error` because its GPU device was lost: it is re-queued, not failed. */
  failedByDeviceLoss?(error: unknown, jobId: string): Promise<boolean>;
}

export function byQueueOrder(a: JobRecord, b: JobRecord): number {
  return PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.seq - b.seq;
}

export class JobQueue {
  private readonly kinds = new Map<string, JobKind>();
  private running: { id: string; controls: Controls } | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private closed = false;
  private lastSeq = 0;
  /** Set by kick(): work may have arrived while the loop was reading the queue. */
  private dirty = false;

  constructor(private readonly opts: QueueOptions) {}

  register<P, S>(kind: JobKind<P, S>): void {
    if (this.kinds.has(kind.kind)) throw new Error(`Job kind "${kind.kind}" is already registered.`);
    this.kinds.set(kind.kind, kind as unknown as JobKind);
  }

  /**
   * Start-up recovery: a job left `running` by a reload or crash resumes from its last
   * saved step (kinds with autoResume), or waits as paused + interrupted for the user.
   */
  async recover(): Promise<void> {
    const { db } = this.opts;
    await db.transaction('rw', db.jobs, async () => {
      for (const job of await db.jobs.where('status').equals('running').toArray()) {
        const auto = this.kinds.get(job.kind)?.autoResume ?? false;
        await db.jobs.update(job.id, {
          status: auto ? 'queued' : 'paused',
          interrupted: !auto,
          message: auto ? 'Resumed after the page was reloaded' : 'Interrupted by a reload: press Resume to continue from the last step',
          updatedAt: Date.now(),
        });
      }
    });
  }

  /** Runs queued jobs until close(). */
  start(): void {
    this.loop ??= this.runLoop();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.running) this.running.controls.pause = true;
    this.kick();
    await this.loop;
  }

  /** Wakes the loop (new work, or the device is back). */
  kick(): void {
    this.dirty = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private nextSeq(): number {
    this.lastSeq = Math.max(this.lastSeq + 1, Date.now() * 1000);
    return this.lastSeq;
  }

  async enqueue(req: EnqueueRequest): Promise<string> {
    const kind = this.kindOf(req.kind);
    const params = kind.validate(req.params);
    const now = Date.now();
    const job: JobRecord = {
      id: newId('job'),
      kind: req.kind,
      title: await kind.title(params, this.opts.db),
      priority: req.priority ?? 'normal',
      seq: this.nextSeq(),
      status: 'queued',
      progress: 0,
      params,
      elapsedMs: 0,
      attempts: 0,
      createdAt: now,
      updatedAt: now,
    };
    await this.opts.db.jobs.add(job);
    this.kick();
    return job.id;
  }

  private kindOf(name: string): JobKind {
    const kind = this.kinds.get(name);
    if (!kind) throw new JobError('unknown-kind', `Unknown job kind "${name}".`, { kind: name });
    return kind;
  }

  private async get(id: string): Promise<JobRecord> {
    const job = await this.opts.db.jobs.get(id);
    if (!job) throw new JobError('not-found', `Job ${id} does not exist (it may have been deleted).`, { id });
    return job;
  }

  private refuse(job: JobRecord, action: string): never {
    throw new JobError('bad-state', `Cannot ${action} "${job.title}": it is ${job.status}.`, { id: job.id, status: job.status });
  }

  async pause(id: string): Promise<void> {
    if (this.running?.id === id) {
      this.running.controls.pause = true;
      return;
    }
    const job = await this.get(id);
    if (job.status !== 'queued') this.refuse(job, 'pause');
    await this.opts.db.jobs.update(id, { status: 'paused', updatedAt: Date.now() });
  }

  async resume(id: string): Promise<void> {
    const job = await this.get(id);
    if (job.status !== 'paused') this.refuse(job, 'resume');
    await this.opts.db.jobs.update(id, { status: 'queued', interrupted: false, message: undefined, error: undefined, updatedAt: Date.now() });
    this.kick();
  }

  /** Ends a job early keeping its work: checkpoint, write results, mark done. */
  async stop(id: string): Promise<void> {
    if (this.running?.id === id) {
      this.running.controls.stop = true;
      return;
    }
    const job = await this.get(id);
    if (job.status !== 'paused') this.refuse(job, 'stop');
    if (job.state === undefined) {
      await this.opts.db.jobs.update(id, { status: 'cancelled', finishedAt: Date.now(), updatedAt: Date.now() });
      return;
    }
    const kind = this.kindOf(job.kind);
    const resultId = await kind.finish(job.state, job.params, this.opts.context(id), true);
    await this.opts.db.jobs.update(id, { status: 'done', stopped: true, resultId, finishedAt: Date.now(), updatedAt: Date.now() });
    this.opts.onEvent({ type: 'job-finished', jobId: id, title: job.title, stopped: true });
  }

  async cancel(id: string): Promise<void> {
    if (this.running?.id === id) {
      this.running.controls.cancel = true;
      return;
    }
    const job = await this.get(id);
    if (job.status !== 'queued' && job.status !== 'paused') this.refuse(job, 'cancel');
    await this.opts.db.jobs.update(id, { status: 'cancelled', finishedAt: Date.now(), updatedAt: Date.now() });
    this.opts.onEvent({ type: 'job-cancelled', jobId: id, title: job.title });
  }

  /** Re-queues a failed or cancelled job from scratch with the same parameters. */
  async retry(id: string): Promise<void> {
    const job = await this.get(id);
    if (job.status !== 'failed' && job.status !== 'cancelled') this.refuse(job, 'retry');
    await this.opts.db.jobs.update(id, {
      status: 'queued',
      seq: this.nextSeq(),
      state: undefined,
      progress: 0,
      etaMs: undefined,
      error: undefined,
      message: undefined,
      interrupted: false,
      stopped: false,
      elapsedMs: 0,
      finishedAt: undefined,
      updatedAt: Date.now(),
    });
    this.kick();
  }

  async setPriority(id: string, priority: JobPriority): Promise<void> {
    const job = await this.get(id);
    if (job.status !== 'queued' && job.status !== 'paused') this.refuse(job, 'change the priority of');
    await this.opts.db.jobs.update(id, { priority, seq: this.nextSeq(), updatedAt: Date.now() });
  }

  /** Moves a waiting job one place earlier or later within its priority level. */
  async move(id: string, direction: 'up' | 'down'): Promise<void> {
    const { db } = this.opts;
    await db.transaction('rw', db.jobs, async () => {
      const job = await this.get(id);
      if (job.status !== 'queued' && job.status !== 'paused') this.refuse(job, 'reorder');
      const level = (await db.jobs.where('status').anyOf('queued', 'paused').toArray())
        .filter((j) => j.priority === job.priority)
        .sort(byQueueOrder);
      const at = level.findIndex((j) => j.id === id);
      const other = level[direction === 'up' ? at - 1 : at + 1];
      if (!other) return;
      await db.jobs.update(id, { seq: other.seq });
      await db.jobs.update(other.id, { seq: job.seq });
    });
  }

  private async nextQueued(): Promise<JobRecord | undefined> {
    const queued = await this.opts.db.jobs.where('status').equals('queued').toArray();
    return queued.sort(byQueueOrder)[0];
  }

  private async runLoop(): Promise<void> {
    while (!this.closed) {
      this.dirty = false;
      const next = this.opts.deviceLost?.() ? undefined : await this.nextQueued();
      if (!next) {
        // A kick during the read above would otherwise be lost: look again instead of sleeping.
        if (!this.dirty) await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      await this.run(next);
    }
  }

  private async run(job: JobRecord): Promise<void> {
    const { db, onEvent } = this.opts;
    const controls: Controls = { pause: false, stop: false, cancel: false };
    this.running = { id: job.id, controls };
    const ctx = this.opts.context(job.id);
    const resumed = job.state !== undefined;
    const update = (changes: Partial<JobRecord>) => db.jobs.update(job.id, { ...changes, updatedAt: Date.now() });
    try {
      const kind = this.kindOf(job.kind);
      const params = kind.validate(job.params);
      await update({ status: 'running', startedAt: job.startedAt ?? Date.now(), attempts: job.attempts + 1, interrupted: false });
      onEvent({ type: 'job-started', jobId: job.id, title: job.title, resumed });
      let state = resumed ? job.state : await kind.start(params, ctx);
      const t0 = performance.now();
      for (;;) {
        if (controls.cancel) {
          await update({ status: 'cancelled', finishedAt: Date.now() });
          onEvent({ type: 'job-cancelled', jobId: job.id, title: job.title });
          return;
        }
        if (controls.stop) {
          state = (await kind.checkpoint?.(state, params, ctx)) ?? state;
          const resultId = await kind.finish(state, params, ctx, true);
          await update({ status: 'done', stopped: true, resultId, finishedAt: Date.now(), etaMs: undefined });
          onEvent({ type: 'job-finished', jobId: job.id, title: job.title, stopped: true });
          return;
        }
        if (controls.pause) {
          state = (await kind.checkpoint?.(state, params, ctx)) ?? state;
          await update({ status: 'paused', state, etaMs: undefined });
          onEvent({ type: 'job-paused', jobId: job.id, title: job.title });
          return;
        }
        // 1. One step of work, 2. its state saved, 3. progress and ETA from time spent so far.
        const r = await kind.step(state, params, ctx);
        state = r.state;
        const elapsedMs = job.elapsedMs + (performance.now() - t0);
        const etaMs = r.progress > 0 && !r.done ? (elapsedMs * (1 - r.progress)) / r.progress : undefined;
        await update({ state, progress: r.progress, message: r.message, elapsedMs, etaMs });
        if (r.done) {
          const resultId = await kind.finish(state, params, ctx, false);
          await update({ status: 'done', progress: 1, resultId, finishedAt: Date.now(), etaMs: undefined });
          onEvent({ type: 'job-finished', jobId: job.id, title: job.title, stopped: false });
          return;
        }
      }
    } catch (e) {
      if (await this.opts.failedByDeviceLoss?.(e, job.id)) {
        await this.storeWhenRoom(() => update({ status: 'queued', message: 'GPU device was lost; the job will resume from its last step' }));
        return;
      }
      // Storage full: the failed step's transaction rolled back, so the job waits at its last
      // saved step for the user to free space and press Resume. The user is told at once; the
      // paused status itself may not fit either, so it is stored as soon as there is room.
      if (isQuotaError(e)) {
        const error = toErrorInfo(await quotaError(db, job.title));
        onEvent({ type: 'job-paused', jobId: job.id, title: job.title, reason: error.message });
        await this.storeWhenRoom(() => update({ status: 'paused', error, message: error.message, etaMs: undefined }));
        return;
      }
      const error = toErrorInfo(e);
      await this.storeWhenRoom(() => update({ status: 'failed', error, finishedAt: Date.now(), etaMs: undefined }));
      onEvent({ type: 'job-failed', jobId: job.id, title: job.title, error });
    } finally {
      this.running = undefined;
      this.kinds.get(job.kind)?.release?.(job.id);
    }
  }

  /**
   * Runs a job's status write until it is not refused for quota, waiting QUOTA_RETRY_MS between
   * tries; gives up when the queue closes (a job left `running` is recovered at the next start).
   * Meanwhile no other job starts: with storage full, none could save a step.
   */
  private async storeWhenRoom(write: () => Promise<unknown>): Promise<void> {
    for (;;) {
      try {
        await write();
        return;
      } catch (e) {
        if (!isQuotaError(e)) throw e;
        if (this.closed) return;
        await new Promise((resolve) => setTimeout(resolve, QUOTA_RETRY_MS));
      }
    }
  }

  /** Id of the running job, if any. */
  runningId(): string | undefined {
    return this.running?.id;
  }
}

// Job test helpers: a queue whose context has no device (for kinds that need no GPU), a wait for
// a job to reach a status, a kind that has its queue pause, stop or cancel it at a set step, the
// library records (a fixture model, an imported SAE) that model-reading jobs start from, and the
// hooks giving each test of such a job a fresh database and queue.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startHubMirror, type HubMirror } from '../../scripts/hub-mirror';
import { summarizeConfig } from '../lm/config';
import { fixture, useNodeWasm } from '../lm/testing';
import { encodeCheckpoint } from '../sae/checkpointCodec';
import { stateFromWeights } from '../sae/formats/state';
import type { SaeWeights } from '../sae/types';
import { writeImportedCheckpoint } from '../storage/checkpoints';
import { LanternDb, type JobRecord } from '../storage/db';
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

/** Records fixture model `files` (served as `repo` from the mirror at `host`) in the library as model `m1`. */
export async function putFixtureModel(db: LanternDb, repo: string, files: Map<string, Uint8Array>, host: string): Promise<void> {
  const config = JSON.parse(new TextDecoder().decode(files.get('config.json'))) as Record<string, unknown>;
  await db.models.put({ id: 'm1', repo, revision: 'main', variant: 'fp32', summary: { ...summarizeConfig(config) }, bytes: 1, createdAt: 1, host });
}

/** Stores `weights` as an imported SAELens ReLU SAE at `hook` (layer `layer`) of `repo`; its checkpoint id. */
export async function storeImportedSae(db: LanternDb, weights: SaeWeights, name: string, at: { repo: string; hook: string; layer: number }): Promise<string> {
  const origin = { format: 'saelens' as const, source: 'test', arch: 'relu', dIn: weights.dIn, dSae: weights.dSae, modelName: at.repo, hookName: at.hook, hookLayer: at.layer };
  return (await writeImportedCheckpoint(db, encodeCheckpoint(stateFromWeights(weights, 'relu'), {}), name, origin)).id;
}

export interface FixtureModelQueue {
  readonly mirror: HubMirror;
  readonly db: LanternDb;
  readonly queue: JobQueue;
}

/**
 * Registers a test file's hooks: a Hub mirror serving fixture `name` as `repo` for the whole file,
 * and for each test a fresh database holding it as model `m1` with a started CPU queue running `kinds`.
 */
export function fixtureModelQueue(name: string, repo: string, kinds: () => JobKind[]): FixtureModelQueue {
  let mirror: HubMirror | undefined;
  let db: LanternDb | undefined;
  let queue: JobQueue | undefined;
  let n = 0;
  beforeAll(async () => {
    useNodeWasm();
    mirror = await startHubMirror({ repos: { [repo]: fixture(name).files } });
  });
  afterAll(() => mirror?.close());
  beforeEach(async () => {
    const ks = kinds();
    db = new LanternDb(`lantern-${ks.map((k) => k.kind).join('-')}-test-${n++}`);
    await db.open();
    await putFixtureModel(db, repo, fixture(name).files, mirror!.url);
    queue = cpuQueue(db, ks);
    queue.start();
  });
  afterEach(async () => {
    await queue?.close();
    await db?.delete();
  });
  return {
    get mirror() {
      return mirror!;
    },
    get db() {
      return db!;
    },
    get queue() {
      return queue!;
    },
  };
}

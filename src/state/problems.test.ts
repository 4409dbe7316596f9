// Error-banner lifecycle: one banner per kind of work, replaced by a newer failure, cleared by a
// later success, hidden by a dismissal that is stored (and covers every earlier failure).
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { getDb, type JobRecord, type JobStatus } from '../storage/db';
import { currentProblem, dismissedUpTo, dismissProblem } from './problems';

let seq = 0;
function job(kind: string, status: JobStatus, finishedAt: number): JobRecord {
  seq++;
  return {
    id: `job_${seq}`,
    kind,
    title: `${kind} ${seq}`,
    priority: 'normal',
    seq,
    status,
    progress: status === 'done' ? 1 : 0.5,
    params: {},
    elapsedMs: 0,
    attempts: 1,
    createdAt: finishedAt - 10,
    updatedAt: finishedAt,
    finishedAt,
    ...(status === 'failed' ? { error: { code: 'x', message: `failure ${seq}` } } : {}),
  };
}

describe('error banner lifecycle', () => {
  beforeEach(async () => {
    await getDb().settings.clear();
  });

  it('shows only the newest of several failures (a newer failure replaces the banner)', () => {
    const a = job('ingest', 'failed', 100);
    const b = job('ingest', 'failed', 300);
    const c = job('ingest', 'failed', 200);
    expect(currentProblem([a, b, c], 'ingest')?.id).toBe(b.id);
  });

  it('clears the banner once a later job of the kind succeeds, and shows a failure after that success', () => {
    const failed = job('ingest', 'failed', 100);
    const done = job('ingest', 'done', 200);
    expect(currentProblem([failed, done], 'ingest')).toBeUndefined();
    const again = job('ingest', 'failed', 300);
    expect(currentProblem([failed, done, again], 'ingest')?.id).toBe(again.id);
  });

  it('ignores other kinds, running and cancelled jobs', () => {
    const failed = job('ingest', 'failed', 100);
    const others = [job('extract', 'done', 200), job('ingest', 'running', 300), job('ingest', 'cancelled', 400)];
    expect(currentProblem([failed, ...others], 'ingest')?.id).toBe(failed.id);
    expect(currentProblem([failed, ...others], 'extract')).toBeUndefined();
  });

  it('a stored dismissal hides that failure and every earlier one, but not a later one', async () => {
    const older = job('extract', 'failed', 100);
    const newer = job('extract', 'failed', 200);
    expect(await dismissedUpTo('extract')).toBe(0);
    await dismissProblem(newer);
    const upTo = await dismissedUpTo('extract');
    expect(currentProblem([older, newer], 'extract', upTo)).toBeUndefined();
    expect(await dismissedUpTo('ingest')).toBe(0);
    const later = job('extract', 'failed', 300);
    expect(currentProblem([older, newer, later], 'extract', upTo)?.id).toBe(later.id);
  });
});

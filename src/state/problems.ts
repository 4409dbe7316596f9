// The error banner of one kind of work (imports, extractions): a single banner showing the newest
// failure, replaced by a newer one, cleared by a later success, and hidden once dismissed (across reloads).
import type { Accessor } from 'solid-js';
import { getDb, type JobRecord } from '../storage/db';
import { allJobs } from './jobs';
import { createLive } from './live';

const finishedAt = (j: JobRecord) => j.finishedAt ?? j.updatedAt;

/** The failed job a banner shows for `kind`: the newest finished job, when it failed after the last dismissal. */
export function currentProblem(jobs: JobRecord[], kind: string, dismissedUpTo = 0): JobRecord | undefined {
  let newest: JobRecord | undefined;
  for (const j of jobs) {
    if (j.kind !== kind || (j.status !== 'failed' && j.status !== 'done')) continue;
    if (!newest || finishedAt(j) > finishedAt(newest)) newest = j;
  }
  return newest?.status === 'failed' && finishedAt(newest) > dismissedUpTo ? newest : undefined;
}

const dismissKey = (kind: string) => `problem.dismissed.${kind}`;

/** Hides `job`'s banner and every earlier failure of its kind; the jobs stay on the Jobs page. */
export async function dismissProblem(job: JobRecord): Promise<void> {
  await getDb().settings.put({ key: dismissKey(job.kind), value: finishedAt(job) });
}

/** Time up to which failures of `kind` were dismissed (0 when never). */
export async function dismissedUpTo(kind: string): Promise<number> {
  const value = (await getDb().settings.get(dismissKey(kind)))?.value;
  return typeof value === 'number' ? value : 0;
}

/** The banner's job for `kind`, live; undefined until the dismissal is known, so a dismissed banner never flashes. */
export function createProblem(kind: string): Accessor<JobRecord | undefined> {
  const dismissed = createLive(() => dismissedUpTo(kind));
  return () => {
    const upTo = dismissed();
    return upTo === undefined ? undefined : currentProblem(allJobs(), kind, upTo);
  };
}

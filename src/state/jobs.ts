// Jobs as seen by the UI: a live Dexie query (the worker writes, the UI observes).
import { liveQuery } from 'dexie';
import { from } from 'solid-js';
import { getDb, type JobRecord } from '../storage/db';
import { byQueueOrder } from '../jobs/queue';

const jobs = from<JobRecord[]>(liveQuery(() => getDb().jobs.orderBy('createdAt').reverse().toArray()));

export function allJobs(): JobRecord[] {
  return jobs() ?? [];
}

export function activeJob(): JobRecord | undefined {
  return allJobs().find((j) => j.status === 'running');
}

export function waitingJobs(): JobRecord[] {
  return allJobs()
    .filter((j) => j.status === 'queued' || j.status === 'paused')
    .sort(byQueueOrder);
}

export function formatEta(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s left`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s left` : `${Math.floor(m / 60)}h ${m % 60}m left`;
}

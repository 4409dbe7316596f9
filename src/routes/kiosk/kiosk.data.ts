// The kiosk's choices, apart from its markup: the `?run=&cycle=&panels=` options (bad values said and
// replaced by defaults) and which run it shows (the given one, the running one, the newest finished one).
import type { JobRecord, RunRecord } from '../../storage/db';

export const KIOSK_PANELS = ['loss', 'sparsity', 'density', 'throughput', 'queue'] as const;
export type KioskPanel = (typeof KIOSK_PANELS)[number];

export const PANEL_TITLES: Record<KioskPanel, string> = {
  loss: 'Loss and explained variance',
  sparsity: 'L0 and dead latents',
  density: 'Feature density',
  throughput: 'Throughput and ETA',
  queue: 'Job queue',
};

export const DEFAULT_CYCLE_S = 15;
const MIN_CYCLE_S = 3;
const MAX_CYCLE_S = 3600;

export interface KioskOptions {
  runId?: string;
  cycleS: number;
  panels: KioskPanel[];
  /** What was wrong with the address and what is used instead, one sentence each. */
  problems: string[];
}

export function parseKioskParams(p: { run?: string; cycle?: string; panels?: string }): KioskOptions {
  const problems: string[] = [];
  let cycleS = DEFAULT_CYCLE_S;
  if (p.cycle !== undefined && p.cycle !== '') {
    const n = Number(p.cycle);
    if (Number.isFinite(n) && n >= MIN_CYCLE_S && n <= MAX_CYCLE_S) cycleS = n;
    else problems.push(`cycle must be a number of seconds from ${MIN_CYCLE_S} to ${MAX_CYCLE_S}, got "${p.cycle}"; cycling every ${DEFAULT_CYCLE_S} s.`);
  }
  let panels: KioskPanel[] = [...KIOSK_PANELS];
  if (p.panels !== undefined && p.panels !== '') {
    const names = p.panels.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = names.filter((n) => !(KIOSK_PANELS as readonly string[]).includes(n));
    const known = [...new Set(names.filter((n): n is KioskPanel => (KIOSK_PANELS as readonly string[]).includes(n)))];
    if (unknown.length) problems.push(`Unknown panel${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}; the panels are ${KIOSK_PANELS.join(', ')}.`);
    if (known.length) panels = known;
  }
  const runId = p.run?.trim() || undefined;
  return { runId, cycleS, panels, problems };
}

export type RunChoice =
  | { run: RunRecord; why: 'requested' | 'running' | 'finished' | 'newest' }
  | { run: undefined; why: 'none' };

/**
 * 1. The requested run, when stored; 2. the run of the running training job; 3. the newest finished run;
 * 4. the newest run of any status. `runs` and `jobs` in any order.
 */
export function chooseRun(runs: RunRecord[], jobs: JobRecord[], requested?: string): RunChoice {
  const asked = requested === undefined ? undefined : runs.find((r) => r.id === requested);
  if (asked) return { run: asked, why: 'requested' };
  const running = jobs.find((j) => j.kind === 'train' && j.status === 'running');
  const live = running && runs.find((r) => r.jobId === running.id);
  if (live) return { run: live, why: 'running' };
  const newest = [...runs].sort((a, b) => b.createdAt - a.createdAt);
  const finished = newest.find((r) => r.status === 'done');
  if (finished) return { run: finished, why: 'finished' };
  return newest.length ? { run: newest[0], why: 'newest' } : { run: undefined, why: 'none' };
}

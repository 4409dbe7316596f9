// The kiosk's choices, apart from its markup: the `?run=&cycle=&panels=` options (bad values said and
// replaced by defaults), which run it shows, the analysis its features panel shows, the steering preset.
import type { SteeredLatent } from '../../lm/steering';
import { activeSaeId } from '../../state/activeSae';
import type { FeatureSummaryRow } from '../../features/types';
import { featureNotes, readSummary, readyAnalysis } from '../../storage/analyses';
import type { AnalysisRecord, CheckpointRecord, FeatureRecord, JobRecord, LanternDb, RunRecord, TemplateRecord } from '../../storage/db';
import { listRows, queryRows, type ListRow } from '../features/features.data';
import { checkLatents } from '../steering/steering.data';

export const KIOSK_PANELS = ['loss', 'sparsity', 'density', 'throughput', 'queue', 'replay', 'features', 'steering'] as const;
export type KioskPanel = (typeof KIOSK_PANELS)[number];

export const PANEL_TITLES: Record<KioskPanel, string> = {
  loss: 'Loss and explained variance',
  sparsity: 'L0 and dead latents',
  density: 'Feature density',
  throughput: 'Throughput and ETA',
  queue: 'Job queue',
  replay: 'Replay: latents over the run',
  features: 'Features',
  steering: 'Steering preset',
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
    const isPanel = (n: string): n is KioskPanel => (KIOSK_PANELS as readonly string[]).includes(n);
    const unknown = names.filter((n) => !isPanel(n));
    const known = [...new Set(names.filter(isPanel))];
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

/** The replay panel's frame time: the whole history plays in about 80% of a cycle, then holds on the newest. */
export function replayTickMs(snapshots: number, cycleS: number): number {
  return Math.min(1500, Math.max(120, Math.round((cycleS * 800) / Math.max(1, snapshots))));
}

export type FeatureChoice =
  | { analysis: AnalysisRecord; sae: CheckpointRecord; why: 'run' | 'active' }
  | {
      analysis: undefined;
      /** The run's newest complete checkpoint, and the active SAE, when there are. */
      newest?: CheckpointRecord;
      active?: CheckpointRecord;
      /** The run trained on synthetic data: its SAEs read no model, so they cannot be analysed. */
      synthetic: boolean;
    };

/**
 * 1. The newest checkpoint of `run` that has a finished analysis; 2. the active SAE when it has one;
 * 3. none, with what the panel can tell a person to do.
 */
export async function chooseAnalysis(db: LanternDb, run: RunRecord): Promise<FeatureChoice> {
  const ready = (await db.analyses.where('status').equals('ready').toArray()).sort((a, b) => a.createdAt - b.createdAt);
  const bySae = new Map(ready.map((a) => [a.saeId, a]));
  const checkpoints = (await db.checkpoints.where('runId').equals(run.id).filter((c) => c.complete === 1).toArray()).sort((a, b) => b.step - a.step || b.createdAt - a.createdAt);
  const hit = checkpoints.find((c) => bySae.has(c.id));
  if (hit) return { analysis: bySae.get(hit.id)!, sae: hit, why: 'run' };
  const activeId = await activeSaeId(db);
  const active = activeId ? await db.checkpoints.get(activeId) : undefined;
  const usable = active?.complete === 1 ? active : undefined;
  if (usable && bySae.has(usable.id)) return { analysis: bySae.get(usable.id)!, sae: usable, why: 'active' };
  const source = run.config.source as { type?: string } | undefined;
  return { analysis: undefined, newest: checkpoints[0], active: usable, synthetic: source?.type === 'synthetic' };
}

/** The `n` densest latents that fired, with their person-written labels. */
export function topFeatures(rows: FeatureSummaryRow[], notes: Map<number, FeatureRecord>, n: number): ListRow[] {
  return queryRows(listRows(rows, notes), { sort: 'density', descending: true, filter: 'alive', search: '' }).slice(0, n);
}

export interface KioskPreset {
  name: string;
  favourite: boolean;
  updatedAt: number;
  prompt: string;
  multiplier: number;
  latents: SteeredLatent[];
  /** What is wrong with a stored body the steering page would refuse, or undefined. */
  problem?: string;
}

/** The active SAE's name and its latents' shown labels and top tokens, when it has a finished analysis. */
export async function activeSaeLabels(db: LanternDb): Promise<{ sae: string; rows: Map<number, ListRow> } | undefined> {
  const id = await activeSaeId(db);
  const sae = id ? await db.checkpoints.get(id) : undefined;
  const analysis = sae ? await readyAnalysis(db, sae.id) : undefined;
  if (!sae || !analysis) return undefined;
  const [summary, notes] = await Promise.all([readSummary(db, analysis), featureNotes(db, sae.id)]);
  return { sae: sae.name, rows: new Map(listRows(summary.rows, notes).map((r) => [r.index, r])) };
}

/** The favourite steering preset edited last, else the one edited last; undefined when none is saved. */
export async function chooseSteeringPreset(db: LanternDb): Promise<KioskPreset | undefined> {
  const all: TemplateRecord[] = await db.templates.where('kind').equals('steering').toArray();
  const t = all.sort((a, b) => b.favourite - a.favourite || b.updatedAt - a.updatedAt)[0];
  if (!t) return undefined;
  const wrong = checkLatents(t.body.latents);
  const prompt = typeof t.body.prompt === 'string' ? t.body.prompt : '';
  const multiplier = typeof t.body.multiplier === 'number' ? t.body.multiplier : 1;
  return {
    name: t.name,
    favourite: t.favourite === 1,
    updatedAt: t.updatedAt,
    prompt,
    multiplier,
    latents: wrong ? [] : (t.body.latents as SteeredLatent[]),
    ...(wrong ? { problem: `Its latents ${wrong}; load it on the Steering page, fix them and save it again.` } : {}),
  };
}

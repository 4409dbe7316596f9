// The kiosk reads its address strictly (bad values said, defaults used) and shows the right run, the
// right stored analysis (fake-indexeddb) and steering preset, and plays a run's replay within a cycle.
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { ACTIVE_SAE_KEY } from '../../state/activeSae';
import { getDb, type AnalysisRecord, type CheckpointRecord, type JobRecord, type RunRecord } from '../../storage/db';
import { jsonChunk } from '../../storage/analyses';
import { activeSaeLabels, chooseAnalysis, chooseRun, chooseSteeringPreset, DEFAULT_CYCLE_S, KIOSK_PANELS, parseKioskParams, replayTickMs, topFeatures } from './kiosk.data';

const run = (id: string, status: RunRecord['status'], createdAt: number, jobId?: string): RunRecord => ({ id, name: id, config: {}, status, jobId, step: 0, createdAt });
const job = (id: string, kind: string, status: JobRecord['status']): JobRecord => ({
  id,
  kind,
  title: id,
  priority: 'normal',
  seq: 0,
  status,
  progress: 0,
  params: {},
  elapsedMs: 0,
  attempts: 0,
  createdAt: 0,
  updatedAt: 0,
});

describe('parseKioskParams', () => {
  it('no parameters: every panel, the default cycle, no run', () => {
    expect(parseKioskParams({})).toEqual({ runId: undefined, cycleS: DEFAULT_CYCLE_S, panels: [...KIOSK_PANELS], problems: [] });
  });

  it('keeps a valid cycle and panel list in the given order, without duplicates', () => {
    const o = parseKioskParams({ run: 'run_1', cycle: '8', panels: 'queue,loss,queue' });
    expect(o).toEqual({ runId: 'run_1', cycleS: 8, panels: ['queue', 'loss'], problems: [] });
  });

  it('a cycle that is not a number in range is said and replaced by the default', () => {
    for (const cycle of ['abc', '0', '-5', '1e9', 'Infinity']) {
      const o = parseKioskParams({ cycle });
      expect(o.cycleS).toBe(DEFAULT_CYCLE_S);
      expect(o.problems).toEqual([`cycle must be a number of seconds from 3 to 3600, got "${cycle}"; cycling every ${DEFAULT_CYCLE_S} s.`]);
    }
  });

  it('unknown panels are named with the allowed ones; the known ones are kept, or all when none is known', () => {
    expect(parseKioskParams({ panels: 'loss,charts' })).toMatchObject({ panels: ['loss'], problems: ['Unknown panel "charts"; the panels are loss, sparsity, density, throughput, queue, replay, features, steering.'] });
    expect(parseKioskParams({ panels: 'a,b' })).toMatchObject({ panels: [...KIOSK_PANELS], problems: ['Unknown panels "a", "b"; the panels are loss, sparsity, density, throughput, queue, replay, features, steering.'] });
  });
});

describe('chooseRun', () => {
  const runs = [run('old-done', 'done', 1), run('live', 'running', 2, 'job-live'), run('new-done', 'done', 3), run('failed', 'failed', 4)];
  const jobs = [job('job-live', 'train', 'running'), job('other', 'extract', 'queued')];

  it('the requested run wins when it is stored', () => {
    expect(chooseRun(runs, jobs, 'old-done')).toMatchObject({ run: { id: 'old-done' }, why: 'requested' });
  });

  it("then the running training job's run, even when a requested id is unknown", () => {
    expect(chooseRun(runs, jobs)).toMatchObject({ run: { id: 'live' }, why: 'running' });
    expect(chooseRun(runs, jobs, 'nope')).toMatchObject({ run: { id: 'live' }, why: 'running' });
  });

  it('then the newest finished run, then the newest run, then none', () => {
    expect(chooseRun(runs, [])).toMatchObject({ run: { id: 'new-done' }, why: 'finished' });
    expect(chooseRun([run('a', 'failed', 1), run('b', 'cancelled', 2)], [])).toMatchObject({ run: { id: 'b' }, why: 'newest' });
    expect(chooseRun([], jobs)).toEqual({ run: undefined, why: 'none' });
  });
});

describe('replayTickMs', () => {
  it('plays every snapshot within the cycle, neither faster than 120 ms nor slower than 1.5 s a frame', () => {
    expect(replayTickMs(40, 15) * 40).toBeLessThanOrEqual(15_000);
    expect(replayTickMs(40, 15)).toBe(300);
    expect(replayTickMs(10_000, 15)).toBe(120);
    expect(replayTickMs(1, 60)).toBe(1500);
    expect(replayTickMs(0, 15)).toBe(1500);
  });
});

describe('chooseAnalysis, topFeatures, chooseSteeringPreset and activeSaeLabels', () => {
  const db = getDb();
  const ckpt = (id: string, runId: string, step: number, complete: 0 | 1 = 1): CheckpointRecord => ({ id, runId, name: id, step, complete, sha256: '', bytes: 0, createdAt: step });
  const analysis = (id: string, saeId: string, createdAt: number, status: AnalysisRecord['status'] = 'ready') => ({ id, saeId, status, createdAt }) as AnalysisRecord;
  const synthetic = run('run_syn', 'running', 1);
  synthetic.config = { source: { type: 'synthetic', nFeatures: 64 } };

  beforeEach(async () => {
    await Promise.all([db.analyses.clear(), db.analysisChunks.clear(), db.checkpoints.clear(), db.settings.clear(), db.templates.clear(), db.features.clear()]);
  });

  it("shows the newest analysed checkpoint of the run, newest analysis first, before the active SAE's", async () => {
    await db.checkpoints.bulkAdd([ckpt('c10', 'run_syn', 10), ckpt('c20', 'run_syn', 20), ckpt('c30', 'run_syn', 30, 0), ckpt('other', 'run_x', 5)]);
    await db.analyses.bulkAdd([analysis('a-old', 'c10', 1), analysis('a-new', 'c10', 2), analysis('a-running', 'c20', 3, 'running'), analysis('a-other', 'other', 4)]);
    await db.settings.put({ key: ACTIVE_SAE_KEY, value: 'other' });
    expect(await chooseAnalysis(db, synthetic)).toMatchObject({ analysis: { id: 'a-new' }, sae: { id: 'c10' }, why: 'run' });
    await db.analyses.delete('a-old');
    await db.analyses.delete('a-new');
    expect(await chooseAnalysis(db, synthetic)).toMatchObject({ analysis: { id: 'a-other' }, sae: { id: 'other' }, why: 'active' });
  });

  it('without any analysis it names the newest complete checkpoint and the active SAE, and says the run is synthetic', async () => {
    await db.checkpoints.bulkAdd([ckpt('c10', 'run_syn', 10), ckpt('c30', 'run_syn', 30, 0), ckpt('imported', 'imported', 0)]);
    await db.settings.put({ key: ACTIVE_SAE_KEY, value: 'imported' });
    const c = await chooseAnalysis(db, synthetic);
    expect(c).toMatchObject({ analysis: undefined, newest: { id: 'c10' }, active: { id: 'imported' }, synthetic: true });
    expect(await chooseAnalysis(db, run('run_live', 'done', 1))).toEqual({ analysis: undefined, newest: undefined, active: { ...ckpt('imported', 'imported', 0) }, synthetic: false });
  });

  it('lists the densest latents that fired, with person-written labels', () => {
    const rows = [
      { index: 0, density: 0.01, meanActive: 1, max: 2, autoLabel: 'a', topTokens: ['a'] },
      { index: 1, density: 0, meanActive: 0, max: 0, autoLabel: '', topTokens: [] },
      { index: 2, density: 0.3, meanActive: 1, max: 2, autoLabel: 'b', topTokens: ['b'] },
      { index: 3, density: 0.01, meanActive: 1, max: 2, autoLabel: 'c', topTokens: ['c'] },
    ];
    const top = topFeatures(rows, new Map([[3, { saeId: 's', index: 3, label: 'commas' }]]), 3);
    expect(top.map((r) => [r.index, r.label ?? r.autoLabel])).toEqual([
      [2, 'b'],
      [0, 'a'],
      [3, 'commas'],
    ]);
  });

  it('picks the favourite steering preset edited last; a body the steering page would refuse is said, not shown', async () => {
    expect(await chooseSteeringPreset(db)).toBeUndefined();
    const body = (latents: unknown) => ({ prompt: 'The weather today is', maxNewTokens: 24, temperature: 0.8, topK: 40, topP: 0.95, seed: 1, multiplier: 2, latents });
    await db.templates.bulkAdd([
      { id: 't1', kind: 'steering', name: 'old favourite', favourite: 1, body: body([{ latent: 3, strength: 8, method: 'additive' }]), updatedAt: 1 },
      { id: 't2', kind: 'steering', name: 'newest', favourite: 0, body: body([]), updatedAt: 9 },
      { id: 't3', kind: 'training', name: 'a training one', favourite: 1, body: {}, updatedAt: 10 },
    ]);
    expect(await chooseSteeringPreset(db)).toEqual({ name: 'old favourite', favourite: true, updatedAt: 1, prompt: 'The weather today is', multiplier: 2, latents: [{ latent: 3, strength: 8, method: 'additive' }] });
    await db.templates.update('t1', { favourite: 0 });
    await db.templates.update('t2', { body: body([{ latent: -1, strength: 1, method: 'additive' }]) });
    expect(await chooseSteeringPreset(db)).toMatchObject({ name: 'newest', latents: [], problem: 'Its latents row 1: latent must be a whole number ≥ 0; load it on the Steering page, fix them and save it again.' });
  });

  it("labels the preset's latents from the active SAE's stored analysis, a person's label first; none without an analysis", async () => {
    await db.checkpoints.add(ckpt('sae', 'imported', 0));
    await db.settings.put({ key: ACTIVE_SAE_KEY, value: 'sae' });
    expect(await activeSaeLabels(db)).toBeUndefined();
    await db.analyses.add(analysis('an', 'sae', 1));
    const rows = [
      { index: 0, density: 0.1, meanActive: 1, max: 2, autoLabel: '“the”', topTokens: [' the'] },
      { index: 1, density: 0.2, meanActive: 1, max: 2, autoLabel: '“fox”', topTokens: [' fox'] },
    ];
    await db.analysisChunks.put(await jsonChunk('an', 0, { rows, vocab: [], densityHistogram: { edges: [0, 1], counts: [2] } }));
    await db.features.put({ saeId: 'sae', index: 1, label: 'animals' });
    const labels = await activeSaeLabels(db);
    expect(labels?.sae).toBe('sae');
    expect([...labels!.rows.values()].map((r) => [r.index, r.label ?? r.autoLabel, r.topTokens])).toEqual([
      [0, '“the”', [' the']],
      [1, 'animals', [' fox']],
    ]);
  });
});

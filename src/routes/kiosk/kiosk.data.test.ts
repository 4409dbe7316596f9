// The kiosk reads its address strictly (bad values said, defaults used) and shows the right run.
import { describe, expect, it } from 'vitest';
import type { JobRecord, RunRecord } from '../../storage/db';
import { chooseRun, DEFAULT_CYCLE_S, KIOSK_PANELS, parseKioskParams } from './kiosk.data';

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
    expect(parseKioskParams({ panels: 'loss,charts' })).toMatchObject({ panels: ['loss'], problems: ['Unknown panel "charts"; the panels are loss, sparsity, density, throughput, queue.'] });
    expect(parseKioskParams({ panels: 'a,b' })).toMatchObject({ panels: [...KIOSK_PANELS], problems: ['Unknown panels "a", "b"; the panels are loss, sparsity, density, throughput, queue.'] });
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

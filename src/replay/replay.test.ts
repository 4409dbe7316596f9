// Replay of a recorded run: the view rebuilt at any step (range-read series + keyed snapshot) equals
// the view the live dashboard had at that step, across a resume that rewrites the tail; plus the
// displayStep model (URL parsing, clamping, keys) and min/max decimation.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LanternDb, type HistogramData, type MetricRecord } from '../storage/db';
import { parseStepParam, resolveStep, stepForKey } from './displayStep';
import { decimateMinMax } from './decimate';
import { MetricSeries, readMetricRange } from './series';
import { CACHE_SIZE, PREFETCH, readSnapshot, SnapshotCache } from './snapshots';
import { viewAt, type RunView } from './view';

let db: LanternDb;
let n = 0;
beforeEach(() => {
  db = new LanternDb(`replay-${n++}`);
});
afterEach(() => db.delete());

const RUN = 'run-a';
const HIST_EVERY = 20;

/** Deterministic metric row for a step, as the trainer writes it (histograms every HIST_EVERY steps). */
function row(step: number): MetricRecord {
  const h = (seed: number): HistogramData => ({ edges: [0, 1, 2, 3], counts: [seed % 7, (seed * 3) % 11, (seed * 5) % 13], zero: seed % 4 });
  const values: Record<string, number> = { loss: 1 / step + Math.sin(step) * 1e-3, l0: (step * 7) % 17 };
  if (step >= 50) values.sparsityCoef = step / 1000;
  return { runId: RUN, step, values, ...(step % HIST_EVERY === 0 ? { histograms: { densityLog10: h(step), decoderNorm: h(step + 1) } } : {}) };
}

describe('replay of a recorded run', () => {
  it('the view rebuilt at any step equals the view recorded live at that step, across a resume that rewrites the tail', async () => {
    await db.metrics.bulkPut([{ runId: 'other-run', step: 5, values: { loss: 9 }, histograms: row(20).histograms }]);
    const recorded = new Map<number, RunView>();
    const live = new MetricSeries();
    let newestSnapshot: RunView['snapshot'];
    let step = 0;
    let resumed = false;
    const sizes = [1, 3, 7, 13, 2, 19, 5];
    for (let b = 0; step < 400; b++) {
      // 1. The writer stores one batch of rows (as the train job does after each slice).
      const rows: MetricRecord[] = [];
      for (let i = 0; i < sizes[b % sizes.length] && step < 400; i++) rows.push(row(++step));
      await db.metrics.bulkPut(rows);
      for (const r of rows) if (r.histograms) newestSnapshot = { step: r.step, ...r.histograms };
      // 2. What the live dashboard shows now: the newest row's values and the newest snapshot.
      const newest = rows[rows.length - 1];
      recorded.set(newest.step, { step: newest.step, values: newest.values, ...(newestSnapshot ? { snapshot: newestSnapshot } : {}) });
      await live.sync(db, RUN);
      expect(await viewAt(db, RUN, live, live.last)).toEqual(recorded.get(newest.step));
      // 3. Once, a resume from the checkpoint at 120: later rows are deleted and recomputed.
      if (!resumed && step > 157) {
        resumed = true;
        await db.metrics.where('[runId+step]').between([RUN, 121], [RUN, Infinity]).delete();
        await live.sync(db, RUN);
        expect(live.last).toBe(120);
        expect(live.snapshotSteps.at(-1)).toBe(120);
        step = 120;
        newestSnapshot = { step: 120, ...row(120).histograms! };
      }
    }
    // 4. A cold reader (a reload, a finished run): one range read, then the view at every step.
    const cold = new MetricSeries();
    await cold.sync(db, RUN);
    expect(cold.length).toBe(400);
    expect(Array.from(cold.steps.subarray(0, 400))).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    expect(cold.snapshotSteps).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * HIST_EVERY));
    // The live series, grown by appending each batch's new rows, holds what the one read holds.
    expect(live.length).toBe(cold.length);
    expect(Array.from(live.steps.subarray(0, 400))).toEqual(Array.from(cold.steps.subarray(0, 400)));
    expect(live.snapshotSteps).toEqual(cold.snapshotSteps);
    expect([...live.cols.keys()].sort()).toEqual([...cold.cols.keys()].sort());
    for (const [k, col] of cold.cols) expect(Array.from(live.cols.get(k)!.subarray(0, 400))).toEqual(Array.from(col.subarray(0, 400)));
    for (const [s, view] of recorded) {
      expect(await viewAt(db, RUN, cold, s)).toEqual(view);
      expect(await viewAt(db, RUN, live, s)).toEqual(view);
    }
    // 5. Every step, not only batch ends: its own row and the snapshot at or before it.
    for (let s = 1; s <= 400; s++) {
      const v = await viewAt(db, RUN, cold, s);
      expect(v?.values).toEqual(row(s).values);
      const snapAt = Math.floor(s / HIST_EVERY) * HIST_EVERY;
      expect(v?.snapshot?.step).toBe(snapAt || undefined);
      expect(await readSnapshot(db, RUN, s)).toEqual(v?.snapshot);
    }
    expect(await viewAt(db, RUN, cold, 0)).toBeUndefined();
  });

  it('range reads page through the rows in step order, only within the run and the range', async () => {
    await db.metrics.bulkPut([...Array.from({ length: 50 }, (_, i) => row(i + 1)), { runId: 'run-b', step: 7, values: { loss: 1 } }, { runId: 'run-0', step: 7, values: { loss: 1 } }]);
    const pages: number[][] = [];
    await readMetricRange(db, RUN, 4, 40, (rows) => pages.push(rows.map((r) => r.step)), 8);
    expect(pages.map((p) => p.length)).toEqual([8, 8, 8, 8, 5]);
    expect(pages.flat()).toEqual(Array.from({ length: 37 }, (_, i) => i + 4));
  });

  it('a metric missing from early rows reads as absent there, and the series grows past its first capacity', async () => {
    const s = new MetricSeries();
    s.append(Array.from({ length: 700 }, (_, i) => row(i + 1)));
    expect(s.valuesAt(49)?.values).not.toHaveProperty('sparsityCoef');
    expect(s.valuesAt(50)?.values.sparsityCoef).toBe(0.05);
    expect(s.valuesAt(700)?.values).toEqual(row(700).values);
    expect(s.valuesAt(10_000)?.step).toBe(700);
    s.truncateAfter(600);
    s.append([row(601)]);
    expect(s.valuesAt(700)?.step).toBe(601);
  });
});

describe('SnapshotCache', () => {
  it('a keyed load returns the stored snapshot and prefetches its neighbours, so the next one is held without a read', async () => {
    await db.metrics.bulkPut(Array.from({ length: 400 }, (_, i) => row(i + 1)));
    const series = new MetricSeries();
    await series.sync(db, RUN);
    const steps = series.snapshotSteps;
    const cache = new SnapshotCache(db, RUN);
    const i = 9;
    expect(cache.get(steps[i])).toBeUndefined();
    expect(await cache.load(steps, i)).toEqual(await readSnapshot(db, RUN, steps[i]));
    for (let k = i - PREFETCH; k <= i + PREFETCH; k++) expect(cache.get(steps[k])).toEqual(await readSnapshot(db, RUN, steps[k], steps[k]));
    expect(cache.get(steps[i + PREFETCH + 1])).toBeUndefined();
    // Loads at either end of the run stay within it.
    expect((await cache.load(steps, 0))?.step).toBe(steps[0]);
    expect((await cache.load(steps, steps.length - 1))?.step).toBe(400);
  });

  it('holds at most CACHE_SIZE snapshots, keeping those nearest the one shown', async () => {
    const n = (CACHE_SIZE + 20) * HIST_EVERY;
    await db.metrics.bulkPut(Array.from({ length: n }, (_, i) => row(i + 1)));
    const series = new MetricSeries();
    await series.sync(db, RUN);
    const steps = series.snapshotSteps;
    const cache = new SnapshotCache(db, RUN);
    for (let i = 0; i < steps.length; i += 3) await cache.load(steps, i);
    const held = steps.filter((s) => cache.get(s));
    expect(held.length).toBeLessThanOrEqual(CACHE_SIZE);
    expect(held.at(-1)).toBe(steps.at(-1));
    expect(cache.get(steps[0])).toBeUndefined();
  });

  it('a resume forgets the snapshots after it, including one being read, and the rewritten ones are read anew', async () => {
    await db.metrics.bulkPut(Array.from({ length: 200 }, (_, i) => row(i + 1)));
    const series = new MetricSeries();
    await series.sync(db, RUN);
    const cache = new SnapshotCache(db, RUN);
    await cache.load(series.snapshotSteps, 2);
    expect(cache.get(140)).toBeDefined();
    expect(cache.get(160)).toBeUndefined();
    const inFlight = cache.load(series.snapshotSteps, 9);
    cache.dropAfter(120);
    const rewritten = { ...row(200), histograms: { densityLog10: { edges: [0, 1], counts: [42], zero: 0 }, decoderNorm: { edges: [0, 1], counts: [43], zero: 0 } } };
    await db.metrics.put(rewritten);
    await inFlight;
    expect(cache.get(140)).toBeUndefined();
    expect(cache.get(200)).toBeUndefined();
    expect(cache.get(120)).toEqual(await readSnapshot(db, RUN, 120));
    expect((await cache.load(series.snapshotSteps, 9))?.densityLog10.counts).toEqual([42]);
  });
});

describe('displayStep', () => {
  it('?step= beyond the run is clamped to its newest step with a message naming the stored range', () => {
    const p = parseStepParam('5000');
    expect(p).toEqual({ requested: 5000 });
    const r = resolveStep(p.requested, 1, 120);
    expect(r).toMatchObject({ step: 120, live: false });
    expect(r.message).toBe('Step 5000 is beyond this run, which has steps 1–120 stored; showing step 120.');
    expect(resolveStep(0, 1, 120)).toMatchObject({ step: 1, message: "Step 0 is before this run's first stored step; showing step 1." });
    expect(resolveStep(40, 1, 120)).toEqual({ step: 40, live: false });
    expect(resolveStep('live', 1, 120)).toEqual({ step: 120, live: true });
    expect(resolveStep(3, 0, 0).message).toBe('Step 3 cannot be shown yet: this run has no stored steps.');
  });

  it('a ?step= that is not a whole number is refused with how to fix it, and the view stays live', () => {
    for (const raw of ['abc', '-3', '2.5']) {
      const p = parseStepParam(raw);
      expect(p.requested).toBe('live');
      expect(p.error).toBe(`"?step=${raw}" is not a step number: use a whole number ≥ 0 (or leave it out to follow the run live).`);
    }
    expect(parseStepParam(undefined)).toEqual({ requested: 'live' });
    expect(parseStepParam('live')).toEqual({ requested: 'live' });
  });

  it('arrows move one step, with Shift one checkpoint, Home/End to the ends, always within the run', () => {
    const b = { first: 1, last: 100, checkpoints: [20, 40, 60] };
    expect(stepForKey(30, 'ArrowLeft', false, b)).toBe(29);
    expect(stepForKey(30, 'ArrowRight', false, b)).toBe(31);
    expect(stepForKey(100, 'ArrowRight', false, b)).toBe(100);
    expect(stepForKey(1, 'ArrowLeft', false, b)).toBe(1);
    expect(stepForKey(30, 'ArrowLeft', true, b)).toBe(20);
    expect(stepForKey(40, 'ArrowLeft', true, b)).toBe(20);
    expect(stepForKey(30, 'ArrowRight', true, b)).toBe(40);
    expect(stepForKey(60, 'ArrowRight', true, b)).toBe(100);
    expect(stepForKey(10, 'ArrowLeft', true, b)).toBe(1);
    expect(stepForKey(30, 'Home', false, b)).toBe(1);
    expect(stepForKey(30, 'End', false, b)).toBe(100);
    expect(stepForKey(30, 'a', false, b)).toBeUndefined();
  });
});

describe('decimateMinMax', () => {
  it('keeps each bucket\'s min and max in order, at most two points per bucket, on 10,007 rows', () => {
    const n = 10_007;
    const x = Float64Array.from({ length: n }, (_, i) => i + 1);
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * (i % 97 === 0 ? 10 : 1));
    const gap = Float64Array.from({ length: n }, (_, i) => (i < 3000 ? NaN : i));
    const d = decimateMinMax(x, [y, gap], n, 300);
    expect(d.x.length).toBe(600);
    for (let i = 1; i < d.x.length; i++) expect(d.x[i]).toBeGreaterThanOrEqual(d.x[i - 1]);
    for (let b = 0; b < 300; b++) {
      const start = Math.floor((b * n) / 300);
      const end = Math.floor(((b + 1) * n) / 300);
      const slice = Array.from(y.subarray(start, end));
      const pair = d.ys[0].slice(2 * b, 2 * b + 2) as number[];
      expect(Math.min(...pair)).toBe(Math.min(...slice));
      expect(Math.max(...pair)).toBe(Math.max(...slice));
    }
    expect(d.ys[1][0]).toBeNull();
    expect(d.ys[1].at(-1)).toBe(n - 1);
  });

  it('returns short series whole, with missing values as null', () => {
    const d = decimateMinMax(Float64Array.from([1, 2, 3, 0]), [Float64Array.from([5, NaN, 7, 0])], 3, 10);
    expect(d).toEqual({ x: [1, 2, 3], ys: [[5, null, 7]] });
  });
});

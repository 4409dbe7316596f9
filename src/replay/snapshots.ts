// The snapshot reader: the histograms (feature density, decoder norms) recorded at or before a
// step, read by key from the metric row that carries them — never by loading a run's rows — and a
// cache that prefetches the snapshots either side of the shown one, so a scrub into the next one
// draws without waiting on IndexedDB.
import type { HistogramData, LanternDb, MetricRecord } from '../storage/db';

export interface Snapshot {
  /** The step the snapshot was recorded at (≤ the step asked for). */
  step: number;
  densityLog10: HistogramData;
  decoderNorm: HistogramData;
}

/**
 * The newest snapshot of `runId` at or before `step`. With `knownStep` (from a held series'
 * snapshot steps) it is one keyed read; without, a reverse range scan from `step` that stops at the
 * first row carrying histograms (at most histogramEvery rows).
 */
export async function readSnapshot(db: LanternDb, runId: string, step: number, knownStep?: number): Promise<Snapshot | undefined> {
  const row =
    knownStep !== undefined
      ? await db.metrics.get([runId, knownStep])
      : await db.metrics
          .where('[runId+step]')
          .between([runId, -Infinity], [runId, step], true, true)
          .reverse()
          .filter((r) => r.histograms !== undefined)
          .first();
  return row && row.step <= step ? snapshotOf(row) : undefined;
}

/** The snapshot a metric row carries, or undefined when it has no histograms. */
function snapshotOf(row: MetricRecord): Snapshot | undefined {
  return row.histograms && { step: row.step, densityLog10: row.histograms.densityLog10, decoderNorm: row.histograms.decoderNorm };
}

/** How many snapshot keys either side of the shown one a `SnapshotCache.load` prefetches. */
export const PREFETCH = 4;
/** Snapshots a cache holds at most; the ones farthest from the last shown step go first. */
export const CACHE_SIZE = 64;

/** One run's snapshots read by key, the shown one's neighbours prefetched in the same read. */
export class SnapshotCache {
  private readonly held = new Map<number, Snapshot>();
  /** Reads in flight by step, so overlapping loads read each key once. */
  private readonly reading = new Map<number, Promise<void>>();
  /** Bumped by `dropAfter`: a read begun before it does not store what it read. */
  private generation = 0;

  constructor(
    private readonly db: LanternDb,
    private readonly runId: string,
  ) {}

  /** The snapshot recorded at exactly `step` when held (synchronous; nothing is read). */
  get(step: number): Snapshot | undefined {
    return this.held.get(step);
  }

  /**
   * The snapshot at `snapshotSteps[i]` (steps of the rows that carry histograms, ascending), read
   * together with the keys up to PREFETCH either side that are neither held nor being read, in one
   * bulk read by key; resolves once that whole window is held.
   */
  async load(snapshotSteps: readonly number[], i: number): Promise<Snapshot | undefined> {
    const step = snapshotSteps[i];
    const around = snapshotSteps.slice(Math.max(0, i - PREFETCH), i + PREFETCH + 1);
    const keys = around.filter((s) => !this.held.has(s) && !this.reading.has(s));
    if (keys.length) {
      const generation = this.generation;
      const read = this.db.metrics.bulkGet(keys.map((s) => [this.runId, s] as [string, number])).then((rows) => {
        if (generation !== this.generation) return;
        for (const row of rows) {
          const snap = row && snapshotOf(row);
          if (snap) this.held.set(snap.step, snap);
        }
        this.evict(step);
      });
      const done = read.finally(() => keys.forEach((s) => this.reading.get(s) === done && this.reading.delete(s)));
      keys.forEach((s) => this.reading.set(s, done));
    }
    await Promise.all(around.map((s) => this.reading.get(s)));
    return this.held.get(step);
  }

  /** Forgets every snapshot after `step` (a resume recomputes them). */
  dropAfter(step: number): void {
    this.generation++;
    this.reading.clear();
    for (const s of [...this.held.keys()]) if (s > step) this.held.delete(s);
  }

  private evict(near: number): void {
    if (this.held.size <= CACHE_SIZE) return;
    const far = [...this.held.keys()].sort((a, b) => Math.abs(b - near) - Math.abs(a - near));
    for (const s of far.slice(0, this.held.size - CACHE_SIZE)) this.held.delete(s);
  }
}

// A run's metric history held as typed arrays for replay: read once by range (`[runId+step]`, in
// bounded pages, never the whole table), then kept in step with the database by appending only the
// rows after the last one held; a shorter stored history (steps recomputed after a resume from a
// checkpoint) truncates the tail first. Histogram payloads are not held: only the steps that have
// one, so a snapshot is read by key when shown.
import type { LanternDb, MetricRecord } from '../storage/db';

/** Rows per range read: bounds the memory of one read of a 100,000-step history. */
export const PAGE_ROWS = 4096;

/** Every stored row of `runId` with lo ≤ step ≤ hi, read page by page in step order. */
export async function readMetricRange(db: LanternDb, runId: string, lo: number, hi: number, onPage: (rows: MetricRecord[]) => void, pageRows = PAGE_ROWS): Promise<void> {
  let from = lo;
  for (;;) {
    const rows = await db.metrics.where('[runId+step]').between([runId, from], [runId, hi], true, true).limit(pageRows).toArray();
    if (rows.length) onPage(rows);
    if (rows.length < pageRows) return;
    from = rows[rows.length - 1].step + 1;
  }
}

/** The index of the greatest value ≤ x in the ascending `a[0..n)`, or -1. */
export function indexAtOrBefore(a: ArrayLike<number>, n: number, x: number): number {
  let lo = 0;
  let hi = n - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export class MetricSeries {
  /** Rows held. */
  length = 0;
  /** [length] the step of each row, ascending (capacity grows by doubling). */
  steps = new Float64Array(256);
  /** Per metric, [length] its value at each row; NaN where a row lacks it (every slot past length is NaN). */
  readonly cols = new Map<string, Float64Array>();
  /** Steps of the rows that carry histograms, ascending. */
  readonly snapshotSteps: number[] = [];
  /** Bumped by every change, so views know to redraw. */
  version = 0;

  get first(): number {
    return this.length ? this.steps[0] : 0;
  }

  get last(): number {
    return this.length ? this.steps[this.length - 1] : 0;
  }

  private grow(need: number): void {
    if (need <= this.steps.length) return;
    let cap = this.steps.length;
    while (cap < need) cap *= 2;
    const bigger = (a: Float64Array) => {
      const b = new Float64Array(cap).fill(NaN);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.steps = bigger(this.steps);
    for (const [k, col] of this.cols) this.cols.set(k, bigger(col));
  }

  /** Appends rows whose steps follow the last one held. */
  append(rows: MetricRecord[]): void {
    this.grow(this.length + rows.length);
    for (const row of rows) {
      const i = this.length;
      this.steps[i] = row.step;
      for (const [k, v] of Object.entries(row.values)) {
        let col = this.cols.get(k);
        if (!col) this.cols.set(k, (col = new Float64Array(this.steps.length).fill(NaN)));
        col[i] = v;
      }
      if (row.histograms) this.snapshotSteps.push(row.step);
      this.length = i + 1;
    }
    this.version++;
  }

  /** Drops every row after `step`. */
  truncateAfter(step: number): void {
    const keep = indexAtOrBefore(this.steps, this.length, step) + 1;
    for (const col of this.cols.values()) col.fill(NaN, keep, this.length);
    this.length = keep;
    while (this.snapshotSteps.length && this.snapshotSteps[this.snapshotSteps.length - 1] > step) this.snapshotSteps.pop();
    this.version++;
  }

  /** The values of the row at `step`, or of the last row before it; undefined before the first row. */
  valuesAt(step: number): { step: number; values: Record<string, number> } | undefined {
    const i = indexAtOrBefore(this.steps, this.length, step);
    if (i < 0) return undefined;
    const values: Record<string, number> = {};
    for (const [k, col] of this.cols) if (!Number.isNaN(col[i])) values[k] = col[i];
    return { step: this.steps[i], values };
  }

  /** The step of the newest snapshot at or before `step`, or undefined. */
  snapshotStepAt(step: number): number | undefined {
    const i = indexAtOrBefore(this.snapshotSteps, this.snapshotSteps.length, step);
    return i < 0 ? undefined : this.snapshotSteps[i];
  }

  /**
   * Brings the held rows level with the database: reads only the newest stored row's key, then
   * the range after the last held row (after truncating, when the stored history became shorter).
   * Returns whether anything changed.
   */
  async sync(db: LanternDb, runId: string): Promise<boolean> {
    const newest = await db.metrics.where('[runId+step]').between([runId, -Infinity], [runId, Infinity]).last();
    const lastDb = newest?.step ?? 0;
    const before = this.version;
    if (lastDb < this.last) this.truncateAfter(lastDb);
    if (lastDb > this.last) await readMetricRange(db, runId, this.length ? this.last + 1 : -Infinity, lastDb, (rows) => this.append(rows));
    return this.version !== before;
  }
}

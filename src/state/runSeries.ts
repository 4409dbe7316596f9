// A run's whole metric history as column arrays, for overlays and export (the run dashboard
// holds its history as typed arrays, src/replay/series.ts).
import { getDb, type MetricRecord } from '../storage/db';

export interface RunSeries {
  steps: number[];
  cols: Record<string, number[]>;
  /** The newest histograms and the step they were taken at. */
  histograms?: MetricRecord['histograms'] & { step: number };
  last?: MetricRecord;
}

const empty = (): RunSeries => ({ steps: [], cols: {} });

function append(s: RunSeries, rows: MetricRecord[]): void {
  for (const row of rows) {
    const i = s.steps.length;
    s.steps.push(row.step);
    for (const [k, v] of Object.entries(row.values)) (s.cols[k] ??= new Array(i).fill(null)).push(v);
    for (const col of Object.values(s.cols)) if (col.length === i) col.push(null as unknown as number);
    if (row.histograms) s.histograms = { ...row.histograms, step: row.step };
    s.last = row;
  }
}

/** Every metric row of a run (for overlays and export). */
export async function loadRunSeries(runId: string): Promise<RunSeries> {
  const s = empty();
  append(s, await getDb().metrics.where('[runId+step]').between([runId, -Infinity], [runId, Infinity]).toArray());
  return s;
}

// A run's metric history as column arrays for charts, kept in step with Dexie incrementally:
// only rows after the last one held are fetched; a shorter history (rows recomputed after a
// resume from a checkpoint) truncates the tail first.
import { liveQuery } from 'dexie';
import { createEffect, createSignal, on, onCleanup, type Accessor } from 'solid-js';
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

export function createRunSeries(runId: Accessor<string | undefined>): Accessor<RunSeries> {
  const [series, setSeries] = createSignal<RunSeries>(empty(), { equals: false });
  createEffect(
    on(runId, (id) => {
      const s = empty();
      setSeries(s);
      if (!id) return;
      const db = getDb();
      const range = (lo: number, hi: number) => db.metrics.where('[runId+step]').between([id, lo], [id, hi], true, true);
      let chain = Promise.resolve();
      let alive = true;
      const sub = liveQuery(() => range(-Infinity, Infinity).last()).subscribe((lastRow) => {
        chain = chain.then(async () => {
          const lastDb = lastRow?.step ?? 0;
          let held = s.steps.at(-1) ?? 0;
          if (lastDb < held) {
            const keep = s.steps.findIndex((st) => st > lastDb);
            s.steps.length = keep;
            for (const col of Object.values(s.cols)) col.length = keep;
            held = s.steps.at(-1) ?? 0;
          }
          if (lastDb > held) append(s, await range(held + 1, lastDb).toArray());
          if (alive) setSeries(s);
        });
      });
      onCleanup(() => {
        alive = false;
        sub.unsubscribe();
      });
    }),
  );
  return series;
}

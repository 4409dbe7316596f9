// A run's MetricSeries as a Solid accessor, kept level with Dexie: each database change to the
// run's newest metric row triggers one incremental sync (no re-read of the rows already held).
import { liveQuery } from 'dexie';
import { createEffect, createMemo, createSignal, on, onCleanup, type Accessor } from 'solid-js';
import { getDb } from '../storage/db';
import { MetricSeries } from './series';

/** `series` changes with every sync that changed it; `ready` once the first sync is done. */
export function createMetricSeries(runId: Accessor<string>): { series: Accessor<MetricSeries>; ready: Accessor<boolean> } {
  const [series, setSeries] = createSignal(new MetricSeries(), { equals: false });
  const [ready, setReady] = createSignal(false);
  // A memo, so a new run record with the same id (every training slice) does not restart the series.
  const id = createMemo(runId);
  createEffect(
    on(id, (id) => {
      const s = new MetricSeries();
      setSeries(s);
      setReady(false);
      const db = getDb();
      let chain = Promise.resolve();
      let alive = true;
      const sub = liveQuery(() => db.metrics.where('[runId+step]').between([id, -Infinity], [id, Infinity]).last()).subscribe(() => {
        chain = chain.then(async () => {
          const changed = await s.sync(db, id);
          if (!alive) return;
          if (changed) setSeries(s);
          setReady(true);
        });
      });
      onCleanup(() => {
        alive = false;
        sub.unsubscribe();
      });
    }),
  );
  return { series, ready };
}

// A run's MetricSeries as a Solid accessor, kept level with Dexie: each database change to the
// run's newest metric row triggers one incremental sync (no re-read of the rows already held).
import { liveQuery } from 'dexie';
import { createEffect, createSignal, on, onCleanup, type Accessor } from 'solid-js';
import { getDb } from '../storage/db';
import { MetricSeries } from './series';

export function createMetricSeries(runId: Accessor<string>): Accessor<MetricSeries> {
  const [series, setSeries] = createSignal(new MetricSeries(), { equals: false });
  createEffect(
    on(runId, (id) => {
      const s = new MetricSeries();
      setSeries(s);
      const db = getDb();
      let chain = Promise.resolve();
      let alive = true;
      const sub = liveQuery(() => db.metrics.where('[runId+step]').between([id, -Infinity], [id, Infinity]).last()).subscribe(() => {
        chain = chain.then(async () => {
          if ((await s.sync(db, id)) && alive) setSeries(s);
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

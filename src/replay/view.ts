// What a run view shows at one step: that step's metric values and the snapshot at or before it.
import type { LanternDb } from '../storage/db';
import type { MetricSeries } from './series';
import { readSnapshot, type Snapshot } from './snapshots';

export interface RunView {
  /** The step of the row shown (the greatest stored step ≤ the step asked for). */
  step: number;
  values: Record<string, number>;
  snapshot?: Snapshot;
}

/** The view at `step` from a held series (values) and one keyed snapshot read. */
export async function viewAt(db: LanternDb, runId: string, series: MetricSeries, step: number): Promise<RunView | undefined> {
  const at = series.valuesAt(step);
  if (!at) return undefined;
  const snapStep = series.snapshotStepAt(at.step);
  const snapshot = snapStep === undefined ? undefined : await readSnapshot(db, runId, at.step, snapStep);
  return { step: at.step, values: at.values, ...(snapshot ? { snapshot } : {}) };
}

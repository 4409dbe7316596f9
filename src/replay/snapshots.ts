// The snapshot reader: the histograms (feature density, decoder norms) recorded at or before a
// step, read by key from the metric row that carries them — never by loading a run's rows.
import type { HistogramData, LanternDb } from '../storage/db';

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
  if (!row?.histograms || row.step > step) return undefined;
  return { step: row.step, densityLog10: row.histograms.densityLog10, decoderNorm: row.histograms.decoderNorm };
}

// What to delete when browser storage is full: the records holding the most bytes, named the way
// the Storage page lists them, and the quota error that names them.
import { activationChunkBytes } from './activations';
import type { LanternDb } from './db';
import { StorageQuotaError } from './errors';
import { formatBytes } from './persistence';

export interface SpaceHolder {
  /** e.g. 'dataset "wiki"' */
  label: string;
  bytes: number;
}

/** The `n` records holding the most bytes, from their records' own counts (no chunk is read). */
export async function largestHolders(db: LanternDb, n = 3): Promise<SpaceHolder[]> {
  const [datasets, tokenizations, sets, runs, checkpoints] = await Promise.all([
    db.datasets.toArray(),
    db.tokenizations.toArray(),
    db.activationSets.toArray(),
    db.runs.toArray(),
    db.checkpoints.toArray(),
  ]);
  const names = new Map(datasets.map((d) => [d.id, d.name]));
  const runBytes = new Map<string, number>();
  for (const c of checkpoints) runBytes.set(c.runId, (runBytes.get(c.runId) ?? 0) + c.bytes);
  const holders: SpaceHolder[] = [
    ...datasets.map((d) => ({ label: `dataset "${d.name}"`, bytes: d.bytes })),
    ...tokenizations.map((t) => ({ label: `tokenization of "${names.get(t.datasetId) ?? t.datasetId}"`, bytes: t.tokens * (t.dtype === 'uint32' ? 4 : 2) })),
    ...sets.map((s) => ({ label: `activation set ${s.hook} of ${s.model ?? s.modelId}`, bytes: activationChunkBytes(s.tokens, s.dModel) })),
    ...runs.map((r) => ({ label: `checkpoints of run "${r.name}"`, bytes: runBytes.get(r.id) ?? 0 })),
  ];
  return holders
    .filter((h) => h.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, n);
}

/** The quota error for a write that failed while doing `what`, naming the largest holders. */
export async function quotaError(db: LanternDb, what: string): Promise<StorageQuotaError> {
  let largest: SpaceHolder[] = [];
  try {
    largest = await largestHolders(db);
  } catch {
    // Reading can fail too on a full disk; the generic advice remains.
  }
  return new StorageQuotaError({ while: what }, largest.map((h) => `${h.label} (${formatBytes(h.bytes)})`));
}

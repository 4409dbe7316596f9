// Cleanup after abandoned extractions, kept apart from the job so the UI can sweep without
// bundling the inference runtime.
import { discardActivationSet } from '../../storage/activations';
import type { LanternDb } from '../../storage/db';

/** Deletes the activation set of a failed or cancelled extraction job with its chunks. */
export async function discardAbandonedExtraction(db: LanternDb, jobId: string): Promise<void> {
  const job = await db.jobs.get(jobId);
  if (!job || (job.status !== 'failed' && job.status !== 'cancelled')) return;
  const id = (job.params as { setId?: unknown }).setId;
  const record = typeof id === 'string' ? await db.activationSets.get(id) : undefined;
  if (record && record.jobId === jobId) await discardActivationSet(db, record.id);
}

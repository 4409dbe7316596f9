// Checkpoints: a payload written as hashed chunks plus its record in ONE transaction, so a
// checkpoint is visible (complete = 1) only with every chunk present; reads verify hashes.
import { makeChunks, readChunks, sha256Hex } from './chunks';
import { newId, type CheckpointRecord, type LanternDb } from './db';
import { guardWrite, IntegrityError } from './errors';

/** Next automatic version name for a run: v001, v002, … */
async function nextVersion(db: LanternDb, runId: string): Promise<string> {
  const names = (await db.checkpoints.where('runId').equals(runId).toArray()).map((c) => c.name);
  let n = 1;
  while (names.includes(`v${String(n).padStart(3, '0')}`)) n++;
  return `v${String(n).padStart(3, '0')}`;
}

export async function writeCheckpoint(
  db: LanternDb,
  runId: string,
  step: number,
  payload: Uint8Array,
  name?: string,
): Promise<CheckpointRecord> {
  const id = newId('ckpt');
  // Hash before the transaction: awaiting WebCrypto inside it would commit it early.
  const [chunks, sha256] = await Promise.all([makeChunks(id, payload), sha256Hex(payload)]);
  return guardWrite('saving a checkpoint', () =>
    db.transaction('rw', db.checkpoints, db.checkpointChunks, db.runs, async () => {
      const record: CheckpointRecord = {
        id,
        runId,
        name: name ?? (await nextVersion(db, runId)),
        step,
        complete: 1,
        sha256,
        bytes: payload.byteLength,
        createdAt: Date.now(),
      };
      await db.checkpointChunks.bulkAdd(chunks);
      await db.checkpoints.add(record);
      await db.runs.update(runId, { step });
      return record;
    }),
  );
}

/** The payload of a complete checkpoint, verified chunk by chunk and as a whole. */
export async function readCheckpoint(db: LanternDb, id: string): Promise<Uint8Array> {
  const record = await db.checkpoints.get(id);
  if (!record || record.complete !== 1) throw new IntegrityError(`Checkpoint ${id} does not exist or was never completed.`, { id });
  const bytes = await readChunks(db.checkpointChunks, id);
  const actual = await sha256Hex(bytes);
  if (actual !== record.sha256) {
    throw new IntegrityError(`Checkpoint "${record.name}" is corrupted (SHA-256 mismatch); the run's other checkpoints are unaffected.`, {
      id,
      expected: record.sha256,
      actual,
    });
  }
  return bytes;
}

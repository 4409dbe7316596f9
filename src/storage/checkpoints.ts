// Checkpoints: a payload written as hashed chunks plus its record in ONE transaction, so a
// checkpoint is visible (complete = 1) only with every chunk present; reads verify hashes.
// The model library names, copies, renames and imports checkpoints through this file too.
import { makeChunks, readChunks, sha256Hex } from './chunks';
import { newId, type CheckpointRecord, type LanternDb } from './db';
import { guardWrite, IntegrityError, StorageError } from './errors';

/** runId of checkpoints imported from files or the Hub: they belong to no run. */
export const IMPORTED_RUN_ID = 'imported';

/** Where an imported checkpoint came from, kept on its record (unindexed) so lists need no decoding. */
export interface CheckpointOrigin {
  format: 'saelens' | 'sparsify';
  /** File name(s) or `hub:org/name@revision/path`. */
  source: string;
  arch: string;
  dIn: number;
  dSae: number;
  k?: number;
  modelName: string | null;
  hookName: string | null;
  hookLayer: number | null;
}

export type LibraryCheckpoint = CheckpointRecord & { origin?: CheckpointOrigin };

/** An automatic version's name: v001, v002, … */
export const versionName = (n: number) => `v${String(n).padStart(3, '0')}`;

async function namesOf(db: LanternDb, runId: string): Promise<string[]> {
  return (await db.checkpoints.where('runId').equals(runId).toArray()).map((c) => c.name);
}

/** A checkpoint's automatic version number: stored, or read from the name of a record older than the field. */
function versionOf(c: CheckpointRecord): number | undefined {
  if (c.version !== undefined) return c.version;
  const m = /^v(\d{3,})$/.exec(c.name);
  return m ? Number(m[1]) : undefined;
}

/** Whether a checkpoint is still named by its automatic version (v001, v002, …), i.e. no one has named it. */
export function isAutomaticVersion(c: CheckpointRecord): boolean {
  const version = versionOf(c);
  return version !== undefined && c.name === versionName(version);
}

/** Next automatic version of a run: one past the highest given so far (a named version keeps its number). */
async function nextVersion(db: LanternDb, runId: string): Promise<number> {
  let max = 0;
  await db.checkpoints
    .where('runId')
    .equals(runId)
    .each((c) => {
      max = Math.max(max, versionOf(c) ?? 0);
    });
  return max + 1;
}

/** `name`, or `name (2)`, `name (3)`, … : the first not used by another checkpoint of the run. */
export async function uniqueCheckpointName(db: LanternDb, runId: string, name: string): Promise<string> {
  const names = await namesOf(db, runId);
  let candidate = name;
  for (let n = 2; names.includes(candidate); n++) candidate = `${name} (${n})`;
  return candidate;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new StorageError('invalid-name', 'Give the checkpoint a name.');
  if (trimmed.length > 120) throw new StorageError('invalid-name', 'Checkpoint names are at most 120 characters.', { length: trimmed.length });
  return trimmed;
}

async function refuseTaken(db: LanternDb, runId: string, name: string, exceptId?: string): Promise<void> {
  const clash = await db.checkpoints.where('runId').equals(runId).filter((c) => c.name === name && c.id !== exceptId).first();
  if (clash) throw new StorageError('name-taken', `This run already has a checkpoint named "${name}"; choose another name.`, { name, id: clash.id });
}

interface WriteOptions {
  name?: string;
  origin?: CheckpointOrigin;
  /** Record `step` as the run's step (the training job's own checkpoints). */
  advanceRun: boolean;
  /** The job's resumable state naming this checkpoint, saved in the same transaction. */
  job?: JobStateWrite;
}

/** A job state to save with a checkpoint, so the job never resumes from an older one than stored. */
export interface JobStateWrite {
  jobId: string;
  state(checkpoint: CheckpointRecord): unknown;
}

async function store(db: LanternDb, runId: string, step: number, payload: Uint8Array, opts: WriteOptions): Promise<LibraryCheckpoint> {
  const id = newId('ckpt');
  // Hash before the transaction: awaiting WebCrypto inside it would commit it early.
  const [chunks, sha256] = await Promise.all([makeChunks(id, payload), sha256Hex(payload)]);
  return guardWrite('saving a checkpoint', () =>
    db.transaction('rw', [db.checkpoints, db.checkpointChunks, db.runs, db.jobs], async () => {
      const version = opts.name === undefined ? await nextVersion(db, runId) : undefined;
      const record: LibraryCheckpoint = {
        id,
        runId,
        name: opts.name ?? versionName(version!),
        ...(version !== undefined ? { version } : {}),
        step,
        complete: 1,
        sha256,
        bytes: payload.byteLength,
        createdAt: Date.now(),
        ...(opts.origin ? { origin: opts.origin } : {}),
      };
      await db.checkpointChunks.bulkAdd(chunks);
      await db.checkpoints.add(record);
      if (opts.advanceRun) await db.runs.update(runId, { step });
      if (opts.job) await db.jobs.update(opts.job.jobId, { state: opts.job.state(record) });
      return record;
    }),
  );
}

/** A training run's checkpoint at `step` (with the job's new state when `job` is given). */
export async function writeCheckpoint(db: LanternDb, runId: string, step: number, payload: Uint8Array, job?: JobStateWrite): Promise<CheckpointRecord> {
  return store(db, runId, step, payload, { advanceRun: true, job });
}

/** Stores an imported SAE's payload under IMPORTED_RUN_ID, renamed `name (2)` etc. if taken. */
export async function writeImportedCheckpoint(db: LanternDb, payload: Uint8Array, name: string, origin: CheckpointOrigin): Promise<LibraryCheckpoint> {
  const unique = await uniqueCheckpointName(db, IMPORTED_RUN_ID, checkName(name));
  return store(db, IMPORTED_RUN_ID, 0, payload, { name: unique, origin, advanceRun: false });
}

/** The payload of a complete checkpoint, verified chunk by chunk and as a whole. */
export async function readCheckpoint(db: LanternDb, id: string): Promise<Uint8Array> {
  const record = await db.checkpoints.get(id);
  if (!record || record.complete !== 1) throw new IntegrityError(`Checkpoint ${id} does not exist or was never completed.`, { id });
  let bytes: Uint8Array;
  try {
    bytes = await readChunks(db.checkpointChunks, id);
  } catch (e) {
    if (!(e instanceof IntegrityError)) throw e;
    throw new IntegrityError(`Checkpoint "${record.name}" is corrupted (${e.message}); the run's other checkpoints are unaffected.`, { ...e.details, id, name: record.name });
  }
  const actual = await sha256Hex(bytes);
  if (actual !== record.sha256) {
    throw new IntegrityError(`Checkpoint "${record.name}" is corrupted (SHA-256 mismatch); the run's other checkpoints are unaffected.`, {
      id,
      name: record.name,
      expected: record.sha256,
      actual,
    });
  }
  return bytes;
}

/** Every complete checkpoint, newest first. */
export async function listCheckpoints(db: LanternDb): Promise<LibraryCheckpoint[]> {
  return (await db.checkpoints.orderBy('createdAt').reverse().toArray()).filter((c) => c.complete === 1);
}

/** The run's complete checkpoint with the highest step (the newest of equal steps). */
export async function latestCheckpoint(db: LanternDb, runId: string): Promise<LibraryCheckpoint | undefined> {
  const all = await db.checkpoints.where('runId').equals(runId).filter((c) => c.complete === 1).toArray();
  return all.sort((a, b) => b.step - a.step || b.createdAt - a.createdAt)[0];
}

export async function renameCheckpoint(db: LanternDb, id: string, name: string): Promise<void> {
  const trimmed = checkName(name);
  await db.transaction('rw', db.checkpoints, async () => {
    const record = await db.checkpoints.get(id);
    if (!record) throw new StorageError('not-found', 'This checkpoint no longer exists.', { id });
    await refuseTaken(db, record.runId, trimmed, id);
    await db.checkpoints.update(id, { name: trimmed });
  });
}

/**
 * Save-as: gives checkpoint `id` a name. An automatic version is named where it is (the same weights
 * are never stored twice; it keeps its version number); one that already has a name is refused, naming it.
 */
export async function saveCheckpointAs(db: LanternDb, id: string, name: string): Promise<LibraryCheckpoint> {
  const trimmed = checkName(name);
  return db.transaction('rw', db.checkpoints, async () => {
    const record: LibraryCheckpoint | undefined = await db.checkpoints.get(id);
    if (!record) throw new StorageError('not-found', 'This checkpoint no longer exists.', { id });
    await refuseTaken(db, record.runId, trimmed, id);
    if (!isAutomaticVersion(record)) {
      throw new StorageError('already-named', `Step ${record.step} is already saved as "${record.name}"; rename it in the Library to change its name.`, {
        id,
        name: record.name,
      });
    }
    const version = versionOf(record)!;
    await db.checkpoints.update(id, { name: trimmed, version });
    return { ...record, name: trimmed, version };
  });
}

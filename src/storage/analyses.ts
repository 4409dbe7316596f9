// Feature analyses in Dexie: JSON chunks (SHA-256 checked on every read) for the summary, blocks
// of latent details and the running job's snapshot; reads by key, never a whole table; labels,
// notes and favourites per latent in the features table.
import type { AccumulatorSnapshot } from '../features/accumulate';
import type { AnalysisSummary, FeatureDetail } from '../features/types';
import { makeChunks, sha256Hex } from './chunks';
import type { AnalysisRecord, ChunkRecord, FeatureRecord, LanternDb } from './db';
import { guardWrite, IntegrityError, StorageError } from './errors';

/** Index of the first snapshot row: results use [0, SNAPSHOT_INDEX). */
export const SNAPSHOT_INDEX = 1_000_000;

/** What the snapshot resumes: the accumulator and where its passes stood. */
export interface StoredSnapshot {
  phase: 'stats' | 'samples' | 'done';
  cursor: number;
  accumulator: AccumulatorSnapshot;
}

const encoder = new TextEncoder();

/** One JSON value as a hashed chunk row of `ownerId` at `index`. */
export async function jsonChunk(ownerId: string, index: number, value: unknown): Promise<ChunkRecord> {
  const bytes = encoder.encode(JSON.stringify(value));
  return { ownerId, index, bytes: bytes.buffer, byteLength: bytes.byteLength, sha256: await sha256Hex(bytes) };
}

/** The snapshot as rows from SNAPSHOT_INDEX (split below 64 MB per row). */
export async function snapshotChunks(ownerId: string, snapshot: StoredSnapshot): Promise<ChunkRecord[]> {
  const rows = await makeChunks(ownerId, encoder.encode(JSON.stringify(snapshot)), 32 * 1024 * 1024);
  return rows.map((r) => ({ ...r, index: SNAPSHOT_INDEX + r.index }));
}

function corrupted(record: Pick<AnalysisRecord, 'id' | 'saeId'>, index: number, why: string): IntegrityError {
  return new IntegrityError(`The stored feature analysis is ${why} (chunk ${index}); delete it and run the analysis again.`, {
    analysisId: record.id,
    saeId: record.saeId,
    index,
  });
}

async function verified(db: LanternDb, record: Pick<AnalysisRecord, 'id' | 'saeId'>, index: number): Promise<Uint8Array> {
  const row = await db.analysisChunks.get([record.id, index]);
  if (!row) throw corrupted(record, index, 'incomplete');
  if ((await sha256Hex(row.bytes)) !== row.sha256) throw corrupted(record, index, 'corrupted (SHA-256 mismatch)');
  return new Uint8Array(row.bytes);
}

async function readJson<T>(db: LanternDb, record: Pick<AnalysisRecord, 'id' | 'saeId'>, index: number): Promise<T> {
  const bytes = await verified(db, record, index);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch {
    throw corrupted(record, index, 'corrupted (not valid JSON)');
  }
}

/** The snapshot of a running analysis, or undefined when it has none yet. */
export async function readSnapshot(db: LanternDb, record: Pick<AnalysisRecord, 'id' | 'saeId'>): Promise<StoredSnapshot | undefined> {
  const rows = await db.analysisChunks.where('[ownerId+index]').between([record.id, SNAPSHOT_INDEX], [record.id, Infinity]).primaryKeys();
  if (!rows.length) return undefined;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < rows.length; i++) parts.push(await verified(db, record, SNAPSHOT_INDEX + i));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.byteLength;
  }
  return JSON.parse(new TextDecoder().decode(all)) as StoredSnapshot;
}

/** Deletes the snapshot rows of an analysis (inside the caller's transaction). */
export async function deleteSnapshot(db: LanternDb, id: string): Promise<void> {
  await db.analysisChunks.where('[ownerId+index]').between([id, SNAPSHOT_INDEX], [id, Infinity]).delete();
}

/** The SAE's finished analysis, newest first; undefined when it has none. */
export async function readyAnalysis(db: LanternDb, saeId: string): Promise<AnalysisRecord | undefined> {
  const all = await db.analyses.where('saeId').equals(saeId).filter((a) => a.status === 'ready').toArray();
  return all.sort((a, b) => b.createdAt - a.createdAt)[0];
}

export async function readSummary(db: LanternDb, record: AnalysisRecord): Promise<AnalysisSummary> {
  return readJson<AnalysisSummary>(db, record, 0);
}

/** Every latent of detail block `block`. */
export async function readBlock(db: LanternDb, record: Pick<AnalysisRecord, 'id' | 'saeId'>, block: number): Promise<FeatureDetail[]> {
  return readJson<FeatureDetail[]>(db, record, 1 + block);
}

/** Map positions [dSae × (x, y)], stored after the last detail block. */
export async function readPositions(db: LanternDb, record: Pick<AnalysisRecord, 'id' | 'saeId' | 'blocks'>): Promise<number[]> {
  return readJson<number[]>(db, record, 1 + record.blocks);
}

/** One latent's details (reads only its block). */
export async function readFeature(db: LanternDb, record: AnalysisRecord, index: number): Promise<FeatureDetail> {
  if (!Number.isInteger(index) || index < 0 || index >= record.dSae) {
    throw new StorageError('no-latent', `This SAE has latents 0–${record.dSae - 1}; there is no latent ${index}.`, { index, dSae: record.dSae });
  }
  const block = await readBlock(db, record, Math.floor(index / record.latentsPerBlock));
  const detail = block.find((d) => d.index === index);
  if (!detail) throw corrupted(record, 1 + Math.floor(index / record.latentsPerBlock), 'missing this latent');
  return detail;
}

/** Deletes an analysis with every chunk, in one transaction. */
export async function deleteAnalysis(db: LanternDb, id: string): Promise<void> {
  await db.transaction('rw', db.analyses, db.analysisChunks, async () => {
    await db.analysisChunks.where('ownerId').equals(id).delete();
    await db.analyses.delete(id);
  });
}

/** A person's label, notes and favourite for one latent (empty label: the automatic one is shown). */
export async function saveFeatureNote(db: LanternDb, saeId: string, index: number, note: Pick<FeatureRecord, 'label' | 'notes' | 'favourite'>): Promise<void> {
  const label = note.label?.trim();
  if (label && label.length > 200) throw new StorageError('invalid-label', 'Labels are at most 200 characters.', { length: label.length });
  await guardWrite('saving a feature label', async () => {
    const prev = await db.features.get([saeId, index]);
    await db.features.put({ ...prev, saeId, index, label: label || undefined, notes: note.notes?.trim() || undefined, favourite: note.favourite ? 1 : 0 });
  });
}

/** Labels, notes and favourites of an SAE's latents by index. */
export async function featureNotes(db: LanternDb, saeId: string): Promise<Map<number, FeatureRecord>> {
  const rows = await db.features.where('saeId').equals(saeId).toArray();
  return new Map(rows.map((r) => [r.index, r]));
}

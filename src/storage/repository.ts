// Table statistics and cascading deletes for the Storage page (and every other page's delete).
import type { Table } from 'dexie';
import { TABLES, type LanternDb, type TableName } from './db';
import { StorageError } from './errors';

/** Tables holding binary chunk rows (owned by a record elsewhere; never listed one by one). */
export const CHUNK_TABLES: TableName[] = ['datasetChunks', 'tokenChunks', 'activationChunks', 'checkpointChunks', 'analysisChunks', 'latentChunks', 'probeChunks'];

export interface TableStats {
  name: TableName;
  rows: number;
  bytes: number;
  /** Bytes scaled up from the first STATS_SAMPLE rows (large record tables, e.g. metrics). */
  sampled: boolean;
}

/** Record rows read per table for the size estimate; the Storage page re-runs it on every write. */
export const STATS_SAMPLE = 1000;

/** Rough in-memory size of a structured-clone value (strings as UTF-16). */
export function estimateBytes(value: unknown): number {
  if (value === null || value === undefined) return 0;
  switch (typeof value) {
    case 'string':
      return value.length * 2;
    case 'number':
      return 8;
    case 'boolean':
      return 4;
    case 'object':
      if (value instanceof ArrayBuffer) return value.byteLength;
      if (ArrayBuffer.isView(value)) return value.byteLength;
      if (Array.isArray(value)) return value.reduce((s: number, v) => s + estimateBytes(v), 0);
      return Object.entries(value as Record<string, unknown>).reduce((s, [k, v]) => s + k.length * 2 + estimateBytes(v), 0);
    default:
      return 0;
  }
}

export async function tableStats(db: LanternDb): Promise<TableStats[]> {
  const out: TableStats[] = [];
  for (const name of Object.keys(TABLES) as TableName[]) {
    const table = db.table(name);
    const rows = await table.count();
    let bytes = 0;
    let sampled = false;
    if (CHUNK_TABLES.includes(name)) {
      for (const key of await table.orderBy('byteLength').keys()) bytes += key as number;
    } else {
      await table.limit(STATS_SAMPLE).each((row: unknown) => {
        bytes += estimateBytes(row);
      });
      sampled = rows > STATS_SAMPLE;
      if (sampled) bytes = Math.round((bytes * rows) / STATS_SAMPLE);
    }
    out.push({ name, rows, bytes, sampled });
  }
  return out;
}

/** Deletes every row of `table` whose `field` is in `values`; returns their primary keys' owners. */
async function deleteWhere(table: Table, field: string, values: string[]): Promise<void> {
  if (values.length) await table.where(field).anyOf(values).delete();
}

/**
 * Deletes one record and everything that hangs off it (chunks, metrics, checkpoints,
 * features, tokenizations) in a single transaction: all of it goes, or none of it.
 */
export async function deleteRecord(db: LanternDb, name: TableName, key: unknown): Promise<void> {
  if (CHUNK_TABLES.includes(name)) {
    throw new StorageError('chunk-delete', `Rows of ${name} belong to another record; delete that record instead.`, { table: name });
  }
  await db.transaction('rw', db.tables, async () => {
    const table = db.table(name);
    const record = await table.get(key as string);
    if (!record) throw new StorageError('not-found', `No record ${String(key)} in ${name}; it may already be deleted.`, { table: name, key });
    const id = String(key);
    switch (name) {
      case 'datasets': {
        const toks = await db.tokenizations.where('datasetId').equals(id).primaryKeys();
        await deleteWhere(db.tokenChunks, 'ownerId', toks);
        await db.tokenizations.bulkDelete(toks);
        await deleteWhere(db.datasetChunks, 'ownerId', [id]);
        break;
      }
      case 'tokenizations':
        await deleteWhere(db.tokenChunks, 'ownerId', [id]);
        break;
      case 'activationSets':
        await deleteWhere(db.activationChunks, 'ownerId', [id]);
        break;
      case 'runs': {
        const cks = await db.checkpoints.where('runId').equals(id).primaryKeys();
        await deleteWhere(db.checkpointChunks, 'ownerId', cks);
        await deleteWhere(db.features, 'saeId', cks);
        await deleteWhere(db.analysisChunks, 'ownerId', await db.analyses.where('saeId').anyOf(cks).primaryKeys());
        await deleteWhere(db.analyses, 'saeId', cks);
        await db.checkpoints.bulkDelete(cks);
        await deleteWhere(db.metrics, 'runId', [id]);
        await deleteWhere(db.latentChunks, 'ownerId', [id]);
        await deleteWhere(db.probeChunks, 'ownerId', [id]);
        break;
      }
      case 'checkpoints':
        await deleteWhere(db.checkpointChunks, 'ownerId', [id]);
        await deleteWhere(db.features, 'saeId', [id]);
        await deleteWhere(db.analysisChunks, 'ownerId', await db.analyses.where('saeId').equals(id).primaryKeys());
        await deleteWhere(db.analyses, 'saeId', [id]);
        break;
      case 'analyses':
        await deleteWhere(db.analysisChunks, 'ownerId', [id]);
        break;
      case 'jobs':
        if ((record as { status: string }).status === 'running') {
          throw new StorageError('job-running', 'This job is running; stop or cancel it before deleting it.', { key });
        }
        break;
      default:
        break;
    }
    await table.delete(key as string);
  });
}

/** Up to `limit` records of a non-chunk table for listing, newest first where possible. */
export async function listRecords(db: LanternDb, name: TableName, limit = 200): Promise<{ key: unknown; record: Record<string, unknown> }[]> {
  const table = db.table(name);
  const keys = await table.toCollection().limit(limit).primaryKeys();
  const records = await table.bulkGet(keys);
  return keys.map((key, i) => ({ key, record: records[i] as Record<string, unknown> }));
}

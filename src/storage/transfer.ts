// Export the whole database to one file (dexie-export-import's JSON format) and import it back,
// replacing everything or merging. The whole file is validated first; the write is one transaction.
import Dexie, { type IndexableType } from 'dexie';
import { exportDB } from 'dexie-export-import';
import { MAX_CHUNK_BYTES, sha256Hex } from './chunks';
import { TABLES, type ChunkRecord, type LanternDb, type TableName } from './db';
import { guardWrite, ImportError, StorageError } from './errors';
import { CHUNK_OWNERS, checkRecord, describeValue, type ChunkTableName } from './recordShapes';

export const EXPORT_FORMAT = 'dexie';
/** dexie-export-import's file format version. */
export const EXPORT_FORMAT_VERSION = 1;

/** replace: the database becomes the file's content. merge: add the records whose keys are missing, keep what exists. */
export type ImportMode = 'replace' | 'merge';

export interface ImportTableResult {
  name: TableName;
  /** Rows of this table in the file. */
  rows: number;
  added: number;
  /** Rows left out because the database already holds their key (merge). */
  skipped: number;
}

export interface ImportResult {
  mode: ImportMode;
  tables: ImportTableResult[];
  added: number;
  skipped: number;
  /** Rows deleted because replace cleared them. */
  removed: number;
}

export async function exportAll(db: LanternDb): Promise<Blob> {
  return exportDB(db, { prettyJson: false, numRowsPerChunk: 200 });
}

// ---- where a problem is, in words ----

interface Where {
  table: string;
  /** 1-based position in the table's rows in the file. */
  row?: number;
  key?: unknown;
  field?: string;
}

function invalid(w: Where, problem: string): ImportError {
  let at = `Table "${w.table}"`;
  if (w.row !== undefined) at += `, row ${w.row}`;
  if (w.key !== undefined) at += ` (key ${JSON.stringify(w.key)})`;
  if (w.field) at += `, field "${w.field}"`;
  return new ImportError('import-invalid', `${at}: ${problem}. The file is damaged or was edited; export it again from the Lantern that made it.`, { ...w });
}

function fileError(message: string, details: Record<string, unknown> = {}): ImportError {
  return new ImportError('import-invalid', message, details);
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

// ---- decoding the rows (typeson, as dexie-export-import writes them) ----

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) BASE64_INDEX[BASE64.charCodeAt(i)] = i;

/** Strict base64 (padding required); undefined if `s` is not base64. */
function decodeBase64(s: string): ArrayBuffer | undefined {
  if (s.length % 4 !== 0) return undefined;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let word = 0;
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      const isPad = c === 61 && i + 4 === s.length && j >= 4 - pad;
      const v = isPad ? 0 : c < 128 ? BASE64_INDEX[c] : -1;
      if (v < 0) return undefined;
      word = (word << 6) | v;
    }
    if (o < out.length) out[o++] = (word >> 16) & 255;
    if (o < out.length) out[o++] = (word >> 8) & 255;
    if (o < out.length) out[o++] = word & 255;
  }
  return out.buffer;
}

const TYPED_ARRAYS = {
  int8array2: Int8Array,
  uint8array2: Uint8Array,
  uint8clampedarray2: Uint8ClampedArray,
  int16array2: Int16Array,
  uint16array2: Uint16Array,
  int32array2: Int32Array,
  uint32array2: Uint32Array,
  float32array2: Float32Array,
  float64array2: Float64Array,
} as const;

/** The value an encoded one stands for (hole: an array's missing element), or what is wrong with it. Only types Lantern stores are accepted. */
function reviveValue(type: string, v: unknown): { value: unknown } | { hole: true } | { problem: string } {
  switch (type) {
    case 'arrayNonindexKeys':
      // typeson tags every array; an array with extra named properties arrives as an object.
      return Array.isArray(v) ? { value: v } : { problem: 'an array with named properties, which Lantern does not store' };
    case 'sparseUndefined':
      return { hole: true };
    case 'arraybuffer': {
      const buffer = typeof v === 'string' ? decodeBase64(v) : undefined;
      return buffer ? { value: buffer } : { problem: 'not valid base64' };
    }
    case 'blob2': {
      const data = isPlain(v) && typeof v.type === 'string' && typeof v.data === 'string' ? decodeBase64(v.data) : undefined;
      return data && isPlain(v) ? { value: new Blob([data], { type: v.type as string }) } : { problem: 'not an encoded Blob (type and base64 data)' };
    }
    case 'undef':
      return { value: undefined };
    case 'nan':
      return { value: Number.NaN };
    case 'infinity':
      return { value: Number.POSITIVE_INFINITY };
    case 'negativeInfinity':
      return { value: Number.NEGATIVE_INFINITY };
    case 'date': {
      const t = v === 'NaN' ? Number.NaN : v;
      return typeof t === 'number' ? { value: new Date(t) } : { problem: `not an encoded date (${describeValue(v)})` };
    }
    default: {
      if (!(type in TYPED_ARRAYS)) return { problem: `encoded type ${JSON.stringify(type)} is not one Lantern stores` };
      const Ctor = TYPED_ARRAYS[type as keyof typeof TYPED_ARRAYS];
      const ok =
        isPlain(v) &&
        v.buffer instanceof ArrayBuffer &&
        Number.isSafeInteger(v.byteOffset) &&
        Number.isSafeInteger(v.length) &&
        (v.byteOffset as number) >= 0 &&
        (v.length as number) >= 0 &&
        (v.byteOffset as number) % Ctor.BYTES_PER_ELEMENT === 0 &&
        (v.byteOffset as number) + (v.length as number) * Ctor.BYTES_PER_ELEMENT <= v.buffer.byteLength;
      return ok && isPlain(v) ? { value: new Ctor(v.buffer as ArrayBuffer, v.byteOffset as number, v.length as number) } : { problem: `not an encoded ${Ctor.name}` };
    }
  }
}

/** typeson key-path component escaping: "~1" is ".", "~0" is "~". */
const unescapeComponent = (c: string) => c.replace(/~1/g, '.').replace(/~0/g, '~');

/** Unwraps and revives one row: plain JSON plus its `$types` map (key path → encoded type). */
function reviveRow(raw: Record<string, unknown>, where: Where): Record<string, unknown> {
  if (raw.$types === undefined) return raw;
  let types: unknown = raw.$types;
  let row: unknown;
  // typeson wraps a row that has its own "$types" field as { $: row, $types: true | { $: types } }.
  if (types === true || (isPlain(types) && isPlain(types.$) && '$' in raw)) {
    row = raw.$;
    types = types === true ? {} : (types as { $: unknown }).$;
  } else {
    row = { ...raw };
    delete (row as Record<string, unknown>).$types;
  }
  if (!isPlain(row)) throw invalid(where, `not a record (found ${describeValue(row)})`);
  if (!isPlain(types)) throw invalid({ ...where, field: '$types' }, `expected a map of encoded fields, found ${describeValue(types)}`);
  // Deepest paths first: a typed array's buffer is revived before the array that wraps it.
  const paths = Object.entries(types).map(([path, type]) => ({ path, parts: path.split('.').map(unescapeComponent), type }));
  paths.sort((a, b) => b.parts.length - a.parts.length);
  for (const { path, parts, type } of paths) {
    const field = parts.join('.');
    if (path === '') throw invalid({ ...where, field: '$types' }, 'a whole row cannot be an encoded value');
    let parent: unknown = row;
    for (const part of parts.slice(0, -1)) parent = isPlain(parent) || Array.isArray(parent) ? (parent as Record<string, unknown>)[part] : undefined;
    const last = parts[parts.length - 1];
    if (!(isPlain(parent) || Array.isArray(parent)) || !(last in parent)) throw invalid({ ...where, field }, 'an encoded value that is not in the row');
    // Several types on one path are revived in the order listed (typeson's chaining).
    for (const t of Array.isArray(type) ? (type as unknown[]) : [type]) {
      if (typeof t !== 'string') throw invalid({ ...where, field }, `encoded type ${describeValue(t)} is not one Lantern stores`);
      const revived = reviveValue(t, (parent as Record<string, unknown>)[last]);
      if ('problem' in revived) throw invalid({ ...where, field }, revived.problem);
      if ('hole' in revived) delete (parent as Record<string, unknown>)[last];
      else (parent as Record<string, unknown>)[last] = revived.value;
    }
  }
  return row;
}

// ---- validating the whole file ----

interface ParsedTable {
  name: TableName;
  rows: Record<string, unknown>[];
  /** Primary key of each row, in row order. */
  keys: IndexableType[];
}

function isValidKey(k: unknown): k is IndexableType {
  if (typeof k === 'string') return true;
  if (typeof k === 'number') return !Number.isNaN(k);
  if (k instanceof Date) return !Number.isNaN(k.getTime());
  return Array.isArray(k) && k.every(isValidKey);
}

const isChunkTable = (name: TableName): name is ChunkTableName => name in CHUNK_OWNERS;

async function readJson(file: Blob): Promise<unknown> {
  if (file.size === 0) throw fileError('The file is empty.');
  try {
    return JSON.parse(await file.text());
  } catch (e) {
    throw fileError('The file is not a Lantern export: it is not valid JSON (it is truncated or corrupted).', {
      reason: e instanceof Error ? e.message : String(e),
    });
  }
}

/** The file's tables with their raw rows, after checking the header against this database's schema. */
function checkHeader(json: unknown, db: LanternDb): { name: TableName; rows: unknown[] }[] {
  if (!isPlain(json) || json.formatName !== EXPORT_FORMAT || !isPlain(json.data)) throw fileError('The file is not a Lantern export (it has no Dexie export header).');
  if (json.formatVersion !== EXPORT_FORMAT_VERSION) {
    throw fileError(`The file is in export format version ${String(json.formatVersion)}; this Lantern reads version ${EXPORT_FORMAT_VERSION}.`, { formatVersion: json.formatVersion });
  }
  const { databaseName, databaseVersion, tables, data } = json.data;
  if (databaseName !== db.name) throw fileError(`The file is an export of another database ("${String(databaseName)}"), not Lantern's.`, { databaseName });
  if (databaseVersion !== db.verno) {
    throw fileError(`The export is of database version ${String(databaseVersion)}; this Lantern uses version ${db.verno}. Import it in a Lantern of the same version.`, { databaseVersion });
  }
  if (!Array.isArray(tables) || !Array.isArray(data)) throw fileError('The export has no table list or no data section (the file is truncated or was edited).');
  const known = new Set<string>(Object.keys(TABLES));
  const listed = new Map<string, number>();
  for (const t of tables) {
    if (!isPlain(t) || typeof t.name !== 'string' || typeof t.schema !== 'string') throw fileError(`The export's table list holds ${describeValue(t)} where a table belongs.`);
    if (!known.has(t.name)) throw fileError(`The export has a table "${t.name}" that this Lantern does not have.`, { table: t.name });
    if (listed.has(t.name)) throw fileError(`The export lists table "${t.name}" twice.`, { table: t.name });
    if (!Number.isSafeInteger(t.rowCount) || (t.rowCount as number) < 0) throw invalid({ table: t.name }, `the header's row count is ${describeValue(t.rowCount)}`);
    const primKey = db.table(t.name).schema.primKey.src;
    if (t.schema.split(',')[0].trim() !== primKey) throw invalid({ table: t.name }, `the primary key is "${t.schema.split(',')[0]}" in the export but "${primKey}" here`);
    listed.set(t.name, t.rowCount as number);
  }
  const rowsOf = new Map<string, unknown[]>();
  for (const d of data) {
    if (!isPlain(d) || typeof d.tableName !== 'string') throw fileError(`The export's data section holds ${describeValue(d)} where a table's rows belong.`);
    if (!listed.has(d.tableName)) {
      throw fileError(known.has(d.tableName) ? `The export's data section has rows for table "${d.tableName}", which its header does not list.` : `The export has a table "${d.tableName}" that this Lantern does not have.`, {
        table: d.tableName,
      });
    }
    if (rowsOf.has(d.tableName)) throw fileError(`The export's data section holds table "${d.tableName}" twice.`, { table: d.tableName });
    if (d.inbound !== true) throw invalid({ table: d.tableName }, 'rows are stored without their keys, and every Lantern table keeps its keys inside its rows');
    if (!Array.isArray(d.rows)) throw invalid({ table: d.tableName }, `expected a list of rows, found ${describeValue(d.rows)}`);
    rowsOf.set(d.tableName, d.rows);
  }
  const out: { name: TableName; rows: unknown[] }[] = [];
  for (const name of Object.keys(TABLES) as TableName[]) {
    if (!listed.has(name)) throw fileError(`The export has no table "${name}"; the file is incomplete.`, { table: name });
    const rows = rowsOf.get(name);
    if (!rows) throw fileError(`The export's data section has no rows for table "${name}" (the file is truncated or was edited).`, { table: name });
    if (rows.length !== listed.get(name)) throw invalid({ table: name }, `the header says ${listed.get(name)} rows but the file holds ${rows.length}`);
    out.push({ name, rows });
  }
  return out;
}

/** Every row of one table: decoded, checked against its record shape and key, no key twice, chunk hashes verified. */
async function checkTable(db: LanternDb, name: TableName, raw: unknown[]): Promise<ParsedTable> {
  const keyPath = db.table(name).schema.primKey.keyPath;
  if (!keyPath) throw new StorageError('schema', `Table "${name}" keeps no key in its rows in this Lantern's schema, so it cannot be imported.`, { table: name });
  const keyOf = (row: Record<string, unknown>): unknown => Dexie.getByKeyPath(row, keyPath) as unknown;
  const seen = new Map<string, number>();
  const rows: Record<string, unknown>[] = [];
  const keys: IndexableType[] = [];
  for (let i = 0; i < raw.length; i++) {
    const where: Where = { table: name, row: i + 1 };
    const item = raw[i];
    if (!isPlain(item)) throw invalid(where, `not a record (found ${describeValue(item)})`);
    const unwrappedKey = keyOf(isPlain(item.$) && item.$types !== undefined ? item.$ : item);
    if (isValidKey(unwrappedKey)) where.key = unwrappedKey;
    const row = reviveRow(item, where);
    const problem = checkRecord(name, row);
    if (problem) throw invalid({ ...where, field: problem.field }, problem.message);
    const key = keyOf(row);
    if (!isValidKey(key)) throw invalid({ ...where, field: Array.isArray(keyPath) ? keyPath.join('+') : keyPath }, `${describeValue(key)} is not a valid key`);
    const canonical = JSON.stringify(key);
    const first = seen.get(canonical);
    if (first !== undefined) throw invalid(where, `duplicate key, first seen at row ${first}`);
    seen.set(canonical, i + 1);
    if (isChunkTable(name)) {
      const chunk = row as unknown as ChunkRecord;
      if (chunk.byteLength !== chunk.bytes.byteLength) throw invalid({ ...where, field: 'byteLength' }, `${chunk.byteLength} but the bytes hold ${chunk.bytes.byteLength}`);
      if (chunk.bytes.byteLength > MAX_CHUNK_BYTES) throw invalid({ ...where, field: 'bytes' }, `${chunk.bytes.byteLength} bytes, over the ${MAX_CHUNK_BYTES}-byte limit of one chunk`);
      const actual = await sha256Hex(chunk.bytes);
      if (actual !== chunk.sha256) throw invalid({ ...where, field: 'bytes' }, `SHA-256 ${actual} does not match the recorded ${chunk.sha256}`);
    }
    rows.push(row);
    keys.push(key);
  }
  return { name, rows, keys };
}

/** Chunk rows hold indexes 0..n-1 per owner (where the table keeps them so), and owners that record their chunks agree with them. */
async function checkChunks(tables: Map<TableName, ParsedTable>): Promise<void> {
  const byOwner = new Map<ChunkTableName, Map<string, ChunkRecord[]>>();
  for (const name of Object.keys(CHUNK_OWNERS) as ChunkTableName[]) {
    const owners = new Map<string, ChunkRecord[]>();
    for (const row of tables.get(name)!.rows as unknown as ChunkRecord[]) {
      const list = owners.get(row.ownerId) ?? [];
      list.push(row);
      owners.set(row.ownerId, list);
    }
    for (const [owner, list] of owners) {
      list.sort((a, b) => a.index - b.index);
      if (CHUNK_OWNERS[name].contiguous) list.forEach((c, i) => {
        if (c.index !== i) throw invalid({ table: name }, `chunk ${i} of "${owner}" is missing (the file holds ${list.length} of its chunks, up to index ${list[list.length - 1].index})`);
      });
    }
    byOwner.set(name, owners);
  }
  const each = async (table: TableName, chunkTable: ChunkTableName, check: (row: Record<string, unknown>, chunks: ChunkRecord[], where: Where) => Promise<void>) => {
    const { rows, keys } = tables.get(table)!;
    for (let i = 0; i < rows.length; i++) await check(rows[i], byOwner.get(chunkTable)!.get(String(keys[i])) ?? [], { table, row: i + 1, key: keys[i] });
  };
  // DatasetRecord.chunkRows and ActivationSetRecord.chunks count their chunk rows (db.ts).
  await each('datasets', 'datasetChunks', async (row, chunks, where) => {
    const recorded = (row.chunkRows as number[] | undefined)?.length;
    if (recorded !== undefined && recorded !== chunks.length) throw invalid({ ...where, field: 'chunkRows' }, `${recorded} chunks recorded but the file holds ${chunks.length}`);
  });
  await each('activationSets', 'activationChunks', async (row, chunks, where) => {
    const recorded = row.chunks as number | undefined;
    if (recorded !== undefined && recorded !== chunks.length) throw invalid({ ...where, field: 'chunks' }, `${recorded} chunks recorded but the file holds ${chunks.length}`);
  });
  // A complete checkpoint records its payload's size and SHA-256 (checkpoints.ts).
  await each('checkpoints', 'checkpointChunks', async (row, chunks, where) => {
    if (row.complete !== 1) return;
    if (!chunks.length) throw invalid({ ...where, field: 'complete' }, 'a complete checkpoint whose chunks are not in the file');
    const total = chunks.reduce((s, c) => s + c.byteLength, 0);
    if (total !== row.bytes) throw invalid({ ...where, field: 'bytes' }, `${String(row.bytes)} bytes recorded but its chunks hold ${total}`);
    const payload = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      payload.set(new Uint8Array(c.bytes), off);
      off += c.byteLength;
    }
    const actual = await sha256Hex(payload);
    if (actual !== row.sha256) throw invalid({ ...where, field: 'sha256' }, `its chunks hash to ${actual}, not to the recorded ${String(row.sha256)}`);
  });
}

/** Reads and checks the whole file; throws ImportError on the first problem. Touches no table. */
async function parseExport(db: LanternDb, file: Blob): Promise<ParsedTable[]> {
  const raw = checkHeader(await readJson(file), db);
  const tables = new Map<TableName, ParsedTable>();
  for (const t of raw) tables.set(t.name, await checkTable(db, t.name, t.rows));
  await checkChunks(tables);
  return [...tables.values()];
}

// ---- writing ----

/**
 * Imports an export made by exportAll.
 *
 * Why one transaction: IndexedDB commits a transaction whole or not at all, so clearing and writing
 * every table inside ONE readwrite transaction over all tables means that a failure anywhere (a
 * write error, a full disk, a crash or a closed tab) aborts it and the browser puts every table
 * back. A staging database cannot be swapped in (IndexedDB has no rename; copying it back is a
 * second import that can fail the same way), and a backup first doubles the space needed exactly
 * when the disk may be full.
 *
 * INVARIANT — DO NOT BREAK: NOTHING IS WRITTEN UNTIL THE WHOLE FILE IS VALIDATED, AND EVERY WRITE OF
 * AN IMPORT HAPPENS IN ONE TRANSACTION OVER ALL TABLES, SO A REFUSED OR FAILED IMPORT LEAVES EVERY
 * TABLE EXACTLY AS IT WAS. NOTHING BUT DEXIE CALLS IS AWAITED INSIDE IT (WEBCRYPTO OR FILE READS
 * WOULD COMMIT IT EARLY). AN EXPORT WITH NO RECORDS NEVER REPLACES ANYTHING.
 *
 * Merge adds each row whose key is missing and keeps every row that exists. Chunks travel with their
 * owner: an owner's chunk rows are added exactly when its record is, so a record and its chunks
 * always come from the same side.
 */
export async function importAll(db: LanternDb, file: Blob, { mode }: { mode: ImportMode }): Promise<ImportResult> {
  const tables = await parseExport(db, file);
  const total = tables.reduce((s, t) => s + t.rows.length, 0);
  if (mode === 'replace' && total === 0) {
    throw new ImportError(
      'import-empty',
      'The export holds no records, so replacing would delete everything stored here. Choose merge to keep what is stored, or pick another export.',
    );
  }
  const results = new Map<TableName, ImportTableResult>();
  let removed = 0;
  let writing: TableName | undefined;
  try {
    await guardWrite('importing a Lantern export', () =>
      db.transaction('rw', db.tables, async () => {
        if (mode === 'replace') {
          for (const t of tables) {
            writing = t.name;
            const table = db.table(t.name);
            removed += await table.count();
            await table.clear();
            if (t.rows.length) await table.bulkAdd(t.rows);
            results.set(t.name, { name: t.name, rows: t.rows.length, added: t.rows.length, skipped: 0 });
          }
          return;
        }
        // Merge: record tables first, so each chunk table knows which owners were added.
        const addedKeys = new Map<TableName, Set<string>>();
        for (const t of tables.filter((x) => !isChunkTable(x.name))) {
          writing = t.name;
          const table = db.table(t.name);
          const existing = await table.bulkGet(t.keys);
          const fresh = t.rows.filter((_, i) => existing[i] === undefined);
          if (fresh.length) await table.bulkAdd(fresh);
          addedKeys.set(t.name, new Set(t.keys.filter((_, i) => existing[i] === undefined).map(String)));
          results.set(t.name, { name: t.name, rows: t.rows.length, added: fresh.length, skipped: t.rows.length - fresh.length });
        }
        for (const t of tables.filter((x) => isChunkTable(x.name))) {
          writing = t.name;
          const table = db.table<ChunkRecord>(t.name);
          const owners = addedKeys.get(CHUNK_OWNERS[t.name as ChunkTableName].owner)!;
          const fresh = (t.rows as unknown as ChunkRecord[]).filter((c) => owners.has(c.ownerId));
          if (fresh.length) {
            const clash = await table.where('ownerId').anyOf([...new Set(fresh.map((c) => c.ownerId))]).first();
            if (clash) {
              throw new ImportError(
                'import-conflict',
                `Table "${t.name}": this database holds chunks of "${clash.ownerId}" without their record, which the export would add with its own chunks. Import with replace instead.`,
                { table: t.name, ownerId: clash.ownerId },
              );
            }
            await table.bulkAdd(fresh);
          }
          results.set(t.name, { name: t.name, rows: t.rows.length, added: fresh.length, skipped: t.rows.length - fresh.length });
        }
      }),
    );
  } catch (e) {
    if (e instanceof StorageError) throw e;
    throw new ImportError('import-failed', `Writing table "${writing}" failed (${e instanceof Error ? e.message : String(e)}); the import was rolled back.`, {
      table: writing,
    });
  }
  const list = tables.map((t) => results.get(t.name)!);
  return {
    mode,
    tables: list,
    added: list.reduce((s, t) => s + t.added, 0),
    skipped: list.reduce((s, t) => s + t.skipped, 0),
    removed,
  };
}

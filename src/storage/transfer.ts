// Export the whole database to one file and import it back (dexie-export-import).
// An import is validated completely before anything is touched; the import itself runs
// in one transaction, so a bad file changes nothing.
import { exportDB, importInto, peakImportFile } from 'dexie-export-import';
import { DB_NAME, TABLES, type LanternDb } from './db';
import { guardWrite, StorageError } from './errors';

export const EXPORT_FORMAT = 'dexie';

export async function exportAll(db: LanternDb): Promise<Blob> {
  return exportDB(db, { prettyJson: false, numRowsPerChunk: 200 });
}

function importError(message: string, details: Record<string, unknown> = {}): StorageError {
  return new StorageError('import-invalid', `${message} Nothing was changed.`, details);
}

interface ParsedExport {
  formatName?: unknown;
  data?: { databaseName?: unknown; tables?: unknown; data?: unknown };
}

/** Checks that `file` is a complete Lantern export; throws StorageError('import-invalid') otherwise. */
export async function validateExport(file: Blob, databaseName = DB_NAME): Promise<{ tables: { name: string; rowCount: number }[] }> {
  if (file.size === 0) throw importError('The file is empty.');
  let parsed: ParsedExport;
  try {
    parsed = JSON.parse(await file.text()) as ParsedExport;
  } catch (e) {
    throw importError('The file is not a Lantern export: it is not valid JSON (it may be truncated or corrupted).', {
      reason: e instanceof Error ? e.message : String(e),
    });
  }
  if (parsed?.formatName !== EXPORT_FORMAT || typeof parsed.data !== 'object' || parsed.data === null) {
    throw importError('The file is not a Lantern export (unknown format).');
  }
  if (parsed.data.databaseName !== databaseName) {
    throw importError(`The file is an export of another database ("${String(parsed.data.databaseName)}"), not Lantern's.`, {
      databaseName: parsed.data.databaseName,
    });
  }
  const known = new Set<string>(Object.values(TABLES));
  const tables = parsed.data.tables;
  const data = parsed.data.data;
  if (!Array.isArray(tables) || !Array.isArray(data)) throw importError('The export has no table list or no data section.');
  for (const t of tables as { name?: unknown }[]) {
    if (typeof t?.name !== 'string' || !known.has(t.name)) {
      throw importError(`The export has a table this version of Lantern does not know: "${String(t?.name)}".`, { table: t?.name });
    }
  }
  for (const d of data as { tableName?: unknown; rows?: unknown }[]) {
    if (typeof d?.tableName !== 'string' || !known.has(d.tableName) || !Array.isArray(d.rows)) {
      throw importError(`The export's data section is malformed near table "${String(d?.tableName)}".`, { table: d?.tableName });
    }
  }
  const meta = await peakImportFile(file);
  return { tables: meta.data.tables.map((t) => ({ name: t.name, rowCount: t.rowCount })) };
}

/** Replaces the database's contents with the export's, after validating it. */
export async function importAll(db: LanternDb, file: Blob): Promise<{ tables: { name: string; rowCount: number }[] }> {
  const summary = await validateExport(file, db.name);
  await guardWrite('importing a Lantern export', () =>
    importInto(db, file, { clearTablesBeforeImport: true, acceptVersionDiff: false, acceptMissingTables: true }),
  );
  return summary;
}

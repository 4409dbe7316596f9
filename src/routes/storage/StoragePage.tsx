// Storage: every table with rows and bytes, browse and delete records (with their chunks),
// export everything to a file and import it back (merge or replace), persistence.
import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { downloadBlob, stamp } from '../../components/download';
import { activeJob } from '../../state/jobs';
import { createLive, createLiveQuery } from '../../state/live';
import { toast } from '../../state/toasts';
import { getDb, TABLES, type TableName } from '../../storage/db';
import { formatBytes, requestPersistence, storageInfo } from '../../storage/persistence';
import { CHUNK_TABLES, deleteRecord, listRecords, STATS_SAMPLE, tableStats, type TableStats } from '../../storage/repository';
import { exportAll, importAll, type ImportMode, type ImportResult } from '../../storage/transfer';

const TABLE_NAMES = Object.keys(TABLES) as TableName[];
/** Tables of things people make, in workflow order: the record browser opens on the first that holds rows. */
const USER_TABLES: TableName[] = ['datasets', 'tokenizations', 'models', 'activationSets', 'runs', 'checkpoints', 'features', 'templates'];

function importSummary(result: ImportResult, file: string): string {
  const n = (count: number) => `${count} record${count === 1 ? '' : 's'}`;
  return result.mode === 'replace'
    ? `Replaced ${n(result.removed)} with the ${n(result.added)} of ${file}.`
    : `Merged ${file}: ${n(result.added)} added, ${n(result.skipped)} already here and kept.`;
}

function summary(record: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of ['name', 'title', 'kind', 'status', 'repo', 'hook', 'label', 'step', 'adapter', 'key']) {
    const v = record[key];
    if (v !== undefined && typeof v !== 'object') parts.push(`${key}: ${String(v)}`);
  }
  if (typeof record.createdAt === 'number') parts.push(new Date(record.createdAt).toLocaleString());
  return parts.join(' · ');
}

export function StoragePage() {
  const db = getDb();
  const stats = createLive<TableStats[]>(() => tableStats(db));
  const [estimate, { refetch: refetchEstimate }] = createResource(storageInfo);
  const [chosen, setSelected] = createSignal<TableName>();
  const selected = createMemo<TableName>(() => chosen() ?? USER_TABLES.find((n) => (stats() ?? []).some((t) => t.name === n && t.rows > 0)) ?? 'datasets');
  const records = createLiveQuery(selected, (table) => listRecords(db, table));
  const [pending, setPending] = createSignal<{ table: TableName; key: unknown; label: string }>();
  const [importFile, setImportFile] = createSignal<File>();
  const [importMode, setImportMode] = createSignal<ImportMode>('merge');
  const [importError, setImportError] = createSignal<string>();
  const [importResult, setImportResult] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);

  const totalBytes = () => (stats() ?? []).reduce((s, t) => s + t.bytes, 0);

  async function doDelete() {
    const p = pending();
    setPending(undefined);
    if (!p) return;
    try {
      await deleteRecord(db, p.table, p.key);
      toast('success', `Deleted ${p.label}`);
      void refetchEstimate();
    } catch (e) {
      toast('error', `Could not delete ${p.label}`, e instanceof Error ? e.message : String(e));
    }
  }

  async function doExport() {
    setBusy(true);
    try {
      const blob = await exportAll(db);
      const filename = `lantern-export-${stamp()}.json`;
      downloadBlob(blob, filename);
      toast('success', 'Export ready', `${formatBytes(blob.size)} written to ${filename}`);
    } catch (e) {
      toast('error', 'Export failed', e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  async function doImport() {
    const file = importFile();
    setImportFile(undefined);
    if (!file) return;
    if (activeJob()) {
      setImportError('A job is running. Pause or cancel it before importing, so its records are not overwritten.');
      return;
    }
    setBusy(true);
    setImportError(undefined);
    setImportResult(undefined);
    try {
      const result = await importAll(db, file, { mode: importMode() });
      const text = importSummary(result, file.name);
      setImportResult(text);
      toast('success', 'Import complete', text);
      void refetchEstimate();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      setImportError(`${file.name}: ${message}`);
      toast('error', 'Import failed', message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="page">
      <h1>Storage</h1>
      <div class="card">
        <div class="card-head">
          <h2>This device</h2>
          <div class="btn-row">
            <button class="btn" data-testid="export" disabled={busy()} onClick={doExport}>
              Export everything
            </button>
            <label class="btn" classList={{ disabled: busy() }}>
              Import…
              <input
                type="file"
                accept=".json,application/json"
                data-testid="import-file"
                hidden
                onChange={(e) => {
                  setImportMode('merge');
                  setImportFile(e.currentTarget.files?.[0]);
                  e.currentTarget.value = '';
                }}
              />
            </label>
            <Show when={!estimate()?.persisted}>
              <button class="btn" onClick={() => requestPersistence().then(refetchEstimate)}>
                Request persistent storage
              </button>
            </Show>
          </div>
        </div>
        <p>
          Browser storage: <b>{formatBytes(estimate()?.usage)}</b> used of {formatBytes(estimate()?.quota)} ·{' '}
          {estimate()?.persisted ? 'persistent' : 'best effort (the browser may evict it under pressure)'} · Lantern tables ≈{' '}
          {formatBytes(totalBytes())}
        </p>
        <Show when={importError()}>
          <div class="banner banner-err" role="alert" data-testid="import-error">
            {importError()}
          </div>
        </Show>
        <Show when={importResult()}>
          <div class="banner banner-ok" role="status" data-testid="import-result">
            {importResult()}
          </div>
        </Show>
      </div>

      <div class="grid-side">
        <div class="card">
          <h2>Tables</h2>
          <table class="table table-compact" data-testid="tables">
            <thead>
              <tr>
                <th>Table</th>
                <th class="num">Rows</th>
                <th class="num">Bytes</th>
              </tr>
            </thead>
            <tbody>
              <For each={stats() ?? []}>
                {(t) => (
                  <tr
                    data-testid={`table-${t.name}`}
                    classList={{ selected: selected() === t.name, clickable: !CHUNK_TABLES.includes(t.name) }}
                    onClick={() => !CHUNK_TABLES.includes(t.name) && setSelected(t.name)}
                  >
                    <td class="mono">{t.name}</td>
                    <td class="num mono" data-testid="rows">
                      {t.rows}
                    </td>
                    <td class="num mono" title={t.sampled ? `estimated from the first ${STATS_SAMPLE} rows` : undefined}>
                      {t.sampled ? '≈ ' : ''}
                      {formatBytes(t.bytes)}
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
          <p class="muted small">Chunk tables hold binary payloads; they are deleted with the record that owns them.</p>
        </div>
        <div class="card">
          <div class="card-head">
            <h2>
              Records in <span class="mono">{selected()}</span>
            </h2>
            <select aria-label="Table" value={selected()} onChange={(e) => setSelected(e.currentTarget.value as TableName)}>
              <For each={TABLE_NAMES.filter((n) => !CHUNK_TABLES.includes(n))}>{(n) => <option value={n}>{n}</option>}</For>
            </select>
          </div>
          <table class="table" data-testid="records">
            <tbody>
              <For each={records() ?? []} fallback={<tr><td class="muted">No records.</td></tr>}>
                {(r) => (
                  <tr data-testid="record-row">
                    <td class="mono small">{String(r.key)}</td>
                    <td class="small">{summary(r.record)}</td>
                    <td class="end">
                      <button
                        class="btn btn-sm btn-danger"
                        onClick={() => setPending({ table: selected(), key: r.key, label: `${selected()} record ${String(r.key)}` })}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </div>

      <ConfirmDialog
        open={Boolean(pending())}
        title="Delete this record?"
        confirmLabel="Delete"
        danger
        onConfirm={doDelete}
        onCancel={() => setPending(undefined)}
      >
        <p>
          {pending()?.label} will be deleted together with everything stored for it (chunks, metrics, checkpoints). This cannot be
          undone.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={Boolean(importFile())}
        title={importMode() === 'replace' ? 'Replace everything with this export?' : 'Merge this export?'}
        confirmLabel={importMode() === 'replace' ? 'Replace everything' : 'Import and merge'}
        danger={importMode() === 'replace'}
        onConfirm={doImport}
        onCancel={() => setImportFile(undefined)}
      >
        <div class="checks" role="radiogroup" aria-label="Import mode">
          <label>
            <input type="radio" name="import-mode" value="merge" checked={importMode() === 'merge'} onChange={() => setImportMode('merge')} /> Merge: add
            the records this device does not have, keep everything already stored
          </label>
          <label>
            <input type="radio" name="import-mode" value="replace" checked={importMode() === 'replace'} onChange={() => setImportMode('replace')} />{' '}
            Replace: delete everything stored in Lantern on this device and load the export instead
          </label>
        </div>
        <p>
          <b>{importFile()?.name}</b> is checked completely before anything is written, and written in one transaction: if it is
          not a valid Lantern export, or writing fails, nothing changes.
        </p>
      </ConfirmDialog>
    </section>
  );
}

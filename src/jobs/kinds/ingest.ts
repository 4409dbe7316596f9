// Dataset ingest as a job: a local file or a Hugging Face Hub split, streamed in batches into datasetChunks.
// THE JOB RECORD NEVER HOLDS A FILE'S BYTES (IndexedDB stores a Blob as a copy): the chosen file is held
// in this worker's memory; the record keeps a File System Access handle (stored by reference) or an
// app-origin URL when there is one, so a reload resumes those; a file chosen without either is asked for again.
// EVERY STEP WRITES ITS CHUNK, THE DATASET'S COUNTS AND THE JOB'S NEW CURSOR IN ONE TRANSACTION:
// A RELOAD RESUMES AT THE LAST COMMITTED CURSOR, SO NO ROW IS DUPLICATED OR LOST.
// A FAILED OR CANCELLED IMPORT DELETES THE PARTIAL DATASET AND ITS CHUNKS (NOTHING STAYS STORED).

import { DataError } from '../../data/errors';
import { mergeSkipReports, skippedCount, type MalformedMode } from '../../data/formats/jsonl';
import type { TxtSplit } from '../../data/formats/txt';
import { createHubDatasetsClient } from '../../data/hub';
import { FILE_FORMATS, ingestFile, type FileFormat } from '../../data/ingest';
import { countCharacters } from '../../data/stats';
import { utf8ByteLength, type TextEncodingName } from '../../data/text';
import type { BlobLike, IngestBatch, IngestCursor, SkipReport } from '../../data/types';
import { newId, type DatasetRecord, type LanternDb } from '../../storage/db';
import { deleteRecord } from '../../storage/repository';
import { JobError, type JobKind } from '../types';
import { addLengths, encodeRowChunks, lengthHistogram, type LengthCounts } from './ingestRows';

export interface FileSource {
  type: 'file';
  /**
   * The chosen file, in the enqueue request only: validate() moves it to `heldFiles` (this worker's
   * memory) under `fileKey`, so it is NEVER STORED in the job record.
   */
  file?: Blob;
  /** Names the held file; set by validate(), copied by a retry so it finds the same file. */
  fileKey?: string;
  /** A File System Access handle to the file (IndexedDB keeps it by reference, not its bytes): read again after a reload. */
  handle?: FileSystemFileHandle;
  /** A path on the app's own origin (the demo corpus): fetched again after a reload. */
  url?: string;
  /** The file's name (a File's name does not survive every structured clone). */
  fileName: string;
  /** The file's size and last-modified time when chosen: a file that changed since is not resumed. */
  size?: number;
  lastModified?: number;
  format: FileFormat;
  txtSplit?: TxtSplit;
  /** JSON field or CSV/Parquet column holding the text. */
  field?: string;
  malformed?: MalformedMode;
  maxBytes?: number;
  maxRows?: number;
}

export interface HubSource {
  type: 'hub';
  host: string;
  dataset: string;
  config: string;
  split: string;
  column: string;
  /** The paged rows API (default), or the split's parquet files read by row group (faster for large splits). */
  method?: 'rows' | 'parquet';
  maxRows?: number;
  maxBytes?: number;
}

export interface IngestParams {
  datasetId: string;
  name: string;
  source: FileSource | HubSource;
}

export interface IngestState {
  /** Where the source continues; absent before the first batch. */
  cursor?: IngestCursor;
  chunks: number;
  rows: number;
  bytes: number;
  characters: number;
  lengths: LengthCounts;
  /** Records left out so far (malformed lines, records without text), by reason. */
  skipped?: SkipReport;
  /** The source file's text encoding, once read (local text files). */
  encoding?: TextEncodingName;
}

/** Wall-clock budget of one step, and the most row bytes one chunk holds. */
const SLICE_MS = 300;
const CHUNK_BYTES = 4 << 20;

/**
 * Files chosen in this page, by FileSource.fileKey. A File from a picker is a reference to the file on
 * disk, not its bytes. Dropped when a job that uses it finishes; kept after a failure or a cancel, so
 * Retry and "skip those lines" find it.
 */
const heldFiles = new Map<string, Blob>();

/**
 * Open sources (and the database they write to), per job, while the job runs in this worker, with
 * what was skipped before the source was opened (a source reports what it skipped since it opened).
 */
const live = new Map<string, { source?: AsyncGenerator<IngestBatch>; skippedBefore?: SkipReport; db: LanternDb }>();

function paramError(field: string, message: string): JobError {
  return new JobError('invalid-params', message, { field });
}

function optionalLimit(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw paramError(field, `${field} must be a whole number ≥ 1 when set.`);
  return v;
}

function validateParams(raw: unknown): IngestParams {
  const p = raw as Partial<IngestParams> | undefined;
  if (!p || typeof p !== 'object') throw paramError('params', 'Import parameters are missing.');
  if (typeof p.datasetId !== 'string' || !p.datasetId) throw paramError('datasetId', 'datasetId is required.');
  if (typeof p.name !== 'string' || !p.name.trim()) throw paramError('name', 'Give the dataset a name.');
  const s = p.source;
  if (s?.type === 'file') {
    if (!FILE_FORMATS.includes(s.format)) throw paramError('format', `Unknown file format "${String(s.format)}".`);
    const { file, ...rest } = s;
    const source: FileSource = { ...rest, maxBytes: optionalLimit(s.maxBytes, 'maxBytes'), maxRows: optionalLimit(s.maxRows, 'maxRows') };
    if (file !== undefined) {
      // 1. A new request: hold the file here and keep only what describes it.
      if (!(file instanceof Blob)) throw paramError('file', 'Choose a file to import.');
      source.fileKey ??= newId('file');
      source.size = file.size;
      if (file instanceof File) source.lastModified = file.lastModified;
      heldFiles.set(source.fileKey, file);
    } else if (s.size === undefined && !s.handle && !s.url) {
      // 2. A request that names no file (a stored job always has its size: it had one).
      throw paramError('file', 'Choose a file to import.');
    }
    return { datasetId: p.datasetId, name: p.name.trim(), source };
  }
  if (s?.type === 'hub') {
    for (const f of ['host', 'dataset', 'config', 'split', 'column'] as const) {
      if (typeof s[f] !== 'string' || !s[f].trim()) throw paramError(f, `The Hub ${f} is required.`);
    }
    if (s.method !== undefined && s.method !== 'rows' && s.method !== 'parquet') throw paramError('method', 'Read the Hub through "rows" or "parquet".');
    return {
      datasetId: p.datasetId,
      name: p.name.trim(),
      source: { ...s, maxBytes: optionalLimit(s.maxBytes, 'maxBytes'), maxRows: optionalLimit(s.maxRows, 'maxRows') },
    };
  }
  throw paramError('source', 'Choose a local file or a Hub dataset.');
}

/** A Blob with the name ingest uses in its messages. */
function named(blob: Blob, name: string): BlobLike {
  return {
    size: blob.size,
    name,
    slice: (start, end) => blob.slice(start, end),
    stream: () => blob.stream(),
    arrayBuffer: () => blob.arrayBuffer(),
  };
}

/** The bytes of a file source: the held file, else its handle, else its URL; refused when none is left or it changed. */
async function openFile(s: FileSource): Promise<Blob> {
  const label = `"${s.fileName}"`;
  let blob = s.fileKey ? heldFiles.get(s.fileKey) : undefined;
  if (!blob && typeof s.handle?.getFile === 'function') {
    try {
      blob = await s.handle.getFile();
    } catch (e) {
      throw new DataError(
        'file-unavailable',
        `Lantern may no longer read ${label} (${e instanceof Error ? e.message : String(e)}). What was imported of it was discarded; import it again.`,
        { file: s.fileName },
      );
    }
  }
  if (!blob && s.url) {
    const res = await fetch(s.url);
    if (!res.ok) throw new DataError('file-unavailable', `${label} could not be read again from ${s.url} (HTTP ${res.status}). Import it again.`, { file: s.fileName, url: s.url });
    blob = await res.blob();
  }
  if (!blob) {
    throw new DataError(
      'file-unavailable',
      `${label} was chosen before the page was reloaded, and the browser gives a page no lasting access to a file chosen that way. What was imported of it was discarded; import it again (choose it with "Local file" or drop it: Lantern can then resume after a reload).`,
      { file: s.fileName },
    );
  }
  const lastModified = blob instanceof File ? blob.lastModified : undefined;
  if ((s.size !== undefined && blob.size !== s.size) || (s.lastModified !== undefined && lastModified !== undefined && lastModified !== s.lastModified)) {
    throw new DataError(
      'file-changed',
      `${label} changed since its import started (${s.size ?? '?'} bytes then, ${blob.size} now). What was imported of it was discarded; import it again.`,
      { file: s.fileName, size: s.size, now: blob.size },
    );
  }
  return blob;
}

async function* fileRows(s: FileSource, cursor: IngestCursor | undefined): AsyncGenerator<IngestBatch> {
  const blob = await openFile(s);
  yield* ingestFile(named(blob, s.fileName), {
    format: s.format,
    txtSplit: s.txtSplit,
    field: s.field,
    malformed: s.malformed,
    maxBytes: s.maxBytes,
    maxRows: s.maxRows,
    resume: cursor,
  });
}

function openSource(params: IngestParams, cursor: IngestCursor | undefined): AsyncGenerator<IngestBatch> {
  const s = params.source;
  if (s.type === 'file') return fileRows(s, cursor);
  const client = createHubDatasetsClient({ host: s.host });
  const split = { dataset: s.dataset, config: s.config, split: s.split, column: s.column };
  const opts = { maxRows: s.maxRows, maxBytes: s.maxBytes, resume: cursor };
  return s.method === 'parquet' ? client.readParquet(split, opts) : client.readRows(split, opts);
}

/** What the Datasets page shows as the dataset's source (no Blob: plain, listable data). */
export function describeSource(s: FileSource | HubSource): Record<string, unknown> {
  if (s.type === 'hub') return { type: 'hub', host: s.host, dataset: s.dataset, config: s.config, split: s.split, column: s.column, method: s.method ?? 'rows' };
  return { type: 'file', name: s.fileName, format: s.format, size: s.size, field: s.field, txtSplit: s.txtSplit };
}

function progressOf(batch: IngestBatch, s: FileSource | HubSource): number {
  if (s.type === 'file') return batch.totalBytes ? batch.bytesRead / batch.totalBytes : 0;
  // The Hub: whichever of the row total, the row limit and the byte limit is reached first.
  const totalRows = Math.min((s.method === 'parquet' ? undefined : batch.totalRows) ?? Infinity, s.maxRows ?? Infinity);
  const totalBytes = Math.min((s.method === 'parquet' ? batch.totalBytes : undefined) ?? Infinity, s.maxBytes ?? Infinity);
  const byRows = Number.isFinite(totalRows) ? batch.cursor.row / totalRows : 0;
  const byBytes = Number.isFinite(totalBytes) ? batch.bytesRead / totalBytes : 0;
  return Math.min(1, Math.max(byRows, byBytes));
}

const fileKeyOf = (params: IngestParams) => (params.source.type === 'file' ? params.source.fileKey : undefined);

/**
 * Deletes the dataset of a failed or cancelled import job, with its chunks, in one transaction.
 * A ready dataset is kept (it was finished by Stop).
 */
export async function discardAbandonedImport(db: LanternDb, jobId: string): Promise<void> {
  const job = await db.jobs.get(jobId);
  if (!job || (job.status !== 'failed' && job.status !== 'cancelled')) return;
  const datasetId = (job.params as Partial<IngestParams>).datasetId;
  const dataset = datasetId ? await db.datasets.get(datasetId) : undefined;
  if (dataset && dataset.status !== 'ready' && dataset.jobId === jobId) await deleteRecord(db, 'datasets', dataset.id);
}

export const ingestJob: JobKind<IngestParams, IngestState> = {
  kind: 'ingest',
  autoResume: true,
  title: (p) => `Import ${p.name}`,
  validate: validateParams,

  async start(params, ctx) {
    const record: DatasetRecord = {
      id: params.datasetId,
      name: params.name,
      source: describeSource(params.source),
      status: 'ingesting',
      rows: 0,
      bytes: 0,
      createdAt: Date.now(),
      jobId: ctx.jobId,
      chunkRows: [],
    };
    // A retried job starts over: whatever an earlier attempt left goes in the same transaction.
    await ctx.db.transaction('rw', ctx.db.datasets, ctx.db.datasetChunks, async () => {
      await ctx.db.datasetChunks.where('ownerId').equals(params.datasetId).delete();
      await ctx.db.datasets.put(record);
    });
    live.set(ctx.jobId, { db: ctx.db });
    return { chunks: 0, rows: 0, bytes: 0, characters: 0, lengths: {}, skipped: {} };
  },

  async step(prev, params, ctx) {
    let entry = live.get(ctx.jobId);
    if (!entry?.source) {
      entry = { source: openSource(params, prev.cursor), skippedBefore: prev.skipped ?? {}, db: ctx.db };
      live.set(ctx.jobId, entry);
    }
    const source = entry.source!;
    // 1. Pull batches until the time budget or the chunk size is reached, or the source ends.
    const t0 = performance.now();
    const rows: string[] = [];
    let rowBytes = 0;
    let last: IngestBatch | undefined;
    let ended = false;
    while (performance.now() - t0 < SLICE_MS && rowBytes < CHUNK_BYTES) {
      const next = await source.next();
      if (next.done) {
        ended = true;
        break;
      }
      last = next.value;
      for (const r of last.rows) {
        rows.push(r);
        rowBytes += utf8ByteLength(r);
      }
    }
    if (ended && prev.rows + rows.length === 0) {
      throw new DataError('empty-file', `"${params.name}" has no text rows. Check the source, the chosen field/column and the limits.`, {
        source: describeSource(params.source),
      });
    }
    // 2. Statistics of the new rows, and the chunks (hashed before the transaction; a row too large for one is refused).
    const lengths = rows.map(countCharacters);
    const { chunks, rowsPerChunk } = await encodeRowChunks(params.datasetId, prev.chunks, rows, { firstRow: prev.rows + 1, label: params.name });
    const state: IngestState = {
      cursor: last?.cursor ?? prev.cursor,
      chunks: prev.chunks + chunks.length,
      rows: prev.rows + rows.length,
      bytes: prev.bytes + rowBytes,
      characters: prev.characters + lengths.reduce((a, b) => a + b, 0),
      lengths: { ...prev.lengths },
      skipped: last?.skipped ? mergeSkipReports(entry.skippedBefore ?? {}, last.skipped) : (prev.skipped ?? {}),
      encoding: last?.encoding ?? prev.encoding,
    };
    addLengths(state.lengths, lengths);
    // 3. Chunks + dataset counts + job state: one transaction.
    const { db } = ctx;
    await db.transaction('rw', db.datasets, db.datasetChunks, db.jobs, async () => {
      const dataset = await db.datasets.get(params.datasetId);
      if (!dataset || dataset.status !== 'ingesting') {
        throw new JobError('dataset-gone', `The dataset "${params.name}" was deleted while it was being imported.`, { datasetId: params.datasetId });
      }
      if (chunks.length) {
        await db.datasetChunks.bulkPut(chunks);
        await db.datasets.update(params.datasetId, {
          rows: state.rows,
          bytes: state.bytes,
          chunkRows: [...(dataset.chunkRows ?? []).slice(0, prev.chunks), ...rowsPerChunk],
          skipped: state.skipped,
        });
      }
      await db.jobs.update(ctx.jobId, { state });
    });
    const progress = ended ? 1 : last ? progressOf(last, params.source) : 0;
    const left = skippedCount(state.skipped ?? {});
    const skipped = left ? ` · ${left.toLocaleString('en-US')} left out` : '';
    return { state, progress, done: ended, message: `${state.rows.toLocaleString('en-US')} rows${skipped}` };
  },

  async finish(state, params, ctx) {
    const { db } = ctx;
    const fileKey = fileKeyOf(params);
    if (fileKey) heldFiles.delete(fileKey);
    if (state.rows === 0) {
      if (await db.datasets.get(params.datasetId)) await deleteRecord(db, 'datasets', params.datasetId);
      return undefined;
    }
    const lengthValues = Object.keys(state.lengths).map(Number);
    await db.datasets.update(params.datasetId, {
      status: 'ready',
      skipped: state.skipped,
      stats: {
        characters: state.characters,
        minLength: lengthValues.reduce((a, b) => Math.min(a, b), Infinity),
        maxLength: lengthValues.reduce((a, b) => Math.max(a, b), 0),
        meanLength: state.characters / state.rows,
        lengthHistogram: lengthHistogram(state.lengths),
        ...(state.encoding ? { encoding: state.encoding } : {}),
      },
    });
    return params.datasetId;
  },

  release(jobId) {
    const entry = live.get(jobId);
    live.delete(jobId);
    if (!entry) return;
    void entry.source?.return(undefined);
    void discardAbandonedImport(entry.db, jobId);
  },
};

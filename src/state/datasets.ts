// Datasets as the UI sees them: live lists, the Hub host setting, starting imports and
// tokenizations in the GPU worker's queue, and sweeping up what abandoned jobs left behind.
import { DEFAULT_DATASETS_HOST } from '../data/hub';
import { detectFormat, type FileFormat } from '../data/ingest';
import type { PretokenizeConfig } from '../data/pretokenize';
import type { FileSource, HubSource, IngestParams } from '../jobs/kinds/ingest';
import { tokenizationIdFor, tokenizerIdentity, type TokenizeParams, type TokenizerSpec } from '../jobs/kinds/tokenize';
import { getDb, newId, type DatasetRecord, type JobRecord, type TokenizationRecord } from '../storage/db';
import { deleteRecord } from '../storage/repository';
import { gpu } from './gpu';

export const HUB_HOST_SETTING = 'datasets.hubHost';
export const DEMO_CORPUS_URL = '/demo/corpus.jsonl';
export const DEMO_CORPUS_NAME = 'Demo corpus';

export async function loadHubHost(): Promise<string> {
  const row = await getDb().settings.get(HUB_HOST_SETTING);
  return typeof row?.value === 'string' && row.value ? row.value : DEFAULT_DATASETS_HOST;
}

export async function saveHubHost(host: string): Promise<void> {
  await getDb().settings.put({ key: HUB_HOST_SETTING, value: host.trim() || DEFAULT_DATASETS_HOST });
}

export interface FileImportOptions {
  file: File;
  /** The file's File System Access handle (picker or drop, where the browser gives one): a reload can resume the import. */
  handle?: FileSystemFileHandle;
  /** A path on the app's own origin the file came from (the demo corpus): a reload can resume the import. */
  url?: string;
  name: string;
  format?: FileFormat;
  txtSplit?: FileSource['txtSplit'];
  field?: string;
  malformed?: FileSource['malformed'];
  maxBytes?: number;
  maxRows?: number;
}

export async function startFileImport(o: FileImportOptions): Promise<string> {
  return gpu().enqueue({ kind: 'ingest', params: fileImportParams(o) });
}

/** The ingest job's parameters for a file (a new dataset id every time). */
export function fileImportParams(o: FileImportOptions): IngestParams {
  const format = o.format ?? detectFormat(o.file.name);
  if (!format) throw new Error(`Cannot tell the format of "${o.file.name}". Use .txt, .jsonl, .json, .csv, .tsv or .parquet.`);
  const source: FileSource = {
    type: 'file',
    file: o.file,
    ...(o.handle ? { handle: o.handle } : {}),
    ...(o.url ? { url: o.url } : {}),
    fileName: o.file.name,
    format,
    txtSplit: format === 'txt' ? o.txtSplit : undefined,
    field: format === 'txt' ? undefined : o.field || 'text',
    malformed: format === 'jsonl' || format === 'json' ? o.malformed : undefined,
    maxBytes: o.maxBytes,
    maxRows: o.maxRows,
  };
  return { datasetId: newId('ds'), name: o.name.trim() || o.file.name, source };
}

export async function startHubImport(name: string, source: Omit<HubSource, 'type'>): Promise<string> {
  const params: IngestParams = { datasetId: newId('ds'), name: name.trim() || source.dataset, source: { type: 'hub', ...source } };
  return gpu().enqueue({ kind: 'ingest', params });
}

/** The built-in demo corpus file, served by the app itself (no other network). */
export async function demoCorpusFile(): Promise<File> {
  const res = await fetch(DEMO_CORPUS_URL);
  if (!res.ok) throw new Error(`The demo corpus could not be read (${res.status} ${res.statusText}).`);
  return new File([await res.blob()], 'corpus.jsonl', { type: 'application/jsonl' });
}

export async function startDemoImport(): Promise<string> {
  return startFileImport({ file: await demoCorpusFile(), url: DEMO_CORPUS_URL, name: DEMO_CORPUS_NAME, field: 'text' });
}

/** Re-runs a failed JSON/JSONL import, skipping the lines it refused (the worker still holds the file, or its handle or URL). */
export async function retrySkippingMalformed(job: JobRecord): Promise<string> {
  const p = job.params as IngestParams;
  if (p.source.type !== 'file') throw new Error('Only file imports have malformed lines.');
  return gpu().enqueue({ kind: 'ingest', params: { ...p, datasetId: newId('ds'), source: { ...p.source, malformed: 'skip' } } });
}

/** Starts a tokenization unless the same one (dataset, tokenizer, options) exists; returns its id. */
export async function startTokenize(datasetId: string, tokenizer: TokenizerSpec, config: PretokenizeConfig): Promise<{ id: string; existed: boolean }> {
  const { id: tokenizerId } = await tokenizerIdentity(tokenizer);
  const tokenizationId = await tokenizationIdFor(datasetId, tokenizerId, config);
  const existing = await getDb().tokenizations.get(tokenizationId);
  if (existing) return { id: tokenizationId, existed: true };
  const params: TokenizeParams = { datasetId, tokenizationId, tokenizer, config };
  await gpu().enqueue({ kind: 'tokenize', params });
  return { id: tokenizationId, existed: false };
}

const ABANDONED: JobRecord['status'][] = ['failed', 'cancelled'];

/**
 * Deletes datasets and tokenizations still marked in progress whose job failed, was cancelled
 * (also while paused, when the worker is not involved) or no longer exists. Jobs are read from
 * the database, never from a list that may not have loaded yet.
 */
export async function sweepAbandoned(datasets: DatasetRecord[], tokenizations: TokenizationRecord[]): Promise<void> {
  const db = getDb();
  const gone = async (jobId: string | undefined) => {
    const job = jobId ? await db.jobs.get(jobId) : undefined;
    return !job || ABANDONED.includes(job.status);
  };
  // A concurrent sweep (another tab, or the worker's own discard) may have deleted it first.
  for (const d of datasets) if (d.status === 'ingesting' && (await gone(d.jobId))) await deleteRecord(db, 'datasets', d.id).catch(() => undefined);
  for (const t of tokenizations) if (t.status === 'running' && (await gone(t.jobId))) await deleteRecord(db, 'tokenizations', t.id).catch(() => undefined);
}

/** The ingest or tokenize job working on a record, if it still waits or runs. */
export function activeJobFor(jobs: JobRecord[], jobId: string | undefined): JobRecord | undefined {
  const job = jobId ? jobs.find((j) => j.id === jobId) : undefined;
  return job && (job.status === 'running' || job.status === 'queued' || job.status === 'paused') ? job : undefined;
}

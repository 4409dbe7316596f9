// Client for the Hugging Face datasets server (dataset viewer API): splits, info, paged rows and the
// split's parquet files, read with HTTP range requests. The host is configurable so tests and
// offline setups point it at a local mirror (scripts/datasets-mirror.ts) with the same shapes.

import type { AsyncBuffer } from 'hyparquet';
import { DataError } from './errors';
import { countingAsyncBuffer, openParquet, readParquetColumn } from './formats/parquet';
import { createProgressTracker } from './progress';
import { utf8ByteLength } from './text';
import type { IngestBatch, IngestCursor, StepOptions } from './types';

export const DEFAULT_DATASETS_HOST = 'https://datasets-server.huggingface.co';
/** The rows API serves at most this many rows per request. */
export const MAX_ROWS_PER_PAGE = 100;

export interface HubSplit {
  dataset: string;
  config: string;
  split: string;
}

export interface HubFeature {
  name: string;
  type: { dtype?: string; _type: string };
}

export interface HubRowsPage {
  features: HubFeature[];
  rows: { row_idx: number; row: Record<string, unknown> }[];
  num_rows_total: number;
}

export interface HubParquetFile extends HubSplit {
  url: string;
  filename: string;
  size: number;
}

export interface HubSource extends HubSplit {
  /** Column holding the text. */
  column: string;
}

export interface HubReadOptions extends StepOptions {
  /** Stop after this many rows. */
  maxRows?: number;
  /** Stop once this many bytes were received (row text for the rows API, file bytes for parquet). */
  maxBytes?: number;
  /** Continue from an earlier batch's cursor (`row` is the absolute row index). */
  resume?: IngestCursor;
}

export interface HubClientOptions {
  host?: string;
  fetch?: typeof fetch;
  /** Rows per request for the rows API (≤ 100). */
  pageSize?: number;
}

/** Column names whose values are strings. */
export function textColumns(features: readonly HubFeature[]): string[] {
  return features.filter((f) => f.type._type === 'Value' && (f.type.dtype === 'string' || f.type.dtype === 'large_string')).map((f) => f.name);
}

export function createHubDatasetsClient(options: HubClientOptions = {}) {
  const host = (options.host ?? DEFAULT_DATASETS_HOST).replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const pageSize = Math.min(options.pageSize ?? MAX_ROWS_PER_PAGE, MAX_ROWS_PER_PAGE);

  async function request(url: string, dataset: string, signal?: AbortSignal, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(url, { ...init, signal });
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw new DataError(
        'hub-request-failed',
        `Could not reach ${host} (${e instanceof Error ? e.message : String(e)}). Check the connection or the datasets host setting.`,
        { url, dataset },
      );
    }
    if (res.ok) return res;
    let serverMessage = '';
    try {
      const body = (await res.json()) as { error?: unknown };
      if (typeof body.error === 'string') serverMessage = body.error;
    } catch {
      serverMessage = res.statusText;
    }
    const details = { url, dataset, status: res.status, errorCode: res.headers.get('x-error-code'), serverMessage };
    if (res.status === 404) {
      throw new DataError(
        'hub-not-found',
        `Dataset "${dataset}" was not found on ${host}${serverMessage ? ` (${serverMessage})` : ''}. Check the spelling (owner/name), the config and the split.`,
        details,
      );
    }
    throw new DataError(
      'hub-request-failed',
      `${host} answered ${res.status} for "${dataset}"${serverMessage ? `: ${serverMessage}` : ''}. Try again later or choose another dataset.`,
      details,
    );
  }

  async function getJson<T>(path: string, params: Record<string, string | number>, signal?: AbortSignal): Promise<T> {
    const url = `${host}${path}?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`;
    const res = await request(url, String(params.dataset), signal);
    return (await res.json()) as T;
  }

  /** A remote file as hyparquet's AsyncBuffer: each slice is one range request. */
  function httpAsyncBuffer(url: string, size: number, dataset: string, signal?: AbortSignal): AsyncBuffer {
    return {
      byteLength: size,
      async slice(start, end) {
        const last = (end ?? size) - 1;
        const res = await request(url, dataset, signal, { headers: { Range: `bytes=${start}-${last}` } });
        const buf = await res.arrayBuffer();
        // A server that ignores Range sends the whole file.
        return res.status === 206 || buf.byteLength === last - start + 1 ? buf : buf.slice(start, last + 1);
      },
    };
  }

  const client = {
    host,

    async splits(dataset: string, signal?: AbortSignal): Promise<HubSplit[]> {
      const body = await getJson<{ splits: HubSplit[] }>('/splits', { dataset }, signal);
      return body.splits;
    },

    /** The `dataset_info` object of /info (per config, or one config's when `config` is given). */
    async info(dataset: string, config?: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
      const body = await getJson<{ dataset_info: Record<string, unknown> }>('/info', config ? { dataset, config } : { dataset }, signal);
      return body.dataset_info;
    },

    async rowsPage(split: HubSplit, offset: number, length: number, signal?: AbortSignal): Promise<HubRowsPage> {
      return getJson<HubRowsPage>('/rows', { dataset: split.dataset, config: split.config, split: split.split, offset, length }, signal);
    },

    async parquetFiles(dataset: string, signal?: AbortSignal): Promise<HubParquetFile[]> {
      const body = await getJson<{ parquet_files: HubParquetFile[] }>('/parquet', { dataset }, signal);
      return body.parquet_files;
    },

    /** Streams a split through the paged rows API. */
    async *readRows(source: HubSource, opts: HubReadOptions = {}): AsyncGenerator<IngestBatch> {
      const progress = createProgressTracker('rows', opts.onProgress);
      let offset = opts.resume?.row ?? 0;
      let bytes = opts.resume?.byte ?? 0;
      let total = Infinity;
      let checked = false;
      while (offset < total) {
        opts.signal?.throwIfAborted();
        const want = Math.min(pageSize, (opts.maxRows ?? Infinity) - offset);
        if (want <= 0) return;
        const page = await client.rowsPage(source, offset, want, opts.signal);
        total = Math.min(page.num_rows_total, opts.maxRows ?? Infinity);
        if (!checked) {
          checkColumn(source, page.features.map((f) => f.name));
          checked = true;
        }
        const rows: string[] = [];
        let stop = false;
        for (const r of page.rows) {
          const v = r.row[source.column];
          offset = r.row_idx + 1;
          if (typeof v === 'string' && v !== '') {
            rows.push(v);
            bytes += utf8ByteLength(v);
          } else if (v !== null && v !== undefined && v !== '') throw notText(source, r.row_idx, v);
          if (opts.maxBytes !== undefined && bytes >= opts.maxBytes) {
            stop = true;
            break;
          }
        }
        if (page.rows.length === 0) stop = true;
        progress.update(offset, total === Infinity ? undefined : total, stop || offset >= total);
        yield { rows, cursor: { byte: bytes, row: offset }, bytesRead: bytes, totalRows: page.num_rows_total };
        if (stop) return;
      }
    },

    /** Streams a split from its parquet files, one row group at a time. */
    async *readParquet(source: HubSource, opts: HubReadOptions = {}): AsyncGenerator<IngestBatch> {
      const files = (await client.parquetFiles(source.dataset, opts.signal)).filter(
        (f) => f.config === source.config && f.split === source.split,
      );
      if (!files.length) {
        throw new DataError(
          'hub-not-found',
          `Dataset "${source.dataset}" has no parquet files for config "${source.config}", split "${source.split}". Use the rows API or another split.`,
          { ...source },
        );
      }
      const progress = createProgressTracker('bytes', opts.onProgress);
      const totalBytes = files.reduce((a, f) => a + f.size, 0);
      const maxBytes = opts.maxBytes ?? Infinity;
      const maxRows = opts.maxRows ?? Infinity;
      const resumeRow = opts.resume?.row ?? 0;
      let downloaded = 0;
      /** Absolute row index of the current file's first row, and the sizes of the files before it. */
      let fileStart = 0;
      let bytesBefore = 0;
      for (const file of files) {
        const label = `"${source.dataset}" file ${file.filename}`;
        const buffer = countingAsyncBuffer(httpAsyncBuffer(file.url, file.size, source.dataset, opts.signal), (n) => {
          downloaded += n;
        });
        const { metadata, columns } = await openParquet(buffer, label);
        checkColumn(source, columns);
        const fileRows = Number(metadata.num_rows);
        const from = Math.max(0, resumeRow - fileStart);
        const to = Math.min(fileRows, maxRows - fileStart);
        if (from < to) {
          const steps = readParquetColumn(buffer, { column: source.column, label, startRow: from, endRow: to, signal: opts.signal });
          for await (const step of steps) {
            const row = fileStart + step.nextRow;
            const stop = downloaded >= maxBytes || row >= maxRows;
            // Progress: whole files before this one, plus this file's share of rows read.
            const done = stop ? totalBytes : bytesBefore + (file.size * step.nextRow) / Math.max(1, fileRows);
            progress.update(done, totalBytes, stop || done >= totalBytes);
            yield { rows: step.rows, cursor: { byte: downloaded, row }, bytesRead: downloaded, totalBytes };
            if (stop) return;
          }
        }
        fileStart += fileRows;
        bytesBefore += file.size;
        if (fileStart >= maxRows) return;
      }
    },
  };

  function checkColumn(source: HubSource, available: string[]) {
    if (!available.includes(source.column)) {
      throw new DataError(
        'missing-field',
        `Dataset "${source.dataset}" (${source.config}/${source.split}) has no column "${source.column}". Columns: ${available.join(', ')}. Choose one of them as the text column.`,
        { field: source.column, available },
      );
    }
  }

  function notText(source: HubSource, row: number, v: unknown): DataError {
    return new DataError(
      'missing-field',
      `Dataset "${source.dataset}": column "${source.column}" holds ${typeof v} values (row ${row}), not text. Choose a string column.`,
      { field: source.column, row, type: typeof v },
    );
  }

  return client;
}

export type HubDatasetsClient = ReturnType<typeof createHubDatasetsClient>;

// Shapes shared by every dataset source (local files, Hub rows, Hub parquet) and by the
// pretokenizer: a blob-like input, batches of plain-string rows, resumable cursors, progress.

import type { TextEncodingName } from './text';

/** What ingest needs from a `File`/`Blob` (browser) or `fs.openAsBlob()` (Node): streamed, never read whole. */
export interface BlobLike {
  readonly size: number;
  readonly name?: string;
  slice(start?: number, end?: number): BlobLike;
  stream(): ReadableStream<Uint8Array>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Where a source can pick up again: `byte` is a record boundary in the file (text formats) or the
 * bytes received so far (Hub); `row` the absolute row index to continue at (parquet and Hub) or
 * the rows delivered so far (text formats).
 */
export interface IngestCursor {
  byte: number;
  row: number;
  /** 1-based line number at `byte` (text formats), so resumed reads report true line numbers. */
  line?: number;
  /** CSV only: the header, so a resumed read does not need to re-read the first record. */
  header?: string[];
}

/** One step of a source: rows are plain strings, never markup. */
export interface IngestBatch {
  rows: string[];
  /** Resume here to continue right after this batch. */
  cursor: IngestCursor;
  /** Bytes consumed so far (file bytes, or bytes downloaded for the Hub). */
  bytesRead: number;
  /** Total bytes when known, for progress. */
  totalBytes?: number;
  /** Total rows when known (Hub, parquet), for progress. */
  totalRows?: number;
  /** The text encoding of a local text file (from its byte-order mark; UTF-8 without one). */
  encoding?: TextEncodingName;
  /** What was left out so far (JSON and JSONL), by reason, with the first line or record numbers. */
  skipped?: SkipReport;
}

/**
 * Why a record was left out: not valid JSON, no text field, a field that is not a string (null,
 * a number, an object…), or empty text.
 */
export type SkipReason = 'malformed' | 'no-field' | 'not-text' | 'empty-text';

/** How many records were left out per reason, and the first (up to 100) 1-based line or record numbers. */
export type SkipReport = Partial<Record<SkipReason, { count: number; lines: number[] }>>;

export interface Progress {
  /** Units done: bytes for files, rows for the Hub rows API. */
  done: number;
  total?: number;
  unit: 'bytes' | 'rows';
  /** done / total in [0, 1] when total is known. */
  fraction?: number;
  /** Estimated seconds left at the current rate, when total is known. */
  etaS?: number;
  /** Current rate in units per second. */
  rate: number;
}

/** Options every long-running step takes. */
export interface StepOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

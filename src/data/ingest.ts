// Local file ingest: detects the format, streams the file through the matching parser and yields
// batches of plain-string rows with a resumable cursor, progress and cancellation.
// ON ANY ERROR THE CALLER MUST DISCARD THE ROWS IT ALREADY RECEIVED: a rejected file produces nothing.

import { DataError } from './errors';
import { createCsvParser } from './formats/csv';
import { createFieldPicker, createJsonlParser, type MalformedMode } from './formats/jsonl';
import { blobAsyncBuffer, readParquetColumn } from './formats/parquet';
import type { RecordParser } from './formats/records';
import { createTxtParser, type TxtSplit } from './formats/txt';
import { createProgressTracker } from './progress';
import { checkFileSize, describeFile, encodedByteLength, readTextBlocks, type TextEncodingName } from './text';
import type { BlobLike, IngestBatch, IngestCursor, StepOptions } from './types';

export const FILE_FORMATS = ['txt', 'jsonl', 'json', 'csv', 'tsv', 'parquet'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

const EXTENSIONS: Record<string, FileFormat> = {
  txt: 'txt',
  text: 'txt',
  md: 'txt',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  parquet: 'parquet',
};

/** Format from a file name's extension, or undefined. */
export function detectFormat(name: string): FileFormat | undefined {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? undefined : EXTENSIONS[name.slice(dot + 1).toLowerCase()];
}

export interface FileIngestOptions extends StepOptions {
  /** Defaults to the one named by the file's extension. */
  format?: FileFormat;
  /** .txt: one document per file, per blank-line-separated block (default) or per line. */
  txtSplit?: TxtSplit;
  /** JSON field (dotted paths allowed) or CSV/Parquet column holding the text. Default "text". */
  field?: string;
  /** JSON/JSONL: skip malformed lines and records without text (reported in `skipped`), or abort (default). */
  malformed?: MalformedMode;
  /** Reject files larger than this many bytes. */
  maxBytes?: number;
  /** Stop after this many rows (a choice, not an error). */
  maxRows?: number;
  /** Continue from a cursor of an earlier batch. */
  resume?: IngestCursor;
  /** Bytes read per step (text formats). */
  blockBytes?: number;
}

function noRows(file: BlobLike, format: FileFormat): DataError {
  return new DataError(
    'empty-file',
    `${describeFile(file)} contains no text rows (${format}). Check the file, the chosen field/column and the split mode.`,
    { file: file.name, format },
  );
}

/** Streams rows out of a local file. */
export async function* ingestFile(file: BlobLike, opts: FileIngestOptions = {}): AsyncGenerator<IngestBatch> {
  const format = opts.format ?? detectFormat(file.name ?? '');
  if (!format) {
    throw new DataError(
      'unsupported-format',
      `Cannot tell the format of ${describeFile(file)} from its extension. Use .txt, .jsonl, .json, .csv, .tsv or .parquet, or choose the format explicitly.`,
      { file: file.name },
    );
  }
  checkFileSize(file, opts.maxBytes);
  const startRow = opts.resume?.row ?? 0;
  let produced = 0;
  const gen =
    format === 'parquet' ? ingestParquet(file, opts) : format === 'json' ? ingestJson(file, opts) : ingestText(file, format, opts);
  for await (const batch of gen) {
    produced += batch.rows.length;
    yield batch;
  }
  if (startRow === 0 && produced === 0) throw noRows(file, format);
}

function makeParser(file: BlobLike, format: Exclude<FileFormat, 'json' | 'parquet'>, opts: FileIngestOptions): RecordParser {
  const label = describeFile(file);
  const field = opts.field ?? 'text';
  const line = opts.resume?.line ?? 1;
  switch (format) {
    case 'txt':
      return createTxtParser(opts.txtSplit ?? 'paragraph', line);
    case 'jsonl':
      return createJsonlParser(field, opts.malformed ?? 'abort', label, line);
    case 'csv':
    case 'tsv':
      return createCsvParser({
        column: field,
        delimiter: format === 'csv' ? ',' : '\t',
        fileLabel: label,
        header: opts.resume?.header,
        startLine: line,
      });
  }
}

async function* ingestText(
  file: BlobLike,
  format: Exclude<FileFormat, 'json' | 'parquet'>,
  opts: FileIngestOptions,
): AsyncGenerator<IngestBatch> {
  const parser = makeParser(file, format, opts);
  const progress = createProgressTracker('bytes', opts.onProgress);
  const { maxRows } = opts;
  let row = opts.resume?.row ?? 0;
  const blocks = readTextBlocks(file, {
    startByte: opts.resume?.byte ?? 0,
    blockBytes: opts.blockBytes,
    signal: opts.signal,
  });
  for await (const block of blocks) {
    let rows = parser.push(block.text, block.final);
    const stop = maxRows !== undefined && row + rows.length >= maxRows;
    if (stop) rows = rows.slice(0, maxRows - row);
    row += rows.length;
    if (block.final && row === 0) {
      const none = parser.noRowsError?.();
      if (none) throw none;
    }
    const skipped = parser.skipped?.();
    const cursor: IngestCursor = { byte: block.endByte - encodedByteLength(parser.pending(), block.encoding), row, line: parser.line() };
    const header = parser.header?.();
    if (header) cursor.header = header;
    progress.update(block.endByte, file.size, block.final || stop);
    yield {
      rows,
      cursor,
      bytesRead: block.endByte,
      totalBytes: file.size,
      encoding: block.encoding,
      ...(skipped && Object.keys(skipped).length ? { skipped: structuredClone(skipped) } : {}),
    };
    if (stop) return;
  }
}

/** A whole .json document: an array of records, or an object holding one array of records. */
async function* ingestJson(file: BlobLike, opts: FileIngestOptions): AsyncGenerator<IngestBatch> {
  const label = describeFile(file);
  const parts: string[] = [];
  let encoding: TextEncodingName = 'UTF-8';
  for await (const block of readTextBlocks(file, { signal: opts.signal, blockBytes: opts.blockBytes })) {
    parts.push(block.text);
    encoding = block.encoding;
  }
  const text = parts.join('');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    if (text.trimStart().startsWith('{') && text.trim().includes('\n')) {
      yield* ingestText(file, 'jsonl', opts);
      return;
    }
    throw new DataError(
      'malformed-json',
      `${label} is not valid JSON (${e instanceof Error ? e.message : String(e)}). Fix the file, or save it as JSON Lines (.jsonl).`,
      { file: file.name },
    );
  }
  let records: unknown[];
  if (Array.isArray(doc)) records = doc;
  else if (doc !== null && typeof doc === 'object') {
    const arrays = Object.values(doc).filter(Array.isArray);
    records = arrays.length === 1 ? arrays[0] : [doc];
  } else records = [];
  const picker = createFieldPicker(opts.field ?? 'text', opts.malformed ?? 'abort', label, 'record');
  const start = opts.resume?.row ?? 0;
  const end = opts.maxRows !== undefined ? Math.min(records.length, opts.maxRows) : records.length;
  const rows: string[] = [];
  for (let i = start; i < end; i++) {
    const t = picker.pick(records[i], i + 1);
    if (t !== undefined) rows.push(t);
  }
  if (start === 0 && !rows.length) {
    const none = picker.noRowsError();
    if (none) throw none;
  }
  const skipped = picker.skipped();
  createProgressTracker('bytes', opts.onProgress).update(file.size, file.size, true);
  yield {
    rows,
    cursor: { byte: file.size, row: end },
    bytesRead: file.size,
    totalBytes: file.size,
    totalRows: records.length,
    encoding,
    ...(Object.keys(skipped).length ? { skipped } : {}),
  };
}

async function* ingestParquet(file: BlobLike, opts: FileIngestOptions): AsyncGenerator<IngestBatch> {
  const progress = createProgressTracker('rows', opts.onProgress);
  const start = opts.resume?.row ?? 0;
  const steps = readParquetColumn(blobAsyncBuffer(file), {
    column: opts.field ?? 'text',
    label: describeFile(file),
    startRow: start,
    endRow: opts.maxRows,
    signal: opts.signal,
  });
  for await (const step of steps) {
    const total = Math.min(step.totalRows, opts.maxRows ?? Infinity);
    progress.update(step.nextRow, total, step.nextRow >= total);
    yield {
      rows: step.rows,
      cursor: { byte: 0, row: step.nextRow },
      bytesRead: Math.round((file.size * step.nextRow) / Math.max(1, step.totalRows)),
      totalBytes: file.size,
      totalRows: step.totalRows,
    };
  }
}

/** Drains a source into memory (tests, small files, previews). */
export async function collectRows(source: AsyncIterable<IngestBatch>): Promise<{ rows: string[]; last?: IngestBatch }> {
  const rows: string[] = [];
  let last: IngestBatch | undefined;
  for await (const batch of source) {
    for (const r of batch.rows) rows.push(r);
    last = batch;
  }
  return { rows, last };
}

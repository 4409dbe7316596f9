// Parquet files (local or on the Hub) read with hyparquet one row group at a time, so memory
// holds one column of one row group, never the whole file.

import { parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { DataError } from '../errors';
import type { BlobLike } from '../types';

const MAGIC = 'PAR1';

/** hyparquet's random-access view of a blob: each slice reads only those bytes. */
export function blobAsyncBuffer(file: BlobLike): AsyncBuffer {
  return { byteLength: file.size, slice: (start, end) => file.slice(start, end).arrayBuffer() };
}

/** Counts the bytes hyparquet actually fetches (progress and byte limits for remote files). */
export function countingAsyncBuffer(inner: AsyncBuffer, onBytes: (n: number) => void): AsyncBuffer {
  return {
    byteLength: inner.byteLength,
    async slice(start, end) {
      const buf = await inner.slice(start, end);
      onBytes(buf.byteLength);
      return buf;
    },
  };
}

function invalid(label: string, why: string): DataError {
  return new DataError('invalid-parquet', `${label} is not a readable Parquet file (${why}). Re-export it as Parquet or choose another format.`, {
    reason: why,
  });
}

/** Reads and checks the footer; the top-level column names come with it. */
export async function openParquet(buffer: AsyncBuffer, label: string): Promise<{ metadata: FileMetaData; columns: string[] }> {
  if (buffer.byteLength < 12) throw invalid(label, `${buffer.byteLength} bytes is too short`);
  const ascii = (b: ArrayBuffer) => String.fromCharCode(...new Uint8Array(b));
  const [head, tail] = await Promise.all([buffer.slice(0, 4), buffer.slice(buffer.byteLength - 4)]);
  if (ascii(head) !== MAGIC || ascii(tail) !== MAGIC) throw invalid(label, 'missing the PAR1 magic bytes');
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    throw invalid(label, e instanceof Error ? e.message : String(e));
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  return { metadata, columns };
}

export interface ParquetRowsOptions {
  column: string;
  label: string;
  /** Absolute row to start at (a resume cursor). */
  startRow?: number;
  /** Stop after this absolute row index (exclusive). */
  endRow?: number;
  signal?: AbortSignal;
}

export interface ParquetStep {
  rows: string[];
  /** Absolute index of the next row to read. */
  nextRow: number;
  totalRows: number;
}

/** Yields the text column one row group (or the part of it inside [startRow, endRow)) at a time. */
export async function* readParquetColumn(buffer: AsyncBuffer, opts: ParquetRowsOptions): AsyncGenerator<ParquetStep> {
  const { column, label, startRow = 0, signal } = opts;
  const { metadata, columns } = await openParquet(buffer, label);
  if (!columns.includes(column)) {
    throw new DataError(
      'missing-field',
      `${label} has no column "${column}". Columns: ${columns.join(', ')}. Choose one of them as the text column.`,
      { field: column, available: columns },
    );
  }
  const totalRows = Number(metadata.num_rows);
  const endRow = Math.min(opts.endRow ?? totalRows, totalRows);
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    const from = Math.max(groupStart, startRow);
    const to = Math.min(groupEnd, endRow);
    groupStart = groupEnd;
    if (from >= to) continue;
    signal?.throwIfAborted();
    let values: unknown[][] = [];
    await parquetRead({
      file: buffer,
      metadata,
      columns: [column],
      rowStart: from,
      rowEnd: to,
      onComplete: (rows) => {
        values = rows;
      },
    });
    const rows: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i][0];
      if (v === null || v === undefined || v === '') continue;
      if (typeof v !== 'string') {
        throw new DataError(
          'missing-field',
          `${label}: column "${column}" holds ${typeof v} values (row ${from + i}), not text. Choose a string column.`,
          { field: column, row: from + i, type: typeof v, available: columns },
        );
      }
      rows.push(v);
    }
    yield { rows, nextRow: to, totalRows };
    if (to >= endRow) return;
  }
}

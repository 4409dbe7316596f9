// A quick look at a file before importing it: the field or column names the user can choose as
// the text, read from the first record (JSONL, CSV/TSV; UTF-8 or UTF-16 with its BOM) or the footer (Parquet). Best effort:
// anything unreadable gives no names, and the import itself reports the real problem.

import { parseCsvRecords } from './formats/csv';
import { blobAsyncBuffer, openParquet } from './formats/parquet';
import type { FileFormat } from './ingest';
import { decodeHead } from './text';
import type { BlobLike } from './types';

const HEAD_BYTES = 64 * 1024;

async function headText(file: BlobLike): Promise<string> {
  const text = decodeHead(new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer()));
  // Keep whole lines only: the last one may be cut.
  return file.size > HEAD_BYTES ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
}

/** Field names (string-valued first) or column names of `file`; [] when none can be read. */
export async function sniffFields(file: BlobLike, format: FileFormat): Promise<string[]> {
  try {
    switch (format) {
      case 'jsonl': {
        const line = (await headText(file)).split('\n').find((l) => l.trim() !== '');
        const record = line ? (JSON.parse(line) as unknown) : undefined;
        if (record === null || typeof record !== 'object' || Array.isArray(record)) return [];
        const entries = Object.entries(record);
        return [...entries.filter(([, v]) => typeof v === 'string'), ...entries.filter(([, v]) => typeof v !== 'string')].map(([k]) => k);
      }
      case 'csv':
      case 'tsv': {
        const { records } = parseCsvRecords(await headText(file), format === 'csv' ? ',' : '\t', false, () => {
          throw new Error('unterminated quote');
        });
        return records[0] ?? [];
      }
      case 'parquet':
        return (await openParquet(blobAsyncBuffer(file), 'the file')).columns;
      default:
        return [];
    }
  } catch {
    return [];
  }
}

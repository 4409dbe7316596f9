// How dataset rows live in IndexedDB: each datasetChunks row holds a batch of rows as a UTF-8 JSON
// array (with its SHA-256), and DatasetRecord.chunkRows says how many rows each chunk holds.
// NO CHUNK EXCEEDS MAX_CHUNK_BYTES: a batch is split over several chunks, and a row too large for
// a chunk of its own is refused (never stored cut).
// Readers go through the RowReader seam of src/data/browse.ts (sample browser, search, tokenizer).

import type { RowReader } from '../../data/browse';
import { DataError } from '../../data/errors';
import { histogram } from '../../data/stats';
import { formatBytes } from '../../data/text';
import { MAX_CHUNK_BYTES, sha256Hex } from '../../storage/chunks';
import type { ChunkRecord, DatasetRecord, HistogramData, LanternDb } from '../../storage/db';
import { IntegrityError } from '../../storage/errors';

export async function encodeRowChunk(ownerId: string, index: number, rows: readonly string[]): Promise<ChunkRecord> {
  const bytes = new TextEncoder().encode(JSON.stringify(rows));
  return { ownerId, index, bytes: bytes.buffer, byteLength: bytes.byteLength, sha256: await sha256Hex(bytes) };
}

export interface RowChunkOptions {
  /** Largest encoded chunk (default MAX_CHUNK_BYTES). */
  maxBytes?: number;
  /** 1-based number of rows[0] in the dataset, for messages. */
  firstRow: number;
  /** The dataset's name, for messages. */
  label: string;
}

/**
 * rows as chunks `firstIndex`, `firstIndex + 1`, … of at most `maxBytes` each (one chunk unless the
 * batch is larger); a single row that does not fit in a chunk is refused with `row-too-large`.
 */
export async function encodeRowChunks(ownerId: string, firstIndex: number, rows: readonly string[], opts: RowChunkOptions): Promise<{ chunks: ChunkRecord[]; rowsPerChunk: number[] }> {
  const maxBytes = opts.maxBytes ?? MAX_CHUNK_BYTES;
  const parts: { bytes: Uint8Array<ArrayBuffer>; rows: number }[] = [];
  const encoder = new TextEncoder();
  // 1. Encode the whole batch; 2. when it is over the limit, split it in halves and try again.
  const split = (from: number, to: number) => {
    const bytes = encoder.encode(JSON.stringify(rows.slice(from, to)));
    if (bytes.byteLength <= maxBytes) {
      parts.push({ bytes, rows: to - from });
      return;
    }
    if (to - from === 1) {
      throw new DataError(
        'row-too-large',
        `"${opts.label}": row ${(opts.firstRow + from).toLocaleString('en-US')} holds ${formatBytes(bytes.byteLength - 4)} of text, over the ${formatBytes(maxBytes)} a stored chunk can hold. Split that document into smaller ones (for a .txt file, import it one document per blank-line-separated block or per line).`,
        { row: opts.firstRow + from, bytes: bytes.byteLength, maxBytes },
      );
    }
    const mid = from + Math.ceil((to - from) / 2);
    split(from, mid);
    split(mid, to);
  };
  if (rows.length) split(0, rows.length);
  const chunks = await Promise.all(
    parts.map(async (p, i) => ({ ownerId, index: firstIndex + i, bytes: p.bytes.buffer, byteLength: p.bytes.byteLength, sha256: await sha256Hex(p.bytes) })),
  );
  return { chunks, rowsPerChunk: parts.map((p) => p.rows) };
}

export async function decodeRowChunk(chunk: ChunkRecord): Promise<string[]> {
  const actual = await sha256Hex(chunk.bytes);
  if (actual !== chunk.sha256) {
    throw new IntegrityError(`Chunk ${chunk.index} of dataset ${chunk.ownerId} is corrupted (SHA-256 mismatch).`, {
      ownerId: chunk.ownerId,
      index: chunk.index,
    });
  }
  return JSON.parse(new TextDecoder().decode(chunk.bytes)) as string[];
}

/** Rows of a stored dataset, decoding whole chunks and keeping the last few in memory. */
export function datasetRowReader(db: LanternDb, dataset: Pick<DatasetRecord, 'id' | 'rows' | 'chunkRows'>, cacheChunks = 4): RowReader {
  const chunkRows = dataset.chunkRows ?? [];
  /** starts[i] = first row of chunk i; starts[n] = total. */
  const starts = [0];
  for (const n of chunkRows) starts.push(starts[starts.length - 1] + n);
  const total = starts[starts.length - 1];
  const cache = new Map<number, string[]>();

  async function chunk(index: number): Promise<string[]> {
    const hit = cache.get(index);
    if (hit) {
      cache.delete(index);
      cache.set(index, hit);
      return hit;
    }
    const record = await db.datasetChunks.get([dataset.id, index]);
    if (!record) throw new IntegrityError(`Chunk ${index} of dataset ${dataset.id} is missing.`, { ownerId: dataset.id, index });
    const rows = await decodeRowChunk(record);
    cache.set(index, rows);
    if (cache.size > cacheChunks) cache.delete(cache.keys().next().value as number);
    return rows;
  }

  return {
    count: () => total,
    async read(start, end) {
      const out: string[] = [];
      const last = Math.min(end, total);
      // Binary search for the chunk holding `start`, then walk forward.
      let lo = 0;
      let hi = chunkRows.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= start) lo = mid;
        else hi = mid - 1;
      }
      for (let c = lo, at = start; at < last && c < chunkRows.length; c++) {
        const rows = await chunk(c);
        const from = at - starts[c];
        const to = Math.min(rows.length, last - starts[c]);
        for (let i = from; i < to; i++) out.push(rows[i]);
        at = starts[c] + to;
      }
      return out;
    },
  };
}

/** How many rows have each length: a sparse, JSON-safe histogram source that survives a reload in job state. */
export type LengthCounts = Record<number, number>;

export function addLengths(counts: LengthCounts, lengths: Iterable<number>): void {
  for (const n of lengths) counts[n] = (counts[n] ?? 0) + 1;
}

/** Equal-width histogram of the counted lengths (same bins as stats.histogram over the raw values). */
export function lengthHistogram(counts: LengthCounts, bins = 20): HistogramData {
  let n = 0;
  for (const c of Object.values(counts)) n += c;
  const values = new Float64Array(n);
  let i = 0;
  for (const [len, c] of Object.entries(counts)) values.fill(Number(len), i, (i += c));
  return histogram(values, bins);
}

// Binary payloads split into ≤ 64 MB chunk rows with SHA-256 per chunk (WebCrypto).
// Chromium caps one IndexedDB value near 128 MB, so big arrays never go in one row.
import type { Table } from 'dexie';
import type { ChunkRecord } from './db';
import { IntegrityError } from './errors';

export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

export async function sha256Hex(data: ArrayBuffer | ArrayBufferView): Promise<string> {
  const view = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const digest = await crypto.subtle.digest('SHA-256', view as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** One whole buffer as a hashed chunk row of `ownerId` at `index`. */
export async function chunkRecord(ownerId: string, index: number, bytes: ArrayBuffer): Promise<ChunkRecord> {
  return { ownerId, index, bytes, byteLength: bytes.byteLength, sha256: await sha256Hex(bytes) };
}

/**
 * Splits `data` into chunk rows for `ownerId` (hashes computed before any write, so the
 * caller can put all rows inside one transaction with the owner record).
 */
export async function makeChunks(ownerId: string, data: ArrayBufferView, chunkBytes = MAX_CHUNK_BYTES): Promise<ChunkRecord[]> {
  if (chunkBytes <= 0 || chunkBytes > MAX_CHUNK_BYTES) throw new RangeError(`chunkBytes must be in (0, ${MAX_CHUNK_BYTES}]`);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const rows: ChunkRecord[] = [];
  for (let index = 0, off = 0; off < bytes.byteLength || index === 0; index++, off += chunkBytes) {
    const slice = bytes.slice(off, Math.min(off + chunkBytes, bytes.byteLength));
    rows.push({ ownerId, index, bytes: slice.buffer, byteLength: slice.byteLength, sha256: await sha256Hex(slice) });
    if (off + chunkBytes >= bytes.byteLength) break;
  }
  return rows;
}

/** Reads every chunk of `ownerId` in order, verifies each hash, and concatenates them. */
export async function readChunks(table: Table<ChunkRecord, [string, number]>, ownerId: string): Promise<Uint8Array> {
  const rows = await table.where('ownerId').equals(ownerId).sortBy('index');
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row.index !== i) throw new IntegrityError(`Chunk ${i} of ${ownerId} is missing.`, { ownerId, table: table.name, index: i });
    const actual = await sha256Hex(row.bytes);
    if (actual !== row.sha256) {
      throw new IntegrityError(`Chunk ${i} of ${ownerId} in ${table.name} is corrupted (SHA-256 mismatch).`, {
        ownerId,
        table: table.name,
        index: i,
        expected: row.sha256,
        actual,
      });
    }
    total += row.byteLength;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const row of rows) {
    out.set(new Uint8Array(row.bytes), off);
    off += row.byteLength;
  }
  return out;
}

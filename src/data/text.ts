// Streaming text decoding for local files: reads a blob in blocks that end on a line break,
// decodes each block with a fatal UTF-8 decoder, and rejects empty, binary and oversized input
// before any row is produced. Cutting at '\n' is safe in UTF-8: 0x0A never occurs inside a
// multi-byte sequence, so every block decodes on its own and its end is a resumable byte offset.

import { DataError } from './errors';
import type { BlobLike } from './types';

export interface TextBlock {
  /** Complete lines (the last one ends with '\n' unless `final`). */
  text: string;
  /** File offset just past `text`. */
  endByte: number;
  final: boolean;
}

export interface ReadTextOptions {
  /** Resume at this byte offset (a line boundary returned earlier as a cursor). */
  startByte?: number;
  /** Target bytes per block; a longer single line makes a longer block. */
  blockBytes?: number;
  /** Reject files larger than this before reading anything. */
  maxBytes?: number;
  signal?: AbortSignal;
}

const NUL = 0x00;
const LF = 0x0a;
const BOM = [0xef, 0xbb, 0xbf];

/** Name used in messages: the file name when the blob has one. */
export function describeFile(file: BlobLike): string {
  return file.name ? `"${file.name}"` : 'the file';
}

/** Checks every file gets before reading: not empty, not over the byte limit. */
export function checkFileSize(file: BlobLike, maxBytes?: number): void {
  if (file.size === 0) {
    throw new DataError('empty-file', `${describeFile(file)} is empty (0 bytes). Choose a file that contains text.`, {
      file: file.name,
    });
  }
  if (maxBytes !== undefined && file.size > maxBytes) {
    throw new DataError(
      'file-too-large',
      `${describeFile(file)} is ${formatBytes(file.size)}, over the ${formatBytes(maxBytes)} limit. Raise the byte limit or split the file.`,
      { file: file.name, size: file.size, maxBytes },
    );
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** Bytes `s` takes in UTF-8, without encoding it. */
export function utf8ByteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Offset of the first byte in `b` that breaks UTF-8 (a truncated final sequence included), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) [need, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [need, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= b.length) return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if ((cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Streams `file` as text blocks that end on '\n'. Throws `binary-file` on a NUL byte and
 * `invalid-utf8` (with the byte offset) on bytes that are not UTF-8.
 */
export async function* readTextBlocks(file: BlobLike, opts: ReadTextOptions = {}): AsyncGenerator<TextBlock> {
  const { startByte = 0, blockBytes = 1 << 20, maxBytes, signal } = opts;
  checkFileSize(file, maxBytes);
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const reader = file.slice(startByte).stream().getReader();
  let parts: Uint8Array[] = [];
  let held = 0;
  /** Bytes to hold before looking for a line break; doubles while a single line keeps growing. */
  let want = blockBytes;
  /** File offset of parts[0][0]. */
  let base = startByte;

  const decode = (bytes: Uint8Array, at: number): string => {
    let skip = 0;
    if (at === 0 && BOM.every((v, i) => bytes[i] === v)) skip = 3;
    try {
      return decoder.decode(skip ? bytes.subarray(skip) : bytes);
    } catch {
      const bad = firstInvalidUtf8(bytes.subarray(skip));
      const offset = at + skip + Math.max(0, bad);
      throw new DataError(
        'invalid-utf8',
        `${describeFile(file)} is not valid UTF-8 (first bad byte at offset ${offset}). Re-save it as UTF-8 text, e.g. with "iconv -t UTF-8".`,
        { file: file.name, byteOffset: offset },
      );
    }
  };

  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (value && value.length) {
        const nul = value.indexOf(NUL);
        if (nul >= 0) {
          const offset = base + held + nul;
          throw new DataError(
            'binary-file',
            `${describeFile(file)} looks binary (NUL byte at offset ${offset}), not text. Choose a .txt, .jsonl, .json, .csv, .tsv or .parquet file.`,
            { file: file.name, byteOffset: offset },
          );
        }
        parts.push(value);
        held += value.length;
      }
      if (done) {
        if (held > 0) yield { text: decode(concat(parts, held), base), endByte: base + held, final: true };
        else yield { text: '', endByte: base, final: true };
        return;
      }
      if (held < want) continue;
      const all = concat(parts, held);
      const cut = all.lastIndexOf(LF) + 1;
      if (cut === 0) {
        parts = [all];
        want = held * 2;
        continue;
      }
      want = blockBytes;
      const text = decode(all.subarray(0, cut), base);
      base += cut;
      parts = cut < all.length ? [all.slice(cut)] : [];
      held = all.length - cut;
      yield { text, endByte: base, final: false };
    }
  } finally {
    await reader.cancel();
  }
}

// Streaming text decoding for local files: reads a blob in blocks that end on a line break,
// decodes each block with a fatal decoder (UTF-8, or UTF-16 LE/BE when the file opens with that
// byte-order mark), and rejects empty, binary and oversized input before any row is produced.
// Cutting at '\n' is safe: 0x0A never occurs inside a UTF-8 multi-byte sequence, and the UTF-16
// code unit 0x000A is never half of a surrogate pair, so every block decodes on its own and its
// end is a resumable byte offset.

import { DataError } from './errors';
import type { BlobLike } from './types';

/** The encodings a text file may be in: UTF-8 (with or without its BOM), or UTF-16 announced by its BOM. */
export type TextEncodingName = 'UTF-8' | 'UTF-16LE' | 'UTF-16BE';

export interface TextBlock {
  /** Complete lines (the last one ends with '\n' unless `final`). */
  text: string;
  /** File offset just past `text`. */
  endByte: number;
  final: boolean;
  encoding: TextEncodingName;
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

/** The encoding announced by the first bytes of a file, and the length of its byte-order mark. */
export function detectEncoding(head: Uint8Array): { encoding: TextEncodingName; bomBytes: number } {
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'UTF-16LE', bomBytes: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'UTF-16BE', bomBytes: 2 };
  if (BOM.every((v, i) => head[i] === v)) return { encoding: 'UTF-8', bomBytes: 3 };
  return { encoding: 'UTF-8', bomBytes: 0 };
}

/** Decodes the start of a file (for previews) in the encoding its BOM announces, without the BOM. */
export function decodeHead(head: Uint8Array): string {
  const { encoding, bomBytes } = detectEncoding(head);
  return new TextDecoder(encoding.toLowerCase(), { ignoreBOM: true }).decode(head.subarray(bomBytes));
}

/** Bytes `s` takes in `encoding`, without encoding it. */
export function encodedByteLength(s: string, encoding: TextEncodingName): number {
  return encoding === 'UTF-8' ? utf8ByteLength(s) : 2 * s.length;
}

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

/** Offset of the first code unit in `b` (UTF-16, even length expected) that breaks UTF-16, or -1. */
export function firstInvalidUtf16(b: Uint8Array, littleEndian: boolean): number {
  const unit = (i: number) => (littleEndian ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1]);
  let i = 0;
  for (; i + 1 < b.length; i += 2) {
    const u = unit(i);
    if (u >= 0xdc00 && u <= 0xdfff) return i;
    if (u >= 0xd800 && u <= 0xdbff) {
      if (i + 3 >= b.length) return i;
      const next = unit(i + 2);
      if (next < 0xdc00 || next > 0xdfff) return i;
      i += 2;
    }
  }
  return i < b.length ? i : -1;
}

/** End of the last whole line in `b` (just past its '\n'), or 0; `b` starts on a code unit boundary. */
function lastLineEnd(b: Uint8Array, encoding: TextEncodingName): number {
  if (encoding === 'UTF-8') return b.lastIndexOf(LF) + 1;
  const [lo, hi] = encoding === 'UTF-16LE' ? [LF, NUL] : [NUL, LF];
  for (let i = (b.length & ~1) - 2; i >= 0; i -= 2) if (b[i] === lo && b[i + 1] === hi) return i + 2;
  return 0;
}

/**
 * Streams `file` as text blocks that end on '\n', in the encoding its BOM announces (UTF-8 without
 * one). Throws `binary-file` on a NUL byte (a NUL character in UTF-16), and `invalid-utf8` or
 * `invalid-utf16` (with the byte offset) on bytes that do not decode.
 */
export async function* readTextBlocks(file: BlobLike, opts: ReadTextOptions = {}): AsyncGenerator<TextBlock> {
  const { startByte = 0, blockBytes = 1 << 20, maxBytes, signal } = opts;
  checkFileSize(file, maxBytes);
  const { encoding, bomBytes } = detectEncoding(new Uint8Array(await file.slice(0, 3).arrayBuffer()));
  const utf16 = encoding !== 'UTF-8';
  const decoder = new TextDecoder(encoding.toLowerCase(), { fatal: true, ignoreBOM: true });
  const reader = file.slice(startByte).stream().getReader();
  let parts: Uint8Array[] = [];
  let held = 0;
  /** Bytes to hold before looking for a line break; doubles while a single line keeps growing. */
  let want = blockBytes;
  /** File offset of parts[0][0]. */
  let base = startByte;

  const binary = (offset: number) =>
    new DataError(
      'binary-file',
      `${describeFile(file)} looks binary (NUL byte at offset ${offset}), not text. Choose a .txt, .jsonl, .json, .csv, .tsv or .parquet file.`,
      { file: file.name, byteOffset: offset },
    );

  const decode = (bytes: Uint8Array, at: number): string => {
    const skip = at === 0 ? bomBytes : 0;
    let text: string;
    try {
      text = decoder.decode(skip ? bytes.subarray(skip) : bytes);
    } catch {
      const rest = bytes.subarray(skip);
      const bad = utf16 ? firstInvalidUtf16(rest, encoding === 'UTF-16LE') : firstInvalidUtf8(rest);
      const offset = at + skip + Math.max(0, bad);
      throw new DataError(
        utf16 ? 'invalid-utf16' : 'invalid-utf8',
        `${describeFile(file)} is not valid ${encoding} (first bad byte at offset ${offset}). Re-save it as UTF-8 text, e.g. with "iconv -t UTF-8".`,
        { file: file.name, byteOffset: offset, encoding },
      );
    }
    const nul = utf16 ? text.indexOf('\0') : -1;
    if (nul >= 0) throw binary(at + skip + 2 * nul);
    return text;
  };

  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (value && value.length) {
        const nul = utf16 ? -1 : value.indexOf(NUL);
        if (nul >= 0) throw binary(base + held + nul);
        parts.push(value);
        held += value.length;
      }
      if (done) {
        if (held > 0) yield { text: decode(concat(parts, held), base), endByte: base + held, final: true, encoding };
        else yield { text: '', endByte: base, final: true, encoding };
        return;
      }
      if (held < want) continue;
      const all = concat(parts, held);
      const cut = lastLineEnd(all, encoding);
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
      yield { text, endByte: base, final: false, encoding };
    }
  } finally {
    await reader.cancel();
  }
}

// How tokens read on screen: their text, or their bytes (`<0xE2>`) where a token holds only part
// of a UTF-8 character (byte-level BPE, SentencePiece byte fallback), so no token shows as `�`.
import { bytesToUnicode } from './byteLevelBpe';
import type { TextTokenizer } from './tokenizer';

let byteOfChar: Map<string, number> | undefined;

/** The bytes behind a byte-level (GPT-2 alphabet) token string, or undefined when it is not one. */
export function byteLevelBytes(token: string): number[] | undefined {
  byteOfChar ??= new Map(bytesToUnicode().map((c, b) => [c, b]));
  const bytes: number[] = [];
  for (const c of token) {
    const b = byteOfChar.get(c);
    if (b === undefined) return undefined;
    bytes.push(b);
  }
  return bytes;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** Length of the UTF-8 sequence a lead byte starts (0 for a byte that cannot start one). */
function sequenceLength(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/** Complete UTF-8 characters as text, every other byte as `<0xHH>`. */
export function bytesForDisplay(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const n = sequenceLength(bytes[i]);
    if (n && i + n <= bytes.length) {
      try {
        out += strict.decode(Uint8Array.from(Array.prototype.slice.call(bytes, i, i + n) as number[]));
        i += n;
        continue;
      } catch {
        // not a valid sequence (bad continuation, overlong, surrogate): show the lead byte alone
      }
    }
    out += `<0x${bytes[i].toString(16).toUpperCase().padStart(2, '0')}>`;
    i++;
  }
  return out;
}

const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;

/** Bytes of one token id, when its vocabulary entry says what they are. */
function bytesOf(tok: Pick<TextTokenizer, 'decode' | 'idToToken'>, id: number): number[] | undefined {
  const raw = tok.idToToken(id);
  if (raw === undefined) return undefined;
  const fallback = BYTE_FALLBACK.exec(raw);
  if (fallback) return [parseInt(fallback[1], 16)];
  const byteLevel = byteLevelBytes(raw);
  if (byteLevel) return byteLevel;
  const text = tok.decode([id]);
  return text.includes('\uFFFD') ? undefined : [...new TextEncoder().encode(text)];
}

/**
 * Display text of token ids read together (one token, or tokens merged because they form one
 * character): the decoded text when it is whole, otherwise its bytes with the incomplete ones as `<0xHH>`.
 */
export function tokenDisplay(tok: Pick<TextTokenizer, 'decode' | 'idToToken'>, ids: number[]): string {
  const text = tok.decode(ids);
  if (!text.includes('\uFFFD')) return text;
  const bytes: number[] = [];
  for (const id of ids) {
    const b = bytesOf(tok, id);
    if (!b) return text;
    bytes.push(...b);
  }
  return bytesForDisplay(bytes);
}

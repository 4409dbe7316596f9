// Token display text: every vocabulary id decoded on its own, with byte-level pieces that are not
// whole UTF-8 characters shown as <0xE2>; whitespace made visible (· ↵ ⇥) for shaded contexts.
import type { LmTokenizer } from '../lm/tokenizer';

/** GPT-2's bytes_to_unicode inverse: the character a byte-level BPE vocabulary uses → the byte. */
function byteLevelDecoder(): Map<string, number> {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = [...bytes];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(256 + n++);
    }
  }
  return new Map(bytes.map((b, i) => [String.fromCodePoint(chars[i]), b]));
}

const hex = (b: number) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;

/**
 * Display text of ids 0..vocab−1. A token that decodes to U+FFFD alone is shown by its bytes: from
 * the byte-level vocabulary when the tokenizer.json has one, else as the decoder gave it.
 */
export function vocabularyText(tokenizer: LmTokenizer, vocab: number, tokenizerJson: Record<string, unknown>): string[] {
  const model = tokenizerJson.model as { vocab?: Record<string, number> } | undefined;
  const pieces = new Map<number, string>();
  if (model?.vocab && !Array.isArray(model.vocab)) for (const [piece, id] of Object.entries(model.vocab)) pieces.set(id, piece);
  const byteLevel = byteLevelDecoder();
  const out: string[] = [];
  for (let id = 0; id < vocab; id++) {
    const text = tokenizer.decode([id]);
    const piece = pieces.get(id);
    if (!text.includes('\uFFFD') || piece === undefined) {
      out.push(text);
      continue;
    }
    const bytes = [...piece].map((c) => byteLevel.get(c));
    out.push(bytes.every((b) => b !== undefined) ? (bytes as number[]).map(hex).join('') : text);
  }
  return out;
}

/** Whitespace made visible (space ·, newline ↵, tab ⇥), other control characters as <0x..>, empty as ∅; text only, never markup. */
export function visibleToken(text: string): string {
  if (!text) return '∅';
  return text
    .replace(/ /g, '·')
    .replace(/\n/g, '↵')
    .replace(/\t/g, '⇥')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => hex(c.charCodeAt(0)));
}

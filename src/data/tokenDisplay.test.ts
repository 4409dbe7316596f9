// Token display: tokens holding part of a UTF-8 character read as bytes (`<0xE2>`), tokens that
// together form a character read as that character, for byte-level BPE and SentencePiece byte fallback.
import { describe, expect, it } from 'vitest';
import { builtinTokenizer } from './builtinTokenizer';
import { bytesForDisplay, byteLevelBytes, tokenDisplay } from './tokenDisplay';
import { loadTokenizer } from './tokenizer';

/** A Llama-style tokenizer.json: Metaspace pieces plus the 256 `<0xHH>` byte-fallback tokens. */
function byteFallbackTokenizer() {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  for (const piece of ['▁', 'a', 'b', '▁a', '▁b']) vocab[piece] = Object.keys(vocab).length;
  return loadTokenizer({
    version: '1.0',
    added_tokens: [
      { id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 2, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
    pre_tokenizer: null,
    post_processor: null,
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab, merges: ['▁ a', '▁ b'] },
  });
}

describe('token display', () => {
  it('bytesForDisplay keeps whole characters and names every stray byte', () => {
    const arrow = [...new TextEncoder().encode('→')];
    expect(bytesForDisplay([0x61, ...arrow, 0x62])).toBe('a→b');
    expect(bytesForDisplay([0x20, arrow[0]])).toBe(' <0xE2>');
    expect(bytesForDisplay([arrow[1], arrow[2]])).toBe('<0x86><0x92>');
    // Overlong and surrogate encodings are not characters.
    expect(bytesForDisplay([0xe0, 0x80, 0x80])).toBe('<0xE0><0x80><0x80>');
    expect(bytesForDisplay([0xed, 0xa0, 0x80])).toBe('<0xED><0xA0><0x80>');
  });

  it('byteLevelBytes reads the GPT-2 byte alphabet and rejects other strings', () => {
    expect(byteLevelBytes('Ġâ')).toEqual([0x20, 0xe2]);
    expect(byteLevelBytes('▁a')).toBeUndefined();
  });

  it('a byte-level BPE token holding part of a character shows its bytes, not �', () => {
    const tok = builtinTokenizer();
    const ids = tok.encode('→', false);
    expect(ids.length).toBeGreaterThan(1);
    expect(tok.decode([ids[0]])).toContain('\uFFFD');
    expect(tokenDisplay(tok, [ids[0]])).toBe('<0xE2>');
    expect(tokenDisplay(tok, ids)).toBe('→');
    const word = tok.encode(' the', false);
    expect(tokenDisplay(tok, word)).toBe(' the');
  });

  it('SentencePiece byte-fallback tokens show as <0xHH> alone and as the character together', () => {
    const tok = byteFallbackTokenizer();
    const ids = tok.encode('a→', false);
    const bytes = ids.filter((id) => tok.idToToken(id)!.startsWith('<0x'));
    expect(bytes.map((id) => tok.idToToken(id))).toEqual(['<0xE2>', '<0x86>', '<0x92>']);
    expect(tokenDisplay(tok, [bytes[0]])).toBe('<0xE2>');
    expect(tokenDisplay(tok, bytes)).toBe('→');
  });
});

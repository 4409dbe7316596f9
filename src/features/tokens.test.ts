// Token display text: byte-level pieces that are not whole characters shown by their bytes,
// whitespace and control characters made visible.
import { describe, expect, it } from 'vitest';
import { fixtureTokenizer } from './testing';
import { vocabularyText, visibleToken } from './tokens';

describe('vocabularyText', () => {
  it('decodes whole-character tokens and shows lone UTF-8 bytes as <0x..>', () => {
    const { tokenizer, tokenizerJson } = fixtureTokenizer();
    const vocab = vocabularyText(tokenizer, 278, tokenizerJson);
    expect(vocab[97]).toBe('a');
    expect(vocab[262]).toBe(' the');
    expect(vocab[0xe2]).toBe('<0xE2>');
    expect(vocab.some((t) => t.includes('\uFFFD'))).toBe(false);
  });
});

describe('visibleToken', () => {
  it('makes whitespace and control characters visible', () => {
    expect(visibleToken(' the\n')).toBe('·the↵');
    expect(visibleToken('\t\u0001')).toBe('⇥<0x01>');
    expect(visibleToken('')).toBe('∅');
  });
});

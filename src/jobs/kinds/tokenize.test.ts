// Tokenizers from files: tokenizer.json with an optional tokenizer_config.json, their identity,
// and clear refusals for files that are not tokenizers.
import { describe, expect, it } from 'vitest';
import { buildByteLevelBpe, END_OF_TEXT } from '../../data/byteLevelBpe';
import { isDataError } from '../../data/errors';
import { openTokenizer, tokenizerIdentity } from './tokenize';

describe('tokenizer files', () => {
  const { tokenizerJson } = buildByteLevelBpe(['the fox and the otter'], 5);
  const file = new Blob([JSON.stringify(tokenizerJson)]);

  it('a tokenizer_config.json names the special tokens and is part of the identity', async () => {
    const plain = await openTokenizer({ type: 'file', name: 'tokenizer.json', file });
    const eot = plain.special.eos!;
    expect(plain.idToToken(eot)).toBe(END_OF_TEXT);
    const config = new Blob([JSON.stringify({ bos_token: 'a', eos_token: END_OF_TEXT })]);
    const withConfig = await openTokenizer({ type: 'file', name: 'tokenizer.json', file, config });
    expect(withConfig.special.bos).toBe(withConfig.encode('a', false)[0]);
    expect(withConfig.special.eos).toBe(eot);
    const a = await tokenizerIdentity({ type: 'file', name: 'tokenizer.json', file });
    const b = await tokenizerIdentity({ type: 'file', name: 'tokenizer.json', file, config });
    expect(a.id).toMatch(/^tokenizer\.json:[0-9a-f]{64}$/);
    expect(b.id).not.toBe(a.id);
  });

  it('refuses a file that is not JSON or not a tokenizer, naming it', async () => {
    const notJson = openTokenizer({ type: 'file', name: 'tok.json', file: new Blob(['{oops']) });
    await expect(notJson).rejects.toThrow(/"tok.json" is not valid JSON/);
    const e = await openTokenizer({ type: 'file', name: 'tok.json', file: new Blob(['{"hello": 1}']) }).catch((x: unknown) => x);
    expect(isDataError(e, 'invalid-tokenizer')).toBe(true);
  });
});

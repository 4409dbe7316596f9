// Packing matches SAELens's concat_and_batch_sequences on hand-computed cases.
import { describe, expect, test } from 'vitest';
import { packSequences, SequencePacker, type PackOptions } from './pack';

const BOS = 99;
const SEP = 98;
const BSEQ = 97;

function opts(p: Partial<PackOptions>): PackOptions {
  return { contextSize: 5, beginBatchTokenId: null, beginSequenceTokenId: null, sequenceSeparatorTokenId: null, disableConcatSequences: false, ...p };
}

describe('packSequences (SAELens semantics)', () => {
  test('no special tokens: documents run on across windows; the partial tail is dropped', () => {
    expect(packSequences([[1, 2, 3], [4, 5, 6, 7, 8], [9]], opts({ contextSize: 4 }))).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
  });

  test('begin_batch_token starts every window, including a continued document', () => {
    expect(packSequences([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], opts({ beginBatchTokenId: BOS }))).toEqual([
      [BOS, 1, 2, 3, 4],
      [BOS, 5, 6, 7, 8],
    ]);
  });

  test('SAELens defaults (bos/bos): a separator that fills a window ends it', () => {
    expect(packSequences([[1, 2, 3], [4, 5, 6, 7], [8]], opts({ beginBatchTokenId: BOS, sequenceSeparatorTokenId: BOS }))).toEqual([
      [BOS, 1, 2, 3, BOS],
      [BOS, 4, 5, 6, 7],
    ]);
  });

  test('documents that already start with the token get no second copy', () => {
    expect(packSequences([[BOS, 1, 2], [BOS, 3, 4, 5, 6, 7]], opts({ beginBatchTokenId: BOS, sequenceSeparatorTokenId: BOS }))).toEqual([
      [BOS, 1, 2, BOS, 3],
      [BOS, 4, 5, 6, 7],
    ]);
  });

  test('begin_sequence_token, begin_batch_token and separator together', () => {
    const o = opts({ contextSize: 6, beginBatchTokenId: BOS, beginSequenceTokenId: BSEQ, sequenceSeparatorTokenId: SEP });
    expect(packSequences([[1, 2], [3, 4, 5, 6, 7, 8]], o)).toEqual([
      [BOS, BSEQ, 1, 2, SEP, BSEQ],
      [BOS, 3, 4, 5, 6, 7],
    ]);
  });

  test('empty documents add nothing, not even a separator', () => {
    expect(packSequences([[1, 2], [], [3, 4]], opts({ contextSize: 5, sequenceSeparatorTokenId: SEP }))).toEqual([[1, 2, SEP, 3, 4]]);
  });

  test('disable_concat_sequences: one BOS-prefixed window per long-enough document', () => {
    const o = opts({ contextSize: 4, beginBatchTokenId: BOS, disableConcatSequences: true });
    expect(packSequences([[1, 2, 3], [1, 2], [BOS, 5, 6, 7, 8], [9, 10, 11, 12, 13]], o)).toEqual([
      [BOS, 1, 2, 3],
      [BOS, 5, 6, 7],
      [BOS, 9, 10, 11],
    ]);
  });

  test('disable_concat_sequences honours a BOS id of 0 (SAELens tests it by truthiness)', () => {
    const o = opts({ contextSize: 3, beginBatchTokenId: 0, disableConcatSequences: true });
    expect(packSequences([[5, 6, 7]], o)).toEqual([[0, 5, 6]]);
  });

  test('state saved between documents resumes to the same windows', () => {
    const docs = [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10, 11], [12, 13, 14]];
    const o = opts({ beginBatchTokenId: BOS, sequenceSeparatorTokenId: SEP });
    const whole = packSequences(docs, o);
    const out: number[][] = [];
    const a = new SequencePacker(o);
    for (const d of docs.slice(0, 2)) a.push(d, (w) => out.push(w));
    const b = new SequencePacker(o, structuredClone(a.state()));
    for (const d of docs.slice(2)) b.push(d, (w) => out.push(w));
    expect(out).toEqual(whole);
  });

  test('a context size below 2 is rejected', () => {
    expect(() => new SequencePacker(opts({ contextSize: 1 }))).toThrow(expect.objectContaining({ code: 'invalid-config' }));
  });
});

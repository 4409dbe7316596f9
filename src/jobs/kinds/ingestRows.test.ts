// Dataset rows as chunks: a batch over the chunk limit is split over several chunks that read back
// as the same rows, and a row too large for a chunk of its own is refused, never stored cut.
import { describe, expect, it } from 'vitest';
import { decodeRowChunk, encodeRowChunks } from './ingestRows';

describe('encodeRowChunks', () => {
  it('keeps a batch under the limit in one chunk', async () => {
    const { chunks, rowsPerChunk } = await encodeRowChunks('ds', 3, ['a', 'b'], { firstRow: 1, label: 'd' });
    expect(chunks.map((c) => c.index)).toEqual([3]);
    expect(rowsPerChunk).toEqual([2]);
    expect(await decodeRowChunk(chunks[0])).toEqual(['a', 'b']);
  });

  it('splits a batch over the limit into chunks of at most maxBytes that read back in order', async () => {
    const rows = Array.from({ length: 37 }, (_, i) => `row ${i} "quoted" ${'é'.repeat(i % 9)}`);
    const { chunks, rowsPerChunk } = await encodeRowChunks('ds', 5, rows, { firstRow: 1, label: 'd', maxBytes: 100 });
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => 5 + i));
    expect(chunks.every((c) => c.byteLength <= 100)).toBe(true);
    const decoded = await Promise.all(chunks.map(decodeRowChunk));
    expect(decoded.map((d) => d.length)).toEqual(rowsPerChunk);
    expect(decoded.flat()).toEqual(rows);
  });

  it('refuses a single row that cannot fit in a chunk, naming its row number', async () => {
    const rows = ['short', 'x'.repeat(200), 'short again'];
    await expect(encodeRowChunks('ds', 0, rows, { firstRow: 41, label: 'notes', maxBytes: 100 })).rejects.toMatchObject({
      code: 'row-too-large',
      details: { row: 42, maxBytes: 100 },
      message: expect.stringMatching(/"notes": row 42 holds .* over the 100 B a stored chunk can hold\. Split that document/),
    });
  });
});

// Activation-set batches: every row once per epoch, seeded order, exact replay after restore.
import { describe, expect, it } from 'vitest';
import { createActivationSource, type ChunkReader } from './batchSource';

/** Chunk c holds rows whose single feature is c·100 + row (so rows are identifiable). */
function reader(sizes: number[]): ChunkReader {
  return {
    count: sizes.length,
    dModel: 2,
    read: async (c) => Float32Array.from({ length: sizes[c] * 2 }, (_, i) => (i % 2 ? -1 : c * 100 + Math.floor(i / 2))),
  };
}

const ids = (batch: Float32Array) => Array.from(batch.filter((_, i) => i % 2 === 0));

describe('activation-set batch source', () => {
  it('yields every row exactly once per epoch, across uneven chunks and windows', async () => {
    const sizes = [5, 3, 7, 1, 4];
    const src = createActivationSource(reader(sizes), 9, 2);
    const seen = [...ids(await src.next(7)), ...ids(await src.next(8)), ...ids(await src.next(5))];
    const all = sizes.flatMap((n, c) => Array.from({ length: n }, (_, r) => c * 100 + r));
    expect([...seen].sort((a, b) => a - b)).toEqual(all.sort((a, b) => a - b));
    expect(seen).not.toEqual(all);
  });

  it('replays the same batches after saving and restoring its position', async () => {
    const a = createActivationSource(reader([6, 6, 6]), 3, 1);
    await a.next(4);
    await a.next(5);
    const state = a.saveState();
    const expected = [ids(await a.next(7)), ids(await a.next(9)), ids(await a.next(11))];
    const b = createActivationSource(reader([6, 6, 6]), 3, 1);
    await b.loadState(JSON.parse(JSON.stringify(state)));
    expect([ids(await b.next(7)), ids(await b.next(9)), ids(await b.next(11))]).toEqual(expected);
  });

  it('differs by seed and refuses an invalid saved position or an empty set', async () => {
    const a = ids(await createActivationSource(reader([8, 8]), 1).next(8));
    const b = ids(await createActivationSource(reader([8, 8]), 2).next(8));
    expect(a).not.toEqual(b);
    await expect(createActivationSource(reader([8]), 1).loadState({ epoch: 0, window: 5, offset: 0 })).rejects.toThrow(/invalid/);
    expect(() => createActivationSource(reader([]), 1)).toThrow(/no chunks/);
  });
});

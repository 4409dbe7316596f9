// Activation chunk storage: the payload round-trips, hashes are verified, a partial set is discarded whole.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LanternDb, type ActivationSetRecord } from './db';
import {
  activationChunkCount,
  decodeActivationChunk,
  discardActivationSet,
  encodeActivationChunk,
  makeActivationChunkRow,
  readActivationChunk,
} from './activations';
import { IntegrityError, StorageError } from './errors';

let db: LanternDb;
let n = 0;

beforeEach(async () => {
  db = new LanternDb(`lantern-act-test-${n++}`);
  await db.open();
});
afterEach(async () => {
  await db.delete();
});

function chunk(nTok: number, dModel: number, seed = 1) {
  return {
    activations: Float32Array.from({ length: nTok * dModel }, (_, i) => Math.sin(i * seed)),
    tokenIds: Int32Array.from({ length: nTok }, (_, i) => i * 7 + seed),
    positions: Int32Array.from({ length: nTok }, (_, i) => i % 5),
    sequences: Int32Array.from({ length: nTok }, (_, i) => Math.floor(i / 5) + seed),
  };
}

const set = (id: string, status: ActivationSetRecord['status']): ActivationSetRecord => ({
  id,
  modelId: 'm',
  hook: 'blocks.0.hook_resid_post',
  layer: 0,
  dModel: 6,
  tokens: 0,
  contextSize: 5,
  dtype: 'f32',
  status,
  createdAt: 1,
});

describe('activation chunks', () => {
  it('round-trips activations, token ids, positions and sequences (odd nTok, dModel)', () => {
    const c = chunk(13, 7);
    const back = decodeActivationChunk(encodeActivationChunk(c, 7).buffer);
    expect(back.dModel).toBe(7);
    expect(back.activations).toEqual(c.activations);
    expect(back.tokenIds).toEqual(c.tokenIds);
    expect(back.positions).toEqual(c.positions);
    expect(back.sequences).toEqual(c.sequences);
  });

  it('round-trips a chunk without sequences and an empty chunk', () => {
    const { activations, tokenIds, positions } = chunk(3, 4);
    expect(decodeActivationChunk(encodeActivationChunk({ activations, tokenIds, positions }, 4).buffer).sequences).toBeUndefined();
    expect(decodeActivationChunk(encodeActivationChunk(chunk(0, 4), 4).buffer).tokenIds).toHaveLength(0);
  });

  it('refuses arrays that disagree with dModel', () => {
    expect(() => encodeActivationChunk(chunk(3, 4), 5)).toThrow(StorageError);
  });

  it('reads a stored chunk by index and counts chunks', async () => {
    const rows = [await makeActivationChunkRow('s1', 0, chunk(10, 6, 1), 6), await makeActivationChunkRow('s1', 1, chunk(4, 6, 2), 6)];
    await db.transaction('rw', db.activationSets, db.activationChunks, async () => {
      await db.activationSets.put(set('s1', 'ready'));
      await db.activationChunks.bulkPut(rows);
    });
    expect(await activationChunkCount(db, 's1')).toBe(2);
    const c1 = await readActivationChunk(db, 's1', 1);
    expect(c1.activations).toEqual(chunk(4, 6, 2).activations);
    expect(c1.tokenIds).toEqual(chunk(4, 6, 2).tokenIds);
    expect(c1.positions).toEqual(chunk(4, 6, 2).positions);
  });

  it('a corrupted or missing chunk throws IntegrityError naming it', async () => {
    const row = await makeActivationChunkRow('s1', 0, chunk(10, 6), 6);
    const bad = new Uint8Array(row.bytes.slice(0));
    bad[40] ^= 0xff;
    await db.activationChunks.put({ ...row, bytes: bad.buffer });
    await expect(readActivationChunk(db, 's1', 0)).rejects.toThrow(IntegrityError);
    await expect(readActivationChunk(db, 's1', 0)).rejects.toThrow(/Chunk 0 of activation set s1 is corrupted/);
    await expect(readActivationChunk(db, 's1', 3)).rejects.toThrow(/Chunk 3 .* is missing/);
  });

  it('discarding an unfinished set deletes its record and every chunk; a ready set is kept', async () => {
    const rows = [await makeActivationChunkRow('run', 0, chunk(2, 6), 6), await makeActivationChunkRow('done', 0, chunk(2, 6), 6)];
    await db.activationSets.bulkPut([set('run', 'running'), set('done', 'ready')]);
    await db.activationChunks.bulkPut(rows);
    await discardActivationSet(db, 'run');
    await discardActivationSet(db, 'done');
    expect(await db.activationSets.get('run')).toBeUndefined();
    expect(await activationChunkCount(db, 'run')).toBe(0);
    expect(await activationChunkCount(db, 'done')).toBe(1);
  });
});

// Storage: chunked binaries with hashes, cascading deletes, table stats, export/import (fake-indexeddb).
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LanternDb } from './db';
import { makeChunks, readChunks, sha256Hex } from './chunks';
import { deleteRecord, estimateBytes, STATS_SAMPLE, tableStats } from './repository';
import { exportAll, importAll } from './transfer';
import { IntegrityError, StorageError, StorageQuotaError, guardWrite } from './errors';

let db: LanternDb;
let n = 0;

beforeEach(async () => {
  db = new LanternDb(`lantern-test-${n++}`);
  await db.open();
});
afterEach(async () => {
  await db.delete();
});

async function seedRun(runId: string) {
  const payload = new Float32Array(1000).map((_, i) => i * 0.5);
  const chunks = await makeChunks('ck1', payload, 1024);
  const sha256 = await sha256Hex(payload);
  await db.transaction('rw', db.runs, db.metrics, db.checkpoints, db.checkpointChunks, db.features, async () => {
    await db.runs.add({ id: runId, name: 'r', config: {}, status: 'done', step: 3, createdAt: 1 });
    await db.metrics.bulkPut([0, 1, 2].map((step) => ({ runId, step, values: { loss: step } })));
    await db.checkpoints.add({ id: 'ck1', runId, name: 'v001', step: 2, complete: 1, sha256, bytes: 4000, createdAt: 2 });
    await db.checkpointChunks.bulkAdd(chunks);
    await db.features.add({ saeId: 'ck1', index: 0, label: 'x' });
  });
  return payload;
}

describe('binary chunks', () => {
  it('round-trips a payload split over several chunks', async () => {
    const payload = await seedRun('run1');
    expect(await db.checkpointChunks.count()).toBe(4);
    const bytes = await readChunks(db.checkpointChunks, 'ck1');
    expect(new Float32Array(bytes.buffer)).toEqual(payload);
  });

  it('detects a corrupted chunk and names it', async () => {
    await seedRun('run1');
    const row = await db.checkpointChunks.get(['ck1', 2]);
    const bad = new Uint8Array(row!.bytes.slice(0));
    bad[7] ^= 0xff;
    await db.checkpointChunks.put({ ...row!, bytes: bad.buffer });
    await expect(readChunks(db.checkpointChunks, 'ck1')).rejects.toThrow(IntegrityError);
    await expect(readChunks(db.checkpointChunks, 'ck1')).rejects.toThrow(/Chunk 2 of ck1/);
  });

  it('an empty payload still has one chunk row', async () => {
    const rows = await makeChunks('e', new Uint8Array(0));
    expect(rows).toHaveLength(1);
    expect(rows[0].byteLength).toBe(0);
  });
});

describe('cascading delete', () => {
  it('deleting a run removes its metrics, checkpoints, chunks and features', async () => {
    await seedRun('run1');
    await seedRunOther();
    await deleteRecord(db, 'runs', 'run1');
    expect(await db.runs.count()).toBe(1);
    expect(await db.metrics.where('runId').equals('run1').count()).toBe(0);
    expect(await db.checkpoints.count()).toBe(0);
    expect(await db.checkpointChunks.count()).toBe(0);
    expect(await db.features.count()).toBe(0);
    expect(await db.metrics.where('runId').equals('run2').count()).toBe(1);
  });

  it('refuses to delete a chunk row directly and a missing record', async () => {
    await expect(deleteRecord(db, 'checkpointChunks', ['ck1', 0])).rejects.toThrow(StorageError);
    await expect(deleteRecord(db, 'runs', 'nope')).rejects.toThrow(/No record nope/);
  });
});

async function seedRunOther() {
  await db.runs.add({ id: 'run2', name: 'other', config: {}, status: 'done', step: 1, createdAt: 3 });
  await db.metrics.put({ runId: 'run2', step: 0, values: { loss: 1 } });
}

describe('table stats', () => {
  it('counts rows and sums chunk bytes from the index', async () => {
    await seedRun('run1');
    const stats = Object.fromEntries((await tableStats(db)).map((s) => [s.name, s]));
    expect(stats.checkpointChunks.rows).toBe(4);
    expect(stats.checkpointChunks.bytes).toBe(4000);
    expect(stats.metrics.rows).toBe(3);
    expect(stats.runs.bytes).toBeGreaterThan(0);
    expect(stats.metrics.sampled).toBe(false);
  });

  it('scales the size of a large record table up from a sample', async () => {
    const n = 2 * STATS_SAMPLE + 500;
    await db.metrics.bulkPut(Array.from({ length: n }, (_, step) => ({ runId: 'big', step, values: { loss: 1 / (step + 1), l0: step % 7 } })));
    let exact = 0;
    await db.metrics.each((row) => {
      exact += estimateBytes(row);
    });
    const stats = (await tableStats(db)).find((s) => s.name === 'metrics')!;
    expect(stats.rows).toBe(n);
    expect(stats.sampled).toBe(true);
    expect(Math.abs(stats.bytes - exact) / exact).toBeLessThan(0.05);
  });
});

describe('quota errors', () => {
  it('turns a QuotaExceededError into StorageQuotaError with advice', async () => {
    const quota = Object.assign(new Error('full'), { name: 'QuotaExceededError' });
    await expect(guardWrite('x', () => Promise.reject({ name: 'AbortError', inner: quota }))).rejects.toThrow(StorageQuotaError);
    await expect(guardWrite('x', () => Promise.reject(new TypeError('other')))).rejects.toThrow(TypeError);
  });
});

describe('export and import', () => {
  it('exports everything, and importing restores the same records', async () => {
    const payload = await seedRun('run1');
    const file = await exportAll(db);
    await deleteRecord(db, 'runs', 'run1');
    expect(await db.metrics.count()).toBe(0);
    await importAll(db, file, { mode: 'replace' });
    expect(await db.metrics.count()).toBe(3);
    expect((await db.runs.get('run1'))?.name).toBe('r');
    expect(new Float32Array((await readChunks(db.checkpointChunks, 'ck1')).buffer)).toEqual(payload);
  });

  const bad: [string, () => Promise<Blob>][] = [
    ['empty', async () => new Blob([])],
    ['not json', async () => new Blob(['hello'])],
    ['truncated', async () => {
      const text = await (await exportAll(db)).text();
      return new Blob([text.slice(0, Math.floor(text.length / 2))]);
    }],
    ['foreign database', async () => new Blob([JSON.stringify({ formatName: 'dexie', formatVersion: 1, data: { databaseName: 'other', databaseVersion: 1, tables: [], data: [] } })])],
    ['unknown table', async () => new Blob([JSON.stringify({ formatName: 'dexie', formatVersion: 1, data: { databaseName: 'lantern', databaseVersion: 1, tables: [{ name: 'evil', schema: '', rowCount: 0 }], data: [] } })])],
  ];
  for (const [name, make] of bad) {
    it(`rejects a ${name} file and changes nothing`, async () => {
      await seedRun('run1');
      const file = await make();
      const before = await tableStats(db);
      await expect(importAll(db, file, { mode: 'replace' })).rejects.toThrow(/Nothing was changed/);
      expect(await tableStats(db)).toEqual(before);
    });
  }
});

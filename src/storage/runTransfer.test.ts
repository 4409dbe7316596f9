// Run files: export → delete → import restores the run, its metrics and its checkpoint;
// malformed or duplicate files store nothing; truncated snapshots are left out with a note naming
// them while the rest replays. Metrics CSV has one column per metric.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { LanternDb } from './db';
import { readCheckpoint, writeCheckpoint } from './checkpoints';
import { deleteRecord } from './repository';
import { exportRunFile, importRunFile, metricsCsv, metricsOfRuns } from './runTransfer';
import { readLatentSnapshot, readLatentTimeline, writeStepRows } from '../replay/latents';
import { readSnapshot } from '../replay/snapshots';

let db: LanternDb;
let n = 0;
beforeEach(async () => {
  db = new LanternDb(`run-transfer-${n++}`);
  await db.runs.add({ id: 'r1', name: 'first, "quoted"', config: { arch: 'topk' }, status: 'done', step: 3, createdAt: 1 });
  await db.metrics.bulkAdd([1, 2, 3].map((step) => ({ runId: 'r1', step, values: { loss: 1 / step, l0: step } })));
  await writeCheckpoint(db, 'r1', 2, new Uint8Array([1, 2, 3]));
  await writeCheckpoint(db, 'r1', 3, new Uint8Array([4, 5, 6, 7]));
});
afterEach(() => db.delete());

describe('run files', () => {
  it('round-trips a run with its metrics and newest checkpoint', async () => {
    const file = await exportRunFile(db, 'r1');
    await deleteRecord(db, 'runs', 'r1');
    expect(await db.checkpointChunks.count()).toBe(0);
    const run = await importRunFile(db, file);
    expect(run.name).toBe('first, "quoted"');
    expect(await db.metrics.count()).toBe(3);
    const [ck] = await db.checkpoints.toArray();
    expect(ck).toMatchObject({ step: 3, name: 'v002' });
    expect([...(await readCheckpoint(db, ck.id))]).toEqual([4, 5, 6, 7]);
  });

  it('keeps NaN and ±Infinity metrics distinguishable from each other and from a missing value through export and import', async () => {
    await db.metrics.put({ runId: 'r1', step: 4, values: { loss: Number.NaN, l0: Number.POSITIVE_INFINITY, lr: Number.NEGATIVE_INFINITY, mse: 0.5 } });
    await db.runs.update('r1', { finalMetrics: { loss: Number.NaN } });
    const file = await exportRunFile(db, 'r1');
    await deleteRecord(db, 'runs', 'r1');
    const run = await importRunFile(db, file);
    expect(run.finalMetrics?.loss).toBeNaN();
    const row = (await db.metrics.get(['r1', 4]))!;
    expect(row.values.loss).toBeNaN();
    expect(row.values.l0).toBe(Number.POSITIVE_INFINITY);
    expect(row.values.lr).toBe(Number.NEGATIVE_INFINITY);
    expect(row.values.mse).toBe(0.5);
    expect((await db.metrics.get(['r1', 1]))!.values).toEqual({ loss: 1, l0: 1 });
  });

  it('refuses a duplicate, a non-zip and a foreign zip, storing nothing', async () => {
    const file = await exportRunFile(db, 'r1');
    await expect(importRunFile(db, file)).rejects.toThrow(/already exists/);
    await deleteRecord(db, 'runs', 'r1');
    await expect(importRunFile(db, new Uint8Array([1, 2, 3]))).rejects.toThrow(/not a readable zip/);
    await expect(importRunFile(db, zipSync({ 'run.json': strToU8('{"format":"x","run":{"id":"q"}}'), 'metrics.json': strToU8('[]') }))).rejects.toThrow(/Unknown run file format/);
    expect(await db.runs.count()).toBe(0);
    expect(await db.metrics.count()).toBe(0);
  });

  it('carries the histogram and latent snapshots, so the imported run replays as recorded', async () => {
    await db.runs.update('r1', { config: { arch: 'topk', dSae: 3 } });
    const hist = { densityLog10: { edges: [-3, -2, -1], counts: [1, 2], zero: 0 }, decoderNorm: { edges: [0, 1], counts: [3] } };
    await writeStepRows(db, 'r1', [{ runId: 'r1', step: 2, values: { loss: 0.5, l0: 2 }, histograms: hist }], { step: 2, windowTokens: 64, fires: Uint32Array.from([0, 5, 64]) });
    const file = await exportRunFile(db, 'r1');
    await deleteRecord(db, 'runs', 'r1');
    expect(await db.latentChunks.count()).toBe(0);
    const run = await importRunFile(db, file);
    expect(run.importNote).toBeUndefined();
    expect(await readSnapshot(db, 'r1', 3)).toEqual({ step: 2, ...hist });
    expect(await readLatentSnapshot(db, 'r1', 2)).toEqual({ step: 2, windowTokens: 64, fires: Uint32Array.from([0, 5, 64]) });
  });

  it('a file whose snapshots are truncated imports every metric, leaves those snapshots out and says which', async () => {
    await db.runs.update('r1', { config: { arch: 'topk', dSae: 3 } });
    const hist = { densityLog10: { edges: [-3, -2, -1], counts: [1, 2], zero: 0 }, decoderNorm: { edges: [0, 1], counts: [3] } };
    await writeStepRows(db, 'r1', [1, 2, 3].map((step) => ({ runId: 'r1', step, values: { loss: 1 / step, l0: step }, histograms: hist })));
    for (const step of [1, 2, 3]) await writeStepRows(db, 'r1', [], { step, windowTokens: 64, fires: Uint32Array.from([1, 2, 3]) });
    const files = unzipSync(await exportRunFile(db, 'r1'));
    // Step 3's histogram and step 2's latent counts are cut short, as by an interrupted write.
    const metrics = JSON.parse(strFromU8(files['metrics.json'])) as { step: number; histograms: typeof hist }[];
    metrics[2].histograms.densityLog10.counts = [1];
    files['metrics.json'] = strToU8(JSON.stringify(metrics));
    files['latents/2.bin'] = files['latents/2.bin'].subarray(0, 10);
    await deleteRecord(db, 'runs', 'r1');
    const run = await importRunFile(db, zipSync(files));
    expect(run.importNote).toBe(
      'This run was imported from a file whose histograms at step 3 and latent snapshots at step 2 are truncated or do not match the run (d_sae 3); they were left out. Every step\'s metrics are kept, and replay shows the 2 valid histogram snapshots and 2 latent snapshots. Export the run again from its source to recover them.',
    );
    expect((await db.runs.get('r1'))?.importNote).toBe(run.importNote);
    expect(await db.metrics.count()).toBe(3);
    expect((await db.metrics.get(['r1', 3]))?.values).toEqual({ loss: 1 / 3, l0: 3 });
    expect((await readSnapshot(db, 'r1', 3))?.step).toBe(2);
    expect((await readLatentTimeline(db, 'r1')).steps).toEqual([1, 3]);
  });

  it('exports metrics as CSV with one column per metric and quoted names', async () => {
    const csv = metricsCsv(await metricsOfRuns(db, ['r1']));
    expect(csv.split('\n')[0]).toBe('run_id,run_name,step,l0,loss');
    expect(csv.split('\n')[1]).toBe('r1,"first, ""quoted""",1,1,1');
  });
});

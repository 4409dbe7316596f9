// The latent timeline store: written with each slice's metrics at every snapshot, read back at any
// step as recorded, continuous across a resume that recomputes the tail, truncated clearly when corrupt.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LanternDb, type MetricRecord } from '../storage/db';
import { deleteRecord } from '../storage/repository';
import { byBirth, dropAfter, LatentTimelineSeries, readLatentSnapshot, readLatentTimeline, TIMELINE_PAGE, writeStepRows, type LatentSnapshot } from './latents';

let db: LanternDb;
let n = 0;
beforeEach(() => {
  db = new LanternDb(`latents-${n++}`);
});
afterEach(() => db.delete());

const RUN = 'run-l';
const D_SAE = 37;
const EVERY = 10;

/** Deterministic counts for a snapshot: latent j is born at step 10·(j mod 5 + 1), dies after 200 when j is odd. */
function snapAt(step: number): LatentSnapshot {
  const fires = Uint32Array.from({ length: D_SAE }, (_, j) => (step >= EVERY * ((j % 5) + 1) && !(j % 2 === 1 && step > 200) ? (step * 31 + j * 7) % 97 + 1 : 0));
  return { step, windowTokens: EVERY * 64, fires };
}

/** Writes steps (from, to] in slices as the train job does; returns the snapshots it wrote. */
async function train(from: number, to: number, slice: number): Promise<LatentSnapshot[]> {
  const written: LatentSnapshot[] = [];
  for (let s = from; s < to; ) {
    const rows: MetricRecord[] = [];
    for (let i = 0; i < slice && s < to; i++) rows.push({ runId: RUN, step: ++s, values: { loss: 1 / s } });
    const hist = rows.map((r) => r.step).filter((x) => x % EVERY === 0).at(-1);
    const snap = hist === undefined ? undefined : snapAt(hist);
    await writeStepRows(db, RUN, rows, snap);
    if (snap) written.push(snap);
  }
  return written;
}

describe('latent timeline', () => {
  it('each snapshot read back at its step equals what was recorded, and a resume keeps it continuous with no duplicate', async () => {
    await writeStepRows(db, 'other', [{ runId: 'other', step: 10, values: { loss: 1 } }], { step: 10, windowTokens: 5, fires: new Uint32Array(D_SAE).fill(9) });
    const recorded = new Map<number, LatentSnapshot>();
    for (const s of await train(0, 157, EVERY)) recorded.set(s.step, s);
    // A reload resumes from the checkpoint at 120: later rows and snapshots are recomputed.
    await dropAfter(db, RUN, 120);
    expect(await readLatentSnapshot(db, RUN, 150)).toBeUndefined();
    expect(await db.metrics.where('[runId+step]').between([RUN, 121], [RUN, Infinity]).count()).toBe(0);
    for (const s of await train(120, 300, EVERY)) recorded.set(s.step, s);
    expect(await db.latentChunks.where('ownerId').equals(RUN).count()).toBe(30);
    for (let step = 10; step <= 300; step += EVERY) expect(await readLatentSnapshot(db, RUN, step)).toEqual(recorded.get(step));
    const t = await readLatentTimeline(db, RUN);
    expect(t.error).toBeUndefined();
    expect(t.steps).toEqual(Array.from({ length: 30 }, (_, i) => (i + 1) * EVERY));
    expect(t.dSae).toBe(D_SAE);
    for (let i = 0; i < t.steps.length; i++) {
      const s = snapAt(t.steps[i]);
      for (let j = 0; j < D_SAE; j++) {
        const f = s.fires[j];
        expect(t.logDensity[i * D_SAE + j]).toBe(f ? Math.fround(Math.log10(f / s.windowTokens)) : -Infinity);
      }
    }
    expect(Array.from(t.birth.subarray(0, 6))).toEqual([0, 1, 2, 3, 4, 0]);
    expect(byBirth(t).slice(0, 8)).toEqual([0, 5, 10, 15, 20, 25, 30, 35]);
    const early = await readLatentTimeline(db, RUN, 45);
    expect(early.steps).toEqual([10, 20, 30, 40]);
  });

  it('a timeline synced after every slice (appending only new snapshots) equals a full read, across a resume and past a read page', async () => {
    const live = new LatentTimelineSeries(RUN);
    const check = async () => {
      await live.sync(db);
      expect(live.view()).toEqual(await readLatentTimeline(db, RUN));
    };
    await check();
    for (let s = 0; s < 260; s += 30) {
      await train(s, s + 30, 7);
      await check();
    }
    // A resume from step 30 deletes later snapshots, some latents' births among them.
    await dropAfter(db, RUN, 30);
    await check();
    expect(live.steps).toEqual([10, 20, 30]);
    expect(live.view().birth[4]).toBe(3);
    await train(30, 200, 13);
    await check();
    // A sync with nothing new changes nothing.
    expect(await live.sync(db)).toBe(false);
    // More snapshots than one read page arrive between two syncs.
    const held = live.steps.length;
    await train(200, 200 + EVERY * (TIMELINE_PAGE + 3), EVERY);
    expect(await live.sync(db)).toBe(true);
    expect(live.steps.length).toBe(held + TIMELINE_PAGE + 3);
    expect(live.view()).toEqual(await readLatentTimeline(db, RUN));
  });

  it('a live timeline stops at a corrupted snapshot and stays stopped until a resume drops it', async () => {
    const live = new LatentTimelineSeries(RUN);
    await train(0, 50, 10);
    const bad = (await db.latentChunks.get([RUN, 30]))!;
    new Uint32Array(bad.bytes)[3] ^= 1;
    await db.latentChunks.put(bad);
    await live.sync(db);
    await train(50, 80, 10);
    await live.sync(db);
    expect(live.view()).toEqual(await readLatentTimeline(db, RUN));
    expect(live.steps).toEqual([10, 20]);
    expect(live.error).toContain('at step 30 is corrupted');
    await dropAfter(db, RUN, 20);
    await train(20, 60, 10);
    await live.sync(db);
    expect(live.error).toBeUndefined();
    expect(live.view()).toEqual(await readLatentTimeline(db, RUN));
    expect(live.steps).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('slices that hold no snapshot write metrics only, and a run with no snapshots reads as empty', async () => {
    await train(0, 9, 3);
    expect(await db.metrics.count()).toBe(9);
    expect(await db.latentChunks.count()).toBe(0);
    expect(await readLatentTimeline(db, RUN)).toEqual({ steps: [], dSae: 0, logDensity: new Float32Array(0), birth: new Int32Array(0) });
  });

  it('a corrupted snapshot ends the timeline before it with a message naming the step', async () => {
    await train(0, 50, 7);
    const bad = (await db.latentChunks.get([RUN, 30]))!;
    new Uint32Array(bad.bytes)[3] ^= 1;
    await db.latentChunks.put(bad);
    const t = await readLatentTimeline(db, RUN);
    expect(t.steps).toEqual([10, 20]);
    expect(t.error).toBe(`The latent snapshot of run ${RUN} at step 30 is corrupted (SHA-256 mismatch); the timeline stops before it.`);
    await expect(readLatentSnapshot(db, RUN, 30)).rejects.toThrow('at step 30 is corrupted');
  });

  it('deleting the run deletes its latent snapshots', async () => {
    await db.runs.add({ id: RUN, name: 'r', config: {} as never, status: 'done', step: 30, createdAt: 0 });
    await train(0, 30, 10);
    await deleteRecord(db, 'runs', RUN);
    expect(await db.latentChunks.count()).toBe(0);
  });
});

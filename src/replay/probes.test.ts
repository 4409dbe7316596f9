// Probe-text evolution: the stored NMSE and top latents equal a plain by-definition computation, the
// view at any step equals what was recorded live, a resume keeps the history continuous, corrupted or
// truncated rows are reported, run files and deletion carry the probe snapshots, and a v3 database upgrades.
import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { randomSae, reluActs } from '../features/testing';
import { cpuEncoder } from '../features/encoder';
import type { SaeWeights } from '../sae/types';
import { randomArray } from '../gpu/testing';
import { LanternDb, SCHEMA_VERSIONS, type MetricRecord } from '../storage/db';
import { deleteRecord } from '../storage/repository';
import { exportRunFile, importRunFile } from '../storage/runTransfer';
import { dropAfter, writeStepRows } from './latents';
import { computeProbeSnapshot, probeChunk, rankProbes, readProbeHistory, readProbeSnapshot, syntheticProbes, type ProbeSet, type ProbeSnapshot } from './probes';
import { recovery } from '../sae/synthetic';

let db: LanternDb;
let n = 0;
beforeEach(() => {
  db = new LanternDb(`probes-${n++}`);
});
afterEach(() => db.delete());

const RUN = 'run-p';
const D_IN = 7;
const D_SAE = 19;
const EVERY = 10;
const LENGTHS = [5, 1, 11];

const probeSet: ProbeSet = {
  dIn: D_IN,
  tokens: LENGTHS.map((len, p) => Array.from({ length: len }, (_, t) => `p${p}t${t}`)),
  x: LENGTHS.map((len, p) => randomArray(len * D_IN, 100 + p, -1, 1)),
};

/** The CPU reference encoder of a ReLU SAE. */
const relu = (sae: SaeWeights) => cpuEncoder(sae, { kind: 'relu' });

/** The SAE "at step s": a different seeded ReLU SAE per step. */
function snapAt(step: number): Promise<ProbeSnapshot> {
  const sae = randomSae(D_IN, D_SAE, step);
  return computeProbeSnapshot(step, sae, relu(sae), probeSet);
}

/** Writes steps (from, to] in slices as the train job does; returns the probe snapshots it wrote. */
async function train(from: number, to: number, slice: number): Promise<ProbeSnapshot[]> {
  const written: ProbeSnapshot[] = [];
  for (let s = from; s < to; ) {
    const rows: MetricRecord[] = [];
    for (let i = 0; i < slice && s < to; i++) rows.push({ runId: RUN, step: ++s, values: { loss: 1 / s } });
    const hist = rows.map((r) => r.step).filter((x) => x % EVERY === 0).at(-1);
    const snap = hist === undefined ? undefined : await snapAt(hist);
    await writeStepRows(db, RUN, rows, undefined, snap && (await probeChunk(RUN, snap)));
    if (snap) written.push(snap);
  }
  return written;
}

describe('probe snapshots', () => {
  it('stored NMSE per token and per probe equals a plain CPU computation, and the top latents are the largest activations', async () => {
    const sae = randomSae(D_IN, D_SAE, 3);
    const snap = await computeProbeSnapshot(0, sae, relu(sae), probeSet);
    probeSet.x.forEach((x, p) => {
      const nTok = LENGTHS[p];
      const acts = reluActs(sae, x, nTok);
      let errSum = 0;
      let normSum = 0;
      for (let t = 0; t < nTok; t++) {
        let e = 0;
        let nn = 0;
        for (let i = 0; i < D_IN; i++) {
          let xh = sae.b_dec[i];
          for (let j = 0; j < D_SAE; j++) xh += acts[t * D_SAE + j] * sae.W_dec[j * D_IN + i];
          e += (xh - x[t * D_IN + i]) ** 2;
          nn += x[t * D_IN + i] ** 2;
        }
        expect(snap.probes[p].err[t]).toBeCloseTo(e / nn, 5);
        errSum += e;
        normSum += nn;
        const order = Array.from({ length: D_SAE }, (_, j) => j)
          .filter((j) => acts[t * D_SAE + j] > 0)
          .sort((a, b) => acts[t * D_SAE + b] - acts[t * D_SAE + a])
          .slice(0, 3);
        expect(Array.from(snap.probes[p].latents.subarray(t * 3, t * 3 + order.length))).toEqual(order);
        order.forEach((j, r) => expect(snap.probes[p].values[t * 3 + r]).toBeCloseTo(acts[t * D_SAE + j], 5));
      }
      expect(snap.probes[p].nmse).toBeCloseTo(errSum / normSum, 5);
    });
    expect(Number.isNaN(snap.mmcs)).toBe(true);
  });

  it('the view at any step equals what was recorded live, and the history holds every snapshot in order', async () => {
    const written = await train(0, 95, 7);
    expect(written.map((s) => s.step)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    for (const live of written) expect(await readProbeSnapshot(db, RUN, live.step)).toEqual(live);
    const h = await readProbeHistory(db, RUN);
    expect(h.steps).toEqual(written.map((s) => s.step));
    expect(h.nmse).toEqual(LENGTHS.map((_, p) => written.map((s) => s.probes[p].nmse)));
    const tail = await readProbeHistory(db, RUN, 60);
    expect(tail.steps).toEqual([70, 80, 90]);
    const last = h.steps.length - 1;
    const ranked = rankProbes(h, last);
    expect(ranked.map((p) => h.nmse[p][last])).toEqual([...h.nmse.map((c) => c[last])].sort((a, b) => a - b));
  });

  it('a resume from a checkpoint recomputes the tail: no gap, no duplicate', async () => {
    await train(0, 73, 5);
    await dropAfter(db, RUN, 50);
    expect((await readProbeHistory(db, RUN)).steps).toEqual([10, 20, 30, 40, 50]);
    await train(50, 100, 9);
    expect((await readProbeHistory(db, RUN)).steps).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  it('a corrupted snapshot ends the history before it with a message naming the step', async () => {
    await train(0, 50, 10);
    const bad = (await db.probeChunks.get([RUN, 30]))!;
    new Float32Array(bad.bytes)[4] += 1;
    await db.probeChunks.put(bad);
    const h = await readProbeHistory(db, RUN);
    expect(h.steps).toEqual([10, 20]);
    expect(h.error).toBe(`The probe snapshot of run ${RUN} at step 30 is corrupted; the probe history stops before it.`);
  });

  it('synthetic probes carry their true features, and MMCS is the recovery of the decoder against the true directions', async () => {
    const opts = { dIn: 8, nFeatures: 32, seed: 4 };
    const set = syntheticProbes(opts, 3);
    expect(set.tokens.map((t) => t.length)).toEqual([8, 8, 8]);
    expect(set.tokens[0].every((l) => /^f[01]$/.test(l))).toBe(true);
    expect(set.tokens[1].every((l) => /^f(\d+)\+f(\d+)$/.test(l))).toBe(true);
    expect(set.tokens[2].every((l) => Number(l.slice(1)) >= 24)).toBe(true);
    const sae = randomSae(8, 40, 9);
    const snap = await computeProbeSnapshot(10, sae, relu(sae), set);
    expect(snap.mmcs).toBeCloseTo(recovery(sae.W_dec, 40, set.truth!.directions, 32, 8).mmcs, 6);
  });

  it('a run file carries the probe snapshots; a truncated one is left out with a note; deleting the run deletes them', async () => {
    await db.runs.add({ id: RUN, name: 'r', config: { dSae: D_SAE }, status: 'done', step: 30, createdAt: 0, probeTokens: probeSet.tokens });
    const written = await train(0, 30, 10);
    const file = await exportRunFile(db, RUN);
    await deleteRecord(db, 'runs', RUN);
    expect(await db.probeChunks.count()).toBe(0);
    await importRunFile(db, file);
    for (const live of written) expect(await readProbeSnapshot(db, RUN, live.step)).toEqual(live);
    const files = unzipSync(file);
    files['probes/20.bin'] = files['probes/20.bin'].slice(0, 40);
    await deleteRecord(db, 'runs', RUN);
    const run = await importRunFile(db, zipSync({ ...files, 'extra.txt': strToU8('') }));
    expect((await readProbeHistory(db, RUN)).steps).toEqual([10, 30]);
    expect(run.importNote).toContain('probe snapshots at step 20 are truncated');
    expect(run.importNote).toContain('2 probe snapshots');
  });

  it('a version 3 database opens at version 4 with its runs and latent snapshots kept and an empty probeChunks table', async () => {
    const name = `probes-v3-${n++}`;
    const v3 = new Dexie(name);
    SCHEMA_VERSIONS.slice(0, 3).forEach((stores, i) => v3.version(i + 1).stores(stores));
    await v3.table('runs').add({ id: RUN, name: 'old', config: {}, status: 'done', step: 10, createdAt: 0 });
    await v3.table('latentChunks').add({ ownerId: RUN, index: 10, bytes: new ArrayBuffer(8), byteLength: 8, sha256: '0'.repeat(64) });
    v3.close();
    const v4 = new LanternDb(name);
    expect((await v4.runs.get(RUN))?.name).toBe('old');
    expect(await v4.latentChunks.count()).toBe(1);
    expect(await readProbeHistory(v4, RUN)).toEqual({ steps: [], nmse: [], mmcs: [] });
    expect(v4.verno).toBeGreaterThanOrEqual(4);
    await v4.delete();
  });
});

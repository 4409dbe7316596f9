// Probe snapshots written by the training job on Dawn (GPU encoder): one per histogram snapshot, each
// equal to the CPU-reference probe computation on the weights checkpointed at that step, continuous across a crash and resume.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { LanternDb } from '../../storage/db';
import { readCheckpoint } from '../../storage/checkpoints';
import { decodeCheckpoint } from '../../sae/checkpointCodec';
import { weightsFromState } from '../../sae/formats/state';
import { cpuEncoder, encoderRule } from '../../features/encoder';
import { computeProbeSnapshot, readProbeHistory, readProbeSnapshot, syntheticProbes } from '../../replay/probes';
import type { TrainState } from './train';
import { trainHarness } from './train.testing';

const db = new LanternDb('train-probes-test');
const { train, service, waitFor } = trainHarness(db);

const SOURCE = { type: 'synthetic' as const, nFeatures: 40, seed: 3 };
const params = (runId: string, totalSteps: number) => ({
  runId,
  name: runId,
  config: { arch: 'topk', dIn: 16, dSae: 48, k: 4, batchSize: 37, lr: 3e-3, seed: 7, histogramEvery: 5, metricsEvery: 1 },
  source: SOURCE,
  totalSteps,
  checkpointEvery: 10,
  probes: { synthetic: 3 },
});

describe('train job probes', () => {
  it('stores one probe snapshot per histogram, equal to the CPU computation on the checkpointed weights', async () => {
    const s = await service();
    const id = await s.enqueue({ kind: 'train', params: params('run-p', 30) });
    await waitFor(id, (j) => j.status === 'done');
    const h = await readProbeHistory(db, 'run-p');
    expect(h.steps).toEqual([5, 10, 15, 20, 25, 30]);
    const hist = (await db.metrics.where('runId').equals('run-p').toArray()).filter((m) => m.histograms).map((m) => m.step);
    expect(hist).toEqual(h.steps);
    const set = syntheticProbes({ ...SOURCE, dIn: 16 }, 3);
    expect((await db.runs.get('run-p'))?.probeTokens).toEqual(set.tokens);
    for (const ck of await db.checkpoints.where('runId').equals('run-p').toArray()) {
      const { state } = decodeCheckpoint(await readCheckpoint(db, ck.id));
      const weights = weightsFromState(state);
      const want = await computeProbeSnapshot(ck.step, weights, cpuEncoder(weights, encoderRule('topk', weights, 4)), set);
      const got = (await readProbeSnapshot(db, 'run-p', ck.step))!;
      expect(got.mmcs).toBeCloseTo(want.mmcs, 5);
      got.probes.forEach((p, i) => {
        expect(p.nmse).toBeCloseTo(want.probes[i].nmse, 4);
        p.err.forEach((e, t) => expect(e).toBeCloseTo(want.probes[i].err[t], 4));
        expect(Array.from(p.latents)).toEqual(Array.from(want.probes[i].latents));
      });
    }
  });

  it('after a crash it resumes from the last checkpoint: the probe history has no gap and no duplicate, and the recomputed snapshots match', async () => {
    const a = await service();
    train.after((s) => (s as TrainState).step > 20, 'pause');
    const id = await a.enqueue({ kind: 'train', params: params('run-q', 40) });
    const paused = await waitFor(id, (j) => j.status === 'paused');
    const pausedAt = (paused.state as TrainState).step;
    const before = await readProbeHistory(db, 'run-q');
    const at20 = (await db.checkpoints.where('runId').equals('run-q').toArray()).find((c) => c.step === 20)!;
    await db.jobs.update(id, { status: 'running', state: { ...(paused.state as TrainState), checkpointId: at20.id, checkpointStep: 20 } });

    await service();
    await waitFor(id, (j) => j.status === 'done');
    const after = await readProbeHistory(db, 'run-q');
    expect(after.steps).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
    expect(await db.probeChunks.where('ownerId').equals('run-q').count()).toBe(8);
    before.steps.forEach((step, i) => {
      if (step > pausedAt) return;
      after.nmse.forEach((curve, p) => expect(curve[after.steps.indexOf(step)]).toBe(before.nmse[p][i]));
    });
  });
});

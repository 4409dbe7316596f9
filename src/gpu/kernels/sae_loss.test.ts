// sae_loss kernel vs its CPU reference: rows (with and without AuxK), columns and finalize.
import { describe, expect, it } from 'vitest';
import { lossColumnsReference, lossFinalizeReference, lossRowsReference, type SparsityMode } from '@/sae/reference/sae_loss';
import { joinRows, shardsOf, splitColumns, splitRows } from '@/sae/shards';
import { stepParamsWords } from '@/sae/stepParams';
import { readF32, readU32, runChecked, uniformF32, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { saeLossCalls, saeLossShardCalls } from './sae_loss';

const TOL = { atol: 1e-5, rtol: 1e-4 };
const STEP = { lr: 1e-3, bc1: 0.1, sqrtBc2: 0.03, beta1: 0.9, beta2: 0.999, eps: 1e-8, sparsityCoef: 0.7, auxCoef: 1 / 32 };

describe('sae_loss', () => {
  for (const [nTok, dIn, dSae, aux, sparsity, dead] of [
    [1, 48, 48, false, 1, 0],
    [37, 64, 48, true, 0, 5],
    [37, 13, 130, true, 0, 0],
    [6, 50, 200, false, 2, 0],
  ] as [number, number, number, boolean, SparsityMode, number][]) {
    it(`matches reference on nTok=${nTok} dIn=${dIn} dSae=${dSae} aux=${aux} sparsity=${sparsity}`, async () => {
      const { device } = await nodeDevice();
      const rows = aux ? 2 * nTok : nTok;
      const kAux = 8;
      const recon = randomArray(rows * dIn, 1 + nTok);
      const xs = randomArray(nTok * dIn, 2 + dIn);
      const bDec = randomArray(dIn, 3, -0.1, 0.1);
      const wEnc = randomArray(dIn * dSae, 4);
      const gBEnc = randomArray(dSae, 5, -0.01, 0.01);
      const feat = new Float32Array([...randomArray(dSae, 6, 0, 3), ...randomArray(dSae, 7, 0, nTok).map(Math.floor)]);
      const norms = randomArray(dSae, 8, 0.5, 1.5);
      const b = {
        recon: upload(device, recon),
        xs: upload(device, xs),
        bDec: upload(device, bDec),
        dRecon: zeros(device, rows * dIn),
        partials: zeros(device, nTok * 4),
        deadInfo: upload(device, new Uint32Array([dead, 0, 0, 0])),
        wEnc: upload(device, wEnc),
        gBEnc: upload(device, gBEnc),
        gBDec: zeros(device, dIn),
        colX: zeros(device, dIn),
        feat: upload(device, feat),
        norms: upload(device, norms),
        metrics: zeros(device, 16),
        step: uniformF32(device, stepParamsWords(STEP)),
      };
      const calls = saeLossCalls(device, b, { nTok, dIn, dSae, kAux: aux ? kAux : undefined, sparsity });
      await runChecked(device, [calls.rows, calls.columns, calls.finalize]);

      const r = lossRowsReference(recon, xs, bDec, { nTok, dIn, aux: aux ? { kAux, coef: STEP.auxCoef, dead } : undefined });
      expectClose(await readF32(device, b.dRecon, rows * dIn), r.dRecon, TOL);
      expectClose(await readF32(device, b.partials, nTok * 4), r.partials, TOL);
      const c = lossColumnsReference(xs, r.dRecon, wEnc, gBEnc, nTok, rows, dIn, dSae);
      expectClose(await readF32(device, b.colX, dIn), c.colX, TOL);
      expectClose(await readF32(device, b.gBDec, dIn), c.gBDec, TOL);
      const m = lossFinalizeReference({ partials: r.partials, colX: c.colX, feat, norms, nTok, dIn, dSae, sparsity, sparsityCoef: STEP.sparsityCoef });
      const got = await readF32(device, b.metrics, 16);
      expectClose(got.subarray(0, 8), m, TOL);
      expect(got[10]).toBe(1);
      expect((await readU32(device, b.deadInfo, 4))[2]).toBe(0);
    });
  }

  it('flags a NaN loss and sets the sticky halted bit', async () => {
    const { device } = await nodeDevice();
    const [nTok, dIn, dSae] = [3, 8, 16];
    const xs = randomArray(nTok * dIn, 1);
    xs[5] = NaN;
    const b = {
      recon: zeros(device, nTok * dIn),
      xs: upload(device, xs),
      bDec: zeros(device, dIn),
      dRecon: zeros(device, nTok * dIn),
      partials: zeros(device, nTok * 4),
      deadInfo: zeros(device, 4),
      wEnc: zeros(device, dIn * dSae),
      gBEnc: zeros(device, dSae),
      gBDec: zeros(device, dIn),
      colX: zeros(device, dIn),
      feat: zeros(device, 2 * dSae),
      norms: zeros(device, dSae),
      metrics: zeros(device, 16),
      step: uniformF32(device, new Float32Array(8)),
    };
    const calls = saeLossCalls(device, b, { nTok, dIn, dSae, sparsity: 0 });
    await runChecked(device, [calls.rows, calls.columns, calls.finalize]);
    expect((await readF32(device, b.metrics, 16))[10]).toBe(0);
    expect((await readU32(device, b.deadInfo, 4))[2]).toBe(1);
  });

  for (const sparsity of [1, 2] as SparsityMode[]) {
    it(`over column shards 20/20/8 (sparsity=${sparsity}) matches the reference on the joined latents`, async () => {
      const { device } = await nodeDevice();
      const [nTok, dIn, dSae] = [37, 24, 48];
      const shards = shardsOf([20, 20, 8]);
      const recon = randomArray(nTok * dIn, 21);
      const xs = randomArray(nTok * dIn, 22);
      const bDec = randomArray(dIn, 23, -0.1, 0.1);
      const wEnc = randomArray(dIn * dSae, 24);
      const gBEnc = randomArray(dSae, 25, -0.01, 0.01);
      const acts = randomArray(dSae, 26, 0, 3);
      const fires = randomArray(dSae, 27, 0, nTok).map(Math.floor);
      const norms = randomArray(dSae, 28, 0.5, 1.5);
      const wEncShards = splitColumns(wEnc, dIn, shards);
      const [gBEncShards, actShards, fireShards, normShards] = [gBEnc, acts, fires, norms].map((a) => splitRows(a, 1, shards));
      const shardBufs = shards.map((_, s) => ({
        wEnc: upload(device, wEncShards[s]),
        gBEnc: upload(device, gBEncShards[s]),
        feat: upload(device, new Float32Array([...actShards[s], ...fireShards[s]])),
        norms: upload(device, normShards[s]),
      }));
      const sums = upload(device, new Float32Array([5, 5, 5]));
      const b = {
        recon: upload(device, recon),
        xs: upload(device, xs),
        bDec: upload(device, bDec),
        dRecon: zeros(device, nTok * dIn),
        partials: zeros(device, nTok * 4),
        deadInfo: zeros(device, 4),
        gBDec: zeros(device, dIn),
        colX: zeros(device, dIn),
        metrics: zeros(device, 16),
        step: uniformF32(device, stepParamsWords(STEP)),
        sums,
        ...shardBufs[0],
      };
      const calls = saeLossCalls(device, b, { nTok, dIn, dSae: shards[0].size, sparsity });
      const perShard = shards.map((sh, s) => saeLossShardCalls(device, { ...shardBufs[s], gBDec: b.gBDec, sums }, { dIn, dS: sh.size, sparsity, accumulate: s > 0 }));
      await runChecked(device, [calls.rows, calls.columns, ...perShard.slice(1).map((c) => c.columns), ...perShard.map((c) => c.sums), calls.finalize]);

      const r = lossRowsReference(recon, xs, bDec, { nTok, dIn });
      const c = lossColumnsReference(xs, r.dRecon, wEnc, gBEnc, nTok, nTok, dIn, dSae);
      expectClose(await readF32(device, b.gBDec, dIn), c.gBDec, TOL);
      const feat = new Float32Array([...joinRows(actShards, 1, shards), ...joinRows(fireShards, 1, shards)]);
      const m = lossFinalizeReference({ partials: r.partials, colX: c.colX, feat, norms, nTok, dIn, dSae, sparsity, sparsityCoef: STEP.sparsityCoef });
      const got = await readF32(device, b.metrics, 16);
      expectClose(got.subarray(0, 8), m, TOL);
      expect(got[10]).toBe(1);
    });
  }
});

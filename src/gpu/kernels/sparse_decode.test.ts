// sparse_decode kernel vs its CPU reference (and vs the dense product) on odd shapes.
import { describe, it } from 'vitest';
import { matmulReference } from '../reference/matmul';
import { sparseDecodeReference, sparseGradActsReference } from '@/sae/reference/sparse_decode';
import { joinColumns, shardsOf, splitRows } from '@/sae/shards';
import { readF32, runChecked, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { sparseDecodeCalls } from './sparse_decode';

const TOL = { atol: 1e-5, rtol: 1e-4 };

describe('sparse_decode', () => {
  for (const [rows, dIn, dSae, keepEvery] of [
    [1, 48, 48, 5],
    [37, 64, 48, 7],
    [74, 13, 300, 11],
  ]) {
    it(`matches reference on rows=${rows} dIn=${dIn} dSae=${dSae}`, async () => {
      const { device } = await nodeDevice();
      const acts = randomArray(rows * dSae, rows + dSae).map((v, i) => (i % keepEvery === 0 ? v : 0));
      const wDec = randomArray(dSae * dIn, 2);
      const dRecon = randomArray(rows * dIn, 3);
      const b = { acts: upload(device, acts), wDec: upload(device, wDec), recon: zeros(device, rows * dIn), dRecon: upload(device, dRecon), dActs: zeros(device, rows * dSae) };
      const calls = sparseDecodeCalls(device, b, rows, dIn, dSae);
      await runChecked(device, [calls.decode, calls.gradActs]);
      const recon = sparseDecodeReference(acts, wDec, rows, dIn, dSae);
      expectClose(await readF32(device, b.recon, rows * dIn), recon, TOL);
      expectClose(recon, matmulReference(acts, wDec, rows, dIn, dSae), TOL);
      expectClose(await readF32(device, b.dActs, rows * dSae), sparseGradActsReference(acts, wDec, dRecon, rows, dIn, dSae), TOL);
    });
  }

  it('accumulates column shards into one reconstruction (rows=37, dIn=24, shards 20/20/8)', async () => {
    const { device } = await nodeDevice();
    const [rows, dIn] = [37, 24];
    const shards = shardsOf([20, 20, 8]);
    const acts = shards.map((sh, s) => randomArray(rows * sh.size, 40 + s).map((v, i) => (i % 5 === 0 ? v : 0)));
    const wDec = randomArray(48 * dIn, 41);
    const wDecShards = splitRows(wDec, dIn, shards);
    const recon = zeros(device, rows * dIn);
    const calls = shards.map((sh, s) => sparseDecodeCalls(device, { acts: upload(device, acts[s]), wDec: upload(device, wDecShards[s]), recon, dRecon: zeros(device, rows * dIn), dActs: zeros(device, rows * sh.size) }, rows, dIn, sh.size, s > 0).decode);
    await runChecked(device, calls);
    expectClose(await readF32(device, recon, rows * dIn), sparseDecodeReference(joinColumns(acts, rows, shards), wDec, rows, dIn, 48), TOL);
  });
});

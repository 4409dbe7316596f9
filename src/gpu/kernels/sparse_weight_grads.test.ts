// sparse_weight_grads kernel vs its CPU reference on odd shapes, with and without AuxK rows.
import { describe, it } from 'vitest';
import { sparseWeightGradsReference } from '@/sae/reference/sparse_weight_grads';
import { readF32, runChecked, upload } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { sparseWeightGradsCall } from './sparse_weight_grads';

const TOL = { atol: 1e-5, rtol: 1e-4 };

describe('sparse_weight_grads', () => {
  for (const [aux, nTok, dIn, dSae] of [
    [false, 1, 13, 48],
    [false, 37, 13, 48],
    [true, 37, 24, 48],
    [true, 5, 64, 300],
  ] as [boolean, number, number, number][]) {
    it(`matches reference (aux=${aux}) on nTok=${nTok} dIn=${dIn} dSae=${dSae}`, async () => {
      const { device } = await nodeDevice();
      const rows = aux ? 2 * nTok : nTok;
      const pre = randomArray(rows * dSae, 3 + dSae, -0.5, 1);
      // Sparse activations (every 5th entry on main rows, every 7th on AuxK rows) and dPre on the same support.
      const acts = new Float32Array(rows * dSae);
      const dPre = new Float32Array(rows * dSae);
      for (let i = 0; i < nTok * dSae; i++) {
        if (i % 5 === 0) acts[i] = Math.max(pre[i], 0);
        if (acts[i] > 0) dPre[i] = pre[i] * 0.01;
        if (aux && i % 7 === 3) acts[nTok * dSae + i] = pre[nTok * dSae + i];
      }
      const xIn = randomArray(nTok * dIn, 6);
      const dRecon = randomArray(rows * dIn, 7, -0.1, 0.1);
      // Stale values: the kernel must overwrite, not add to, the previous step's gradients.
      const b = { dPre: upload(device, dPre), acts: upload(device, acts), xIn: upload(device, xIn), dRecon: upload(device, dRecon), gWEnc: upload(device, randomArray(dIn * dSae, 8)), gWDec: upload(device, randomArray(dSae * dIn, 9)) };
      await runChecked(device, [sparseWeightGradsCall(device, b, nTok, rows, dIn, dSae)]);
      const ref = sparseWeightGradsReference(xIn, dPre, acts, dRecon, nTok, rows, dIn, dSae);
      expectClose(await readF32(device, b.gWEnc, dIn * dSae), ref.gWEnc, TOL);
      expectClose(await readF32(device, b.gWDec, dSae * dIn), ref.gWDec, TOL);
    });
  }
});

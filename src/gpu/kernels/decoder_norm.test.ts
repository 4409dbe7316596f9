// decoder_norm kernel vs its CPU reference: row norms, gradient corrections, renormalisation.
import { describe, expect, it } from 'vitest';
import { decoderGradReference, normalizeRowsReference, rowNormsReference } from '@/sae/reference/decoder_norm';
import { stepParamsWords } from '@/sae/stepParams';
import { readF32, runChecked, uniformF32, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { decoderNormCalls } from './decoder_norm';

const TOL = { atol: 1e-5, rtol: 1e-4 };

describe('decoder_norm', () => {
  for (const [dSae, dIn, nTok, weightedL1, unitNorm] of [
    [48, 64, 37, true, false],
    [48, 13, 1, false, true],
    [300, 37, 5, true, true],
  ] as [number, number, number, boolean, boolean][]) {
    it(`matches reference on dSae=${dSae} dIn=${dIn} weightedL1=${weightedL1} unitNorm=${unitNorm}`, async () => {
      const { device } = await nodeDevice();
      const wDec = randomArray(dSae * dIn, dSae + dIn);
      const g = randomArray(dSae * dIn, 2, -0.01, 0.01);
      const feat = new Float32Array([...randomArray(dSae, 3, 0, 4), ...new Float32Array(dSae)]);
      const sparsityCoef = 0.3;
      const b = {
        wDec: upload(device, wDec),
        norms: zeros(device, dSae),
        gWDec: upload(device, g),
        feat: upload(device, feat),
        deadInfo: zeros(device, 4),
        step: uniformF32(device, stepParamsWords({ lr: 0, bc1: 1, sqrtBc2: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, sparsityCoef, auxCoef: 0 })),
      };
      const calls = decoderNormCalls(device, b, { dSae, dIn, nTok, weightedL1, unitNorm });
      await runChecked(device, [calls.norms, ...(calls.grad ? [calls.grad] : []), ...(calls.normalize ? [calls.normalize] : [])]);
      expectClose(await readF32(device, b.norms, dSae), rowNormsReference(wDec, dSae, dIn), TOL);
      const gRef = g.slice();
      const l1Scale = weightedL1 ? feat.subarray(0, dSae).map((s) => (sparsityCoef * s) / nTok) : undefined;
      decoderGradReference(wDec, gRef, dSae, dIn, { l1Scale, unitNorm });
      expectClose(await readF32(device, b.gWDec, dSae * dIn), gRef, TOL);
      const wRef = wDec.slice();
      if (unitNorm) normalizeRowsReference(wRef, dSae, dIn);
      const wGot = await readF32(device, b.wDec, dSae * dIn);
      expectClose(wGot, wRef, TOL);
      if (unitNorm) for (const n of rowNormsReference(wGot, dSae, dIn)) expect(n).toBeCloseTo(1, 5);
    });
  }
});

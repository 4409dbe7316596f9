// encode_backward kernel vs its CPU reference for each architecture on odd shapes.
import { describe, it } from 'vitest';
import { encodeBackwardReference, type BackwardArch } from '@/sae/reference/encode_backward';
import { stepParamsWords } from '@/sae/stepParams';
import { readF32, runChecked, uniformF32, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { encodeBackwardCall } from './encode_backward';

const TOL = { atol: 1e-5, rtol: 1e-4 };

describe('encode_backward', () => {
  for (const [arch, aux, nTok, dSae] of [
    [0, false, 1, 48],
    [0, false, 37, 130],
    [1, false, 37, 48],
    [1, true, 37, 48],
    [1, true, 5, 300],
    [2, false, 37, 48],
    [2, false, 4, 200],
  ] as [BackwardArch, boolean, number, number][]) {
    it(`arch ${arch} aux=${aux} matches reference on nTok=${nTok} dSae=${dSae}`, async () => {
      const { device } = await nodeDevice();
      const rows = aux ? 2 * nTok : nTok;
      const pre = randomArray(nTok * dSae, nTok + dSae, -0.5, 1);
      const logThreshold = randomArray(dSae, 2, -2.5, -1);
      const acts = new Float32Array(rows * dSae);
      for (let i = 0; i < nTok * dSae; i++) {
        const theta = Math.exp(logThreshold[i % dSae]);
        // ReLU, a sparse TopK-like mask, or JumpReLU; AuxK rows pick a few raw values.
        acts[i] = arch === 0 ? Math.max(pre[i], 0) : arch === 1 ? (i % 5 === 0 ? Math.max(pre[i], 0) : 0) : pre[i] > theta ? pre[i] : 0;
        if (aux && i % 7 === 3) acts[nTok * dSae + i] = pre[i];
      }
      const dActs = randomArray(rows * dSae, 9, -0.01, 0.01);
      const norms = randomArray(dSae, 10, 0.5, 1.5);
      const step = { lr: 1e-3, bc1: 0.1, sqrtBc2: 0.03, beta1: 0.9, beta2: 0.999, eps: 1e-8, sparsityCoef: 0.05, auxCoef: 1 / 32 };
      const bandwidth = 0.05;
      const b = {
        pre: upload(device, pre),
        acts: upload(device, acts),
        dActs: upload(device, dActs),
        norms: upload(device, norms),
        logThreshold: upload(device, logThreshold),
        gBEnc: zeros(device, dSae),
        gLogThreshold: zeros(device, dSae),
        feat: zeros(device, 2 * dSae),
        step: uniformF32(device, stepParamsWords(step)),
      };
      await runChecked(device, [encodeBackwardCall(device, b, { nTok, dSae, arch, aux, bandwidth })]);
      const ref = encodeBackwardReference({ pre, acts, dActs, norms, logThreshold, nTok, dSae, arch, aux, sparsityCoef: step.sparsityCoef, bandwidth });
      expectClose(await readF32(device, b.dActs, nTok * dSae), ref.dPre, TOL);
      expectClose(await readF32(device, b.gBEnc, dSae), ref.gBEnc, TOL);
      expectClose(await readF32(device, b.feat, 2 * dSae), ref.feat, TOL);
      if (arch === 2) expectClose(await readF32(device, b.gLogThreshold, dSae), ref.gLogThreshold, TOL);
    });
  }
});

// bias_act kernel vs its CPU reference for each activation mode on odd shapes.
import { describe, it } from 'vitest';
import { biasActReference, type BiasActMode } from '@/sae/reference/bias_act';
import { readF32, runChecked, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { biasActCall } from './bias_act';

describe('bias_act', () => {
  for (const mode of [0, 1, 2] as BiasActMode[]) {
    for (const [nTok, dSae] of [
      [1, 48],
      [37, 200],
    ]) {
      it(`mode ${mode} matches reference on nTok=${nTok} dSae=${dSae}`, async () => {
        const { device } = await nodeDevice();
        const pre = randomArray(nTok * dSae, nTok + dSae);
        const bEnc = randomArray(dSae, 3, -0.2, 0.2);
        const logThreshold = randomArray(dSae, 4, -3, -0.5);
        const bufs = { pre: upload(device, pre), bEnc: upload(device, bEnc), logThreshold: upload(device, logThreshold), acts: zeros(device, nTok * dSae) };
        await runChecked(device, [biasActCall(device, bufs, nTok, dSae, mode)]);
        const ref = biasActReference(pre, bEnc, logThreshold, nTok, dSae, mode);
        expectClose(await readF32(device, bufs.pre, nTok * dSae), ref.hidden, { atol: 1e-6, rtol: 1e-6 });
        expectClose(await readF32(device, bufs.acts, nTok * dSae), ref.acts, { atol: 1e-6, rtol: 1e-6 });
      });
    }
  }
});

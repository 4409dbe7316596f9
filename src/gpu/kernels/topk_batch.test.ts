// topk_batch kernel vs its CPU reference: batch-wide selection and the threshold EMA.
import { describe, expect, it } from 'vitest';
import { batchThresholdReference, topkBatchReference } from '@/sae/reference/topk_batch';
import { readF32, runChecked, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { topkBatchCalls, topkBatchThresholdCall } from './topk_batch';

describe('topk_batch', () => {
  for (const [nTok, dSae, k, lo] of [
    [1, 48, 3, -1],
    [37, 48, 4, -1],
    [9, 700, 20, -1],
    // Fewer positives than k·nTok: every positive is kept.
    [5, 48, 40, -3],
  ]) {
    it(`keeps the top k·nTok (k=${k}) on nTok=${nTok} dSae=${dSae}, positives from ${lo}`, async () => {
      const { device } = await nodeDevice();
      const pre = randomArray(nTok * dSae, 5 * nTok + dSae, lo, 1);
      const bufs = {
        pre: upload(device, pre),
        acts: zeros(device, nTok * dSae),
        sel: zeros(device, 258),
        threshold: upload(device, new Float32Array([0.5])),
        deadInfo: zeros(device, 4),
      };
      const rate = 0.25;
      await runChecked(device, [...topkBatchCalls(device, bufs, nTok, dSae, k), topkBatchThresholdCall(device, bufs, nTok, dSae, k, rate)]);
      const ref = topkBatchReference(pre, nTok, k);
      const got = await readF32(device, bufs.acts, nTok * dSae);
      expectClose(got, ref.acts, { atol: 0, rtol: 0 });
      const [threshold] = await readF32(device, bufs.threshold, 1);
      expect(threshold).toBeCloseTo(batchThresholdReference(0.5, ref.t, rate), 6);
    });
  }
});

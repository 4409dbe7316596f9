// topk_batch kernel vs its CPU reference: batch-wide selection and the threshold EMA.
import { describe, expect, it } from 'vitest';
import { batchThresholdReference, topkBatchReference } from '@/sae/reference/topk_batch';
import { joinColumns, shardsOf } from '@/sae/shards';
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
      await runChecked(device, [...topkBatchCalls(device, [{ dS: dSae, pre: bufs.pre, acts: bufs.acts }], bufs.sel, nTok, k), topkBatchThresholdCall(device, bufs, nTok, dSae, k, rate)]);
      const ref = topkBatchReference(pre, nTok, k);
      const got = await readF32(device, bufs.acts, nTok * dSae);
      expectClose(got, ref.acts, { atol: 0, rtol: 0 });
      const [threshold] = await readF32(device, bufs.threshold, 1);
      expect(threshold).toBeCloseTo(batchThresholdReference(0.5, ref.t, rate), 6);
    });
  }

  for (const [nTok, sizes, k] of [
    [37, [20, 20, 8], 4],
    [9, [300, 300, 100], 20],
  ] as [number, number[], number][]) {
    it(`selects over column shards ${sizes.join('/')} (k=${k}, nTok=${nTok}) as over the joined batch`, async () => {
      const { device } = await nodeDevice();
      const shards = shardsOf(sizes);
      const pre = shards.map((sh, s) => randomArray(nTok * sh.size, 60 + s));
      const bufs = shards.map((sh, s) => ({ dS: sh.size, pre: upload(device, pre[s]), acts: zeros(device, nTok * sh.size) }));
      const b = { sel: zeros(device, 258), threshold: upload(device, new Float32Array([0.5])), deadInfo: zeros(device, 4) };
      const calls = topkBatchCalls(device, bufs, b.sel, nTok, k);
      await runChecked(device, [...calls, topkBatchThresholdCall(device, { ...b, pre: bufs[0].pre, acts: bufs[0].acts }, nTok, sizes[0], k, 0.25)]);
      const dSae = sizes.reduce((a, v) => a + v, 0);
      const ref = topkBatchReference(joinColumns(pre, nTok, shards), nTok, k);
      const got = joinColumns(await Promise.all(bufs.map((x, s) => readF32(device, x.acts, nTok * sizes[s]))), nTok, shards);
      expectClose(got, ref.acts, { atol: 0, rtol: 0 });
      expect(got.length).toBe(nTok * dSae);
      const [threshold] = await readF32(device, b.threshold, 1);
      expect(threshold).toBeCloseTo(batchThresholdReference(0.5, ref.t, 0.25), 6);
    });
  }
});

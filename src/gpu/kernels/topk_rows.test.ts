// topk_rows kernel vs its CPU reference: TopK rows and the dead-latent (AuxK) masked selection.
import { describe, expect, it } from 'vitest';
import { topkRowsReference } from '@/sae/reference/topk_rows';
import { readF32, runChecked, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { topkRowsCall } from './topk_rows';

describe('topk_rows', () => {
  for (const [nTok, dSae, k] of [
    [1, 48, 1],
    [37, 48, 8],
    [5, 300, 32],
    [3, 17, 17],
  ]) {
    it(`keeps the top ${k} of each row with ReLU on nTok=${nTok} dSae=${dSae}`, async () => {
      const { device } = await nodeDevice();
      const s = randomArray(nTok * dSae, 7 * nTok + dSae);
      const bufs = { s: upload(device, s), out: zeros(device, nTok * dSae) };
      await runChecked(device, [topkRowsCall(device, bufs, nTok, dSae, { k, relu: true })]);
      const got = await readF32(device, bufs.out, nTok * dSae);
      expectClose(got, topkRowsReference(s, nTok, dSae, { k, relu: true }), { atol: 0, rtol: 0 });
    });
  }

  for (const [nTok, dSae, k, deadEvery] of [
    [37, 48, 6, 3],
    [4, 100, 40, 7],
    [2, 48, 4, 1000],
  ]) {
    it(`selects among dead latents only (k=${k}, every ${deadEvery}th dead) on nTok=${nTok} dSae=${dSae}`, async () => {
      const { device } = await nodeDevice();
      const s = randomArray(nTok * dSae, 11 + dSae);
      const window = 500;
      const since = new Uint32Array(dSae).map((_, j) => (j % deadEvery === 0 && deadEvery < dSae ? window : window - 1));
      const mask = Uint8Array.from(since, (v) => (v >= window ? 1 : 0));
      const dead = mask.reduce((a, b) => a + b, 0);
      const bufs = { s: upload(device, s), out: zeros(device, 2 * nTok * dSae), sinceFired: upload(device, since), deadInfo: upload(device, new Uint32Array([dead, 0, 0, 0])) };
      await runChecked(device, [topkRowsCall(device, bufs, nTok, dSae, { k, relu: false, window, outRow0: nTok })]);
      const got = await readF32(device, bufs.out, 2 * nTok * dSae);
      expect(Array.from(got.subarray(0, nTok * dSae)).every((v) => v === 0)).toBe(true);
      expectClose(got.subarray(nTok * dSae), topkRowsReference(s, nTok, dSae, { k, relu: false, mask }), { atol: 0, rtol: 0 });
    });
  }
});

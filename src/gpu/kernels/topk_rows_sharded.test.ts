// topk_rows_sharded kernel vs its CPU reference: TopK and masked (AuxK) rows over uneven shards,
// run twice on the same scratch to check that it needs no clearing between steps.
import { describe, it } from 'vitest';
import { topkRowsShardedReference } from '@/sae/reference/topk_rows_sharded';
import { shardsOf, splitRows } from '@/sae/shards';
import { readF32, runChecked, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { topkRowsShardedCalls, TOPK_ROWS_SHARDED_SEL_WORDS } from './topk_rows_sharded';

describe('topk_rows_sharded', () => {
  for (const [nTok, sizes, k, deadEvery] of [
    [1, [20, 20, 8], 1, 0],
    [37, [20, 20, 8], 8, 0],
    [5, [128, 128, 44], 32, 0],
    [3, [7, 10], 17, 0],
    [37, [20, 20, 8], 6, 3],
    [4, [33, 67], 40, 7],
    [2, [20, 28], 4, 1000],
  ] as [number, number[], number, number][]) {
    const masked = deadEvery > 0;
    it(`${masked ? `selects among dead latents (every ${deadEvery}th)` : 'keeps the top'} k=${k} on nTok=${nTok} shards=${sizes.join('/')}`, async () => {
      const { device } = await nodeDevice();
      const shards = shardsOf(sizes);
      const dSae = sizes.reduce((a, b) => a + b, 0);
      const window = 500;
      const since = new Uint32Array(dSae).map((_, j) => (masked && j % deadEvery === 0 && deadEvery < dSae ? window : window - 1));
      const mask = Uint8Array.from(since, (v) => (v >= window ? 1 : 0));
      const dead = mask.reduce((a, b) => a + b, 0);
      const sel = zeros(device, nTok * TOPK_ROWS_SHARDED_SEL_WORDS);
      const deadInfo = upload(device, new Uint32Array([dead, 0, 0, 0]));
      const outRow0 = masked ? nTok : 0;
      for (const seed of [1, 2]) {
        const s = shards.map((sh, i) => randomArray(nTok * sh.size, 7 * nTok + dSae + 13 * i + seed));
        // Exact ties across shards: the last latent of shard 1 repeats the first latent of shard 0.
        for (let r = 0; r < nTok; r++) s[1][r * sizes[1] + sizes[1] - 1] = s[0][r * sizes[0]];
        const sinceShards = splitRows(since, 1, shards);
        const bufs = shards.map((sh, i) => ({ dS: sh.size, s: upload(device, s[i]), out: zeros(device, (outRow0 + nTok) * sh.size), sinceFired: masked ? upload(device, sinceShards[i]) : undefined }));
        const o = masked ? { k, relu: false, window, outRow0 } : { k, relu: true };
        await runChecked(device, topkRowsShardedCalls(device, bufs, { sel, deadInfo: masked ? deadInfo : undefined }, nTok, o));
        const want = topkRowsShardedReference(s, nTok, shards, masked ? { k, relu: false, mask } : { k, relu: true });
        for (let i = 0; i < shards.length; i++) {
          const got = await readF32(device, bufs[i].out, (outRow0 + nTok) * sizes[i]);
          expectClose(got.subarray(outRow0 * sizes[i]), want[i], { atol: 0, rtol: 0 });
        }
      }
    });
  }
});

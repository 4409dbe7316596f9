// compact_rows kernel vs its CPU reference: sparse rows over uneven shards (negative zeros count as
// zero), a capacity below the total and the rerun of scan + write into larger buffers.
import { describe, expect, it } from 'vitest';
import { compactRowsReference } from '@/sae/reference/compact_rows';
import { shardsOf } from '@/sae/shards';
import { readF32, readU32, runChecked, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { randomArray } from '../testing';
import { compactRowsCountCalls, compactRowsWriteCalls } from './compact_rows';

/** [n] values of which about `density` are nonzero; some of the zeros are −0. */
function sparse(n: number, seed: number, density: number): Float32Array {
  const v = randomArray(n, seed);
  const keep = randomArray(n, seed + 1000, 0, 1);
  return v.map((x, i) => (keep[i] < density ? x : i % 3 === 0 ? -0 : 0));
}

describe('compact_rows', () => {
  for (const [nTok, sizes, density] of [
    [1, [29], 0.3],
    [37, [20, 20, 8], 0.2],
    [37, [101, 101, 99], 0.05],
    [5, [7, 10], 1],
    [6, [13, 4], 0],
  ] as [number, number[], number][]) {
    it(`lists the nonzeros of ${nTok} rows over shards ${sizes.join('/')} in latent order (density ${density})`, async () => {
      const { device } = await nodeDevice();
      const shards = shardsOf(sizes);
      const fill = zeros(device, nTok);
      for (const seed of [1, 2]) {
        const acts = sizes.map((s, i) => sparse(nTok * s, 31 * seed + 7 * i + nTok, density));
        const want = compactRowsReference(acts, nTok, shards);
        const total = want.latent.length;
        const gs = shards.map((sh, i) => ({ j0: sh.j0, dS: sh.size, acts: upload(device, acts[i]) }));
        const b = { rowPtr: zeros(device, nTok + 1), fill, latent: zeros(device, total), value: zeros(device, total) };
        await runChecked(device, [...compactRowsCountCalls(device, gs, b, nTok), ...compactRowsWriteCalls(device, gs, b, nTok, total)]);
        expect(Array.from(await readU32(device, b.rowPtr, nTok + 1))).toEqual(Array.from(want.rowPtr));
        expect(Array.from(await readU32(device, b.latent, total))).toEqual(Array.from(want.latent));
        expect(Array.from(await readF32(device, b.value, total))).toEqual(Array.from(want.value));
      }
    });
  }

  it('keeps the entries below a short capacity, then writes all of them into larger buffers without recounting', async () => {
    const { device } = await nodeDevice();
    const nTok = 37;
    const shards = shardsOf([20, 20, 8]);
    const acts = [20, 20, 8].map((s, i) => sparse(nTok * s, 90 + i, 0.3));
    const want = compactRowsReference(acts, nTok, shards);
    const total = want.latent.length;
    const capacity = Math.floor(total / 3);
    const gs = shards.map((sh, i) => ({ j0: sh.j0, dS: sh.size, acts: upload(device, acts[i]) }));
    const small = { rowPtr: zeros(device, nTok + 1), fill: zeros(device, nTok), latent: zeros(device, capacity), value: zeros(device, capacity) };
    await runChecked(device, [...compactRowsCountCalls(device, gs, small, nTok), ...compactRowsWriteCalls(device, gs, small, nTok, capacity)]);
    const cut = compactRowsReference(acts, nTok, shards, capacity);
    expect(Array.from(await readU32(device, small.rowPtr, nTok + 1))).toEqual(Array.from(want.rowPtr));
    expect(Array.from(await readU32(device, small.latent, capacity))).toEqual(Array.from(cut.latent));
    expect(Array.from(await readF32(device, small.value, capacity))).toEqual(Array.from(cut.value));
    const large = { ...small, latent: zeros(device, total), value: zeros(device, total) };
    await runChecked(device, compactRowsWriteCalls(device, gs, large, nTok, total));
    expect(Array.from(await readU32(device, large.rowPtr, nTok + 1))).toEqual(Array.from(want.rowPtr));
    expect(Array.from(await readU32(device, large.latent, total))).toEqual(Array.from(want.latent));
    expect(Array.from(await readF32(device, large.value, total))).toEqual(Array.from(want.value));
  });
});

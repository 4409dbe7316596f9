// row_top kernel vs its CPU reference on odd shapes, with exact ties and the diagonal inside or
// outside the shard; shards' candidates merged equal the top N of the whole row.
import { describe, expect, it } from 'vitest';
import { mergeRowTop, rowTopReference } from '@/gpu/reference/row_top';
import { readF32, readU32, runChecked, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { randomArray } from '../testing';
import { rowTopCall } from './row_top';

describe('row_top', () => {
  for (const [nRows, nCols, row0, col0, n] of [
    [1, 5, 0, 0, 10],
    [37, 29, 3, 0, 10],
    [13, 301, 250, 200, 7],
    [5, 11, 0, 90, 32],
    [64, 64, 0, 0, 1],
  ] as [number, number, number, number, number][]) {
    it(`keeps the ${n} largest of ${nRows} rows × ${nCols} columns (rows from ${row0}, columns from ${col0}) like the reference`, async () => {
      const { device } = await nodeDevice();
      const s = randomArray(nRows * nCols, nRows + nCols + n);
      // Exact ties: every third column of a row repeats its first column.
      for (let r = 0; r < nRows; r++) for (let j = 3; j < nCols; j += 3) s[r * nCols + j] = s[r * nCols];
      const outRow0 = 2;
      const b = { s: upload(device, s), index: zeros(device, (outRow0 + nRows) * n), value: zeros(device, (outRow0 + nRows) * n) };
      await runChecked(device, [rowTopCall(device, b, { nRows, nCols, row0, col0, n, outRow0 })]);
      const want = rowTopReference(s, nRows, nCols, row0, col0, n);
      expect(Array.from((await readU32(device, b.index, (outRow0 + nRows) * n)).subarray(outRow0 * n))).toEqual(Array.from(want.index));
      expect(Array.from((await readF32(device, b.value, (outRow0 + nRows) * n)).subarray(outRow0 * n))).toEqual(Array.from(want.value));
    });
  }

  it('merges the candidates of column shards into the top N of the whole row', async () => {
    const { device } = await nodeDevice();
    const [nRows, widths, n] = [9, [7, 7, 5, 2], 6];
    const nCols = widths.reduce((a, w) => a + w, 0);
    const full = randomArray(nRows * nCols, 5);
    for (let r = 0; r < nRows; r++) full[r * nCols + 15] = full[r * nCols + 1];
    const index = zeros(device, widths.length * nRows * n);
    const value = zeros(device, widths.length * nRows * n);
    let col0 = 0;
    const calls = widths.map((w, i) => {
      const block = new Float32Array(nRows * w);
      for (let r = 0; r < nRows; r++) block.set(full.subarray(r * nCols + col0, r * nCols + col0 + w), r * w);
      const call = rowTopCall(device, { s: upload(device, block), index, value }, { nRows, nCols: w, row0: 4, col0, n, outRow0: i * nRows });
      col0 += w;
      return call;
    });
    await runChecked(device, calls);
    const gotI = await readU32(device, index, widths.length * nRows * n);
    const gotV = await readF32(device, value, widths.length * nRows * n);
    const whole = rowTopReference(full, nRows, nCols, 4, 0, n);
    for (let r = 0; r < nRows; r++) {
      const pick = (a: Uint32Array | Float32Array) => widths.flatMap((_, i) => Array.from(a.subarray((i * nRows + r) * n, (i * nRows + r + 1) * n)));
      const merged = mergeRowTop(pick(gotI), pick(gotV), n);
      expect(merged.map((e) => e.index)).toEqual(Array.from(whole.index.subarray(r * n, (r + 1) * n)));
      expect(merged.map((e) => e.value)).toEqual(Array.from(whole.value.subarray(r * n, (r + 1) * n)));
    }
  });
});

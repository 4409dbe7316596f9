// accumulate kernel vs its CPU reference on odd lengths.
import { describe, it } from 'vitest';
import { accumulateReference } from '../reference/accumulate';
import { readF32, runChecked, upload } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { accumulateCall } from './accumulate';

describe('accumulate', () => {
  for (const n of [1, 37 * 24, 70_001]) {
    it(`adds in place on n=${n}`, async () => {
      const { device } = await nodeDevice();
      const acc = randomArray(n, n);
      const add = randomArray(n, n + 1);
      const b = { acc: upload(device, acc), add: upload(device, add) };
      await runChecked(device, [accumulateCall(device, b, n)]);
      expectClose(await readF32(device, b.acc, n), accumulateReference(acc, add), { atol: 0, rtol: 0 });
    });
  }
});

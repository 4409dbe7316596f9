// center_input kernel vs its CPU reference on odd shapes.
import { describe, it } from 'vitest';
import { centerInputReference } from '@/sae/reference/center_input';
import { readF32, runChecked, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { centerInputCall } from './center_input';

describe('center_input', () => {
  for (const [nTok, dIn, scale] of [
    [1, 48, 1],
    [37, 64, 2.5],
    [5, 131, 0.3],
  ]) {
    it(`matches reference on nTok=${nTok} dIn=${dIn} scale=${scale}`, async () => {
      const { device } = await nodeDevice();
      const x = randomArray(nTok * dIn, nTok);
      const bDec = randomArray(dIn, dIn);
      const bufs = { x: upload(device, x), bDec: upload(device, bDec), xIn: zeros(device, nTok * dIn) };
      await runChecked(device, [centerInputCall(device, bufs, nTok, dIn, scale)]);
      const ref = centerInputReference(x, bDec, nTok, dIn, scale);
      expectClose(await readF32(device, bufs.x, nTok * dIn), ref.xs, { atol: 1e-6, rtol: 1e-6 });
      expectClose(await readF32(device, bufs.xIn, nTok * dIn), ref.xIn, { atol: 1e-6, rtol: 1e-6 });
    });
  }
});

// adam kernel vs its CPU reference over several steps, and the halted flag freezing parameters.
import { describe, expect, it } from 'vitest';
import { adamCorrections, adamReference } from '@/sae/reference/adam';
import { stepParamsWords } from '@/sae/stepParams';
import { readF32, runChecked, uniformF32, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { adamCall } from './adam';

describe('adam', () => {
  for (const n of [1, 37, 48 * 64 + 5]) {
    it(`matches reference for 3 steps on n=${n}`, async () => {
      const { device } = await nodeDevice();
      const p = randomArray(n, n);
      const pRef = p.slice();
      const mRef = new Float32Array(n);
      const vRef = new Float32Array(n);
      const b = { p: upload(device, p), g: zeros(device, n), m: zeros(device, n), v: zeros(device, n), deadInfo: zeros(device, 4), step: zeros(device, 0) };
      for (let t = 1; t <= 3; t++) {
        const g = randomArray(n, 100 + t, -0.1, 0.1);
        const s = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, t };
        device.queue.writeBuffer(b.g, 0, g.buffer, g.byteOffset, g.byteLength);
        const step = uniformF32(device, stepParamsWords({ ...s, ...adamCorrections(s), sparsityCoef: 0, auxCoef: 0 }));
        await runChecked(device, [adamCall(device, { ...b, step }, n)]);
        adamReference(pRef, g, mRef, vRef, s);
      }
      expectClose(await readF32(device, b.p, n), pRef, { atol: 1e-6, rtol: 1e-5 });
      expectClose(await readF32(device, b.m, n), mRef, { atol: 1e-7, rtol: 1e-5 });
      expectClose(await readF32(device, b.v, n), vRef, { atol: 1e-9, rtol: 1e-5 });
    });
  }

  it('scales the gradient by the clip factor first (CLIP) on n=37', async () => {
    const { device } = await nodeDevice();
    const n = 37;
    const p = randomArray(n, 3);
    const g = randomArray(n, 4, -0.5, 0.5);
    const s = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 1 };
    const b = { p: upload(device, p), g: upload(device, g), m: zeros(device, n), v: zeros(device, n), deadInfo: zeros(device, 4), clip: upload(device, new Float32Array([0.37, 2.5])) };
    const step = uniformF32(device, stepParamsWords({ ...s, ...adamCorrections(s), sparsityCoef: 0, auxCoef: 0 }));
    await runChecked(device, [adamCall(device, { ...b, step }, n)]);
    const [pRef, mRef, vRef] = [p.slice(), new Float32Array(n), new Float32Array(n)];
    adamReference(pRef, g.map((v) => v * 0.37), mRef, vRef, s);
    expectClose(await readF32(device, b.m, n), mRef, { atol: 1e-7, rtol: 1e-5 });
    expectClose(await readF32(device, b.p, n), pRef, { atol: 1e-6, rtol: 1e-5 });
  });

  it('leaves parameters untouched once halted', async () => {
    const { device } = await nodeDevice();
    const p = randomArray(40, 1);
    const b = { p: upload(device, p), g: upload(device, randomArray(40, 2)), m: zeros(device, 40), v: zeros(device, 40), deadInfo: upload(device, new Uint32Array([0, 0, 1, 0])) };
    const step = uniformF32(device, stepParamsWords({ lr: 1, bc1: 0.1, sqrtBc2: 0.03, beta1: 0.9, beta2: 0.999, eps: 1e-8, sparsityCoef: 0, auxCoef: 0 }));
    await runChecked(device, [adamCall(device, { ...b, step }, 40)]);
    expect(Array.from(await readF32(device, b.p, 40))).toEqual(Array.from(p));
  });
});

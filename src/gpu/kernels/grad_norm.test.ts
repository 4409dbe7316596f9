// grad_norm kernel vs its CPU reference: the norm of several gradient buffers of odd lengths taken
// together (one longer than its workgroups' stride), and the clip factor on both sides of max_norm.
import { describe, expect, it } from 'vitest';
import { clipCoefficient, gradNormReference } from '@/sae/reference/grad_norm';
import { readF32, runChecked, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { expectClose, randomArray } from '../testing';
import { gradNormCalls, gradNormPartialWords } from './grad_norm';

describe('grad_norm', () => {
  const cases: [string, number[], number][] = [
    ['one element', [1], 1],
    ['odd lengths 37, 3077, 48', [37, 3077, 48], 1],
    ['a buffer longer than 256 workgroups of 64 (32781) among small ones', [5, 32781, 13, 1], 1],
    ['a norm below max_norm (factor 1)', [37, 48], 1e3],
  ];
  for (const [name, lengths, maxNorm] of cases) {
    it(`matches reference on ${name}, max_norm ${maxNorm}`, async () => {
      const { device } = await nodeDevice();
      const grads = lengths.map((n, i) => randomArray(n, 40 + i, -0.3, 0.3));
      const partials = zeros(device, gradNormPartialWords(lengths));
      const clip = upload(device, new Float32Array([7, 7]));
      await runChecked(device, gradNormCalls(device, { grads: grads.map((g) => upload(device, g)), partials, clip }, lengths, maxNorm));
      const norm = gradNormReference(grads);
      const got = await readF32(device, clip, 2);
      expectClose([got[1], got[0]], [norm, clipCoefficient(norm, maxNorm)], { atol: 1e-6, rtol: 1e-5 });
      if (maxNorm > norm) expect(got[0]).toBe(1);
      else expect(got[0]).toBeLessThan(1);
    });
  }

  it('gives a factor of 1 (not NaN) for all-zero gradients', async () => {
    const { device } = await nodeDevice();
    const lengths = [10, 3];
    const clip = zeros(device, 2);
    await runChecked(device, gradNormCalls(device, { grads: lengths.map((n) => zeros(device, n)), partials: zeros(device, gradNormPartialWords(lengths)), clip }, lengths, 1));
    expect(Array.from(await readF32(device, clip, 2))).toEqual([1, 0]);
  });
});

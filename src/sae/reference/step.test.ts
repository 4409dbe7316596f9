// The CPU reference step's gradients agree with finite differences of its own loss, so the GPU
// step (tested against this reference) implements the intended math, not just the same mistakes.
import { describe, expect, it } from 'vitest';
import { randomArray } from '@/gpu/testing';
import { resolveConfig, type SaeConfigInput } from '../config';
import { cloneState, initialState, initializeFromBatch, type ParamName, type SaeState } from '../state';
import { referenceStep } from './step';
import '../architectures';

/** Loss at the state's current parameters (the step's update is discarded). */
function lossAt(s: SaeState, batch: Float32Array): number {
  return referenceStep(cloneState(s), batch).metrics[0];
}

const CASES: SaeConfigInput[] = [
  { arch: 'relu', dIn: 6, dSae: 10, sparsityCoefficient: 0.3 },
  { arch: 'topk', dIn: 6, dSae: 10, k: 3 },
  { arch: 'batchtopk', dIn: 6, dSae: 10, k: 3 },
];

describe('reference step gradients', () => {
  for (const input of CASES) {
    it(`${input.arch}: Adam's first moment is (1−β1)·∂loss/∂θ by finite differences`, () => {
      const config = resolveConfig({ batchSize: 5, unitNormDecoder: false, ...input });
      const batch = randomArray(config.batchSize * config.dIn, 4, -1, 2);
      const s = initialState(config);
      initializeFromBatch(s, batch);
      const after = cloneState(s);
      referenceStep(after, batch);
      const h = 1e-2;
      for (const name of ['W_enc', 'W_dec', 'b_enc', 'b_dec'] as ParamName[]) {
        const n = s.params[name].length;
        for (const idx of [0, Math.floor(n / 3), n - 1]) {
          const plus = cloneState(s);
          plus.params[name][idx] += h;
          const minus = cloneState(s);
          minus.params[name][idx] -= h;
          const fd = (lossAt(plus, batch) - lossAt(minus, batch)) / (2 * h);
          const analytic = after.adamM[name][idx] / (1 - config.beta1);
          expect(Math.abs(analytic - fd), `${name}[${idx}]: analytic ${analytic}, finite difference ${fd}`).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
        }
      }
    });
  }
});

// The CPU reference's TopK + AuxK step, with dead latents present and b_dec ≠ 0, agrees with an
// independent transcription of SAELens (calculate_topk_aux_loss decodes the dead latents with b_dec,
// so the aux gradient reaches b_dec): loss terms, gradients and the updated parameters; and with
// SAELens conventions, its gradient-norm clipping too.
import { describe, expect, it } from 'vitest';
import { expectClose, randomArray } from '@/gpu/testing';
import { resolveConfig, type SaeConfig } from '../config';
import { saelensStepFrom, stateWithDead } from '../saelensStep.testing';
import { referenceStep } from './step';
import '../architectures';

const NAMES = ['W_enc', 'W_dec', 'b_enc', 'b_dec'] as const;

describe('TopK AuxK step against SAELens', () => {
  // dIn 10 → SAELens k_aux = 5: nine dead latents give scale 1, three give scale 3/5 and k_aux 3.
  const cases: [string, Partial<SaeConfig>, number[]][] = [
    ['Lantern conventions', { auxCoefficient: 0.5, deadFeatureWindow: 70 }, [0, 2, 3, 5, 8, 11, 13, 17, 22]],
    ['Lantern conventions', { auxCoefficient: 0.5, deadFeatureWindow: 70 }, [4, 9, 19]],
    // SAELens: clip_grad_norm_ at 1.0, aux_loss_coefficient 1, Adam β1 0, window in steps.
    ['SAELens conventions', { conventions: 'saelens', deadFeatureWindow: 3 }, [1, 6, 7, 12, 20, 23]],
  ];
  for (const [conventions, input, dead] of cases) {
    it(`matches SAELens's loss terms, gradients (b_dec included) and Adam update with ${dead.length} dead latents (${conventions})`, () => {
      const config = resolveConfig({ arch: 'topk', dIn: 10, dSae: 24, k: 3, batchSize: 7, unitNormDecoder: false, lr: 1e-3, eps: 1e-3, ...input });
      const s = stateWithDead(config, dead);
      const batch = randomArray(config.batchSize * config.dIn, 11, -2, 3);
      const want = saelensStepFrom(config, s, dead, batch);
      expect(want.auxLoss).toBeGreaterThan(0);
      if (config.gradClipNorm > 0) expect(want.gradNorm).toBeGreaterThan(config.gradClipNorm);
      const got = referenceStep(s, batch);
      expect(got.finite).toBe(true);
      expectClose([got.metrics[0], got.metrics[1], got.metrics[3]], [want.loss, want.mseLoss, want.auxLoss], { atol: 1e-6, rtol: 1e-5 });
      for (const name of NAMES) {
        const grad = s.adamM[name].map((m) => m / (1 - config.beta1));
        expectClose(grad, want.grads[name], { atol: 1e-6, rtol: 1e-4 });
        expectClose(s.params[name], want.params[name], { atol: 1e-6, rtol: 1e-5 });
      }
    });
  }
});

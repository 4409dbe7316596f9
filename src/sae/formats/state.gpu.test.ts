// weightsFromState (the library's GPU-free export) against SaeTrainer.exportWeights on Dawn:
// the same folded weights and thresholds for every architecture, with normalisation on.
import { describe, expect, it } from 'vitest';
import { nodeDevice } from '@/gpu/nodeDevice';
import { createSyntheticSource } from '../synthetic';
import { createSaeTrainer } from '../trainer';
import { weightsFromState } from './state';

describe('weightsFromState', () => {
  for (const arch of ['topk', 'batchtopk', 'relu', 'jumprelu'] as const) {
    it(`${arch}: equals the trainer's exportWeights after training with expected_average_only_in`, async () => {
      const { device } = await nodeDevice();
      const trainer = await createSaeTrainer(device, { arch, dIn: 16, dSae: 48, k: 4, batchSize: 37, lr: 3e-3, seed: 5, normalizeActivations: 'expected_average_only_in' });
      const data = createSyntheticSource({ dIn: 16, nFeatures: 40, seed: 9 });
      for (let s = 0; s < 4; s++) await trainer.step(data.next(37).map((v) => v * 7));
      const fromGpu = await trainer.exportWeights();
      const state = await trainer.saveState();
      expect(state.normScale).not.toBe(1);
      expect(weightsFromState(state)).toEqual(fromGpu);
      trainer.destroy();
    });
  }
});

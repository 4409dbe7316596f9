// End-to-end claim: on the synthetic superposition source (dIn 64, 512 true features, default
// sparsity) the GPU trainer recovers the true directions (mean max cosine similarity ≥ 0.95),
// for TopK and for ReLU + L1.
import { describe, expect, it } from 'vitest';
import { nodeDevice } from '@/gpu/nodeDevice';
import type { SaeConfigInput } from './config';
import { createSyntheticSource, recovery } from './synthetic';
import { createSaeTrainer } from './trainer';
import './architectures';

const D_IN = 64;
const N_FEATURES = 512;

async function trainAndRecover(config: SaeConfigInput, steps: number): Promise<{ mmcs: number; fractionAbove09: number }> {
  const { device } = await nodeDevice();
  const source = createSyntheticSource({ dIn: D_IN, nFeatures: N_FEATURES, seed: 1 });
  const trainer = await createSaeTrainer(device, { ...config, totalSteps: steps, metricsEvery: 50, histogramEvery: 50 });
  for (let s = 0; s < steps; s++) await trainer.step(source.next(trainer.config.batchSize));
  const w = await trainer.exportWeights();
  trainer.destroy();
  return recovery(w.W_dec, w.dSae, source.trueDirections, N_FEATURES, D_IN);
}

describe('feature recovery on the synthetic source', () => {
  it('TopK reaches MMCS ≥ 0.95', { timeout: 900_000 }, async () => {
    const r = await trainAndRecover({ arch: 'topk', dIn: D_IN, dSae: 1024, k: 4, batchSize: 128, lr: 5e-3, lrDecay: 'cosine', deadFeatureWindow: 12_800, seed: 0 }, 1200);
    expect(r.mmcs).toBeGreaterThanOrEqual(0.95);
  });

  // SAELens loss form (per-token summed MSE + L1 weighted by decoder norms), a strong L1 and
  // 3000 steps: measured MMCS 0.994 (99.8% of true features above 0.9).
  it('ReLU + L1 reaches MMCS ≥ 0.95', { timeout: 900_000 }, async () => {
    const r = await trainAndRecover({ arch: 'relu', dIn: D_IN, dSae: 1024, batchSize: 256, lr: 5e-3, sparsityCoefficient: 0.3, seed: 0 }, 3000);
    expect(r.mmcs).toBeGreaterThanOrEqual(0.95);
  });
});

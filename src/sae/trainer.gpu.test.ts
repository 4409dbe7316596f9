// One full GPU training step (forward, backward, Adam, decoder normalisation, counters) matches the
// CPU reference step for each architecture, over three steps so AuxK sees dead latents, both
// unsharded and with the latents split into uneven column shards (20/20/8); and a TopK step with
// dead latents and b_dec ≠ 0 matches an independent transcription of SAELens's AuxK step.
import { describe, expect, it } from 'vitest';
import { nodeDevice } from '@/gpu/nodeDevice';
import { expectClose, randomArray } from '@/gpu/testing';
import { planShards, resolveConfig, type SaeConfigInput } from './config';
import { referenceStep } from './reference/step';
import { saelensStepFrom, stateWithDead } from './saelensStep.testing';
import { initialState, PARAM_NAMES } from './state';
import { createSaeTrainer } from './trainer';
import './architectures';

/** Sparse non-negative mixtures of a few random directions plus an offset: SAE-like inputs. */
function batchOf(n: number, d: number, seed: number): Float32Array {
  const dirs = randomArray(16 * d, 99);
  const coef = randomArray(n * 16, seed, -2, 1);
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < 16; f++) {
      const a = coef[r * 16 + f];
      if (a <= 0) continue;
      for (let i = 0; i < d; i++) out[r * d + i] += a * dirs[f * d + i];
    }
    for (let i = 0; i < d; i++) out[r * d + i] += 0.3;
  }
  return out;
}

/** Runs `check`, prefixing a failure with the parameter's name. */
function named(name: string, check: () => void): void {
  try {
    check();
  } catch (e) {
    throw new Error(`${name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

const CASES: SaeConfigInput[] = [
  { arch: 'relu', dIn: 24, dSae: 48, sparsityCoefficient: 0.05, sparsityWarmupSteps: 2, normalizeActivations: 'expected_average_only_in' },
  { arch: 'relu', dIn: 24, dSae: 48, sparsityCoefficient: 0.05, unitNormDecoder: true, lrDecay: 'cosine', totalSteps: 4 },
  { arch: 'topk', dIn: 24, dSae: 48, k: 3, kAux: 6, sparseProducts: 'sparse' },
  { arch: 'topk', dIn: 24, dSae: 48, k: 3, kAux: 6, sparseProducts: 'dense' },
  { arch: 'batchtopk', dIn: 24, dSae: 48, k: 3, kAux: 6, thresholdRate: 0.5, sparseProducts: 'sparse' },
  { arch: 'jumprelu', dIn: 24, dSae: 48, sparsityCoefficient: 0.01, bandwidth: 0.2, initialThreshold: 0.1, lrWarmupSteps: 2 },
  // SAELens conventions: gradient-norm clipping at 1.0 over every trained parameter, window in steps.
  { arch: 'topk', dIn: 24, dSae: 48, k: 3, kAux: 6, conventions: 'saelens', deadFeatureWindow: 1 },
  { arch: 'jumprelu', dIn: 24, dSae: 48, sparsityCoefficient: 0.01, bandwidth: 0.2, initialThreshold: 0.1, conventions: 'saelens', deadFeatureWindow: 1 },
];

/** maxShardBytes that splits dSae 48 into shards of 20 latents. */
function twentyLatents(config: ReturnType<typeof resolveConfig>): number {
  const rows = config.arch === 'topk' || config.arch === 'batchtopk' ? 2 * config.batchSize : config.batchSize;
  return 20 * 4 * Math.max(config.dIn, rows);
}

describe('SAE training step', () => {
  for (const [input, sharded] of [...CASES.map((c) => [c, false] as const), ...CASES.map((c) => [c, true] as const)]) {
    // eps 1e-6: Adam maps a numerically-zero gradient (±1e-9 from summation order) to ±lr with the
    // default 1e-8, which would compare rounding noise instead of the math.
    const config = resolveConfig({ batchSize: 37, lr: 1e-3, eps: 1e-6, deadFeatureWindow: 37, metricsEvery: 1, histogramEvery: 100, seed: 3, ...input });
    it(`${config.arch}${config.unitNormDecoder ? ' (unit-norm decoder)' : ''}${config.sparseProducts === 'auto' ? '' : ` (${config.sparseProducts} products)`}${config.conventions === 'saelens' ? ' (SAELens conventions)' : ''}${sharded ? ' over shards 20/20/8' : ''} matches the CPU reference step for 3 steps`, async () => {
      const { device } = await nodeDevice();
      const maxShardBytes = sharded ? twentyLatents(config) : undefined;
      if (sharded) expect(planShards(config, device.limits, maxShardBytes)).toEqual([20, 20, 8]);
      const trainer = await createSaeTrainer(device, config, { maxShardBytes });
      const ref = initialState(config);
      let sawDead = false;
      for (let s = 0; s < 3; s++) {
        const batch = batchOf(config.batchSize, config.dIn, 10 + s);
        await trainer.step(batch);
        const want = referenceStep(ref, batch);
        const got = await trainer.metrics();
        expect(got).toBeDefined();
        expect(want.finite).toBe(true);
        const m = got as NonNullable<typeof got>;
        expectClose([m.loss, m.mse, m.sparsityLoss, m.auxLoss, m.nmse, m.explainedVariance, m.l0, m.l1], want.metrics.slice(0, 8), { atol: 1e-4, rtol: 1e-3 });
        expect([m.dead, m.dense]).toEqual(want.metrics.slice(8, 10));
        sawDead ||= m.dead > 0;
      }
      const state = await trainer.saveState();
      expect(state.step).toBe(3);
      expect(state.normScale).toBeCloseTo(ref.normScale, 5);
      for (const name of PARAM_NAMES) {
        named(name, () => {
          expectClose(state.params[name], ref.params[name], { atol: 2e-5, rtol: 1e-4 });
          expectClose(state.adamM[name], ref.adamM[name], { atol: 1e-6, rtol: 1e-3 });
          expectClose(state.adamV[name], ref.adamV[name], { atol: 1e-9, rtol: 1e-3 });
        });
      }
      expect(Array.from(state.sinceFired)).toEqual(Array.from(ref.sinceFired));
      expect(Array.from(state.fireCount)).toEqual(Array.from(ref.fireCount));
      expect(state.batchThreshold).toBeCloseTo(ref.batchThreshold, 5);
      if (config.arch === 'topk' || config.arch === 'batchtopk') expect(sawDead).toBe(true);
      trainer.destroy();
    });
  }
});

describe('TopK AuxK on the GPU against SAELens', () => {
  // dIn 10 → SAELens k_aux = 5; seven of 24 latents dead.
  const dead = [0, 3, 5, 11, 13, 17, 22];
  const lantern: SaeConfigInput = { arch: 'topk', dIn: 10, dSae: 24, auxCoefficient: 0.5, deadFeatureWindow: 70 };
  const saelens: SaeConfigInput = { arch: 'topk', dIn: 10, dSae: 24, conventions: 'saelens', deadFeatureWindow: 3 };
  for (const [sparseProducts, shards, input] of [['sparse', 1, lantern], ['dense', 1, lantern], ['dense', 3, lantern], ['sparse', 1, saelens], ['dense', 3, saelens]] as const) {
    it(`a step with dead latents (${sparseProducts} products, ${shards} shard${shards > 1 ? 's' : ''}${input.conventions ? ', SAELens conventions' : ''}) decodes the AuxK rows with b_dec and updates b_dec as SAELens does`, async () => {
      const { device } = await nodeDevice();
      const config = resolveConfig({ k: 3, batchSize: 7, unitNormDecoder: false, lr: 1e-3, eps: 1e-3, sparseProducts, ...input });
      const maxShardBytes = shards > 1 ? 10 * 4 * 2 * config.batchSize : undefined;
      if (maxShardBytes) expect(planShards(config, device.limits, maxShardBytes)).toEqual([10, 10, 4]);
      const trainer = await createSaeTrainer(device, config, { maxShardBytes });
      const s = stateWithDead(config, dead);
      await trainer.loadState(s);
      const batch = randomArray(config.batchSize * config.dIn, 11, -2, 3);
      const want = saelensStepFrom(config, s, dead, batch);
      if (config.gradClipNorm > 0) expect(want.gradNorm).toBeGreaterThan(config.gradClipNorm);
      await trainer.step(batch);
      const m = (await trainer.metrics()) as NonNullable<Awaited<ReturnType<typeof trainer.metrics>>>;
      expect(want.auxLoss).toBeGreaterThan(0);
      expectClose([m.loss, m.mse, m.auxLoss], [want.loss, want.mseLoss, want.auxLoss], { atol: 1e-5, rtol: 1e-4 });
      const state = await trainer.saveState();
      for (const name of ['W_enc', 'W_dec', 'b_enc', 'b_dec'] as const) {
        named(name, () => {
          expectClose(state.adamM[name].map((v) => v / (1 - config.beta1)), want.grads[name], { atol: 1e-5, rtol: 1e-3 });
          expectClose(state.params[name], want.params[name], { atol: 1e-5, rtol: 1e-4 });
        });
      }
      trainer.destroy();
    });
  }
});

// A trainer whose latents are split into uneven column shards (maxShardBytes forces 20/20/8) trains
// like an unsharded one, and keeps the SAELens layout at its state and weight API: save → load
// continues bit-for-bit, and states and weights move between sharded and unsharded trainers.
import { describe, expect, it } from 'vitest';
import { nodeDevice } from '@/gpu/nodeDevice';
import { expectClose } from '@/gpu/testing';
import { planShards, resolveConfig, type SaeConfigInput } from './config';
import { PARAM_NAMES } from './state';
import { createSyntheticSource } from './synthetic';
import { createSaeTrainer } from './trainer';
import './architectures';

const SMALL: SaeConfigInput = { arch: 'topk', dIn: 16, dSae: 48, k: 4, kAux: 6, batchSize: 37, lr: 3e-3, eps: 1e-6, metricsEvery: 2, histogramEvery: 4, deadFeatureWindow: 74, seed: 5 };

/** maxShardBytes that splits dSae 48 into shards of 20 latents. */
function shardBytes(input: SaeConfigInput): number {
  const c = resolveConfig(input);
  const rows = c.arch === 'topk' || c.arch === 'batchtopk' ? 2 * c.batchSize : c.batchSize;
  return 20 * 4 * Math.max(c.dIn, rows);
}

function source() {
  return createSyntheticSource({ dIn: 16, nFeatures: 40, seed: 9 });
}

const CONFIGS: SaeConfigInput[] = [
  { ...SMALL, arch: 'topk', sparseProducts: 'sparse' },
  { ...SMALL, arch: 'batchtopk', sparseProducts: 'sparse' },
  { ...SMALL, arch: 'relu', sparsityCoefficient: 0.05, resampleEvery: 4 },
  { ...SMALL, arch: 'jumprelu', sparsityCoefficient: 0.01, bandwidth: 0.2, initialThreshold: 0.05 },
];

describe('SAE trainer over column shards', () => {
  for (const config of CONFIGS) {
    it(`${config.arch}: trains like the unsharded trainer for 6 steps on the same batches`, async () => {
      const { device } = await nodeDevice();
      const maxShardBytes = shardBytes(config);
      expect(planShards(resolveConfig(config), device.limits, maxShardBytes)).toEqual([20, 20, 8]);
      const a = await createSaeTrainer(device, config);
      const b = await createSaeTrainer(device, config, { maxShardBytes });
      const data = source();
      for (let s = 0; s < 6; s++) {
        const batch = data.next(37);
        await a.step(batch);
        await b.step(batch);
      }
      await a.metrics();
      await b.metrics();
      const [ma, mb] = [a.takeMetrics(), b.takeMetrics()];
      expect(mb.map((m) => m.step)).toEqual(ma.map((m) => m.step));
      for (let i = 0; i < ma.length; i++) {
        expectClose([mb[i].loss, mb[i].mse, mb[i].sparsityLoss, mb[i].auxLoss, mb[i].l0, mb[i].l1], [ma[i].loss, ma[i].mse, ma[i].sparsityLoss, ma[i].auxLoss, ma[i].l0, ma[i].l1], { atol: 1e-4, rtol: 1e-3 });
        expect([mb[i].dead, mb[i].dense]).toEqual([ma[i].dead, ma[i].dense]);
      }
      const [sa, sb] = [await a.saveState(), await b.saveState()];
      for (const name of PARAM_NAMES) expectClose(sb.params[name], sa.params[name], { atol: 2e-5, rtol: 1e-4 });
      expect(Array.from(sb.sinceFired)).toEqual(Array.from(sa.sinceFired));
      expect(sb.batchThreshold).toBeCloseTo(sa.batchThreshold, 5);
      const [ha, hb] = [a.histograms(), b.histograms()];
      expect(hb?.step).toBe(4);
      expect(hb?.densityLog10.counts).toEqual(ha?.densityLog10.counts);
      expect(hb?.densityLog10.zero).toBe(ha?.densityLog10.zero);
      expectClose(hb?.decoderNorm.edges ?? [], ha?.decoderNorm.edges ?? [], { atol: 1e-5, rtol: 1e-4 });
      a.destroy();
      b.destroy();
    });
  }

  it('restores a mid-run save bit-for-bit, and states and weights move to and from an unsharded trainer', async () => {
    const { device } = await nodeDevice();
    const config: SaeConfigInput = { ...SMALL, arch: 'jumprelu', normalizeActivations: 'expected_average_only_in', sparsityCoefficient: 0.01, bandwidth: 0.2, initialThreshold: 0.05 };
    const maxShardBytes = shardBytes(config);
    const a = await createSaeTrainer(device, config, { maxShardBytes });
    const data = source();
    for (let s = 0; s < 3; s++) await a.step(data.next(37).map((v) => v * 7));
    const saved = await a.saveState();
    const dataSaved = data.saveState();
    for (let s = 0; s < 4; s++) await a.step(data.next(37).map((v) => v * 7));
    await a.metrics();
    const want = a.takeMetrics().slice(-4);

    // Sharded → sharded: identical continuation.
    const b = await createSaeTrainer(device, config, { maxShardBytes });
    await b.loadState(saved);
    const data2 = source();
    data2.loadState(dataSaved);
    for (let s = 0; s < 4; s++) await b.step(data2.next(37).map((v) => v * 7));
    await b.metrics();
    expect(b.takeMetrics().map((m) => m.loss)).toEqual(want.map((m) => m.loss));
    const [sa, sb] = [await a.saveState(), await b.saveState()];
    for (const name of PARAM_NAMES) {
      expect(Array.from(sb.params[name])).toEqual(Array.from(sa.params[name]));
      expect(Array.from(sb.adamV[name])).toEqual(Array.from(sa.adamV[name]));
    }
    expect(Array.from(sb.sinceFired)).toEqual(Array.from(sa.sinceFired));
    expect(Array.from(sb.fireCount)).toEqual(Array.from(sa.fireCount));

    // Sharded state → unsharded trainer → the same state and weights back (layout only).
    const u = await createSaeTrainer(device, config);
    await u.loadState(sa);
    const su = await u.saveState();
    for (const name of PARAM_NAMES) {
      expect(Array.from(su.params[name])).toEqual(Array.from(sa.params[name]));
      expect(Array.from(su.adamM[name])).toEqual(Array.from(sa.adamM[name]));
    }
    expect(Array.from(su.sinceFired)).toEqual(Array.from(sa.sinceFired));
    expect(Array.from(su.fireCount)).toEqual(Array.from(sa.fireCount));
    const [wa, wu] = [await a.exportWeights(), await u.exportWeights()];
    for (const key of ['W_enc', 'W_dec', 'b_enc', 'b_dec', 'threshold'] as const) expect(Array.from(wu[key] as Float32Array)).toEqual(Array.from(wa[key] as Float32Array));

    // Unsharded weights → sharded trainer → the same weights back.
    const c = await createSaeTrainer(device, config, { maxShardBytes });
    await c.importWeights(wu);
    const wc = await c.exportWeights();
    for (const key of ['W_enc', 'W_dec', 'b_enc', 'b_dec', 'threshold'] as const) expectClose(wc[key] as Float32Array, wu[key] as Float32Array, { atol: 1e-6, rtol: 1e-5 });
    for (const t of [a, b, u, c]) t.destroy();
  });

  it('rejects a maxShardBytes below one latent with an error naming it', async () => {
    const { device } = await nodeDevice();
    await expect(createSaeTrainer(device, SMALL, { maxShardBytes: 100 })).rejects.toMatchObject({ field: 'maxShardBytes' });
  });
});

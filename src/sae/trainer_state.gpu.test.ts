// Trainer robustness: save → restore continues bit-for-bit, weights round-trip through
// export/import, bad input raises typed errors, and a non-finite loss stops training while
// keeping the last good state.
import { describe, expect, it } from 'vitest';
import { nodeDevice } from '@/gpu/nodeDevice';
import { expectClose } from '@/gpu/testing';
import { MAX_SHARDS, SaeConfigError, type SaeConfigInput } from './config';
import { createSyntheticSource } from './synthetic';
import { createSaeTrainer, SaeNumericError } from './trainer';
import './architectures';

const SMALL: SaeConfigInput = { arch: 'topk', dIn: 16, dSae: 48, k: 4, batchSize: 37, lr: 3e-3, metricsEvery: 2, histogramEvery: 4, deadFeatureWindow: 74, seed: 5 };

function source() {
  return createSyntheticSource({ dIn: 16, nFeatures: 40, seed: 9 });
}

describe('SAE trainer state', () => {
  for (const arch of ['topk', 'batchtopk', 'relu', 'jumprelu'] as const) {
    it(`${arch}: a run restored from a mid-run save continues with identical losses`, async () => {
      const { device } = await nodeDevice();
      const config = { ...SMALL, arch, resampleEvery: arch === 'relu' ? 3 : 0 };
      const a = await createSaeTrainer(device, config);
      const data = source();
      for (let s = 0; s < 3; s++) await a.step(data.next(37));
      const saved = await a.saveState();
      const dataSaved = data.saveState();
      for (let s = 0; s < 5; s++) await a.step(data.next(37));
      await a.metrics();
      const want = a.takeMetrics().slice(-5);

      const b = await createSaeTrainer(device, config);
      await b.loadState(saved);
      const data2 = source();
      data2.loadState(dataSaved);
      for (let s = 0; s < 5; s++) await b.step(data2.next(37));
      await b.metrics();
      const got = b.takeMetrics();
      expect(got.map((m) => m.step)).toEqual(want.map((m) => m.step));
      expect(got.map((m) => m.loss)).toEqual(want.map((m) => m.loss));
      const [sa, sb] = [await a.saveState(), await b.saveState()];
      expect(Array.from(sb.params.W_dec)).toEqual(Array.from(sa.params.W_dec));
      expect(sb.rng).toBe(sa.rng);
      a.destroy();
      b.destroy();
    });
  }

  it('exports weights in input units and imports them back', async () => {
    const { device } = await nodeDevice();
    const config: SaeConfigInput = { ...SMALL, arch: 'jumprelu', normalizeActivations: 'expected_average_only_in', initialThreshold: 0.05 };
    const a = await createSaeTrainer(device, config);
    const data = source();
    for (let s = 0; s < 2; s++) await a.step(data.next(37).map((v) => v * 7));
    const w = await a.exportWeights();
    expect(w.threshold?.length).toBe(48);
    const b = await createSaeTrainer(device, config);
    await b.importWeights(w);
    const w2 = await b.exportWeights();
    for (const key of ['W_enc', 'W_dec', 'b_enc', 'b_dec', 'threshold'] as const) expectClose(w2[key] as Float32Array, w[key] as Float32Array, { atol: 1e-6, rtol: 1e-5 });
    a.destroy();
    b.destroy();
  });

  it('reports every metric per step and the histograms every histogramEvery steps', async () => {
    const { device } = await nodeDevice();
    const t = await createSaeTrainer(device, SMALL);
    const data = source();
    for (let s = 0; s < 4; s++) await t.step(data.next(37));
    await t.metrics();
    const rows = t.takeMetrics();
    expect(rows.map((m) => m.step)).toEqual([0, 1, 2, 3]);
    expect(rows.map((m) => m.tokens)).toEqual([37, 74, 111, 148]);
    for (const m of rows) {
      for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
      expect(m.l0).toBeCloseTo(4, 5);
      expect(m.loss).toBeCloseTo(m.mse + m.sparsityLoss + m.auxLoss, 5);
    }
    const h = t.histograms();
    expect(h?.step).toBe(4);
    const density = h?.densityLog10;
    expect((density?.counts.reduce((a, b) => a + b, 0) ?? 0) + (density?.zero ?? 0)).toBe(48);
    expect(h?.decoderNorm.counts.reduce((a, b) => a + b, 0)).toBe(48);
    // Unit-norm decoder rows: every norm sits in a bin around 1.
    expect(h?.decoderNorm.edges[0]).toBeCloseTo(1, 4);
    t.destroy();
  });

  it('keeps the histogram cadence when resampling flushes the metrics between readbacks', async () => {
    const { device } = await nodeDevice();
    const t = await createSaeTrainer(device, { ...SMALL, arch: 'relu', resampleEvery: 3 });
    const data = source();
    for (let s = 0; s < 4; s++) await t.step(data.next(37));
    await t.metrics();
    expect(t.takeMetrics().map((m) => m.step)).toEqual([0, 1, 2, 3]);
    expect(t.histograms()?.step).toBe(4);
    t.destroy();
  });

  it('rejects a batch of the wrong width with an error naming the field', async () => {
    const { device } = await nodeDevice();
    const t = await createSaeTrainer(device, SMALL);
    const err = await t.step(new Float32Array(37 * 15)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SaeConfigError);
    expect((err as SaeConfigError).field).toBe('batch');
    t.destroy();
  });

  it('rejects a dSae that no sharding fits in the device limits before allocating', async () => {
    const { device } = await nodeDevice();
    const width = Math.floor(Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize) / (4 * 1024));
    const dSae = MAX_SHARDS * width + 1;
    const err = await createSaeTrainer(device, { arch: 'relu', dIn: 1024, dSae, batchSize: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SaeConfigError);
    expect((err as SaeConfigError).field).toBe('dSae');
  });

  for (const bad of [NaN, Infinity]) {
    it(`stops on a ${bad} loss and keeps the last good state`, async () => {
      const { device } = await nodeDevice();
      const t = await createSaeTrainer(device, SMALL);
      const data = source();
      for (let s = 0; s < 3; s++) await t.step(data.next(37));
      const good = await t.saveState();
      const poisoned = data.next(37);
      poisoned[17] = bad;
      await t.step(poisoned);
      // Steps already queued behind the bad one must not touch the state either.
      await t.step(data.next(37));
      const err = await t.metrics().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SaeNumericError);
      expect((err as SaeNumericError).step).toBe(3);
      expect(t.stepCount).toBe(3);
      await expect(t.step(data.next(37))).rejects.toBeInstanceOf(SaeNumericError);
      const after = await t.saveState();
      expect(after.step).toBe(3);
      for (const name of ['W_enc', 'W_dec', 'b_enc', 'b_dec'] as const) expect(Array.from(after.params[name])).toEqual(Array.from(good.params[name]));
      expect(Array.from(after.adamM.W_enc)).toEqual(Array.from(good.adamM.W_enc));
      expect(Array.from(after.sinceFired)).toEqual(Array.from(good.sinceFired));
      // Loading the good state clears the halt and training goes on.
      await t.loadState(after);
      await t.step(data.next(37));
      expect((await t.metrics())?.step).toBe(3);
      t.destroy();
    });
  }
});

// Config validation: every bad field raises SaeConfigError naming that field; SAELens conventions
// fill SAELens's trainer defaults and count dead latents as its SAETrainer does.
import { describe, expect, it } from 'vitest';
import { deadWindowTokens, MAX_SHARDS, planShards, resolveConfig, SaeConfigError, usesSparseProducts, validateConfig, type SaeConfigInput } from './config';
import { randomArray } from '@/gpu/testing';
import { featureCountReference, featureUpdateReference } from './reference/feature_stats';
import { DuplicateArchitectureError, registerArchitecture } from './architectures';
import { topk } from './architectures/topk';

const LIMITS = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 };

function fieldOf(input: SaeConfigInput, limits = LIMITS): string | undefined {
  try {
    validateConfig(resolveConfig(input), limits);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(SaeConfigError);
    const err = e as SaeConfigError;
    expect(err.code).toBe('sae-config');
    expect(err.message).toContain(err.field);
    return err.field;
  }
}

describe('validateConfig', () => {
  const base: SaeConfigInput = { arch: 'topk', dIn: 64, dSae: 512, k: 8, batchSize: 256 };

  it('accepts the defaults of every architecture', () => {
    for (const arch of ['relu', 'topk', 'batchtopk', 'jumprelu'] as const) expect(fieldOf({ ...base, arch })).toBeUndefined();
  });
  it('rejects k > dSae', () => expect(fieldOf({ ...base, k: 513 })).toBe('k'));
  it('rejects k ≤ 0', () => {
    expect(fieldOf({ ...base, k: 0 })).toBe('k');
    expect(fieldOf({ ...base, arch: 'batchtopk', k: -3 })).toBe('k');
  });
  it('rejects a non-integer k', () => expect(fieldOf({ ...base, k: 2.5 })).toBe('k'));
  it('rejects lr ≤ 0 and a non-finite lr', () => {
    expect(fieldOf({ ...base, lr: 0 })).toBe('lr');
    expect(fieldOf({ ...base, lr: -1e-3 })).toBe('lr');
    expect(fieldOf({ ...base, lr: NaN })).toBe('lr');
  });
  it('shards dSae and batch buffers beyond the storage binding limit instead of rejecting them', () => {
    expect(fieldOf({ ...base, dIn: 4096, kAux: 8, dSae: 1 << 17 }, { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 2 ** 31 })).toBeUndefined();
    expect(planShards(resolveConfig({ ...base, dIn: 4096, kAux: 8, dSae: 1 << 17 }), { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 2 ** 31 })).toEqual([1 << 16, 1 << 16]);
    expect(fieldOf({ ...base, batchSize: 1 << 20 })).toBeUndefined();
  });
  it('plans full shards and a smaller last one, or a single shard when everything fits', () => {
    const c = resolveConfig({ arch: 'relu', dIn: 24, dSae: 48, batchSize: 37 });
    expect(planShards(c, LIMITS)).toEqual([48]);
    // Widest shard: ⌊limit / (4·max(dIn, rows))⌋ = ⌊2960 / 148⌋ = 20 latents.
    expect(planShards(c, LIMITS, 2960)).toEqual([20, 20, 8]);
    // TopK stacks the AuxK rows: 74 rows per latent.
    expect(planShards({ ...c, arch: 'topk' }, LIMITS, 2960)).toEqual([10, 10, 10, 10, 8]);
    expect(planShards({ ...c, dSae: 4096 }, { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 148 * 1024 })).toEqual([1024, 1024, 1024, 1024]);
    // A cap below one latent's buffers is the option's fault.
    expect(() => planShards(c, LIMITS, 100)).toThrow(expect.objectContaining({ field: 'maxShardBytes' }));
  });
  it('rejects shapes that no sharding can fit, naming the field', () => {
    // One encoder column [dIn, 1] exceeds the limit.
    expect(fieldOf({ ...base, dIn: 1 << 20, kAux: 8 }, { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 30 })).toBe('dIn');
    // The shared [rows, dIn] inputs / reconstructions (and a [rows, 1] activation column) exceed it.
    expect(fieldOf({ ...base, batchSize: 1 << 20 }, { maxStorageBufferBindingSize: 1 << 24, maxBufferSize: 1 << 30 })).toBe('batchSize');
    expect(fieldOf({ ...base, dIn: 1, kAux: 1, batchSize: 1 << 20 }, { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 30 })).toBe('batchSize');
    // More than MAX_SHARDS shards.
    expect(fieldOf({ ...base, dIn: 4096, kAux: 8, dSae: 1 << 17 }, { maxStorageBufferBindingSize: 1 << 24, maxBufferSize: 1 << 30 })).toBe('dSae');
    expect(fieldOf({ ...base, dSae: 64 * MAX_SHARDS + 1 }, { maxStorageBufferBindingSize: 4 * 512 * 64, maxBufferSize: 1 << 30 })).toBe('dSae');
    expect(fieldOf({ ...base, dSae: 64 * MAX_SHARDS }, { maxStorageBufferBindingSize: 4 * 512 * 64, maxBufferSize: 1 << 30 })).toBeUndefined();
  });
  it('rejects bad shapes, betas and schedules', () => {
    expect(fieldOf({ ...base, dIn: 0 })).toBe('dIn');
    expect(fieldOf({ ...base, dSae: 10.5 })).toBe('dSae');
    expect(fieldOf({ ...base, beta1: 1 })).toBe('beta1');
    expect(fieldOf({ ...base, lrDecay: 'step' as never })).toBe('lrDecay');
    expect(fieldOf({ ...base, metricsEvery: 10, histogramEvery: 15 })).toBe('histogramEvery');
    expect(fieldOf({ ...base, arch: 'jumprelu', bandwidth: 0 })).toBe('bandwidth');
    expect(fieldOf({ ...base, arch: 'nope' as never })).toBe('arch');
    expect(fieldOf({ ...base, sparseProducts: 'csr' as never })).toBe('sparseProducts');
  });

  it('runs sparse decoder products only for sparse enough TopK-family activations, unless told', () => {
    const sparse = (input: Partial<SaeConfigInput>) => usesSparseProducts(resolveConfig({ arch: 'topk', dIn: 64, dSae: 512, ...input }));
    expect(sparse({ k: 32, kAux: 32 })).toBe(false);
    expect(sparse({ dSae: 1024, k: 32, kAux: 32 })).toBe(false);
    expect(sparse({ dSae: 2048, k: 32, kAux: 32 })).toBe(true);
    expect(sparse({ dSae: 6144, k: 32, kAux: 384 })).toBe(true);
    expect(sparse({ dSae: 2048, k: 64 })).toBe(false);
    expect(sparse({ arch: 'batchtopk', dSae: 6144, k: 32 })).toBe(true);
    expect(sparse({ k: 32, kAux: 32, sparseProducts: 'sparse' })).toBe(true);
    expect(sparse({ dSae: 6144, k: 32, sparseProducts: 'dense' })).toBe(false);
    expect(sparse({ arch: 'relu', dSae: 6144, sparseProducts: 'sparse' })).toBe(false);
  });
});

describe('trainer conventions', () => {
  it('fills SAELens trainer defaults where they differ, keeps explicit fields, and defaults older configs to Lantern', () => {
    const saelens = resolveConfig({ arch: 'topk', dIn: 64, dSae: 512, conventions: 'saelens' });
    expect(saelens).toMatchObject({ gradClipNorm: 1, auxCoefficient: 1, beta1: 0, deadFeatureWindow: 1000, deadFeatureWindowUnit: 'steps', kAux: 32 });
    expect(resolveConfig({ arch: 'topk', dIn: 64, dSae: 512, conventions: 'saelens', auxCoefficient: 0.25 }).auxCoefficient).toBe(0.25);
    // A run config stored before the choice existed has none of the new fields.
    const older = resolveConfig({ arch: 'topk', dIn: 64, dSae: 512, deadFeatureWindow: 5000, auxCoefficient: 1 / 32 });
    expect(older).toMatchObject({ conventions: 'lantern', gradClipNorm: 0, deadFeatureWindowUnit: 'tokens', beta1: 0.9 });
    expect(deadWindowTokens(older)).toBe(5000);
  });

  it('rejects unknown conventions, a negative clip norm and a steps window beyond 2^31 tokens', () => {
    const base: SaeConfigInput = { arch: 'topk', dIn: 64, dSae: 512, k: 8, batchSize: 256 };
    expect(fieldOf({ ...base, conventions: 'torch' as never })).toBe('conventions');
    expect(fieldOf({ ...base, gradClipNorm: -1 })).toBe('gradClipNorm');
    expect(fieldOf({ ...base, gradClipNorm: Infinity })).toBe('gradClipNorm');
    expect(fieldOf({ ...base, deadFeatureWindowUnit: 'epochs' as never })).toBe('deadFeatureWindowUnit');
    expect(fieldOf({ ...base, conventions: 'saelens', deadFeatureWindow: 2 ** 23 })).toBe('deadFeatureWindow');
    expect(fieldOf({ ...base, conventions: 'saelens', deadFeatureWindow: 2 ** 23 - 2 })).toBeUndefined();
  });

  it('counts a latent dead after more than dead_feature_window steps without firing, as SAELens does', () => {
    const [nTok, dSae, steps, window] = [5, 12, 30, 3];
    const c = resolveConfig({ arch: 'topk', dIn: 8, dSae, batchSize: nTok, conventions: 'saelens', deadFeatureWindow: window });
    // SAETrainer: n_forward_passes_since_fired += 1, reset where a latent fired; dead = passes > window.
    const passes = new Array<number>(dSae).fill(0);
    const sinceFired = new Uint32Array(dSae);
    const fireCount = new Uint32Array(dSae);
    const rand = randomArray(steps * dSae, 5, 0, 1);
    let sawDead = false;
    for (let t = 0; t < steps; t++) {
      // Latent j fires on a step with probability j / (2·dSae): some fire often, some go quiet for long runs.
      const feat = new Float32Array(2 * dSae);
      for (let j = 0; j < dSae; j++) feat[dSae + j] = rand[t * dSae + j] < j / (2 * dSae) ? 1 : 0;
      for (let j = 0; j < dSae; j++) passes[j] = feat[dSae + j] > 0 ? 0 : passes[j] + 1;
      featureUpdateReference(feat, sinceFired, fireCount, nTok, dSae);
      const want = passes.filter((p) => p > window).length;
      expect(featureCountReference(feat, sinceFired, nTok, dSae, deadWindowTokens(c), 1).dead, `step ${t}`).toBe(want);
      sawDead ||= want > 0 && want < dSae;
    }
    expect(sawDead).toBe(true);
  });
});

describe('architecture registry', () => {
  it('rejects registering a name twice', () => {
    expect(() => registerArchitecture(topk)).toThrow(DuplicateArchitectureError);
  });
});

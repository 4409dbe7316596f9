// Config validation: every bad field raises SaeConfigError naming that field.
import { describe, expect, it } from 'vitest';
import { resolveConfig, SaeConfigError, validateConfig, type SaeConfigInput } from './config';
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
  it('rejects dSae beyond the device storage binding limit', () => {
    expect(fieldOf({ ...base, dIn: 4096, dSae: 1 << 17 }, { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 31 })).toBe('dSae');
  });
  it('rejects a batch whose activations exceed the binding limit', () => {
    expect(fieldOf({ ...base, batchSize: 1 << 20 })).toBe('batchSize');
  });
  it('rejects bad shapes, betas and schedules', () => {
    expect(fieldOf({ ...base, dIn: 0 })).toBe('dIn');
    expect(fieldOf({ ...base, dSae: 10.5 })).toBe('dSae');
    expect(fieldOf({ ...base, beta1: 1 })).toBe('beta1');
    expect(fieldOf({ ...base, lrDecay: 'step' as never })).toBe('lrDecay');
    expect(fieldOf({ ...base, metricsEvery: 10, histogramEvery: 15 })).toBe('histogramEvery');
    expect(fieldOf({ ...base, arch: 'jumprelu', bandwidth: 0 })).toBe('bandwidth');
    expect(fieldOf({ ...base, arch: 'nope' as never })).toBe('arch');
  });
});

describe('architecture registry', () => {
  it('rejects registering a name twice', () => {
    expect(() => registerArchitecture(topk)).toThrow(DuplicateArchitectureError);
  });
});

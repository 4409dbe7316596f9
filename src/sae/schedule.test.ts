// LR and sparsity-coefficient schedules: warm-up ramps, then constant / linear / cosine decay.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config';
import { lrAt, sparsityCoefAt } from './schedule';

describe('schedules', () => {
  const base = resolveConfig({ arch: 'relu', dIn: 8, dSae: 16, lr: 1e-3, lrWarmupSteps: 10, totalSteps: 110, lrEndFraction: 0.1 });

  it('warms the LR up linearly', () => {
    expect(lrAt(base, 0)).toBeCloseTo(1e-4, 12);
    expect(lrAt(base, 4)).toBeCloseTo(5e-4, 12);
    expect(lrAt(base, 9)).toBeCloseTo(1e-3, 12);
  });
  it('keeps a constant LR after warm-up', () => expect(lrAt(base, 100)).toBe(1e-3));
  it('decays linearly to lr·lrEndFraction at totalSteps', () => {
    const c = { ...base, lrDecay: 'linear' as const };
    expect(lrAt(c, 10)).toBeCloseTo(1e-3, 12);
    expect(lrAt(c, 60)).toBeCloseTo(5.5e-4, 12);
    expect(lrAt(c, 110)).toBeCloseTo(1e-4, 12);
    expect(lrAt(c, 500)).toBeCloseTo(1e-4, 12);
  });
  it('decays along a half cosine', () => {
    const c = { ...base, lrDecay: 'cosine' as const };
    expect(lrAt(c, 10)).toBeCloseTo(1e-3, 12);
    expect(lrAt(c, 60)).toBeCloseTo(5.5e-4, 12);
    expect(lrAt(c, 110)).toBeCloseTo(1e-4, 12);
  });
  it('warms the sparsity coefficient up', () => {
    const c = { ...base, sparsityCoefficient: 2, sparsityWarmupSteps: 4 };
    expect([0, 1, 2, 3, 4, 50].map((s) => sparsityCoefAt(c, s))).toEqual([0.5, 1, 1.5, 2, 2, 2]);
  });
});

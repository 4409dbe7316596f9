// Tests for the synthetic superposition source: determinism, resumable state, sparsity and the recovery metric.
import { describe, expect, it } from 'vitest';
import { randomArray } from '@/gpu/testing';
import { createSyntheticSource, recovery, SyntheticError, Xoshiro128, type SyntheticOptions } from './synthetic';

const base: SyntheticOptions = { dIn: 64, nFeatures: 512, seed: 7 };

/**
 * Mean number of active features per sample, read back exactly: with nFeatures ≤ dIn the random
 * directions D [nFeatures, dIn] are independent, so x = Dᵀc has the unique solution c = (DDᵀ)⁻¹Dx.
 */
function meanActive(opts: SyntheticOptions, samples: number): number {
  const src = createSyntheticSource(opts);
  const { dIn, nFeatures: n, trueDirections: d } = src;
  const x = src.next(samples);
  // 1. Cholesky factor L of the Gram matrix DDᵀ [n, n].
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let g = 0;
      for (let t = 0; t < dIn; t++) g += d[i * dIn + t] * d[j * dIn + t];
      for (let t = 0; t < j; t++) g -= L[i * n + t] * L[j * n + t];
      L[i * n + j] = i === j ? Math.sqrt(g) : g / L[j * n + j];
    }
  }
  // 2. Per sample: y = Dx, solve L z = y, Lᵀ c = z, count |c| above round-off.
  let active = 0;
  const c = new Float64Array(n);
  for (let b = 0; b < samples; b++) {
    for (let i = 0; i < n; i++) {
      let y = 0;
      for (let t = 0; t < dIn; t++) y += d[i * dIn + t] * x[b * dIn + t];
      for (let t = 0; t < i; t++) y -= L[i * n + t] * c[t];
      c[i] = y / L[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let z = c[i];
      for (let t = i + 1; t < n; t++) z -= L[t * n + i] * c[t];
      c[i] = z / L[i * n + i];
    }
    for (let i = 0; i < n; i++) if (Math.abs(c[i]) > 1e-3) active++;
  }
  return active / samples;
}

describe('Xoshiro128', () => {
  it('gives the same stream from the same seed and different streams from nearby seeds', () => {
    const a = new Xoshiro128(1);
    const b = new Xoshiro128(1);
    const c = new Xoshiro128(2);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
  });

  it('draws uniforms with mean ≈ 0.5 and normals with variance ≈ 1', () => {
    const r = new Xoshiro128(3);
    let u = 0;
    let n2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      u += r.uniform();
      n2 += r.normal() ** 2;
    }
    expect(u / n).toBeCloseTo(0.5, 1);
    expect(n2 / n).toBeCloseTo(1, 1);
  });
});

describe('createSyntheticSource', () => {
  it('is deterministic from its seed', () => {
    const a = createSyntheticSource(base);
    const b = createSyntheticSource(base);
    expect(b.trueDirections).toEqual(a.trueDirections);
    expect(b.next(32)).toEqual(a.next(32));
    expect(b.next(5)).toEqual(a.next(5));
    const c = createSyntheticSource({ ...base, seed: 8 });
    expect(c.trueDirections).not.toEqual(a.trueDirections);
  });

  it('has unit-norm true directions of shape [nFeatures, dIn]', () => {
    const src = createSyntheticSource({ ...base, dIn: 48, nFeatures: 100 });
    expect(src.trueDirections.length).toBe(100 * 48);
    for (let f = 0; f < 100; f++) {
      let norm = 0;
      for (let j = 0; j < 48; j++) norm += src.trueDirections[f * 48 + j] ** 2;
      expect(Math.sqrt(norm)).toBeCloseTo(1, 5);
    }
  });

  it('continues identically after saveState/loadState, including through JSON', () => {
    const a = createSyntheticSource({ ...base, noise: 0.05, correlatedGroups: 3 });
    a.next(10);
    const state = JSON.parse(JSON.stringify(a.saveState())) as unknown;
    const expected = a.next(20);
    const b = createSyntheticSource({ ...base, noise: 0.05, correlatedGroups: 3 });
    b.loadState(state);
    expect(b.next(20)).toEqual(expected);
    a.loadState(state);
    expect(a.next(20)).toEqual(expected);
  });

  it('rejects a malformed state', () => {
    const src = createSyntheticSource(base);
    expect(() => src.loadState({ rng: [1, 2, 3] })).toThrow(SyntheticError);
    expect(() => src.loadState({ rng: [0, 0, 0, 0] })).toThrow(/state/);
    expect(() => src.loadState(null)).toThrow(/state/);
  });

  it('activates `sparsity` features per sample on average (default 4)', () => {
    const n = { dIn: 64, nFeatures: 32, seed: 11 };
    const four = meanActive(n, 4000);
    expect(four).toBeGreaterThan(3.8);
    expect(four).toBeLessThan(4.2);
    const eight = meanActive({ ...n, sparsity: 8, powerLaw: 1 }, 4000);
    expect(eight).toBeGreaterThan(7.5);
    expect(eight).toBeLessThan(8.5);
  });

  it('keeps the mean sparsity with correlated groups', () => {
    const grouped = meanActive({ dIn: 64, nFeatures: 32, seed: 5, correlatedGroups: 4 }, 4000);
    expect(grouped).toBeGreaterThan(3.6);
    expect(grouped).toBeLessThan(4.4);
  });

  it('fires frequent features more often under the power law', () => {
    const src = createSyntheticSource({ dIn: 256, nFeatures: 16, seed: 2, powerLaw: 1 });
    const x = src.next(4000);
    const freq = (f: number) => {
      let k = 0;
      for (let b = 0; b < 4000; b++) {
        let dot = 0;
        for (let j = 0; j < 256; j++) dot += x[b * 256 + j] * src.trueDirections[f * 256 + j];
        if (dot > 0.5) k++;
      }
      return k;
    };
    expect(freq(0)).toBeGreaterThan(3 * freq(15));
  });

  it('adds Gaussian noise of the requested scale', () => {
    const src = createSyntheticSource({ dIn: 32, nFeatures: 8, seed: 1, sparsity: 1e-9, noise: 0.5 });
    const x = src.next(1000);
    const variance = x.reduce((acc, v) => acc + v * v, 0) / x.length;
    expect(Math.sqrt(variance)).toBeCloseTo(0.5, 1);
  });

  it.each([
    ['dIn', { dIn: 0 }],
    ['dIn', { dIn: 3.5 }],
    ['nFeatures', { nFeatures: -1 }],
    ['seed', { seed: Number.NaN }],
    ['sparsity', { sparsity: 0 }],
    ['sparsity', { sparsity: 1000 }],
    ['powerLaw', { powerLaw: -0.1 }],
    ['correlatedGroups', { correlatedGroups: 1.5 }],
    ['correlatedGroups', { correlatedGroups: 200 }],
    ['groupSize', { groupSize: 1 }],
    ['noise', { noise: Number.POSITIVE_INFINITY }],
  ] as const)('rejects an invalid %s naming the field', (field, patch) => {
    let caught: unknown;
    try {
      createSyntheticSource({ ...base, ...patch });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SyntheticError);
    expect((caught as SyntheticError).code).toBe('invalid-option');
    expect((caught as SyntheticError).details.field).toBe(field);
    expect((caught as SyntheticError).message).toContain(field);
  });
});

describe('recovery', () => {
  it('is 1 for the true directions themselves, in any order and scale', () => {
    const src = createSyntheticSource(base);
    expect(recovery(src.trueDirections, 512, src.trueDirections, 512, 64)).toEqual({ mmcs: expect.closeTo(1, 5), fractionAbove09: 1 });
    const shuffled = new Float32Array(src.trueDirections.length + 64);
    for (let f = 0; f < 512; f++) shuffled.set(src.trueDirections.subarray(f * 64, (f + 1) * 64).map((v) => 3 * v), (511 - f) * 64);
    const r = recovery(shuffled, 513, src.trueDirections, 512, 64);
    expect(r.mmcs).toBeCloseTo(1, 5);
    expect(r.fractionAbove09).toBe(1);
  });

  it('is low for random decoder rows', () => {
    const src = createSyntheticSource(base);
    const r = recovery(randomArray(1024 * 64, 99), 1024, src.trueDirections, 512, 64);
    expect(r.mmcs).toBeLessThan(0.6);
    expect(r.fractionAbove09).toBe(0);
  });

  it('counts zero decoder rows as cosine 0', () => {
    const src = createSyntheticSource({ dIn: 8, nFeatures: 4, seed: 1 });
    expect(recovery(new Float32Array(2 * 8), 2, src.trueDirections, 4, 8)).toEqual({ mmcs: 0, fractionAbove09: 0 });
  });

  it('rejects mismatched shapes', () => {
    const src = createSyntheticSource({ dIn: 8, nFeatures: 4, seed: 1 });
    expect(() => recovery(new Float32Array(15), 2, src.trueDirections, 4, 8)).toThrow(/W_dec/);
    expect(() => recovery(new Float32Array(16), 2, src.trueDirections, 5, 8)).toThrow(/trueDirections/);
  });
});

// Shared helpers for kernel tests: seeded random inputs and the atol + rtol·|ref| comparison.
import { expect } from 'vitest';
import { seededRandom } from '@/lm/random';

/** Deterministic uniform floats in [lo, hi) from a 32-bit seed (the shared mulberry32). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** Max |actual − expected| − (atol + rtol·|expected|) over all elements; ≤ 0 means close. */
export function worstExcess(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance) {
  let worst = -Infinity;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (tol.atol + tol.rtol * Math.abs(expected[i]));
    if (!(excess <= worst)) {
      worst = Number.isNaN(excess) ? Infinity : excess;
      at = i;
    }
  }
  return { worst, at };
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = { atol: 1e-5, rtol: 1e-4 }) {
  expect(actual.length).toBe(expected.length);
  const { worst, at } = worstExcess(actual, expected, tol);
  if (worst > 0) {
    throw new Error(
      `arrays differ at [${at}]: actual ${actual[at]}, expected ${expected[at]} (atol ${tol.atol}, rtol ${tol.rtol})`,
    );
  }
}

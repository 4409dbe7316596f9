// Shared helpers for kernel tests: seeded random inputs and the atol + rtol·|ref| comparison.
import { expect } from 'vitest';

/** Deterministic uniform floats in [lo, hi) from a 32-bit seed (mulberry32). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
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

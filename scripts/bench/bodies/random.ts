// Seeded random inputs for the bench bodies, usable in Node and in a page (src/gpu/testing's helper
// imports vitest, which a page cannot): uniform arrays and SAE weights of a given shape.
import { seededRandom } from '../../../src/lm/random';
import type { SaeWeights } from '../../../src/sae/types';

/** Uniform floats in [lo, hi) from a seed. */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

/** Random SAE weights of the given shape (the figures do not depend on what the latents mean). */
export function randomSae(dIn: number, dSae: number, seed: number): SaeWeights {
  return {
    dIn,
    dSae,
    W_enc: randomArray(dIn * dSae, seed, -0.2, 0.2),
    W_dec: randomArray(dSae * dIn, seed + 1),
    b_enc: randomArray(dSae, seed + 2, -0.1, 0),
    b_dec: randomArray(dIn, seed + 3, -0.05, 0.05),
  };
}

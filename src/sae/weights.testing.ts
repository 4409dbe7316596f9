// SAE weights with known behaviour, for tests and e2e specs (an exact identity, a tied unit-norm SAE),
// and pre-activations by the definition.
import { seededRandom } from '../lm/random';
import type { SaeWeights } from './types';

/** dSae = 2d, W_enc = [I, −I], W_dec = [I; −I]: relu(x) − relu(−x) = x exactly, so it scores 1. */
export function identitySae(d: number): SaeWeights {
  const W_enc = new Float32Array(d * 2 * d);
  const W_dec = new Float32Array(2 * d * d);
  for (let j = 0; j < d; j++) {
    W_enc[j * 2 * d + j] = 1;
    W_enc[j * 2 * d + d + j] = -1;
    W_dec[j * d + j] = 1;
    W_dec[(d + j) * d + j] = -1;
  }
  return { dIn: d, dSae: 2 * d, W_enc, W_dec, b_enc: new Float32Array(2 * d), b_dec: new Float32Array(d) };
}

/** Seeded unit-norm decoder rows and the tied encoder (W_enc = W_decᵀ), zero biases. */
export function tiedUnitSae(dIn: number, dSae: number, seed: number): SaeWeights {
  const rand = seededRandom(seed);
  const W_dec = new Float32Array(dSae * dIn);
  const W_enc = new Float32Array(dIn * dSae);
  for (let j = 0; j < dSae; j++) {
    const row = Array.from({ length: dIn }, () => rand() * 2 - 1);
    const norm = Math.hypot(...row);
    row.forEach((v, i) => {
      W_dec[j * dIn + i] = v / norm;
      W_enc[i * dSae + j] = v / norm;
    });
  }
  return { dIn, dSae, W_enc, W_dec, b_enc: new Float32Array(dSae), b_dec: new Float32Array(dIn) };
}

/** Pre-activations (x − b_dec)·W_enc + b_enc [n, dSae] of the rows of x [n, d], in float64. */
export function preActs(sae: SaeWeights, x: Float32Array, n: number): Float64Array {
  const { dIn: d, dSae } = sae;
  const out = new Float64Array(n * dSae);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < dSae; f++) {
      let pre = sae.b_enc[f];
      for (let j = 0; j < d; j++) pre += (x[i * d + j] - sae.b_dec[j]) * sae.W_enc[j * dSae + f];
      out[i * dSae + f] = pre;
    }
  }
  return out;
}

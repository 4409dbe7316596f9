// SAE weights with known behaviour, for tests and e2e specs: an exact identity and a tied unit-norm SAE.
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

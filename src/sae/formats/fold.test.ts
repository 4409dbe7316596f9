// fold_W_dec_norm as SAELens does it: unit decoder rows, encoder columns, b_enc and thresholds
// scaled by the row norms, the same reconstruction; TopK refused.
import { describe, expect, it } from 'vitest';
import { randomArray } from '@/gpu/testing';
import type { SaeWeights } from '../types';
import { foldDecoderNorm } from './fold';

const dIn = 7;
const dSae = 11;

function weights(seed: number): SaeWeights {
  const W_dec = randomArray(dSae * dIn, seed, -2, 2);
  // One dead latent with an all-zero decoder row stays as it is.
  W_dec.fill(0, 3 * dIn, 4 * dIn);
  return { dIn, dSae, W_enc: randomArray(dIn * dSae, seed + 1), W_dec, b_enc: randomArray(dSae, seed + 2), b_dec: randomArray(dIn, seed + 3), threshold: randomArray(dSae, seed + 4, 0, 0.3) };
}

/** SAELens's JumpReLU (threshold) or ReLU forward, written out: decode(encode(x - b_dec)). */
function forward(w: SaeWeights, x: Float32Array, jump: boolean): { acts: Float64Array; recon: Float64Array } {
  const acts = new Float64Array(dSae);
  for (let j = 0; j < dSae; j++) {
    let pre = w.b_enc[j];
    for (let i = 0; i < dIn; i++) pre += (x[i] - w.b_dec[i]) * w.W_enc[i * dSae + j];
    acts[j] = jump ? (pre > w.threshold![j] ? pre : 0) : Math.max(0, pre);
  }
  const recon = new Float64Array(dIn);
  for (let i = 0; i < dIn; i++) {
    let v = w.b_dec[i];
    for (let j = 0; j < dSae; j++) v += acts[j] * w.W_dec[j * dIn + i];
    recon[i] = v;
  }
  return { acts, recon };
}

const rowNorm = (w: SaeWeights, j: number) => Math.hypot(...w.W_dec.subarray(j * dIn, (j + 1) * dIn));

describe('foldDecoderNorm', () => {
  for (const arch of ['relu', 'jumprelu'] as const) {
    it(`${arch}: rows become unit norm, latents scale by their row norm, the reconstruction is unchanged`, () => {
      const w = weights(arch === 'relu' ? 5 : 9);
      const copy = structuredClone(w);
      const folded = foldDecoderNorm(w, arch);
      expect(w).toEqual(copy);
      for (let j = 0; j < dSae; j++) {
        const n = rowNorm(w, j);
        if (j === 3) {
          expect(n).toBe(0);
          expect(folded.W_dec.subarray(3 * dIn, 4 * dIn)).toEqual(w.W_dec.subarray(3 * dIn, 4 * dIn));
          continue;
        }
        expect(rowNorm(folded, j)).toBeCloseTo(1, 5);
        expect(folded.b_enc[j]).toBeCloseTo(w.b_enc[j] * n, 5);
        expect(folded.threshold![j]).toBeCloseTo(w.threshold![j] * n, 5);
        expect(folded.W_enc[2 * dSae + j]).toBeCloseTo(w.W_enc[2 * dSae + j] * n, 5);
      }
      expect(folded.b_dec).toEqual(w.b_dec);
      for (let t = 0; t < 5; t++) {
        const x = randomArray(dIn, 100 + t, -3, 3);
        const before = forward(w, x, arch === 'jumprelu');
        const after = forward(folded, x, arch === 'jumprelu');
        for (let j = 0; j < dSae; j++) expect(after.acts[j]).toBeCloseTo(before.acts[j] * (j === 3 ? 1 : rowNorm(w, j)), 4);
        for (let i = 0; i < dIn; i++) expect(after.recon[i]).toBeCloseTo(before.recon[i], 4);
      }
    });
  }

  it('refuses a TopK SAE, as SAELens does', () => {
    expect(() => foldDecoderNorm(weights(1), 'topk')).toThrow(expect.objectContaining({ code: 'invalid-option', message: expect.stringMatching(/not safe for a TopK SAE/) }));
  });
});


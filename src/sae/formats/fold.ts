// SAELens's `fold_W_dec_norm`: scales each latent's encoder column, encoder bias and threshold by its
// decoder row's norm and normalises the row, so activations are in units of a unit-norm decoder
// direction (as Neuronpedia's statistics are) while the reconstruction stays the same.
import type { Architecture, SaeWeights } from '../types';
import { SaeFormatError } from './common';

/** Rows of W_dec [dSae, dIn] with a norm below this are left unscaled (SAELens would divide by zero). */
const MIN_NORM = 1e-8;

/**
 * W_dec[j,:] /= n_j; W_enc[:,j] *= n_j; b_enc[j] *= n_j; threshold[j] *= n_j, with n_j = ‖W_dec[j,:]‖.
 * For ReLU and JumpReLU (BatchTopK is stored as JumpReLU) the pre-activations scale by n_j, so the
 * same latents fire with activations n_j times larger, and decoding them with the unit rows gives the
 * same reconstruction. TopK is refused, as SAELens refuses it: rescaling changes which k are largest.
 */
export function foldDecoderNorm(w: SaeWeights, architecture: Exclude<Architecture, 'batchtopk'>): SaeWeights {
  if (architecture === 'topk') {
    throw new SaeFormatError(
      'invalid-option',
      'fold_W_dec_norm is not safe for a TopK SAE (scaling the latents changes which k are largest), as SAELens says; import it without folding.',
      { option: 'fold_W_dec_norm', architecture },
    );
  }
  const { dIn, dSae } = w;
  const W_enc = new Float32Array(w.W_enc);
  const W_dec = new Float32Array(w.W_dec);
  const b_enc = new Float32Array(w.b_enc);
  const threshold = w.threshold && new Float32Array(w.threshold);
  for (let j = 0; j < dSae; j++) {
    // 1. n_j = ‖W_dec[j,:]‖ (in f64).
    let sq = 0;
    for (let i = 0; i < dIn; i++) sq += W_dec[j * dIn + i] ** 2;
    const n = Math.sqrt(sq);
    if (n < MIN_NORM) continue;
    // 2. Unit decoder row; encoder column, bias and threshold times n_j.
    for (let i = 0; i < dIn; i++) {
      W_dec[j * dIn + i] /= n;
      W_enc[i * dSae + j] *= n;
    }
    b_enc[j] *= n;
    if (threshold) threshold[j] *= n;
  }
  return { dIn, dSae, W_enc, W_dec, b_enc, b_dec: new Float32Array(w.b_dec), ...(threshold ? { threshold } : {}) };
}

// CPU reference for shaders/sae/sparse_weight_grads.wgsl: TopK-family weight gradients.

/**
 * The weight gradients sparse_weight_grads accumulates, written densely:
 * gWEnc [dIn, dSae] = x_inᵀ·dPre, gWDec [dSae, dIn] = actsᵀ·dRecon over all `rows`.
 */
export function sparseWeightGradsReference(xIn: Float32Array, dPre: Float32Array, acts: Float32Array, dRecon: Float32Array, nTok: number, rows: number, dIn: number, dSae: number) {
  const gWEnc = new Float32Array(dIn * dSae);
  const gWDec = new Float32Array(dSae * dIn);
  for (let n = 0; n < nTok; n++) {
    for (let j = 0; j < dSae; j++) {
      const d = dPre[n * dSae + j];
      if (d !== 0) for (let i = 0; i < dIn; i++) gWEnc[i * dSae + j] += d * xIn[n * dIn + i];
    }
  }
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dSae; j++) {
      const a = acts[r * dSae + j];
      if (a !== 0) for (let i = 0; i < dIn; i++) gWDec[j * dIn + i] += a * dRecon[r * dIn + i];
    }
  }
  return { gWEnc, gWDec };
}

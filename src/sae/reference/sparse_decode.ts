// CPU reference for shaders/sae/sparse_decode.wgsl: decoder products over the non-zero activations.

/** acts: [rows, dSae]; W_dec: [dSae, dIn] → recon [rows, dIn] = acts · W_dec. */
export function sparseDecodeReference(acts: Float32Array, wDec: Float32Array, rows: number, dIn: number, dSae: number): Float32Array {
  const recon = new Float32Array(rows * dIn);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dSae; j++) {
      const a = acts[r * dSae + j];
      if (a === 0) continue;
      for (let i = 0; i < dIn; i++) recon[r * dIn + i] += a * wDec[j * dIn + i];
    }
  }
  return recon;
}

/** dActs [rows, dSae] = (dRecon · W_decᵀ) where acts ≠ 0, else 0. */
export function sparseGradActsReference(acts: Float32Array, wDec: Float32Array, dRecon: Float32Array, rows: number, dIn: number, dSae: number): Float32Array {
  const out = new Float32Array(rows * dSae);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dSae; j++) {
      if (acts[r * dSae + j] === 0) continue;
      let d = 0;
      for (let i = 0; i < dIn; i++) d += dRecon[r * dIn + i] * wDec[j * dIn + i];
      out[r * dSae + j] = d;
    }
  }
  return out;
}

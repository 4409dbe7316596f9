// CPU reference for shaders/sae/decoder_norm.wgsl: decoder row norms, the decoder-gradient
// corrections (norm-weighted L1 term, parallel component removed) and renormalisation.

/** W_dec: [dSae, dIn] → [dSae] row norms. */
export function rowNormsReference(wDec: Float32Array, dSae: number, dIn: number): Float32Array {
  const out = new Float32Array(dSae);
  for (let j = 0; j < dSae; j++) {
    let s = 0;
    for (let i = 0; i < dIn; i++) s += wDec[j * dIn + i] ** 2;
    out[j] = Math.sqrt(s);
  }
  return out;
}

export interface DecoderGradOptions {
  /** c/nTok·Σ_n acts[n,j] per latent for the norm-weighted L1 term; omitted: no L1 term. */
  l1Scale?: Float32Array;
  unitNorm: boolean;
}

/** g: [dSae, dIn], updated in place. */
export function decoderGradReference(wDec: Float32Array, g: Float32Array, dSae: number, dIn: number, o: DecoderGradOptions): void {
  const norms = rowNormsReference(wDec, dSae, dIn);
  for (let j = 0; j < dSae; j++) {
    const norm = Math.max(norms[j], 1e-12);
    if (o.l1Scale) {
      const c = o.l1Scale[j] / norm;
      for (let i = 0; i < dIn; i++) g[j * dIn + i] += c * wDec[j * dIn + i];
    }
    if (o.unitNorm) {
      let dot = 0;
      for (let i = 0; i < dIn; i++) dot += g[j * dIn + i] * wDec[j * dIn + i];
      const c = dot / (norm * norm);
      for (let i = 0; i < dIn; i++) g[j * dIn + i] -= c * wDec[j * dIn + i];
    }
  }
}

/** Scales every row of W_dec to unit length, in place. */
export function normalizeRowsReference(wDec: Float32Array, dSae: number, dIn: number): void {
  const norms = rowNormsReference(wDec, dSae, dIn);
  for (let j = 0; j < dSae; j++) {
    const inv = 1 / Math.max(norms[j], 1e-12);
    for (let i = 0; i < dIn; i++) wDec[j * dIn + i] *= inv;
  }
}

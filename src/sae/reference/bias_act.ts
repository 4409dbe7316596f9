// CPU reference for shaders/sae/bias_act.wgsl: hidden_pre = pre + b_enc, then the activation.

/** 0: bias only (TopK, BatchTopK), 1: ReLU, 2: JumpReLU. */
export type BiasActMode = 0 | 1 | 2;

/** pre: [nTok, dSae]; b_enc, logThreshold: [dSae]. Returns hidden_pre and acts (zeros in mode 0). */
export function biasActReference(pre: Float32Array, bEnc: Float32Array, logThreshold: Float32Array | undefined, nTok: number, dSae: number, mode: BiasActMode) {
  const hidden = new Float32Array(nTok * dSae);
  const acts = new Float32Array(nTok * dSae);
  for (let n = 0; n < nTok; n++) {
    for (let j = 0; j < dSae; j++) {
      const h = Math.fround(pre[n * dSae + j] + bEnc[j]);
      hidden[n * dSae + j] = h;
      if (mode === 1) acts[n * dSae + j] = Math.max(h, 0);
      else if (mode === 2) acts[n * dSae + j] = h > Math.exp((logThreshold as Float32Array)[j]) ? h : 0;
    }
  }
  return { hidden, acts };
}

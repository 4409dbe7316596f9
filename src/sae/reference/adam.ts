// CPU reference for shaders/sae/adam.wgsl: one bias-corrected Adam step (PyTorch's formulation).

export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1-based step count t. */
  t: number;
}

/** Bias corrections bc1 = 1 − β1^t and √bc2 = √(1 − β2^t), computed in f64 then stored as f32 by the trainer. */
export function adamCorrections(s: AdamStep): { bc1: number; sqrtBc2: number } {
  return { bc1: Math.fround(1 - s.beta1 ** s.t), sqrtBc2: Math.fround(Math.sqrt(1 - s.beta2 ** s.t)) };
}

/** Updates p, m and v in place. */
export function adamReference(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamStep): void {
  const { bc1, sqrtBc2 } = adamCorrections(s);
  for (let i = 0; i < p.length; i++) {
    m[i] = s.beta1 * m[i] + (1 - s.beta1) * g[i];
    v[i] = s.beta2 * v[i] + (1 - s.beta2) * g[i] * g[i];
    p[i] -= ((s.lr / bc1) * m[i]) / (Math.sqrt(v[i]) / sqrtBc2 + s.eps);
  }
}

// CPU reference for shaders/sae/grad_norm.wgsl: the L2 norm of all gradients together and torch
// clip_grad_norm_'s scale factor (SAELens's trainer clips at max_norm 1.0 before every Adam step).

/** √(Σ_buffers Σ_i g[i]²), summed in f64. */
export function gradNormReference(grads: Float32Array[]): number {
  let total = 0;
  for (const g of grads) for (const v of g) total += v * v;
  return Math.sqrt(total);
}

/** clip_grad_norm_: the gradients are multiplied by min(1, maxNorm / (norm + 1e-6)). */
export function clipCoefficient(norm: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (norm + 1e-6));
}

// JumpReLU SAE: acts = pre·[pre > θ] with learned θ = exp(log_threshold), trained through a
// straight-through estimator of bandwidth ε, with an L0 penalty (SAELens JumpReLU training).
import type { ArchitectureDef } from './registry';

export const jumprelu: ArchitectureDef = {
  name: 'jumprelu',
  biasAct: 2,
  selection: 'none',
  backward: 2,
  sparsity: 2,
  aux: false,
  exportThreshold: 'learned',
  saelensArchitecture: 'jumprelu',
};

// ReLU SAE with an L1 penalty weighted by decoder row norms (SAELens "standard", April-update L1).
import type { ArchitectureDef } from './registry';

export const relu: ArchitectureDef = {
  name: 'relu',
  biasAct: 1,
  selection: 'none',
  backward: 0,
  sparsity: 1,
  aux: false,
  exportThreshold: 'none',
  saelensArchitecture: 'standard',
};

// BatchTopK SAE: the k·batch largest ReLU'd pre-activations over the whole batch (AuxK as TopK).
// Inference uses a running threshold, so the export is a JumpReLU SAE (as SAELens saves it).
import type { ArchitectureDef } from './registry';

export const batchtopk: ArchitectureDef = {
  name: 'batchtopk',
  biasAct: 0,
  selection: 'batch',
  backward: 1,
  sparsity: 0,
  aux: true,
  exportThreshold: 'running',
  saelensArchitecture: 'jumprelu',
};

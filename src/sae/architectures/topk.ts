// TopK SAE: the k largest pre-activations per token, ReLU'd, plus the AuxK loss that trains dead
// latents, decoded with b_dec as in SAELens, to reconstruct the residual (k_aux, scaled by min(dead / k_aux, 1)).
import type { ArchitectureDef } from './registry';

export const topk: ArchitectureDef = {
  name: 'topk',
  biasAct: 0,
  selection: 'rows',
  backward: 1,
  sparsity: 0,
  aux: true,
  exportThreshold: 'none',
  saelensArchitecture: 'topk',
};

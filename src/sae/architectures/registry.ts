// Registry of SAE architectures: one module per architecture registers a definition that tells
// the trainer which kernels and losses its step uses. Registering a name twice is an error.
import type { BiasActMode } from '../reference/bias_act';
import type { BackwardArch } from '../reference/encode_backward';
import type { SparsityMode } from '../reference/sae_loss';
import type { Architecture } from '../types';

export interface ArchitectureDef {
  name: Architecture;
  /** Activation fused with the encoder bias (bias_act MODE). */
  biasAct: BiasActMode;
  /** Top-k selection after the bias: per row (TopK), over the batch (BatchTopK) or none. */
  selection: 'none' | 'rows' | 'batch';
  /** Gradient rule in encode_backward. */
  backward: BackwardArch;
  /** Sparsity penalty in the loss. */
  sparsity: SparsityMode;
  /** AuxK loss on dead latents (rows nTok..2·nTok of the activation buffers). */
  aux: boolean;
  /** How the exported `threshold` is produced: JumpReLU's learned θ, BatchTopK's running T, or none. */
  exportThreshold: 'learned' | 'running' | 'none';
  /** SAELens architecture name written to cfg.json (BatchTopK is saved as JumpReLU). */
  saelensArchitecture: 'standard' | 'topk' | 'jumprelu';
}

export class DuplicateArchitectureError extends Error {
  readonly code = 'duplicate-architecture';
  constructor(readonly name: string) {
    super(`architecture "${name}" is already registered`);
    this.name = 'DuplicateArchitectureError';
  }
}

const registry = new Map<Architecture, ArchitectureDef>();

export function registerArchitecture(def: ArchitectureDef): void {
  if (registry.has(def.name)) throw new DuplicateArchitectureError(def.name);
  registry.set(def.name, def);
}

/** The definition for `name`; throws when it was never registered. */
export function architecture(name: Architecture): ArchitectureDef {
  const def = registry.get(name);
  if (!def) throw new Error(`architecture "${name}" is not registered`);
  return def;
}

export function registeredArchitectures(): Architecture[] {
  return [...registry.keys()];
}

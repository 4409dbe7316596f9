// Registers the built-in architectures once; import this module before looking one up.
import { batchtopk } from './batchtopk';
import { jumprelu } from './jumprelu';
import { registerArchitecture, registeredArchitectures } from './registry';
import { relu } from './relu';
import { topk } from './topk';

if (registeredArchitectures().length === 0) {
  for (const def of [relu, topk, batchtopk, jumprelu]) registerArchitecture(def);
}

export { architecture, registerArchitecture, registeredArchitectures, DuplicateArchitectureError, type ArchitectureDef } from './registry';

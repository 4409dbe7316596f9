// SAEs for the demo model (d_in 48) as SAELens saves them, for specs that import one through the Library.
import { packSaeLensZip } from '../src/sae/formats/bundle';
import { exportSaeLens } from '../src/sae/formats/saelens';
import type { SaeWeights } from '../src/sae/types';
import { tiedUnitSae } from '../src/sae/weights.testing';

export const DEMO_D_IN = 48;

/** `weights` zipped under `name` as a SAELens ReLU (or TopK, given k) SAE for the demo model at `hook`. */
export function demoSaeZip(name: string, weights: SaeWeights, hook: string, k?: number): Buffer {
  const files = exportSaeLens(weights, {
    ...(k === undefined ? { architecture: 'relu' as const } : { architecture: 'topk' as const, k }),
    modelName: 'lantern-fixtures/tiny-gpt2',
    hookName: hook,
    hookLayer: Number(/^blocks\.(\d+)\./.exec(hook)![1]),
  });
  return Buffer.from(packSaeLensZip(name, files));
}

/** A TopK SAE (k 4) with seeded unit decoder rows and a tied encoder, zipped under `name`. */
export function demoTopkZip(name: string, dSae: number, hook: string, seed = 5): Buffer {
  return demoSaeZip(name, tiedUnitSae(DEMO_D_IN, dSae, seed), hook, 4);
}

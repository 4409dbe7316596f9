// SAEs for the demo model (d_in 48) as SAELens saves them, for specs that import one through the Library.
import { seededRandom } from '../src/lm/random';
import { packSaeLensZip } from '../src/sae/formats/bundle';
import { exportSaeLens } from '../src/sae/formats/saelens';

export const DEMO_D_IN = 48;

/** A TopK SAE (k 4) with seeded unit decoder rows and a tied encoder, zipped under `name`. */
export function demoTopkZip(name: string, dSae: number, hook: string, seed = 5): Buffer {
  const rand = seededRandom(seed);
  const W_dec = new Float32Array(dSae * DEMO_D_IN);
  const W_enc = new Float32Array(DEMO_D_IN * dSae);
  for (let j = 0; j < dSae; j++) {
    const row = Array.from({ length: DEMO_D_IN }, () => rand() * 2 - 1);
    const norm = Math.hypot(...row);
    row.forEach((v, i) => {
      W_dec[j * DEMO_D_IN + i] = v / norm;
      W_enc[i * dSae + j] = v / norm;
    });
  }
  const files = exportSaeLens(
    { dIn: DEMO_D_IN, dSae, W_enc, W_dec, b_enc: new Float32Array(dSae), b_dec: new Float32Array(DEMO_D_IN) },
    { architecture: 'topk', k: 4, modelName: 'lantern-fixtures/tiny-gpt2', hookName: hook, hookLayer: Number(/^blocks\.(\d+)\./.exec(hook)![1]) },
  );
  return Buffer.from(packSaeLensZip(name, files));
}

// The 2-D feature map: UMAP (umap-js, seeded so a recomputation is identical) of the unit decoder
// directions, run a slice of epochs at a time so a job can report progress between slices.
import { UMAP } from 'umap-js';
import { seededRandom } from '../lm/random';

export class FeatureMapLayout {
  private readonly umap?: UMAP;
  private readonly epochs: number;
  private epoch = 0;
  private readonly rows: number[][];

  /** unitDec: [dSae, dIn] rows of unit length. */
  constructor(unitDec: Float32Array, dSae: number, dIn: number, seed = 1) {
    this.rows = Array.from({ length: dSae }, (_, j) => Array.from(unitDec.subarray(j * dIn, (j + 1) * dIn)));
    // UMAP needs a few neighbours; a handful of latents are laid out by their first two coordinates.
    if (dSae < 8) {
      this.epochs = 0;
      return;
    }
    this.umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, dSae - 1), minDist: 0.1, random: seededRandom(seed) });
    this.epochs = this.umap.initializeFit(this.rows);
  }

  get done(): boolean {
    return this.epoch >= this.epochs;
  }

  get progress(): number {
    return this.epochs ? this.epoch / this.epochs : 1;
  }

  /** Runs epochs until `budgetMs` has passed or the layout is done. */
  run(budgetMs: number): void {
    const t0 = performance.now();
    while (!this.done && performance.now() - t0 < budgetMs) this.epoch = this.umap!.step();
  }

  /** [dSae, 2] positions, x then y per latent. */
  positions(): number[] {
    const embedding = this.umap ? this.umap.getEmbedding() : this.rows.map((r) => [r[0] ?? 0, r[1] ?? 0]);
    return embedding.flatMap(([x, y]) => [x, y]);
  }
}

// A mixing buffer of activation rows for SAE training: fill it from extraction chunks, draw seeded
// random batches [batch, dModel] without replacement, refill when it runs low (as SAELens does).
import { LmError } from './errors';
import { seededRandom } from './random';

export class ShuffleBuffer {
  /** [capacity, dModel] row-major; rows [0, size) are live. */
  private readonly rows: Float32Array;
  private count = 0;
  private readonly rand: () => number;

  constructor(
    readonly dModel: number,
    readonly capacity: number,
    seed = 0,
  ) {
    this.rows = new Float32Array(capacity * dModel);
    this.rand = seededRandom(seed);
  }

  get size(): number {
    return this.count;
  }

  get free(): number {
    return this.capacity - this.count;
  }

  /** True below `fraction` full: time to add more chunks before sampling on. */
  needsRefill(fraction = 0.5): boolean {
    return this.count < this.capacity * fraction;
  }

  /**
   * Copies rows of `activations` [n, dModel], starting at row `from`, until full.
   * Returns the number of rows taken; the caller keeps the rest for later.
   */
  add(activations: Float32Array, from = 0): number {
    const d = this.dModel;
    if (activations.length % d !== 0) {
      throw new LmError('BAD_INPUT', `Activations of length ${activations.length} are not rows of ${d}`, { length: activations.length, dModel: d });
    }
    const n = Math.min(activations.length / d - from, this.free);
    this.rows.set(activations.subarray(from * d, (from + n) * d), this.count * d);
    this.count += n;
    return n;
  }

  /** Removes `batch` uniformly random rows (swap-remove) → [batch, dModel]. */
  sample(batch: number): Float32Array {
    if (batch > this.count) {
      throw new LmError('BAD_INPUT', `Asked for ${batch} rows but the buffer holds ${this.count}`, { batch, size: this.count });
    }
    const d = this.dModel;
    const out = new Float32Array(batch * d);
    for (let b = 0; b < batch; b++) {
      const i = Math.floor(this.rand() * this.count);
      out.set(this.rows.subarray(i * d, (i + 1) * d), b * d);
      this.count--;
      if (i !== this.count) this.rows.copyWithin(i * d, this.count * d, (this.count + 1) * d);
    }
    return out;
  }
}

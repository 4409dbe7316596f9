// The feature map: seeded UMAP gives the same layout when recomputed, in slices or at once, and
// puts latents with nearly equal decoder directions next to each other.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../lm/random';
import { unitRows } from './effects';
import { FeatureMapLayout } from './map';

/** Three tight clusters of decoder directions in 12 dimensions, 10 latents each. */
function clustered(): Float32Array {
  const rand = seededRandom(4);
  const centres = Array.from({ length: 3 }, () => Array.from({ length: 12 }, () => rand() * 2 - 1));
  const w = new Float32Array(30 * 12);
  for (let j = 0; j < 30; j++) for (let i = 0; i < 12; i++) w[j * 12 + i] = centres[j % 3][i] + 0.05 * (rand() - 0.5);
  return unitRows(w, 30, 12);
}

describe('FeatureMapLayout', () => {
  it('is the same layout whether run in slices or at once, and groups near-identical directions', () => {
    const sliced = new FeatureMapLayout(clustered(), 30, 12);
    while (!sliced.done) sliced.run(1);
    const whole = new FeatureMapLayout(clustered(), 30, 12);
    whole.run(60_000);
    const p = sliced.positions();
    expect(p).toEqual(whole.positions());
    expect(p).toHaveLength(60);
    const dist = (a: number, b: number) => Math.hypot(p[2 * a] - p[2 * b], p[2 * a + 1] - p[2 * b + 1]);
    let within = 0;
    let across = 0;
    for (let a = 0; a < 30; a++) {
      for (let b = a + 1; b < 30; b++) {
        if (a % 3 === b % 3) within += dist(a, b);
        else across += dist(a, b);
      }
    }
    expect(within / 135).toBeLessThan(across / 300 / 2);
  });
});

// The equal-width histogram the trainer and the feature analysis share: its edges span the values,
// the maximum lands in the last bin, and equal values get a one-wide range instead of a zero one.
import { describe, expect, it } from 'vitest';
import { histogram } from './histogram';

describe('histogram', () => {
  it('spans [min, max] in equal bins, the maximum counted in the last bin', () => {
    expect(histogram([0, 1, 2, 3, 4], 2)).toEqual({ edges: [0, 2, 4], counts: [2, 3] });
    expect(histogram(new Float32Array([0.5, -1, -0.25]), 3)).toEqual({ edges: [-1, -0.5, 0, 0.5], counts: [1, 1, 1] });
  });

  it('gives values that are all equal a one-wide range from that value', () => {
    const h = histogram([7, 7], 4);
    expect(h.edges).toEqual([7, 7.25, 7.5, 7.75, 8]);
    expect(h.counts).toEqual([2, 0, 0, 0]);
  });
});

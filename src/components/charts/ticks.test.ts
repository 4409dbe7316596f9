// Tick labels: ticks closer than the default rounding still read differently, and round ticks
// get no needless decimals.
import { describe, expect, it } from 'vitest';
import { tickLabels } from './ticks';

describe('tickLabels', () => {
  it('gives decoder norms near 1 enough decimals to tell them apart', () => {
    const labels = tickLabels([0.99996, 0.99998, 1, 1.00002, 1.00004]);
    expect(labels).toEqual(['0.99996', '0.99998', '1.00000', '1.00002', '1.00004']);
    expect(new Set(labels).size).toBe(5);
  });

  it('keeps whole ticks whole and quarter steps exact', () => {
    expect(tickLabels([0, 50, 100])).toEqual(['0', '50', '100']);
    expect(tickLabels([0, 0.25, 0.5, 0.75])).toEqual(['0.00', '0.25', '0.50', '0.75']);
    expect(tickLabels([-6, -4, -2, 0])).toEqual(['-6', '-4', '-2', '0']);
  });

  it('leaves a missing tick empty', () => {
    expect(tickLabels([null, 1.5, 2])).toEqual(['', '1.5', '2.0']);
  });
});

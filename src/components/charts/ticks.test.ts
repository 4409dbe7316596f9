// Tick labels: ticks closer than the default rounding still read differently, and round ticks
// get no needless decimals.
import { describe, expect, it } from 'vitest';
import { tickLabels, tickSpace } from './ticks';

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

describe('tickSpace', () => {
  it('keeps the default spacing for short labels and widens it for long ones', () => {
    expect(tickSpace(-7, 0)).toBe(50);
    expect(tickSpace(0, 400)).toBe(50);
    // Norms within 2e-7 of 1 need 8 decimals: "1.00000010" is 10 characters.
    expect(tickSpace(0.9999999, 1.0000001)).toBeGreaterThanOrEqual(10 * 7.5);
  });
});

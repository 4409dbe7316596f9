// Half-precision conversions: exact on representable values, round-to-nearest-even, specials.
import { describe, expect, it } from 'vitest';
import { floatToHalf, halfToFloat } from './half';

describe('half conversions', () => {
  it('round-trips every finite half exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = halfToFloat(h);
      if (Number.isNaN(x)) continue;
      expect(floatToHalf(x)).toBe(h);
    }
  });

  it('rounds to nearest even and saturates to infinity', () => {
    expect(halfToFloat(floatToHalf(1 + 2 ** -11))).toBe(1);
    expect(halfToFloat(floatToHalf(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(halfToFloat(floatToHalf(1e6))).toBe(Infinity);
    expect(halfToFloat(floatToHalf(-1e-9))).toBe(-0);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
    expect(halfToFloat(floatToHalf(2 ** -24))).toBe(2 ** -24);
  });
});

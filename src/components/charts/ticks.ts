// Axis tick labels with as many decimals as the ticks need to read exactly, so neighbouring ticks
// never print the same text (decoder norms near 1 read 0.99998, 1.00000, not "1 1 1").

const MAX_DECIMALS = 12;

/** One label per tick (empty for a missing tick), all with the same number of decimals. */
export function tickLabels(vals: (number | null)[]): string[] {
  const nums = vals.filter((v): v is number => v !== null && Number.isFinite(v));
  let step = Infinity;
  for (let i = 1; i < nums.length; i++) {
    const d = Math.abs(nums[i] - nums[i - 1]);
    if (d > 0 && d < step) step = d;
  }
  const tolerance = Number.isFinite(step) ? step * 1e-3 : 0;
  let decimals = 0;
  while (decimals < MAX_DECIMALS && nums.some((v) => Math.abs(Number(v.toFixed(decimals)) - v) > tolerance)) decimals++;
  return vals.map((v) => (v === null ? '' : v.toFixed(decimals)));
}

/** Approximate width of one tick-label character (12 px axis font), in CSS pixels. */
const CHAR_PX = 7.5;

/**
 * Minimum pixels between ticks for an axis over [min, max], so that labels needing many decimals
 * (a range of 2e-7 around 1) get fewer ticks instead of overlapping.
 */
export function tickSpace(min: number, max: number): number {
  const span = Math.abs(max - min);
  const decimals = span > 0 && Number.isFinite(span) ? Math.min(MAX_DECIMALS, Math.max(0, Math.ceil(-Math.log10(span / 5)))) : 0;
  const whole = Math.floor(Math.log10(Math.max(1, Math.abs(min), Math.abs(max)))) + 1 + (min < 0 ? 1 : 0);
  const chars = whole + (decimals ? decimals + 1 : 0);
  return Math.min(220, Math.max(50, chars * CHAR_PX + 24));
}

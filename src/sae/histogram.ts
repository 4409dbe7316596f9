// Equal-width histograms of per-latent statistics: the trainer's decoder-norm chart and the
// feature analysis's logit-effect histogram.

export interface Histogram {
  /** Bin edges, length counts.length + 1. */
  edges: number[];
  counts: number[];
}

/** `bins` equal-width bins over [min, max] of `values` (a one-wide range when they are all equal). */
export function histogram(values: ArrayLike<number>, bins: number): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  if (!(hi > lo)) hi = lo + 1;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) counts[Math.min(bins - 1, Math.floor(((values[i] - lo) / (hi - lo)) * bins))]++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins), counts };
}

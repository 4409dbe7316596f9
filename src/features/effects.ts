// Logit effects (W_dec[i]·W_U: top and bottom tokens, histogram) for a block of latents at a time
// through a row product, and decoder-cosine neighbours of a block; each runs on the CPU or the GPU.
import { matmulReference } from '../gpu/reference/matmul';
import { histogram } from '../sae/histogram';
import type { HistogramData } from '../storage/db';
import { LOGIT_TOKENS, NEIGHBOURS, type LogitEntry } from './types';

/** A[rows, K] · B for one fixed B: [cols] values per row. */
export interface RowProduct {
  readonly cols: number;
  multiply(a: Float32Array, rows: number): Promise<Float32Array>;
  release(): void;
}

/** B stored [K, N] ('nn') or [N, K] ('nt'), multiplied by the CPU matmul reference. */
export function cpuProduct(b: Float32Array, K: number, N: number, layout: 'nn' | 'nt'): RowProduct {
  return { cols: N, multiply: async (a, rows) => matmulReference(a, b, rows, N, K, layout), release: () => {} };
}

/** Rows of W_dec [dSae, dIn] scaled to unit length (zero rows stay zero). */
export function unitRows(wDec: Float32Array, dSae: number, dIn: number): Float32Array {
  const out = new Float32Array(wDec.length);
  for (let j = 0; j < dSae; j++) {
    let s = 0;
    for (let i = 0; i < dIn; i++) s += wDec[j * dIn + i] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let i = 0; i < dIn; i++) out[j * dIn + i] = wDec[j * dIn + i] * inv;
  }
  return out;
}

/** The n largest (sign 1) or smallest (sign −1) entries, ties to the lower index; `skip` is left out. */
function extremes(row: Float32Array, n: number, sign: 1 | -1, skip = -1): { index: number; value: number }[] {
  const best: { index: number; value: number }[] = [];
  for (let i = 0; i < row.length; i++) {
    if (i === skip) continue;
    const v = row[i] * sign;
    if (best.length === n && v <= best[n - 1].value * sign) continue;
    let at = best.length;
    while (at > 0 && v > best[at - 1].value * sign) at--;
    best.splice(at, 0, { index: i, value: row[i] });
    if (best.length > n) best.pop();
  }
  return best;
}

export interface LogitEffects {
  top: LogitEntry[];
  bottom: LogitEntry[];
  histogram: HistogramData;
}

/** One latent's logit row [vocab] → its top and bottom tokens and the histogram of all. */
export function logitEffects(row: Float32Array, bins = 50): LogitEffects {
  const entry = (e: { index: number; value: number }): LogitEntry => ({ token: e.index, value: e.value });
  return { top: extremes(row, LOGIT_TOKENS, 1).map(entry), bottom: extremes(row, LOGIT_TOKENS, -1).map(entry), histogram: histogram(row, bins) };
}

export interface Neighbour {
  index: number;
  cosine: number;
}

/** One latent's cosine row [dSae] → its most similar other latents (ties to the lower index). */
export function nearest(row: Float32Array, self: number): Neighbour[] {
  return extremes(row, NEIGHBOURS, 1, self).map((e) => ({ index: e.index, cosine: e.value }));
}

/** The most similar other latents by decoder cosine, for a block of latents at a time. */
export interface NeighbourSearch {
  /** Latents [from, to) → each one's NEIGHBOURS best, most similar first. */
  neighbours(from: number, to: number): Promise<Neighbour[][]>;
  release(): void;
}

/** unitDec [dSae, dIn]: each block's cosine rows by the CPU matmul reference, then `nearest`. */
export function cpuNeighbours(unitDec: Float32Array, dSae: number, dIn: number): NeighbourSearch {
  return {
    async neighbours(from, to) {
      const cos = matmulReference(unitDec.subarray(from * dIn, to * dIn), unitDec, to - from, dSae, dIn, 'nt');
      return Array.from({ length: to - from }, (_, r) => nearest(cos.subarray(r * dSae, (r + 1) * dSae), from + r));
    },
    release: () => {},
  };
}

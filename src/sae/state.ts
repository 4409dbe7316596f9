// Full SAE training state (weights, Adam moments, counters, RNG, schedule position) and its seeded
// initialisation. The GPU trainer saves and loads exactly this, and the CPU reference step mutates it.
import type { SaeConfig } from './config';
import { Rng } from './rng';

export const PARAM_NAMES = ['W_enc', 'W_dec', 'b_enc', 'b_dec', 'log_threshold'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export type ParamSet = Record<ParamName, Float32Array>;

export interface SaeState {
  config: SaeConfig;
  /** Steps completed. */
  step: number;
  tokens: number;
  rng: number;
  /** Activation-normalisation factor (1 until estimated, or without normalisation). */
  normScale: number;
  /** b_dec and normScale have been set from the first batch (or imported weights). */
  initialized: boolean;
  /** W_enc [dIn,dSae], W_dec [dSae,dIn], b_enc [dSae], b_dec [dIn], log_threshold [dSae] (JumpReLU). */
  params: ParamSet;
  adamM: ParamSet;
  adamV: ParamSet;
  /** [dSae] tokens since each latent last fired. */
  sinceFired: Uint32Array;
  /** [dSae] fires since the last density histogram. */
  fireCount: Uint32Array;
  /** [4] dead count, dense count, halted flag, unused (as on the GPU). */
  deadInfo: Uint32Array;
  /** BatchTopK running inference threshold. */
  batchThreshold: number;
}

export function paramLength(c: Pick<SaeConfig, 'dIn' | 'dSae'>, name: ParamName): number {
  if (name === 'W_enc' || name === 'W_dec') return c.dIn * c.dSae;
  return name === 'b_dec' ? c.dIn : c.dSae;
}

function zeroParams(c: SaeConfig): ParamSet {
  return Object.fromEntries(PARAM_NAMES.map((n) => [n, new Float32Array(paramLength(c, n))])) as ParamSet;
}

/** Seeded start: W_dec rows random unit vectors, W_enc = W_decᵀ, biases 0, θ = initialThreshold. */
export function initialState(c: SaeConfig): SaeState {
  const rng = new Rng(c.seed);
  const params = zeroParams(c);
  const { dIn, dSae } = c;
  for (let j = 0; j < dSae; j++) {
    let s = 0;
    for (let i = 0; i < dIn; i++) {
      const v = rng.normal();
      params.W_dec[j * dIn + i] = v;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < dIn; i++) {
      params.W_dec[j * dIn + i] *= inv;
      params.W_enc[i * dSae + j] = params.W_dec[j * dIn + i];
    }
  }
  params.log_threshold.fill(Math.log(c.initialThreshold));
  return {
    config: c,
    step: 0,
    tokens: 0,
    rng: rng.state,
    normScale: 1,
    initialized: false,
    params,
    adamM: zeroParams(c),
    adamV: zeroParams(c),
    sinceFired: new Uint32Array(dSae),
    fireCount: new Uint32Array(dSae),
    deadInfo: new Uint32Array(4),
    batchThreshold: 0,
  };
}

/** Geometric median of `n` points in R^d (Weiszfeld iterations, f64), as SAELens initialises b_dec. */
export function geometricMedian(points: Float32Array, n: number, d: number, iterations = 100, tol = 1e-7): Float32Array {
  const y = new Float64Array(d);
  for (let p = 0; p < n; p++) for (let i = 0; i < d; i++) y[i] += points[p * d + i] / n;
  for (let it = 0; it < iterations; it++) {
    const num = new Float64Array(d);
    let den = 0;
    for (let p = 0; p < n; p++) {
      let dist = 0;
      for (let i = 0; i < d; i++) dist += (points[p * d + i] - y[i]) ** 2;
      const w = 1 / Math.max(Math.sqrt(dist), 1e-12);
      den += w;
      for (let i = 0; i < d; i++) num[i] += w * points[p * d + i];
    }
    let shift = 0;
    for (let i = 0; i < d; i++) {
      const v = num[i] / den;
      shift += (v - y[i]) ** 2;
      y[i] = v;
    }
    if (Math.sqrt(shift) < tol) break;
  }
  return Float32Array.from(y);
}

/**
 * Sets normScale (expected_average_only_in: √dIn / mean ‖x‖) and b_dec from the first batch.
 * `batch` is [batchSize, dIn] in the caller's units.
 */
export function initializeFromBatch(s: SaeState, batch: Float32Array): void {
  const { dIn, batchSize: n } = s.config;
  if (s.config.normalizeActivations === 'expected_average_only_in') {
    let total = 0;
    for (let p = 0; p < n; p++) {
      let sq = 0;
      for (let i = 0; i < dIn; i++) sq += batch[p * dIn + i] ** 2;
      total += Math.sqrt(sq);
    }
    const mean = total / n;
    s.normScale = mean > 0 ? Math.sqrt(dIn) / mean : 1;
  }
  const scaled = Float32Array.from(batch, (v) => Math.fround(v * s.normScale));
  if (s.config.bDecInit === 'geometric_median') s.params.b_dec = geometricMedian(scaled, n, dIn);
  else if (s.config.bDecInit === 'mean') s.params.b_dec = geometricMedian(scaled, n, dIn, 0);
  s.initialized = true;
}

/** A deep copy (typed arrays included). */
export function cloneState(s: SaeState): SaeState {
  const copy = (p: ParamSet) => Object.fromEntries(PARAM_NAMES.map((n) => [n, p[n].slice()])) as ParamSet;
  return {
    ...s,
    config: { ...s.config },
    params: copy(s.params),
    adamM: copy(s.adamM),
    adamV: copy(s.adamV),
    sinceFired: s.sinceFired.slice(),
    fireCount: s.fireCount.slice(),
    deadInfo: s.deadInfo.slice(),
  };
}

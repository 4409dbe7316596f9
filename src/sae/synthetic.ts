// Synthetic toy-superposition source with known ground-truth feature directions, so SAE
// feature recovery (mean max cosine similarity) is measurable without any language model.

export interface SyntheticOptions {
  dIn: number;
  nFeatures: number;
  seed: number;
  /** Mean number of active features per sample (default 4). */
  sparsity?: number;
  /** Feature i fires with probability ∝ (i+1)^-powerLaw (default 0.5). */
  powerLaw?: number;
  /** Number of disjoint groups of `groupSize` features that always fire together (default 0). */
  correlatedGroups?: number;
  /** Features per correlated group (default 4). */
  groupSize?: number;
  /** Standard deviation of isotropic Gaussian noise added to every sample (default 0). */
  noise?: number;
}

export interface SyntheticSource {
  dIn: number;
  nFeatures: number;
  /** [nFeatures, dIn] unit rows */
  trueDirections: Float32Array;
  /** [batch, dIn] row-major samples. */
  next(batch: number): Float32Array;
  saveState(): unknown;
  loadState(s: unknown): void;
}

export const SYNTHETIC_DEFAULTS = { sparsity: 4, powerLaw: 0.5, correlatedGroups: 0, groupSize: 4, noise: 0 } as const;

export type SyntheticErrorCode = 'invalid-option' | 'shape-mismatch' | 'invalid-state';

export class SyntheticError extends Error {
  constructor(
    readonly code: SyntheticErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SyntheticError';
  }
}

/** xoshiro128** (Blackman & Vigna): fast 32-bit PRNG with a 128-bit state that can be saved and restored. */
export class Xoshiro128 {
  private s: Uint32Array;

  constructor(seed: number) {
    // Expand the seed with splitmix32 so nearby seeds give unrelated streams and the state is never all zero.
    this.s = new Uint32Array(4);
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Standard normal (Box–Muller; one draw per call so the state alone determines the stream). */
  normal(): number {
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  getState(): number[] {
    return Array.from(this.s);
  }

  setState(state: readonly number[]): void {
    this.s.set(state);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function invalid(field: string, message: string, value: unknown): SyntheticError {
  return new SyntheticError('invalid-option', `synthetic source: ${field} ${message} (got ${String(value)})`, { field, value });
}

function requireInt(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw invalid(field, `must be an integer ≥ ${min}`, value);
}

function requireNumber(field: string, value: number, min: number, minInclusive: boolean): void {
  const ok = Number.isFinite(value) && (minInclusive ? value >= min : value > min);
  if (!ok) throw invalid(field, `must be a finite number ${minInclusive ? '≥' : '>'} ${min}`, value);
}

/**
 * Firing probabilities p_i = min(1, c·(i+1)^-powerLaw) with c found by bisection so that
 * Σ p_i = sparsity (the expected number of active features per sample).
 */
function firingProbabilities(nFeatures: number, sparsity: number, powerLaw: number): Float64Array {
  const w = new Float64Array(nFeatures);
  for (let i = 0; i < nFeatures; i++) w[i] = Math.pow(i + 1, -powerLaw);
  const total = (c: number) => w.reduce((acc, wi) => acc + Math.min(1, c * wi), 0);
  let lo = 0;
  let hi = 1;
  while (total(hi) < sparsity) hi *= 2;
  for (let it = 0; it < 100; it++) {
    const mid = (lo + hi) / 2;
    if (total(mid) < sparsity) lo = mid;
    else hi = mid;
  }
  return w.map((wi) => Math.min(1, hi * wi));
}

/**
 * Toy superposition data x = Σ_i a_i·m_i·d_i + ε: d_i are seeded random unit directions in R^dIn,
 * a_i ~ Bernoulli(p_i) with power-law p_i, magnitudes m_i ~ U(0, 1], ε ~ N(0, noise²·I).
 * Features in a correlated group fire together with the group's mean probability, which keeps
 * each group's expected active count (and so the mean sparsity) unchanged.
 */
export function createSyntheticSource(opts: SyntheticOptions): SyntheticSource {
  const { dIn, nFeatures, seed } = opts;
  const sparsity = opts.sparsity ?? SYNTHETIC_DEFAULTS.sparsity;
  const powerLaw = opts.powerLaw ?? SYNTHETIC_DEFAULTS.powerLaw;
  const correlatedGroups = opts.correlatedGroups ?? SYNTHETIC_DEFAULTS.correlatedGroups;
  const groupSize = opts.groupSize ?? SYNTHETIC_DEFAULTS.groupSize;
  const noise = opts.noise ?? SYNTHETIC_DEFAULTS.noise;

  requireInt('dIn', dIn, 1);
  requireInt('nFeatures', nFeatures, 1);
  if (!Number.isSafeInteger(seed)) throw invalid('seed', 'must be a safe integer', seed);
  requireNumber('sparsity', sparsity, 0, false);
  if (sparsity > nFeatures) throw invalid('sparsity', `must be ≤ nFeatures (${nFeatures})`, sparsity);
  requireNumber('powerLaw', powerLaw, 0, true);
  requireInt('correlatedGroups', correlatedGroups, 0);
  requireInt('groupSize', groupSize, 2);
  if (correlatedGroups * groupSize > nFeatures) {
    throw invalid('correlatedGroups', `× groupSize (${groupSize}) must be ≤ nFeatures (${nFeatures})`, correlatedGroups);
  }
  requireNumber('noise', noise, 0, true);

  const rng = new Xoshiro128(seed);

  // 1. Ground-truth directions: Gaussian rows normalised to unit length.
  const trueDirections = new Float32Array(nFeatures * dIn);
  for (let f = 0; f < nFeatures; f++) {
    const row = trueDirections.subarray(f * dIn, (f + 1) * dIn);
    let norm = 0;
    while (norm === 0) {
      norm = 0;
      for (let j = 0; j < dIn; j++) {
        row[j] = rng.normal();
        norm += row[j] * row[j];
      }
    }
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < dIn; j++) row[j] *= inv;
  }

  // 2. Firing units: each correlated group is one unit, every other feature is its own unit.
  const p = firingProbabilities(nFeatures, sparsity, powerLaw);
  const order = Array.from({ length: nFeatures }, (_, i) => i);
  for (let i = nFeatures - 1; i > 0; i--) {
    const j = rng.nextU32() % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const units: { members: number[]; p: number }[] = [];
  for (let g = 0; g < correlatedGroups; g++) {
    const members = order.slice(g * groupSize, (g + 1) * groupSize).sort((a, b) => a - b);
    units.push({ members, p: members.reduce((acc, f) => acc + p[f], 0) / groupSize });
  }
  for (const f of order.slice(correlatedGroups * groupSize).sort((a, b) => a - b)) units.push({ members: [f], p: p[f] });

  // 3. Sampling, entirely from the RNG so that saving its state saves the stream.
  function next(batch: number): Float32Array {
    requireInt('batch', batch, 0);
    const out = new Float32Array(batch * dIn);
    for (let b = 0; b < batch; b++) {
      const x = out.subarray(b * dIn, (b + 1) * dIn);
      for (const unit of units) {
        if (rng.uniform() >= unit.p) continue;
        for (const f of unit.members) {
          const m = 1 - rng.uniform();
          const d = f * dIn;
          for (let j = 0; j < dIn; j++) x[j] += m * trueDirections[d + j];
        }
      }
      if (noise > 0) for (let j = 0; j < dIn; j++) x[j] += noise * rng.normal();
    }
    return out;
  }

  function loadState(s: unknown): void {
    const rngState = (s as { rng?: unknown } | null)?.rng;
    const ok =
      Array.isArray(rngState) &&
      rngState.length === 4 &&
      rngState.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff) &&
      rngState.some((v) => v !== 0);
    if (!ok) throw new SyntheticError('invalid-state', 'synthetic source: state must be { rng: [4 uint32, not all zero] }', { state: s });
    rng.setState(rngState as number[]);
  }

  return { dIn, nFeatures, trueDirections, next, saveState: () => ({ rng: rng.getState() }), loadState };
}

/**
 * Feature recovery: for each true direction the max cosine similarity over decoder rows,
 * averaged over true directions (MMCS), and the fraction of true directions whose max exceeds 0.9.
 * Zero decoder rows count as cosine 0.
 */
export function recovery(
  /** [dSae, dIn] */ W_dec: Float32Array,
  dSae: number,
  /** [nFeatures, dIn] unit rows */ trueDirections: Float32Array,
  nFeatures: number,
  dIn: number,
): { mmcs: number; fractionAbove09: number } {
  if (W_dec.length !== dSae * dIn) {
    throw new SyntheticError('shape-mismatch', `recovery: W_dec has ${W_dec.length} elements, expected dSae·dIn = ${dSae * dIn}`, { dSae, dIn });
  }
  if (trueDirections.length !== nFeatures * dIn) {
    throw new SyntheticError(
      'shape-mismatch',
      `recovery: trueDirections has ${trueDirections.length} elements, expected nFeatures·dIn = ${nFeatures * dIn}`,
      { nFeatures, dIn },
    );
  }
  // 1. Normalise decoder rows once (zero rows stay zero).
  const dec = new Float64Array(dSae * dIn);
  for (let r = 0; r < dSae; r++) {
    let norm = 0;
    for (let j = 0; j < dIn; j++) norm += W_dec[r * dIn + j] ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < dIn; j++) dec[r * dIn + j] = W_dec[r * dIn + j] * inv;
  }
  // 2. Max cosine per true direction (true rows are normalised too, in case they are not exactly unit).
  let sum = 0;
  let above = 0;
  for (let f = 0; f < nFeatures; f++) {
    const t = trueDirections.subarray(f * dIn, (f + 1) * dIn);
    let tNorm = 0;
    for (let j = 0; j < dIn; j++) tNorm += t[j] * t[j];
    const tInv = tNorm > 0 ? 1 / Math.sqrt(tNorm) : 0;
    let best = dSae > 0 ? -1 : 0;
    for (let r = 0; r < dSae; r++) {
      let dot = 0;
      const o = r * dIn;
      for (let j = 0; j < dIn; j++) dot += dec[o + j] * t[j];
      if (dot * tInv > best) best = dot * tInv;
    }
    sum += best;
    if (best > 0.9) above++;
  }
  return { mmcs: nFeatures > 0 ? sum / nFeatures : 0, fractionAbove09: nFeatures > 0 ? above / nFeatures : 0 };
}

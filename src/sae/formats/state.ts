// A stored training state (SaeState) ↔ SaeWeights without a GPU: the library exports checkpoints
// with it and turns imported SAEs into states the trainer, features and steering pages can load.
import '../architectures';
import { architecture } from '../architectures/registry';
import { resolveConfig } from '../config';
import { PARAM_NAMES, type ParamSet, type SaeState } from '../state';
import type { Architecture, SaeWeights } from '../types';

/**
 * Weights in the caller's units, SAELens layout, exactly as SaeTrainer.exportWeights() gives them:
 * the trainer saw x' = s·x (s = normScale), so W_enc ← s·W_enc, W_dec ← W_dec/s, b_dec ← b_dec/s;
 * JumpReLU exports θ = exp(log θ), BatchTopK its running inference threshold for every latent.
 */
export function weightsFromState(state: SaeState): SaeWeights {
  const { dIn, dSae, arch } = state.config;
  const s = state.normScale;
  const p = state.params;
  const weights: SaeWeights = {
    dIn,
    dSae,
    W_enc: p.W_enc.map((w) => w * s),
    W_dec: p.W_dec.map((w) => w / s),
    b_enc: p.b_enc.slice(),
    b_dec: p.b_dec.map((w) => w / s),
  };
  const mode = architecture(arch).exportThreshold;
  if (mode === 'learned') weights.threshold = p.log_threshold.map(Math.exp);
  if (mode === 'running') weights.threshold = new Float32Array(dSae).fill(state.batchThreshold);
  return weights;
}

/**
 * An imported SAE as a ready training state: weights in raw units (normScale 1, normalisation
 * off), Adam moments and counters zero, step 0. JumpReLU thresholds become log θ.
 */
export function stateFromWeights(w: SaeWeights, arch: Exclude<Architecture, 'batchtopk'>, k?: number): SaeState {
  const config = resolveConfig({ arch, dIn: w.dIn, dSae: w.dSae, ...(k !== undefined ? { k, kAux: Math.min(w.dSae, Math.max(1, Math.floor(w.dIn / 2))) } : {}) });
  const zeros = () => Object.fromEntries(PARAM_NAMES.map((n) => [n, new Float32Array(n === 'W_enc' || n === 'W_dec' ? w.dIn * w.dSae : n === 'b_dec' ? w.dIn : w.dSae)])) as ParamSet;
  const logThreshold = w.threshold ? w.threshold.map((t) => Math.log(Math.max(t, 1e-30))) : new Float32Array(w.dSae).fill(Math.log(config.initialThreshold));
  return {
    config,
    step: 0,
    tokens: 0,
    rng: config.seed,
    normScale: 1,
    initialized: true,
    params: { W_enc: w.W_enc.slice(), W_dec: w.W_dec.slice(), b_enc: w.b_enc.slice(), b_dec: w.b_dec.slice(), log_threshold: logThreshold },
    adamM: zeros(),
    adamV: zeros(),
    sinceFired: new Uint32Array(w.dSae),
    fireCount: new Uint32Array(w.dSae),
    deadInfo: new Uint32Array(4),
    batchThreshold: 0,
  };
}

/**
 * [dSae] log10 feature firing frequency for sparsity.safetensors, from what a state holds.
 * fireCount counts fires since the last density histogram ((step mod histogramEvery)·batchSize
 * tokens); right after a histogram that window is empty, and the rate is estimated from the
 * tokens since each latent last fired (≈ 1/p for a latent firing with probability p).
 * Latents that never fired get log10(1e-10), SAELens' floor.
 */
export function logSparsityFromState(state: SaeState): Float32Array {
  const { histogramEvery, batchSize, dSae } = state.config;
  const window = (state.step % histogramEvery) * batchSize;
  const out = new Float32Array(dSae);
  for (let i = 0; i < dSae; i++) {
    let p: number;
    if (window > 0) p = state.fireCount[i] / window;
    else p = state.sinceFired[i] >= state.tokens ? 0 : 1 / (state.sinceFired[i] + 1);
    out[i] = Math.log10(p + 1e-10);
  }
  return out;
}

// SAE training configuration: defaults (SAELens / sparsify conventions), validation against the
// device's limits (and the feature-dimension shard plan they imply), and the typed error every
// bad field raises.
import type { Architecture } from './types';
import { ARCHITECTURES } from './types';

export type LrDecay = 'constant' | 'linear' | 'cosine';
export type ActivationNormalization = 'none' | 'expected_average_only_in';
export type BDecInit = 'geometric_median' | 'mean' | 'zeros';
/** Whose trainer defaults fill the fields a run leaves unset. */
export type TrainerConventions = 'lantern' | 'saelens';
export const TRAINER_CONVENTIONS: readonly TrainerConventions[] = ['lantern', 'saelens'];
export type DeadFeatureWindowUnit = 'tokens' | 'steps';

export interface SaeConfig {
  arch: Architecture;
  /**
   * 'saelens': SAELens's trainer defaults (LanguageModelSAERunnerConfig, TopKTrainingSAEConfig,
   * SAETrainer) where Lantern's differ: gradClipNorm 1, auxCoefficient 1, dead latents counted in
   * steps (window 1000), Adam β1 0. Fields set explicitly still win. Older configs: 'lantern'.
   */
  conventions: TrainerConventions;
  dIn: number;
  dSae: number;
  /** Tokens per step; every batch passed to step() must be [batchSize, dIn]. */
  batchSize: number;
  /** TopK / BatchTopK active latents per token. */
  k: number;
  /** AuxK: latents used to reconstruct the residual from dead latents (default dIn / 2). */
  kAux: number;
  /** AuxK loss coefficient (sparsify / OpenAI use 1/32, SAELens 1). */
  auxCoefficient: number;
  /** ReLU: L1 coefficient; JumpReLU: L0 coefficient. */
  sparsityCoefficient: number;
  /** Steps over which the sparsity coefficient ramps up linearly from 0. */
  sparsityWarmupSteps: number;
  /** JumpReLU straight-through bandwidth ε. */
  bandwidth: number;
  /** JumpReLU initial threshold. */
  initialThreshold: number;
  /** BatchTopK: rate of the running inference-threshold average. */
  thresholdRate: number;
  lr: number;
  lrWarmupSteps: number;
  lrDecay: LrDecay;
  /** Total steps the decay schedule spans (decay starts after warm-up). */
  totalSteps: number;
  /** Final LR as a fraction of lr for linear / cosine decay. */
  lrEndFraction: number;
  beta1: number;
  beta2: number;
  eps: number;
  /**
   * Before Adam, scale every trained parameter's gradient by min(1, gradClipNorm / (‖g‖ + 1e-6)),
   * ‖g‖ the L2 norm over all of them together (torch clip_grad_norm_, as SAELens's trainer at 1.0); 0: off.
   */
  gradClipNorm: number;
  /**
   * TopK family: decoder products and weight gradients by the sparse kernels (skip zero activations)
   * or the dense matmuls; 'auto' picks sparse when k is below 1 in SPARSE_MIN_RATIO latents.
   */
  sparseProducts: SparseProducts;
  /** Keep decoder rows at unit norm (gradient's parallel component removed, rows renormalised). */
  unitNormDecoder: boolean;
  normalizeActivations: ActivationNormalization;
  bDecInit: BDecInit;
  /** A latent is dead after this many tokens without firing ('tokens'), or after more than this many steps ('steps', SAELens's dead_feature_window). */
  deadFeatureWindow: number;
  deadFeatureWindowUnit: DeadFeatureWindowUnit;
  /** A latent is dense when it fires on more than this fraction of a batch. */
  denseThreshold: number;
  /** Resample dead latents (Anthropic-style) every this many steps; 0 disables. */
  resampleEvery: number;
  /** Metrics are read back every this many steps. */
  metricsEvery: number;
  /** Feature-density and decoder-norm histograms every this many steps (a multiple of metricsEvery). */
  histogramEvery: number;
  seed: number;
}

export type SparseProducts = 'auto' | 'sparse' | 'dense';
export const SPARSE_PRODUCTS: readonly SparseProducts[] = ['auto', 'sparse', 'dense'];

/**
 * 'auto' uses the sparse kernels when dSae > SPARSE_MIN_RATIO × k (latents active per row). Measured on
 * SwiftShader (dIn 64–256, batch 256–1024, k 32): dense wins at 1/16 and 1/32, sparse at 1/64 and below.
 */
export const SPARSE_MIN_RATIO = 32;

/** Whether the trainer runs the sparse decoder products for `c`. */
export function usesSparseProducts(c: SaeConfig): boolean {
  if (c.arch !== 'topk' && c.arch !== 'batchtopk') return false;
  if (c.sparseProducts !== 'auto') return c.sparseProducts === 'sparse';
  // AuxK rows hold at most min(kAux, dead latents), usually far fewer: the main rows' k decides.
  return c.dSae > SPARSE_MIN_RATIO * c.k;
}

export type SaeConfigInput = Partial<SaeConfig> & Pick<SaeConfig, 'arch' | 'dIn' | 'dSae'>;

export class SaeConfigError extends Error {
  readonly code = 'sae-config';
  constructor(
    readonly field: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(`${field}: ${message}`);
    this.name = 'SaeConfigError';
  }
}

/** Fills every unset field with its default (SAELens's where input.conventions is 'saelens'). */
export function resolveConfig(input: SaeConfigInput): SaeConfig {
  const arch = input.arch;
  const relu = arch === 'relu';
  const saelens = input.conventions === 'saelens';
  return {
    conventions: 'lantern',
    batchSize: 4096,
    k: 32,
    kAux: Math.max(1, Math.floor(input.dIn / 2)),
    auxCoefficient: saelens ? 1 : 1 / 32,
    sparsityCoefficient: relu ? 5 : arch === 'jumprelu' ? 1e-3 : 0,
    sparsityWarmupSteps: 0,
    bandwidth: 1e-3,
    initialThreshold: 1e-3,
    thresholdRate: 0.01,
    lr: 3e-4,
    lrWarmupSteps: 0,
    lrDecay: 'constant',
    totalSteps: 10_000,
    lrEndFraction: 0,
    beta1: saelens ? 0 : 0.9,
    beta2: 0.999,
    eps: 1e-8,
    gradClipNorm: saelens ? 1 : 0,
    sparseProducts: 'auto',
    unitNormDecoder: arch === 'topk' || arch === 'batchtopk',
    normalizeActivations: 'none',
    bDecInit: 'geometric_median',
    deadFeatureWindow: saelens ? 1000 : 1_000_000,
    deadFeatureWindowUnit: saelens ? 'steps' : 'tokens',
    denseThreshold: 0.1,
    resampleEvery: 0,
    metricsEvery: 10,
    histogramEvery: 100,
    seed: 0,
    ...input,
  };
}

/**
 * The dead-feature window in tokens: latents count tokens since they last fired (sinceFired) and are
 * dead at sinceFired ≥ this. SAELens's steps window W (dead when more than W steps passed without
 * firing) is sinceFired ≥ (W + 1)·batchSize, since sinceFired grows by batchSize a step.
 */
export function deadWindowTokens(c: Pick<SaeConfig, 'deadFeatureWindow' | 'deadFeatureWindowUnit' | 'batchSize'>): number {
  return c.deadFeatureWindowUnit === 'steps' ? (c.deadFeatureWindow + 1) * c.batchSize : c.deadFeatureWindow;
}

function positiveInt(c: SaeConfig, field: keyof SaeConfig): void {
  const v = c[field] as number;
  if (!Number.isInteger(v) || v <= 0) throw new SaeConfigError(field, `must be a positive integer, got ${v}`, { value: v });
}

function nonNegative(c: SaeConfig, field: keyof SaeConfig): void {
  const v = c[field] as number;
  if (!Number.isFinite(v) || v < 0) throw new SaeConfigError(field, `must be a finite number ≥ 0, got ${v}`, { value: v });
}

/** Throws SaeConfigError naming the first invalid field; `limits` is the device's. */
export function validateConfig(c: SaeConfig, limits?: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>): void {
  if (!ARCHITECTURES.includes(c.arch)) throw new SaeConfigError('arch', `unknown architecture "${c.arch}" (expected one of ${ARCHITECTURES.join(', ')})`, { value: c.arch });
  if (!TRAINER_CONVENTIONS.includes(c.conventions)) throw new SaeConfigError('conventions', `must be one of ${TRAINER_CONVENTIONS.join(', ')}, got "${c.conventions}"`, { value: c.conventions });
  if (c.deadFeatureWindowUnit !== 'tokens' && c.deadFeatureWindowUnit !== 'steps') {
    throw new SaeConfigError('deadFeatureWindowUnit', `unknown unit "${c.deadFeatureWindowUnit}" (expected tokens or steps)`, { value: c.deadFeatureWindowUnit });
  }
  for (const f of ['dIn', 'dSae', 'batchSize', 'totalSteps', 'metricsEvery', 'histogramEvery', 'deadFeatureWindow'] as const) positiveInt(c, f);
  if (c.arch === 'topk' || c.arch === 'batchtopk') {
    positiveInt(c, 'k');
    if (c.k > c.dSae) throw new SaeConfigError('k', `must be ≤ dSae (${c.dSae}), got ${c.k}`, { value: c.k, dSae: c.dSae });
    positiveInt(c, 'kAux');
    if (c.kAux > c.dSae) throw new SaeConfigError('kAux', `must be ≤ dSae (${c.dSae}), got ${c.kAux}`, { value: c.kAux, dSae: c.dSae });
    if (c.arch === 'batchtopk' && c.k * c.batchSize >= 2 ** 32) throw new SaeConfigError('k', 'k·batchSize must fit in 32 bits', { value: c.k });
  }
  if (!(c.lr > 0) || !Number.isFinite(c.lr)) throw new SaeConfigError('lr', `must be > 0, got ${c.lr}`, { value: c.lr });
  for (const f of ['sparsityCoefficient', 'auxCoefficient', 'sparsityWarmupSteps', 'lrWarmupSteps', 'lrEndFraction', 'resampleEvery', 'eps', 'gradClipNorm'] as const) nonNegative(c, f);
  for (const f of ['beta1', 'beta2'] as const) {
    if (!(c[f] >= 0 && c[f] < 1)) throw new SaeConfigError(f, `must be in [0, 1), got ${c[f]}`, { value: c[f] });
  }
  if (!(c.bandwidth > 0)) throw new SaeConfigError('bandwidth', `must be > 0, got ${c.bandwidth}`, { value: c.bandwidth });
  if (!(c.initialThreshold > 0)) throw new SaeConfigError('initialThreshold', `must be > 0, got ${c.initialThreshold}`, { value: c.initialThreshold });
  if (!(c.thresholdRate > 0 && c.thresholdRate <= 1)) throw new SaeConfigError('thresholdRate', `must be in (0, 1], got ${c.thresholdRate}`, { value: c.thresholdRate });
  if (!(c.denseThreshold > 0 && c.denseThreshold <= 1)) throw new SaeConfigError('denseThreshold', `must be in (0, 1], got ${c.denseThreshold}`, { value: c.denseThreshold });
  if (!['constant', 'linear', 'cosine'].includes(c.lrDecay)) throw new SaeConfigError('lrDecay', `unknown schedule "${c.lrDecay}"`, { value: c.lrDecay });
  if (!['none', 'expected_average_only_in'].includes(c.normalizeActivations)) throw new SaeConfigError('normalizeActivations', `unknown mode "${c.normalizeActivations}"`);
  if (!['geometric_median', 'mean', 'zeros'].includes(c.bDecInit)) throw new SaeConfigError('bDecInit', `unknown mode "${c.bDecInit}"`);
  if (!SPARSE_PRODUCTS.includes(c.sparseProducts)) throw new SaeConfigError('sparseProducts', `unknown mode "${c.sparseProducts}" (expected one of ${SPARSE_PRODUCTS.join(', ')})`);
  if (c.histogramEvery % c.metricsEvery !== 0) throw new SaeConfigError('histogramEvery', `must be a multiple of metricsEvery (${c.metricsEvery})`, { value: c.histogramEvery });
  if (c.batchSize >= 2 ** 31 || deadWindowTokens(c) >= 2 ** 31) {
    const unit = c.deadFeatureWindowUnit === 'steps' ? ` ((window + 1) × batchSize = ${deadWindowTokens(c)})` : '';
    throw new SaeConfigError('deadFeatureWindow', `must be below 2^31 tokens${unit}`, { value: c.deadFeatureWindow });
  }
  if (limits) planShards(c, limits);
}

/** Rows of the step's activation buffers: TopK-family steps stack the AuxK rows under the main ones. */
export function activationRows(c: Pick<SaeConfig, 'arch' | 'batchSize'>): number {
  return c.arch === 'topk' || c.arch === 'batchtopk' ? 2 * c.batchSize : c.batchSize;
}

/** Most shards a run may be split into (each adds dispatches to every step). */
export const MAX_SHARDS = 64;

/**
 * Latents per shard so that every per-shard buffer ([dIn, size] weights, [rows, size] activations,
 * rows = 2·batchSize with AuxK) fits min(maxStorageBufferBindingSize, maxBufferSize, maxShardBytes):
 * one shard of dSae when everything fits, else full shards and a smaller last one. The shared
 * [rows, dIn] buffers must fit the device's limits. Throws SaeConfigError naming the field when
 * even a single-latent shard or the shared buffers cannot fit, or when more than MAX_SHARDS would
 * be needed. `maxShardBytes` (default: no cap below the device's) forces smaller shards.
 */
export function planShards(c: SaeConfig, limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>, maxShardBytes = Infinity): number[] {
  const max = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const rows = activationRows(c);
  if (4 * c.dIn > max) throw new SaeConfigError('dIn', `one encoder column of ${c.dIn} f32 exceeds this device's largest storage binding (${max} bytes)`, { bytes: 4 * c.dIn, limit: max });
  const sharedBytes = 4 * rows * c.dIn;
  if (sharedBytes > max) {
    throw new SaeConfigError('batchSize', `inputs and reconstructions of ${rows}×${c.dIn} f32 (${sharedBytes} bytes) exceed this device's largest storage binding (${max} bytes); lower batchSize`, { bytes: sharedBytes, limit: max });
  }
  const latentBytes = 4 * Math.max(c.dIn, rows);
  if (!(maxShardBytes >= latentBytes)) {
    throw new SaeConfigError('maxShardBytes', `must be at least one latent's ${latentBytes} bytes, got ${maxShardBytes}`, { value: maxShardBytes, min: latentBytes });
  }
  const width = Math.floor(Math.min(max, maxShardBytes) / latentBytes);
  const count = Math.ceil(c.dSae / width);
  if (count > MAX_SHARDS) {
    throw new SaeConfigError('dSae', `needs ${count} shards of ${width} latents to fit the largest storage binding (${Math.min(max, maxShardBytes)} bytes), at most ${MAX_SHARDS}; lower dSae or batchSize`, { shards: count, limit: max });
  }
  return Array.from({ length: count }, (_, s) => Math.min(width, c.dSae - s * width));
}

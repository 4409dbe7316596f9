// SAELens layout (cfg.json + sae_weights.safetensors + sparsity.safetensors) ↔ SaeWeights, in memory.
// Export writes the flat pre-6.0 cfg.json, which SAELens 5.x loads directly and 6.x converts on load.

import type { Architecture, SaeWeights } from '../types';
import { cfgReader, parseCfg, readShapedTensor, SaeFormatError, type Json } from './common';
import { parseSafetensors, writeSafetensors } from './safetensors';

export const SAELENS_NORMALIZATIONS = ['none', 'expected_average_only_in', 'constant_norm_rescale', 'layer_norm'] as const;
export type SaeLensNormalization = (typeof SAELENS_NORMALIZATIONS)[number];

export interface SaeLensExportOptions {
  architecture: Architecture;
  /** Latents kept per token; required for 'topk'. */
  k?: number;
  modelName: string;
  hookName: string;
  hookLayer: number;
  hookHeadIndex?: number | null;
  contextSize?: number | null;
  datasetPath?: string | null;
  prependBos?: boolean;
  /** Subtract b_dec from the input before encoding (SAELens default true). */
  applyBDecToInput?: boolean;
  /** How the SAE was trained; 'expected_average_only_in' is folded into the weights with `scalingFactor`. */
  normalizeActivations?: 'none' | 'expected_average_only_in';
  /** s = sqrt(d_in) / E‖x‖, the factor the trainer multiplied activations by. */
  scalingFactor?: number;
  /** [dSae] log10 feature firing frequency, written to sparsity.safetensors. */
  logSparsity?: Float32Array;
  neuronpediaId?: string | null;
  modelFromPretrainedKwargs?: Record<string, unknown>;
}

export interface SaeLensExport {
  cfgJson: string;
  /** sae_weights.safetensors */
  weights: Uint8Array<ArrayBuffer>;
  /** sparsity.safetensors; present when `logSparsity` was given. */
  sparsity?: Uint8Array<ArrayBuffer>;
}

export interface SaeLensImport {
  weights: SaeWeights;
  architecture: Architecture;
  k?: number;
  modelName: string;
  hookName: string;
  /** From `hook_layer`, else parsed from `blocks.<L>.` in the hook name; null when neither says. */
  hookLayer: number | null;
  hookHeadIndex: number | null;
  applyBDecToInput: boolean;
  /** Anything but 'none' means the caller must normalise inputs (SAELens ships the factor outside cfg.json). */
  normalizeActivations: SaeLensNormalization;
  contextSize: number | null;
  datasetPath: string | null;
  prependBos: boolean;
  neuronpediaId: string | null;
  /** [dSae] log10 feature firing frequency, when sparsity.safetensors was given. */
  logSparsity?: Float32Array;
  /** cfg.json as read, for display. */
  cfg: Json;
}

function invalidOption(field: string, message: string): SaeFormatError {
  return new SaeFormatError('invalid-option', `SAELens export: ${field} ${message}`, { field });
}

function checkLength(name: string, a: Float32Array | undefined, n: number, shape: string): void {
  if (a === undefined || a.length !== n) {
    throw new SaeFormatError('shape-mismatch', `SAELens export: ${name} has ${a?.length ?? 'no'} values, expected ${shape} = ${n}`, { tensor: name });
  }
}

/**
 * SaeWeights → SAELens files. BatchTopK is written as JumpReLU with its per-feature threshold
 * (as SAELens saves BatchTopK for inference).
 *
 * Folding `expected_average_only_in` (trained on x' = s·x, s a scalar): the SAE computed
 *   pre = (s·x − b_dec)·W_enc + b_enc = (x − b_dec/s)·(s·W_enc) + b_enc,
 *   x̂  = (z·W_dec + b_dec) / s       = z·(W_dec/s) + b_dec/s,
 * so W_enc ← s·W_enc, W_dec ← W_dec/s, b_dec ← b_dec/s reproduce it on raw x with pre, z and
 * thresholds unchanged (SAELens' fold_activation_norm_scaling_factor), and cfg says "none".
 */
export function exportSaeLens(w: SaeWeights, opts: SaeLensExportOptions): SaeLensExport {
  const { dIn, dSae } = w;
  const arch = opts.architecture;
  // 1. Validate shapes and options.
  if (!Number.isSafeInteger(dIn) || dIn < 1) throw invalidOption('dIn', `must be a positive integer (got ${dIn})`);
  if (!Number.isSafeInteger(dSae) || dSae < 1) throw invalidOption('dSae', `must be a positive integer (got ${dSae})`);
  checkLength('W_enc', w.W_enc, dIn * dSae, `[dIn, dSae] = [${dIn}, ${dSae}]`);
  checkLength('W_dec', w.W_dec, dSae * dIn, `[dSae, dIn] = [${dSae}, ${dIn}]`);
  checkLength('b_enc', w.b_enc, dSae, `[dSae]`);
  checkLength('b_dec', w.b_dec, dIn, `[dIn]`);
  const jump = arch === 'jumprelu' || arch === 'batchtopk';
  if (jump) checkLength('threshold', w.threshold, dSae, `[dSae] (required for ${arch})`);
  if (arch === 'topk' && (opts.k === undefined || !Number.isSafeInteger(opts.k) || opts.k < 1 || opts.k > dSae)) {
    throw invalidOption('k', `must be an integer in [1, dSae=${dSae}] for topk (got ${opts.k})`);
  }
  if (!Number.isSafeInteger(opts.hookLayer) || opts.hookLayer < 0) throw invalidOption('hookLayer', `must be an integer ≥ 0 (got ${opts.hookLayer})`);
  const normalization = opts.normalizeActivations ?? 'none';
  let s = 1;
  if (normalization === 'expected_average_only_in') {
    if (opts.scalingFactor === undefined || !Number.isFinite(opts.scalingFactor) || opts.scalingFactor <= 0) {
      throw invalidOption('scalingFactor', `must be a finite number > 0 with expected_average_only_in (got ${opts.scalingFactor})`);
    }
    s = opts.scalingFactor;
  } else if (normalization !== 'none') {
    throw invalidOption('normalizeActivations', `must be "none" or "expected_average_only_in" (got ${JSON.stringify(normalization)})`);
  }
  if (opts.logSparsity !== undefined) checkLength('logSparsity', opts.logSparsity, dSae, '[dSae]');

  // 2. Fold the normalisation scale (identity when s = 1).
  const W_enc = w.W_enc.map((v) => v * s);
  const W_dec = w.W_dec.map((v) => v / s);
  const b_dec = w.b_dec.map((v) => v / s);

  // 3. cfg.json with SAELens' own key names.
  const cfg = {
    architecture: arch === 'relu' ? 'standard' : jump ? 'jumprelu' : 'topk',
    d_in: dIn,
    d_sae: dSae,
    dtype: 'float32',
    device: 'cpu',
    model_name: opts.modelName,
    hook_name: opts.hookName,
    hook_layer: opts.hookLayer,
    hook_head_index: opts.hookHeadIndex ?? null,
    activation_fn_str: arch === 'topk' ? 'topk' : 'relu',
    activation_fn_kwargs: arch === 'topk' ? { k: opts.k } : {},
    apply_b_dec_to_input: opts.applyBDecToInput ?? true,
    finetuning_scaling_factor: false,
    context_size: opts.contextSize ?? null,
    dataset_path: opts.datasetPath ?? null,
    prepend_bos: opts.prependBos ?? true,
    normalize_activations: 'none',
    sae_lens_training_version: null,
    model_from_pretrained_kwargs: opts.modelFromPretrainedKwargs ?? {},
    neuronpedia_id: opts.neuronpediaId ?? null,
  };

  // 4. Tensors in SAELens layout.
  const tensors = {
    W_enc: { dtype: 'F32' as const, shape: [dIn, dSae], data: W_enc },
    W_dec: { dtype: 'F32' as const, shape: [dSae, dIn], data: W_dec },
    b_enc: { dtype: 'F32' as const, shape: [dSae], data: w.b_enc },
    b_dec: { dtype: 'F32' as const, shape: [dIn], data: b_dec },
    ...(jump ? { threshold: { dtype: 'F32' as const, shape: [dSae], data: w.threshold as Float32Array } } : {}),
  };
  return {
    cfgJson: JSON.stringify(cfg),
    weights: writeSafetensors(tensors),
    sparsity: opts.logSparsity && writeSafetensors({ sparsity: { dtype: 'F32', shape: [dSae], data: opts.logSparsity } }),
  };
}

/** SAELens files (pre-6.0 flat cfg or 6.x with `metadata`) → SaeWeights, with shapes checked against cfg.json. */
export function importSaeLens(cfgJson: string, weightsBytes: Uint8Array, sparsityBytes?: Uint8Array): SaeLensImport {
  const format = 'SAELens';
  const cfg = parseCfg(format, cfgJson);
  const top = cfgReader(format, cfg);
  // 1. Metadata lives under "metadata" in SAELens 6 (briefly "meta"), at the top level before.
  const metaKey = top.has('metadata') ? 'metadata' : top.has('meta') ? 'meta' : undefined;
  const meta = metaKey ? cfgReader(format, top.optionalObject(metaKey) as Json, `${metaKey}.`) : top;

  // 2. Architecture and activation.
  const dIn = top.positiveInt('d_in');
  const dSae = top.positiveInt('d_sae');
  const archName = top.optionalString('architecture') ?? 'standard';
  const activation = top.optionalString('activation_fn_str') ?? top.optionalString('activation_fn') ?? 'relu';
  const kwargs = top.optionalObject('activation_fn_kwargs') ?? {};
  let architecture: Architecture;
  if (archName === 'standard' && activation === 'relu') architecture = 'relu';
  else if (archName === 'topk' || (archName === 'standard' && activation === 'topk')) architecture = 'topk';
  else if (archName === 'jumprelu') architecture = 'jumprelu';
  else {
    throw new SaeFormatError(
      'unsupported-architecture',
      `SAELens cfg.json: architecture "${archName}"${archName === 'standard' ? ` with activation "${activation}"` : ''} is not supported (supported: standard/relu, topk, jumprelu)`,
      { architecture: archName, activation },
    );
  }
  const k = architecture === 'topk' ? (top.optionalInt('k', 1) ?? cfgReader(format, kwargs, 'activation_fn_kwargs.').positiveInt('k')) : undefined;
  if (k !== undefined && k > dSae) {
    throw new SaeFormatError('invalid-cfg', `SAELens cfg.json: k = ${k} exceeds d_sae = ${dSae}`, { key: 'k', value: k });
  }

  // 3. Context fields.
  const hookName = meta.optionalString('hook_name') ?? meta.optionalString('hook_point');
  if (hookName === undefined) throw new SaeFormatError('invalid-cfg', `SAELens cfg.json: "${metaKey ? `${metaKey}.` : ''}hook_name" is missing`, { key: 'hook_name' });
  const modelName = meta.optionalString('model_name');
  if (modelName === undefined) throw new SaeFormatError('invalid-cfg', `SAELens cfg.json: "${metaKey ? `${metaKey}.` : ''}model_name" is missing`, { key: 'model_name' });
  const layerMatch = /(?:^|\.)blocks\.(\d+)\./.exec(hookName);
  const rawNorm = cfg.normalize_activations;
  const normalizeActivations: SaeLensNormalization =
    rawNorm === undefined || rawNorm === null || rawNorm === false
      ? 'none'
      : rawNorm === true
        ? 'expected_average_only_in'
        : top.oneOf('normalize_activations', SAELENS_NORMALIZATIONS);

  // 4. Tensors, checked against d_in / d_sae.
  const file = parseSafetensors(weightsBytes);
  const readTensor = (name: string, shape: number[], what: string) => readShapedTensor(format, file, name, shape, what);
  const W_enc = readTensor('W_enc', [dIn, dSae], '[d_in, d_sae]');
  const W_dec = readTensor('W_dec', [dSae, dIn], '[d_sae, d_in]');
  const b_enc = readTensor('b_enc', [dSae], '[d_sae]');
  const b_dec = readTensor('b_dec', [dIn], '[d_in]');
  let threshold: Float32Array | undefined;
  if (architecture === 'jumprelu') {
    // Training checkpoints store log_threshold; inference files store threshold.
    threshold = file.tensors.has('log_threshold') && !file.tensors.has('threshold')
      ? readTensor('log_threshold', [dSae], '[d_sae]').map(Math.exp)
      : readTensor('threshold', [dSae], '[d_sae]');
  }
  // A per-feature finetuning scale multiplies z before decoding: fold it into the decoder rows.
  const scaleName = ['finetuning_scaling_factor', 'scaling_factor'].find((n) => file.tensors.has(n));
  if (scaleName) {
    const scale = readTensor(scaleName, [dSae], '[d_sae]');
    for (let i = 0; i < dSae; i++) for (let j = 0; j < dIn; j++) W_dec[i * dIn + j] *= scale[i];
  }

  let logSparsity: Float32Array | undefined;
  if (sparsityBytes) logSparsity = readShapedTensor(format, parseSafetensors(sparsityBytes), 'sparsity', [dSae], '[d_sae]');

  return {
    weights: { dIn, dSae, W_enc, W_dec, b_enc, b_dec, ...(threshold ? { threshold } : {}) },
    architecture,
    ...(k !== undefined ? { k } : {}),
    modelName,
    hookName,
    hookLayer: meta.optionalInt('hook_layer', 0) ?? (layerMatch ? Number(layerMatch[1]) : null),
    hookHeadIndex: meta.optionalInt('hook_head_index', 0) ?? null,
    applyBDecToInput: top.optionalBool('apply_b_dec_to_input') ?? true,
    normalizeActivations,
    contextSize: meta.optionalInt('context_size', 1) ?? null,
    datasetPath: meta.optionalString('dataset_path') ?? null,
    prependBos: meta.optionalBool('prepend_bos') ?? true,
    neuronpediaId: meta.optionalString('neuronpedia_id') ?? null,
    ...(logSparsity ? { logSparsity } : {}),
    cfg,
  };
}

// A Lantern run as SAELens's `LanguageModelSAERunnerConfig` (sae_lens/config.py, v6: the SAE's own
// fields nested under `sae` as a <Arch>TrainingSAEConfig), as JSON and as a runnable Python script,
// so the same SAE can be trained on a GPU cluster and its result imported back into the Library.
import type { SaeConfig } from '../config';

/** The data side of a run, as SAELens names it. */
export interface RunnerDataSpec {
  /** TransformerLens name of the model when known (e.g. gpt2-small), else its Hub repo. */
  modelName: string;
  hookName: string;
  hookLayer: number;
  contextSize: number;
  /** Hugging Face dataset id; null when the text came from local files (the script says to set it). */
  datasetPath: string | null;
  /** The tokenization's BOS handling as SAELens's prepend_bos; undefined when it is none of its two. */
  prependBos: boolean | undefined;
  excludeSpecialTokens: boolean | number[];
  /** Contexts per forward pass of the model. */
  storeBatchSizePrompts: number;
}

export interface RunnerExport {
  /** The config as `LanguageModelSAERunnerConfig(**json)` takes it (with `sae` a dict of its training config). */
  json: Record<string, unknown>;
  python: string;
  /** What does not carry over exactly, in words (also written as comments in the script). */
  notes: string[];
}

/** SAELens training-config class and `architecture()` name per Lantern architecture. */
export const SAE_CLASS = {
  relu: { cls: 'StandardTrainingSAEConfig', architecture: 'standard' },
  topk: { cls: 'TopKTrainingSAEConfig', architecture: 'topk' },
  batchtopk: { cls: 'BatchTopKTrainingSAEConfig', architecture: 'batchtopk' },
  jumprelu: { cls: 'JumpReLUTrainingSAEConfig', architecture: 'jumprelu' },
} as const;

function saeFields(c: SaeConfig): Record<string, unknown> {
  const base = { d_in: c.dIn, d_sae: c.dSae, dtype: 'float32', device: 'cuda', apply_b_dec_to_input: true, normalize_activations: c.normalizeActivations };
  switch (c.arch) {
    case 'relu':
      return { ...base, l1_coefficient: c.sparsityCoefficient, lp_norm: 1, l1_warm_up_steps: c.sparsityWarmupSteps };
    case 'topk':
      return { ...base, k: c.k, aux_loss_coefficient: c.auxCoefficient };
    case 'batchtopk':
      return { ...base, k: c.k, aux_loss_coefficient: c.auxCoefficient, topk_threshold_lr: c.thresholdRate };
    case 'jumprelu':
      return { ...base, jumprelu_init_threshold: c.initialThreshold, jumprelu_bandwidth: c.bandwidth, l0_coefficient: c.sparsityCoefficient, l0_warm_up_steps: c.sparsityWarmupSteps };
  }
}

/** LR schedule: constant, cosine (SAELens cosineannealing to lr_end), linear (SAELens's linear decay over lr_decay_steps to lr_end). */
function schedule(c: SaeConfig, totalSteps: number): Record<string, unknown> {
  const lrEnd = c.lr * c.lrEndFraction;
  const decaySteps = Math.max(0, totalSteps - c.lrWarmupSteps);
  if (c.lrDecay === 'cosine') return { lr_scheduler_name: 'cosineannealing', lr_end: lrEnd, lr_decay_steps: 0 };
  if (c.lrDecay === 'linear') return { lr_scheduler_name: 'constant', lr_end: lrEnd, lr_decay_steps: decaySteps };
  return { lr_scheduler_name: 'constant', lr_end: c.lr / 10, lr_decay_steps: 0 };
}

/**
 * The SAELens config of a run: `config` is the run's resolved SaeConfig, `totalSteps` and
 * `checkpointEvery` its schedule, `data` where its activations came from.
 */
export function toRunnerConfig(runName: string, config: SaeConfig, totalSteps: number, checkpointEvery: number, data: RunnerDataSpec): RunnerExport {
  const c = config;
  const notes: string[] = [];
  // 1. Dead latents: SAELens counts steps without firing.
  const deadWindowSteps = c.deadFeatureWindowUnit === 'steps' ? c.deadFeatureWindow : Math.max(1, Math.ceil(c.deadFeatureWindow / c.batchSize));
  if (c.deadFeatureWindowUnit === 'tokens') notes.push(`dead_feature_window: Lantern's ${c.deadFeatureWindow} tokens are ${deadWindowSteps} steps of ${c.batchSize} tokens.`);
  if (data.datasetPath === null) notes.push('dataset_path: the dataset came from local files; upload it to the Hub (or point at a local path SAELens can load) and set it.');
  if (data.prependBos === undefined) notes.push('prepend_bos: the tokenization used custom packing tokens; SAELens packs with BOS or nothing, True is written.');
  if (c.gradClipNorm !== 1) notes.push(`Gradient clipping: Lantern ran with ${c.gradClipNorm ? `a norm of ${c.gradClipNorm}` : 'none'}; SAELens's trainer always clips at 1.0.`);
  if (c.bDecInit !== 'zeros') notes.push(`b_dec init: Lantern used ${c.bDecInit}; SAELens v6 starts b_dec at zero.`);
  // 2. The runner config, SAELens's field names.
  const json: Record<string, unknown> = {
    sae: { ...saeFields(c), architecture: SAE_CLASS[c.arch].architecture },
    model_name: data.modelName,
    model_class_name: 'HookedTransformer',
    hook_name: data.hookName,
    hook_layer: data.hookLayer,
    dataset_path: data.datasetPath ?? '',
    is_dataset_tokenized: false,
    streaming: true,
    context_size: data.contextSize,
    prepend_bos: data.prependBos ?? true,
    exclude_special_tokens: data.excludeSpecialTokens,
    training_tokens: totalSteps * c.batchSize,
    train_batch_size_tokens: c.batchSize,
    store_batch_size_prompts: data.storeBatchSizePrompts,
    adam_beta1: c.beta1,
    adam_beta2: c.beta2,
    lr: c.lr,
    lr_warm_up_steps: c.lrWarmupSteps,
    ...schedule(c, totalSteps),
    dead_feature_window: deadWindowSteps,
    feature_sampling_window: Math.max(deadWindowSteps, 2000),
    dead_feature_threshold: 1e-8,
    n_checkpoints: checkpointEvery > 0 ? Math.floor(totalSteps / checkpointEvery) : 0,
    checkpoint_path: `checkpoints/${runName.replace(/[^\w.-]+/g, '_') || 'lantern-run'}`,
    seed: c.seed,
    device: 'cuda',
    dtype: 'float32',
    logger: { log_to_wandb: false, run_name: runName },
  };
  return { json, python: pythonScript(runName, c, json, notes), notes };
}

/** A JSON value as a Python literal (True/False/None, dicts, lists, numbers, double-quoted strings). */
export function pythonLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'float("inf")' : v < 0 ? 'float("-inf")' : 'float("nan")';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pythonLiteral).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${JSON.stringify(k)}: ${pythonLiteral(x)}`).join(', ')}}`;
}

function kwargs(fields: Record<string, unknown>, indent: string): string {
  return Object.entries(fields)
    .map(([k, v]) => `${indent}${k}=${pythonLiteral(v)},`)
    .join('\n');
}

function pythonScript(runName: string, c: SaeConfig, json: Record<string, unknown>, notes: string[]): string {
  const { sae, logger, ...runner } = json as { sae: Record<string, unknown>; logger: Record<string, unknown> } & Record<string, unknown>;
  const { architecture: _arch, ...saeKwargs } = sae;
  const cls = SAE_CLASS[c.arch].cls;
  return [
    `# Train the Lantern run ${JSON.stringify(runName)} with SAELens on a GPU (pip install sae-lens).`,
    '# The runner writes the trained SAE (cfg.json, sae_weights.safetensors, sparsity.safetensors)',
    "# under checkpoint_path; import that folder in Lantern's Library to browse and steer it.",
    ...notes.map((n) => `# Note: ${n}`),
    `from sae_lens import LanguageModelSAERunnerConfig, LanguageModelSAETrainingRunner, LoggingConfig, ${cls}`,
    '',
    'cfg = LanguageModelSAERunnerConfig(',
    `    sae=${cls}(`,
    kwargs(saeKwargs, '        '),
    '    ),',
    kwargs(runner, '    '),
    `    logger=LoggingConfig(${Object.entries(logger).map(([k, v]) => `${k}=${pythonLiteral(v)}`).join(', ')}),`,
    ')',
    '',
    'if __name__ == "__main__":',
    '    LanguageModelSAETrainingRunner(cfg).run()',
    '',
  ].join('\n');
}

// The SAELens LanguageModelSAERunnerConfig export: every field is one SAELens defines (names from
// sae_lens/config.py and sae_lens/saes/*_sae.py, v6), values mapped from Lantern's config, and a
// Python script that builds the same config.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config';
import { pythonLiteral, toRunnerConfig, type RunnerDataSpec } from './runnerConfig';

/** LanguageModelSAERunnerConfig's fields (sae_lens/config.py). */
const RUNNER_FIELDS = new Set([
  'sae', 'model_name', 'model_class_name', 'hook_name', 'hook_eval', 'hook_layer', 'hook_head_index', 'dataset_path', 'dataset_trust_remote_code',
  'streaming', 'is_dataset_tokenized', 'context_size', 'use_cached_activations', 'cached_activations_path', 'from_pretrained_path', 'n_batches_in_buffer',
  'training_tokens', 'store_batch_size_prompts', 'seqpos_slice', 'device', 'act_store_device', 'seed', 'dtype', 'prepend_bos', 'autocast', 'autocast_lm',
  'compile_llm', 'llm_compilation_mode', 'compile_sae', 'sae_compilation_mode', 'train_batch_size_tokens', 'adam_beta1', 'adam_beta2', 'lr',
  'lr_scheduler_name', 'lr_warm_up_steps', 'lr_end', 'lr_decay_steps', 'n_restart_cycles', 'dead_feature_window', 'feature_sampling_window',
  'dead_feature_threshold', 'n_eval_batches', 'eval_batch_size_prompts', 'logger', 'n_checkpoints', 'checkpoint_path', 'verbose', 'model_kwargs',
  'model_from_pretrained_kwargs', 'exclude_special_tokens',
]);
/** SAEConfig + TrainingSAEConfig fields, then each architecture's own (sae_lens/saes). */
const SAE_BASE = ['d_in', 'd_sae', 'dtype', 'device', 'apply_b_dec_to_input', 'normalize_activations', 'decoder_init_norm', 'architecture'];
const SAE_FIELDS = {
  relu: new Set([...SAE_BASE, 'l1_coefficient', 'lp_norm', 'l1_warm_up_steps']),
  topk: new Set([...SAE_BASE, 'k', 'use_sparse_activations', 'aux_loss_coefficient']),
  batchtopk: new Set([...SAE_BASE, 'k', 'use_sparse_activations', 'aux_loss_coefficient', 'topk_threshold_lr']),
  jumprelu: new Set([...SAE_BASE, 'jumprelu_init_threshold', 'jumprelu_bandwidth', 'l0_coefficient', 'l0_warm_up_steps']),
};
const LOGGING_FIELDS = new Set(['log_to_wandb', 'log_activations_store_to_wandb', 'log_optimizer_state_to_wandb', 'wandb_project', 'wandb_id', 'run_name', 'wandb_entity', 'wandb_log_frequency', 'eval_every_n_wandb_logs']);

const data: RunnerDataSpec = {
  modelName: 'gpt2-small',
  hookName: 'blocks.8.hook_resid_pre',
  hookLayer: 8,
  contextSize: 128,
  datasetPath: 'Skylion007/openwebtext',
  prependBos: true,
  excludeSpecialTokens: false,
  storeBatchSizePrompts: 16,
};

describe('toRunnerConfig', () => {
  for (const arch of ['relu', 'topk', 'batchtopk', 'jumprelu'] as const) {
    it(`${arch}: every field is one SAELens's runner, logging and ${arch} training configs define`, () => {
      const { json } = toRunnerConfig('run', resolveConfig({ arch, dIn: 768, dSae: 24576 }), 1000, 100, data);
      for (const k of Object.keys(json)) expect(RUNNER_FIELDS.has(k), k).toBe(true);
      for (const k of Object.keys(json.sae as object)) expect(SAE_FIELDS[arch].has(k), `sae.${k}`).toBe(true);
      for (const k of Object.keys(json.logger as object)) expect(LOGGING_FIELDS.has(k), `logger.${k}`).toBe(true);
    });
  }

  it('maps a TopK run: tokens from steps × batch, the dead window in steps, cosine decay, the data spec', () => {
    const config = resolveConfig({ arch: 'topk', dIn: 768, dSae: 24576, k: 32, batchSize: 4096, lr: 2e-4, lrWarmupSteps: 50, lrDecay: 'cosine', lrEndFraction: 0.1, deadFeatureWindow: 4096 * 250, auxCoefficient: 1 / 32, seed: 7 });
    const { json, notes } = toRunnerConfig('gpt2 L8', config, 3000, 500, data);
    expect(json).toMatchObject({
      sae: { architecture: 'topk', d_in: 768, d_sae: 24576, k: 32, aux_loss_coefficient: 1 / 32 },
      model_name: 'gpt2-small',
      hook_name: 'blocks.8.hook_resid_pre',
      hook_layer: 8,
      dataset_path: 'Skylion007/openwebtext',
      context_size: 128,
      prepend_bos: true,
      training_tokens: 3000 * 4096,
      train_batch_size_tokens: 4096,
      store_batch_size_prompts: 16,
      lr: 2e-4,
      lr_warm_up_steps: 50,
      lr_scheduler_name: 'cosineannealing',
      lr_end: 2e-5,
      dead_feature_window: 250,
      n_checkpoints: 6,
      checkpoint_path: 'checkpoints/gpt2_L8',
      seed: 7,
      adam_beta1: 0.9,
    });
    expect(notes.join(' ')).toMatch(/dead_feature_window: Lantern's 1024000 tokens are 250 steps/);
  });

  it('maps ReLU and JumpReLU sparsity to l1 and l0 coefficients with their warm-ups, linear decay to lr_decay_steps', () => {
    const relu = toRunnerConfig('r', resolveConfig({ arch: 'relu', dIn: 8, dSae: 16, sparsityCoefficient: 5, sparsityWarmupSteps: 10, lrDecay: 'linear', lrWarmupSteps: 20 }), 100, 0, data).json;
    expect(relu).toMatchObject({ sae: { architecture: 'standard', l1_coefficient: 5, l1_warm_up_steps: 10, lp_norm: 1 }, lr_scheduler_name: 'constant', lr_decay_steps: 80, n_checkpoints: 0 });
    const jump = toRunnerConfig('j', resolveConfig({ arch: 'jumprelu', dIn: 8, dSae: 16, sparsityCoefficient: 1e-3, bandwidth: 0.05, initialThreshold: 0.01 }), 100, 0, data).json;
    expect(jump.sae).toMatchObject({ architecture: 'jumprelu', l0_coefficient: 1e-3, jumprelu_bandwidth: 0.05, jumprelu_init_threshold: 0.01 });
  });

  it('says what is missing: a dataset from local files, custom packing tokens', () => {
    const { json, notes, python } = toRunnerConfig('x', resolveConfig({ arch: 'topk', dIn: 8, dSae: 16 }), 10, 0, { ...data, datasetPath: null, prependBos: undefined });
    expect(json).toMatchObject({ dataset_path: '', prepend_bos: true });
    expect(notes.join('\n')).toMatch(/dataset_path: the dataset came from local files/);
    expect(python).toContain('# Note: prepend_bos: the tokenization used custom packing tokens');
  });

  it('writes a Python script that builds the same config with the architecture\'s class', () => {
    const { python } = toRunnerConfig('run "a"', resolveConfig({ arch: 'batchtopk', dIn: 768, dSae: 24576, k: 64 }), 10, 0, data);
    expect(python).toContain('from sae_lens import LanguageModelSAERunnerConfig, LanguageModelSAETrainingRunner, LoggingConfig, BatchTopKTrainingSAEConfig');
    expect(python).toContain('    sae=BatchTopKTrainingSAEConfig(\n        d_in=768,\n        d_sae=24576,');
    expect(python).toContain('        k=64,');
    expect(python).not.toContain('architecture=');
    expect(python).toContain('    prepend_bos=True,');
    expect(python).toContain('    logger=LoggingConfig(log_to_wandb=False, run_name="run \\"a\\""),');
    expect(python).toContain('    LanguageModelSAETrainingRunner(cfg).run()');
    expect(pythonLiteral({ a: [1, null, false], b: 'x' })).toBe('{"a": [1, None, False], "b": "x"}');
  });
});

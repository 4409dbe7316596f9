// The training form's model: defaults, conversion to job parameters, per-field validation
// (with the engine's own SaeConfigError), and a memory estimate against the device limits.
import { activationRows, planShards, resolveConfig, SaeConfigError, TRAINER_CONVENTIONS, validateConfig, type SaeConfig, type TrainerConventions } from '../../sae/config';
import type { Architecture } from '../../sae/types';
import type { TrainParams } from '../../jobs/kinds/train';
import { registerTemplateSchema, type TemplateSchema } from '../../storage/templates';
import { ARCHITECTURES } from '../../sae/types';

export interface TrainForm {
  name: string;
  arch: Architecture;
  /** Whose trainer defaults the run follows; 'saelens' also makes deadFeatureWindow a count of steps. */
  conventions: TrainerConventions;
  sourceType: 'synthetic' | 'activations' | 'live';
  /** Activation set (sourceType 'activations'); its width fixes dIn. */
  setId: string;
  /** Live extraction (sourceType 'live'): model, hook point, text, context size, contexts per chunk. */
  liveModelId: string;
  liveHook: string;
  liveText: string;
  liveContextSize: number;
  liveContexts: number;
  /** Probe texts for a model source, one per line (empty: samples of the dataset). */
  probeTexts: string;
  /** Synthetic source */
  dIn: number;
  nFeatures: number;
  sparsity: number;
  noise: number;
  sourceSeed: number;
  sizeMode: 'dSae' | 'expansion';
  dSae: number;
  expansion: number;
  k: number;
  sparsityCoefficient: number;
  sparsityWarmupSteps: number;
  batchSize: number;
  totalSteps: number;
  lr: number;
  lrWarmupSteps: number;
  lrDecay: SaeConfig['lrDecay'];
  normalizeActivations: SaeConfig['normalizeActivations'];
  deadFeatureWindow: number;
  checkpointEvery: number;
  seed: number;
}

export const DEFAULT_FORM: TrainForm = {
  name: 'topk-synthetic',
  arch: 'topk',
  conventions: 'lantern',
  sourceType: 'synthetic',
  setId: '',
  liveModelId: '',
  liveHook: '',
  liveText: '',
  liveContextSize: 32,
  liveContexts: 8,
  probeTexts: '',
  dIn: 64,
  nFeatures: 512,
  sparsity: 4,
  noise: 0,
  sourceSeed: 1,
  sizeMode: 'dSae',
  dSae: 512,
  expansion: 8,
  k: 8,
  sparsityCoefficient: 5,
  sparsityWarmupSteps: 0,
  batchSize: 256,
  totalSteps: 600,
  lr: 3e-3,
  lrWarmupSteps: 50,
  lrDecay: 'cosine',
  normalizeActivations: 'none',
  deadFeatureWindow: 100_000,
  checkpointEvery: 100,
  seed: 0,
};

/** The dead-feature window the form offers for each choice: tokens for Lantern, SAELens's default 1000 steps. */
export const DEAD_WINDOW_DEFAULT: Record<TrainerConventions, number> = {
  lantern: DEFAULT_FORM.deadFeatureWindow,
  saelens: resolveConfig({ arch: 'topk', dIn: 1, dSae: 1, conventions: 'saelens' }).deadFeatureWindow,
};

/** What "SAELens defaults" changes, for the form's hint. */
export const SAELENS_DEFAULTS_HINT =
  "As SAELens's trainer: gradients clipped to a global norm of 1.0 before Adam, AuxK coefficient 1, a latent dead after more than the window in steps without firing, Adam β1 = 0.";

/** Training templates hold exactly the form's fields. */
export const TRAIN_TEMPLATE_SCHEMA: TemplateSchema = Object.fromEntries(
  Object.entries(DEFAULT_FORM).map(([k, v]) => [k, typeof v === 'number' ? 'number' : 'string']),
);
Object.assign(TRAIN_TEMPLATE_SCHEMA, {
  arch: ARCHITECTURES,
  conventions: TRAINER_CONVENTIONS,
  sizeMode: ['dSae', 'expansion'],
  sourceType: ['synthetic', 'activations', 'live'],
  lrDecay: ['constant', 'linear', 'cosine'],
  normalizeActivations: ['none', 'expected_average_only_in'],
});
// Templates saved before the conventions choice follow Lantern's; before probe texts, have none typed.
registerTemplateSchema('training', TRAIN_TEMPLATE_SCHEMA, { conventions: 'lantern', probeTexts: '' });

/** Ground-truth probes every synthetic run records. */
export const PROBE_SYNTHETIC_COUNT = 3;

/** The typed probe texts: one per non-empty line. */
export function probeLines(f: TrainForm): string[] {
  return f.probeTexts
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

export type FieldErrors = Partial<Record<keyof TrainForm | 'form', string>>;

/** What a run trains on, for its suggested name: the model and hook of an activation set or live extraction. */
export interface RunSourceLabel {
  model: string;
  hook: string;
}

/** The run name the form suggests until the user types one: architecture and source, e.g. `topk-tiny-gpt2-L1.resid_post`. */
export function suggestRunName(f: TrainForm, source?: RunSourceLabel): string {
  if (f.sourceType === 'synthetic' || !source) return `${f.arch}-${f.sourceType}`;
  const model = source.model.slice(source.model.lastIndexOf('/') + 1);
  const hook = source.hook.replace(/^blocks\.(\d+)\.hook_/, 'L$1.');
  return `${f.arch}-${model}-${hook}`;
}

export function dSaeOf(f: TrainForm): number {
  return f.sizeMode === 'dSae' ? f.dSae : Math.round(f.dIn * f.expansion);
}

/** The label each field has on the form; validation messages name fields by these, never by internal names. */
const FIELD_LABELS: Record<keyof TrainForm, string> = {
  name: 'Run name',
  arch: 'Architecture',
  conventions: 'Trainer defaults',
  sourceType: 'Source',
  setId: 'Activation set',
  liveModelId: 'Model',
  liveHook: 'Hook point',
  liveText: 'Text to extract from',
  liveContextSize: 'Context size (tokens)',
  liveContexts: 'Contexts per forward pass',
  probeTexts: 'Probe texts',
  dIn: 'd_in (width)',
  nFeatures: 'True features',
  sparsity: 'Mean active features',
  noise: 'Noise (std)',
  sourceSeed: 'Data seed',
  sizeMode: 'Size by',
  dSae: 'd_sae (latents)',
  expansion: 'Expansion factor',
  k: 'k (active per token)',
  sparsityCoefficient: 'L1 coefficient',
  sparsityWarmupSteps: 'Sparsity warm-up steps',
  batchSize: 'Batch (tokens per step)',
  totalSteps: 'Total steps',
  lr: 'Learning rate',
  lrWarmupSteps: 'LR warm-up steps',
  lrDecay: 'LR decay',
  normalizeActivations: 'Normalisation',
  deadFeatureWindow: 'Dead-feature window (tokens)',
  checkpointEvery: 'Checkpoint every (steps)',
  seed: 'Seed',
};

/** A field's label as the form shows it now (a few depend on the source or the architecture). */
export function fieldLabel(f: TrainForm, key: keyof TrainForm): string {
  if (key === 'sourceSeed') return f.sourceType === 'synthetic' ? 'Data seed' : 'Shuffle seed';
  if (key === 'sparsityCoefficient') return f.arch === 'relu' ? 'L1 coefficient' : 'L0 coefficient';
  if (key === 'deadFeatureWindow') return f.conventions === 'saelens' ? 'Dead-feature window (steps)' : 'Dead-feature window (tokens)';
  return FIELD_LABELS[key];
}

/** Engine names inside messages, as the form says them. */
const INLINE_NAMES: Record<string, string> = {
  dSae: 'd_sae',
  dIn: 'd_in',
  batchSize: 'the batch',
  kAux: 'k_aux',
  metricsEvery: 'the metrics interval',
  histogramEvery: 'the histogram interval',
  maxShardBytes: 'the shard size',
};

/** An engine error in the form's words: `k: must be ≤ dSae (512), got 600` → `k (active per token) must be ≤ d_sae (512), got 600.` */
function inFormWords(f: TrainForm, field: keyof TrainForm | 'form', e: SaeConfigError): string {
  const subject = field === 'form' ? (INLINE_NAMES[e.field] ?? e.field) : fieldLabel(f, field);
  const prefix = `${e.field}: `;
  const said = (e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message).replace(/\b(dSae|dIn|batchSize|kAux|metricsEvery)\b/g, (m) => INLINE_NAMES[m]);
  const sentence = /^(must|needs|unknown)\b/.test(said) ? `${subject} ${said}` : `${subject}: ${said}`;
  // Form labels keep their case (k, d_sae); a sentence opening with an inline name is capitalised.
  return `${field === 'form' ? sentence.charAt(0).toUpperCase() + sentence.slice(1) : sentence}.`;
}

/** Engine config fields that the form edits under another name. */
const FIELD_OF: Partial<Record<keyof SaeConfig, keyof TrainForm>> = { dSae: 'dSae' };

function formField(f: TrainForm, field: string): keyof TrainForm | 'form' {
  if (field === 'dSae' && f.sizeMode === 'expansion') return 'expansion';
  if (field in FIELD_OF) return FIELD_OF[field as keyof SaeConfig]!;
  return field in f ? (field as keyof TrainForm) : 'form';
}

function configOf(f: TrainForm): SaeConfig {
  return resolveConfig({
    arch: f.arch,
    conventions: f.conventions,
    dIn: f.dIn,
    dSae: dSaeOf(f),
    k: f.k,
    batchSize: f.batchSize,
    totalSteps: f.totalSteps,
    lr: f.lr,
    lrWarmupSteps: f.lrWarmupSteps,
    lrDecay: f.lrDecay,
    sparsityCoefficient: f.arch === 'relu' || f.arch === 'jumprelu' ? f.sparsityCoefficient : 0,
    sparsityWarmupSteps: f.sparsityWarmupSteps,
    normalizeActivations: f.normalizeActivations,
    deadFeatureWindow: f.deadFeatureWindow,
    seed: f.seed,
    metricsEvery: 1,
    histogramEvery: 50,
  });
}

/** Every problem with the form, by field, in words that say what is allowed. */
export function validateForm(f: TrainForm, limits?: Record<string, number>): FieldErrors {
  const errors: FieldErrors = {};
  const int = (field: keyof TrainForm, min: number, what: string) => {
    const v = f[field] as number;
    if (!Number.isInteger(v) || v < min) errors[field] = `${what} must be a whole number ≥ ${min}.`;
  };
  if (!f.name.trim()) errors.name = 'Give the run a name.';
  if (f.sourceType === 'activations' && !f.setId) errors.setId = 'Choose an activation set (extract one on the Extraction page).';
  if (f.sourceType === 'live') {
    if (!f.liveModelId) errors.liveModelId = 'Choose a model (add one on the Models page).';
    if (!f.liveHook) errors.liveHook = 'Choose a hook point.';
    if (!f.liveText.trim()) errors.liveText = 'Give the text to extract activations from.';
    int('liveContextSize', 1, 'The context size');
    int('liveContexts', 1, 'Contexts per chunk');
  }
  if (f.sourceType !== 'synthetic' && probeLines(f).length > 16) errors.probeTexts = `Give at most 16 probe texts (one per line); there are ${probeLines(f).length}.`;
  int('dIn', 1, 'd_in');
  int('nFeatures', 1, 'The number of true features');
  if (!(f.sparsity > 0) || f.sparsity > f.nFeatures) errors.sparsity = `Mean active features must be in (0, ${f.nFeatures}].`;
  if (!(f.noise >= 0)) errors.noise = 'Noise must be ≥ 0.';
  int('sourceSeed', 0, 'The data seed');
  if (f.sizeMode === 'expansion' && !(f.expansion > 0)) errors.expansion = 'The expansion factor must be > 0.';
  int('totalSteps', 1, 'Total steps');
  int('checkpointEvery', 1, 'The checkpoint interval');
  // The engine names one bad field at a time: record it, put that field back to its default
  // and validate again, so the user sees every problem at once.
  const config = configOf(f);
  const defaults = resolveConfig({ arch: config.arch, dIn: 64, dSae: 512 });
  for (let i = 0; i < 20; i++) {
    try {
      validateConfig(config, limits as BufferLimits | undefined);
      break;
    } catch (e) {
      if (!(e instanceof SaeConfigError)) throw e;
      const field = formField(f, e.field);
      errors[field] ??= inFormWords(f, field, e);
      (config as unknown as Record<string, unknown>)[e.field] = (defaults as unknown as Record<string, unknown>)[e.field];
      if (e.field === 'k' || e.field === 'kAux') config.k = Math.min(config.k, config.dSae) || 1;
      if (e.field === 'kAux') config.kAux = Math.min(config.kAux, config.dSae) || 1;
    }
  }
  return errors;
}

export function toParams(f: TrainForm, runId: string): TrainParams {
  return {
    runId,
    name: f.name.trim(),
    config: configOf(f),
    source:
      f.sourceType === 'activations'
        ? { type: 'activations', setId: f.setId, seed: f.sourceSeed }
        : f.sourceType === 'live'
          ? {
              type: 'live',
              modelId: f.liveModelId,
              hook: f.liveHook,
              tokens: { type: 'text', text: f.liveText },
              contextSize: f.liveContextSize,
              contextsPerChunk: f.liveContexts,
              seed: f.sourceSeed,
              backend: 'auto',
            }
          : { type: 'synthetic', nFeatures: f.nFeatures, sparsity: f.sparsity, noise: f.noise, seed: f.sourceSeed },
    totalSteps: f.totalSteps,
    checkpointEvery: f.checkpointEvery,
    probes: f.sourceType === 'synthetic' ? { synthetic: PROBE_SYNTHETIC_COUNT } : { texts: probeLines(f) },
  };
}

export interface MemoryEstimate {
  /** Weights + gradients + two Adam moments. */
  parameterBytes: number;
  /** Per-step activations and scratch. */
  activationBytes: number;
  totalBytes: number;
  /** Largest single buffer once the latents are split into `shards`, compared with maxStorageBufferBindingSize. */
  largestBufferBytes: number;
  /** Latent shards the trainer will use on this device (1 when everything fits one binding or no limits are known). */
  shards: number;
}

type BufferLimits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>;

export function estimateMemory(f: TrainForm, limits?: Record<string, number>): MemoryEstimate {
  const dSae = dSaeOf(f);
  const params = 2 * f.dIn * dSae + 2 * dSae + f.dIn;
  const parameterBytes = 4 * params * 4;
  const rows = activationRows(f);
  const activationBytes = 4 * (3 * rows * dSae + 4 * f.batchSize * f.dIn);
  let widths = [dSae];
  if (limits) {
    try {
      widths = planShards(configOf(f), limits as BufferLimits);
    } catch (e) {
      if (!(e instanceof SaeConfigError)) throw e;
    }
  }
  return {
    parameterBytes,
    activationBytes,
    totalBytes: parameterBytes + activationBytes,
    largestBufferBytes: 4 * Math.max(f.dIn * widths[0], rows * widths[0], rows * f.dIn),
    shards: widths.length,
  };
}

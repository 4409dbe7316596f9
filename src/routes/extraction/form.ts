// The extraction form's model: defaults, its template schema, per-field validation (the hook
// checked against the model's depth with the runtime's own LmError), and conversion to job params.
import type { ExtractParams } from '../../jobs/kinds/extract';
import { LmError } from '../../lm/errors';
import { HOOK_KINDS, hookName, parseHook, type HookKind } from '../../lm/hooks';
import type { ModelSummary } from '../../lm/config';
import { registerTemplateSchema, type TemplateSchema } from '../../storage/templates';

export interface ExtractForm {
  modelId: string;
  layer: number;
  hookKind: HookKind;
  sourceType: 'text' | 'tokenization';
  /** Pasted text: the data, not the configuration, so templates leave it out. */
  text: string;
  tokenizationId: string;
  contextSize: number;
  batchSize: number;
  maxSequences: number;
  skipPositions: number;
  backend: 'auto' | 'wasm';
}

export const DEFAULT_EXTRACT_FORM: ExtractForm = {
  modelId: '',
  layer: 0,
  hookKind: 'hook_resid_post',
  sourceType: 'text',
  text: '',
  tokenizationId: '',
  contextSize: 32,
  batchSize: 8,
  maxSequences: 0,
  skipPositions: 0,
  backend: 'auto',
};

export const EXTRACT_TEMPLATE_SCHEMA: TemplateSchema = {
  modelId: 'string',
  layer: 'number',
  hookKind: HOOK_KINDS,
  sourceType: ['text', 'tokenization'],
  tokenizationId: 'string',
  contextSize: 'number',
  batchSize: 'number',
  maxSequences: 'number',
  skipPositions: 'number',
  backend: ['auto', 'wasm'],
};
registerTemplateSchema('extraction', EXTRACT_TEMPLATE_SCHEMA);

/** The form's fields a template keeps. */
export function templateBody(f: ExtractForm): Record<string, unknown> {
  return Object.fromEntries(Object.keys(EXTRACT_TEMPLATE_SCHEMA).map((k) => [k, f[k as keyof ExtractForm]]));
}

export type ExtractErrors = Partial<Record<keyof ExtractForm | 'hook', string>>;

const whole = (v: number, min: number) => Number.isInteger(v) && v >= min;

export function validateExtractForm(f: ExtractForm, model: ModelSummary | undefined): ExtractErrors {
  const e: ExtractErrors = {};
  if (!model) e.modelId = 'Choose a model (add one on the Models page).';
  if (!whole(f.layer, 0)) e.layer = 'Layer must be a whole number ≥ 0.';
  else if (model) {
    try {
      parseHook(hookName(f.layer, f.hookKind), model.nLayers);
    } catch (err) {
      e.layer = err instanceof LmError ? err.message : String(err);
    }
  }
  if (f.sourceType === 'text' && !f.text.trim()) e.text = 'Paste some text to extract from.';
  if (f.sourceType === 'tokenization' && !f.tokenizationId) e.tokenizationId = 'Choose a tokenized dataset.';
  if (!whole(f.contextSize, 1)) e.contextSize = 'Context size must be a whole number ≥ 1.';
  else if (model?.nCtx && f.sourceType === 'text' && f.contextSize > model.nCtx) e.contextSize = `The model's window is ${model.nCtx} tokens.`;
  if (!whole(f.batchSize, 1) || f.batchSize > 4096) e.batchSize = 'Batch size must be a whole number from 1 to 4096.';
  if (!whole(f.maxSequences, 0)) e.maxSequences = 'Use 0 for all contexts, or a positive whole number.';
  if (!whole(f.skipPositions, 0)) e.skipPositions = 'Skipped positions must be a whole number ≥ 0.';
  return e;
}

export function toExtractParams(f: ExtractForm, setId: string, datasetId: string): ExtractParams {
  return {
    setId,
    modelId: f.modelId,
    hook: hookName(f.layer, f.hookKind),
    source: f.sourceType === 'text' ? { type: 'text', text: f.text } : { type: 'tokenization', tokenizationId: f.tokenizationId, datasetId },
    contextSize: f.contextSize,
    batchSize: f.batchSize,
    maxSequences: f.maxSequences,
    skipPositions: f.skipPositions,
    backend: f.backend,
  };
}

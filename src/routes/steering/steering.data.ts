// Data behind the Steering page: the SAE steered with (the active one by default) and the model and
// hook it reads (or, with no SAE, a model chosen for difference vectors), the form and its request,
// and steering presets (templates of kind `steering`, their latents and vectors schema-checked). No markup here.
import { chatTemplateOf } from '../../lm/chatTemplate';
import { fetchHubFile } from '../../lm/hub';
import { RAW_VECTOR_KINDS, STEERING_METHODS, type RawVector, type SteeredLatent } from '../../lm/steering';
import type { SteerRequest } from '../../steering/service';
import { registerTemplateSchema, type FieldCheck } from '../../storage/templates';
import type { LanternDb, ModelRecord } from '../../storage/db';
import type { LibraryCheckpoint } from '../../storage/checkpoints';
import { saeTarget } from '../features/features.data';

export interface SteeringForm {
  prompt: string;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  /** logit[t] −= penalty × times t was generated; 0 is off. */
  frequencyPenalty: number;
  seed: number;
  multiplier: number;
  latents: SteeredLatent[];
  vectors: RawVector[];
}

export const DEFAULT_STEERING_FORM: SteeringForm = {
  prompt: 'The weather today is',
  maxNewTokens: 24,
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  frequencyPenalty: 0,
  seed: 1,
  multiplier: 1,
  latents: [],
  vectors: [],
};

/** The SAE steered with, and what it reads. */
export interface SteeringTarget {
  checkpoint: LibraryCheckpoint;
  modelId?: string;
  modelRepo?: string;
  hook?: string;
  /** Width, from the import's metadata or the run's config (undefined when neither says). */
  dSae?: number;
}

export async function steeringTarget(db: LanternDb, saeId: string): Promise<SteeringTarget | undefined> {
  const checkpoint = (await db.checkpoints.get(saeId)) as LibraryCheckpoint | undefined;
  if (!checkpoint || checkpoint.complete !== 1) return undefined;
  const { modelId, hook } = await saeTarget(db, checkpoint);
  const model = modelId ? await db.models.get(modelId) : undefined;
  const run = checkpoint.origin ? undefined : await db.runs.get(checkpoint.runId);
  const dSae = checkpoint.origin?.dSae ?? (run?.config as { dSae?: number } | undefined)?.dSae;
  return { checkpoint, modelId: model?.id, modelRepo: model?.repo, hook, dSae };
}

/** Whether a downloaded model's tokenizer_config.json (read from the cache it was downloaded into) has a chat template. */
export async function modelHasChatTemplate(model: ModelRecord): Promise<boolean> {
  if (model.files && !model.files.some((f) => f.path === 'tokenizer_config.json')) return false;
  try {
    const bytes = await fetchHubFile(model.repo, 'tokenizer_config.json', { host: model.host, revision: model.revision });
    return chatTemplateOf(JSON.parse(new TextDecoder().decode(bytes)) as object) !== undefined;
  } catch {
    return false;
  }
}

/** What is wrong with a preset's latents, or undefined: a list of {latent ≥ 0 whole, strength finite, method known}. */
export function checkLatents(v: unknown): string | undefined {
  if (!Array.isArray(v)) return 'must be a list of latents';
  for (const [i, l] of v.entries()) {
    const row = l as Partial<SteeredLatent> | null;
    const where = `row ${i + 1}`;
    if (!row || typeof row !== 'object' || Array.isArray(row)) return `${where} must be an object with latent, strength and method`;
    const extra = Object.keys(row).filter((k) => !['latent', 'strength', 'method'].includes(k));
    if (extra.length) return `${where} has unknown field ${extra.join(', ')}`;
    if (!Number.isInteger(row.latent) || (row.latent as number) < 0) return `${where}: latent must be a whole number ≥ 0`;
    if (typeof row.strength !== 'number' || !Number.isFinite(row.strength)) return `${where}: strength must be a finite number`;
    if (!(STEERING_METHODS as readonly string[]).includes(row.method as string)) return `${where}: method must be one of ${STEERING_METHODS.join(', ')}`;
  }
  return undefined;
}

const VECTOR_FIELDS: Record<RawVector['kind'], Record<string, 'number' | 'string' | 'boolean'>> = {
  latent: { kind: 'string', latent: 'number', hook: 'string', strength: 'number' },
  diff: { kind: 'string', promptA: 'string', promptB: 'string', hook: 'string', normalize: 'boolean', strength: 'number' },
};

/** What is wrong with a preset's raw vectors, or undefined: each a latent direction or a prompt difference with exactly its fields. */
export function checkVectors(v: unknown): string | undefined {
  if (!Array.isArray(v)) return 'must be a list of vectors';
  for (const [i, item] of v.entries()) {
    const where = `vector ${i + 1}`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) return `${where} must be an object`;
    const row = item as Record<string, unknown>;
    if (!(RAW_VECTOR_KINDS as readonly string[]).includes(row.kind as string)) return `${where}: kind must be one of ${RAW_VECTOR_KINDS.join(', ')}`;
    const fields = VECTOR_FIELDS[row.kind as RawVector['kind']];
    const extra = Object.keys(row).filter((k) => !(k in fields));
    if (extra.length) return `${where} has unknown field ${extra.join(', ')}`;
    for (const [field, type] of Object.entries(fields)) {
      if (typeof row[field] !== type) return `${where}: ${field} must be a ${type}`;
    }
    if (!Number.isFinite(row.strength)) return `${where}: strength must be a finite number`;
    if (row.kind === 'latent' && (!Number.isInteger(row.latent) || (row.latent as number) < 0)) return `${where}: latent must be a whole number ≥ 0`;
  }
  return undefined;
}

const LATENTS: FieldCheck = { check: checkLatents };
const VECTORS: FieldCheck = { check: checkVectors };

registerTemplateSchema(
  'steering',
  {
    prompt: 'string',
    maxNewTokens: 'number',
    temperature: 'number',
    topK: 'number',
    topP: 'number',
    frequencyPenalty: 'number',
    seed: 'number',
    multiplier: 'number',
    latents: LATENTS,
    vectors: VECTORS,
  },
  // Presets saved before these fields existed: no penalty, no raw vectors.
  { frequencyPenalty: 0, vectors: [] },
);

/** The worker's request for a form, on the SAE's model or (without an SAE) `modelId`; the worker checks every value. */
export function steerRequest(form: SteeringForm, target: SteeringTarget | undefined, modelId: string | undefined, backend: 'auto' | 'wasm'): SteerRequest {
  return {
    saeId: target?.checkpoint.id,
    modelId: (target ? target.modelId : modelId) ?? '',
    hook: target?.hook,
    prompt: form.prompt,
    setup: { multiplier: form.multiplier, latents: form.latents.map((l) => ({ ...l })), vectors: form.vectors.map((v) => ({ ...v })) },
    maxNewTokens: form.maxNewTokens,
    temperature: form.temperature,
    topK: form.topK,
    topP: form.topP,
    frequencyPenalty: form.frequencyPenalty,
    seed: form.seed,
    backend,
  };
}

/** What keeps the form from running, in words; undefined when it can run. Without an SAE only difference vectors on a chosen model can. */
export function targetProblem(target: SteeringTarget | undefined, form: Pick<SteeringForm, 'latents' | 'vectors'>, modelId?: string): string | undefined {
  if (!target) {
    if (form.latents.length || form.vectors.some((v) => v.kind === 'latent')) return 'Latents need an SAE: make one active from the header\'s SAE menu or the Library, or steer with prompt differences only.';
    if (!modelId) return 'Choose a model to steer.';
    return undefined;
  }
  if (!target.modelId) return 'The model this SAE reads is not downloaded; add it on the Models page.';
  if (!target.hook) return 'This SAE does not say which hook it reads.';
  return undefined;
}

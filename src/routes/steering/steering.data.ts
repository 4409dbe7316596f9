// Data behind the Steering page: the SAE steered with (the active one by default) and the model and
// hook it reads, the form and its request, and steering presets (templates of kind `steering`,
// their latents schema-checked). No markup here.
import { STEERING_METHODS, type SteeredLatent } from '../../lm/steering';
import type { SteerRequest } from '../../steering/service';
import { registerTemplateSchema, type FieldCheck } from '../../storage/templates';
import type { LanternDb } from '../../storage/db';
import type { LibraryCheckpoint } from '../../storage/checkpoints';
import { saeTarget } from '../features/features.data';

export interface SteeringForm {
  prompt: string;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  multiplier: number;
  latents: SteeredLatent[];
}

export const DEFAULT_STEERING_FORM: SteeringForm = {
  prompt: 'The weather today is',
  maxNewTokens: 24,
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  seed: 1,
  multiplier: 1,
  latents: [],
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

const LATENTS: FieldCheck = { check: checkLatents };

registerTemplateSchema('steering', {
  prompt: 'string',
  maxNewTokens: 'number',
  temperature: 'number',
  topK: 'number',
  topP: 'number',
  seed: 'number',
  multiplier: 'number',
  latents: LATENTS,
});

/** The worker's request for a form; the worker checks every value. */
export function steerRequest(form: SteeringForm, target: SteeringTarget, backend: 'auto' | 'wasm'): SteerRequest {
  return {
    saeId: target.checkpoint.id,
    modelId: target.modelId ?? '',
    hook: target.hook ?? '',
    prompt: form.prompt,
    setup: { multiplier: form.multiplier, latents: form.latents.map((l) => ({ ...l })) },
    maxNewTokens: form.maxNewTokens,
    temperature: form.temperature,
    topK: form.topK,
    topP: form.topP,
    seed: form.seed,
    backend,
  };
}

/** What keeps the form from running, in words; undefined when it can run. */
export function targetProblem(target: SteeringTarget | undefined): string | undefined {
  if (!target) return 'No SAE to steer with: make one active from the header\'s SAE menu or the Library.';
  if (!target.modelId) return 'The model this SAE reads is not downloaded; add it on the Models page.';
  if (!target.hook) return 'This SAE does not say which hook it reads.';
  return undefined;
}
